/// The weights a ``Conversation``'s learning has passed through, so that taking an exchange back also takes back
/// what it taught them.
///
/// Every change of the weights gets a new version number; version 0 is the trained weights, which the learner
/// always holds. Before each change the weights of the version being left are kept, in a ring of
/// ``capacity`` copies (each as large as the model), so only the last changes can be taken back from the
/// weights; beyond them, the trained weights still can.
final class WeightHistory {
    let learner: DynamicLearner
    /// The version the weights are now (0: the trained weights).
    private(set) var version = 0
    /// How many versions besides the trained one are kept.
    let capacity: Int

    private var slots: [(version: Int, weights: DynamicLearner.KeptWeights)]
    private var newest = -1
    private var lastVersion = 0

    /// Room kept for copies of the weights: as many as fit, up to ``Conversation/undoLevels``, at least 2.
    static let budgetBytes = 128 << 20

    /// A history of `learner`'s weights keeping `capacity` versions (nil: as many as ``budgetBytes`` holds).
    init(learner: DynamicLearner, capacity: Int? = nil) {
        self.learner = learner
        let bytes = learner.model.parameters.count * MemoryLayout<Float>.stride
        self.capacity = max(1, capacity ?? max(2, min(Conversation.undoLevels, Self.budgetBytes / max(bytes, 1))))
        slots = []
    }

    /// Keeps the weights now, before they change; call ``changed()`` after.
    func willChange() {
        guard version != 0 else { return }
        newest = (newest + 1) % capacity
        if slots.count < capacity {
            slots.append((version, DynamicLearner.KeptWeights()))
        } else {
            slots[newest].version = version
        }
        learner.keepWeights(into: &slots[newest].weights)
    }

    /// Numbers the weights now as a new version.
    func changed() {
        lastVersion += 1
        version = lastVersion
    }

    /// Back to the trained weights: version 0.
    func resetToTrained() {
        willChange()
        learner.resetWeights()
        version = 0
    }

    /// Returns the weights to `wanted`; false, changing nothing, when that version is no longer kept.
    func restore(_ wanted: Int) -> Bool {
        if wanted == version { return true }
        if wanted == 0 {
            learner.resetWeights()
        } else {
            guard let slot = slots.firstIndex(where: { $0.version == wanted }) else { return false }
            learner.restoreWeights(slots[slot].weights)
        }
        version = wanted
        return true
    }
}
