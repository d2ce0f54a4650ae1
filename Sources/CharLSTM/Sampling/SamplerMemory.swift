/// Everything a ``Sampler`` remembers of the text it has read and written: every layer's `h` (and an LSTM's `c`),
/// the logits of the next character, and the distribution its last generated character was drawn from (for
/// `:why`). Putting a memory back makes the sampler answer exactly as it did when the memory was taken — the same
/// next-character probabilities to the last bit — because these are all the numbers the next step reads.
///
/// A 2×512 LSTM's memory is 8 KB of state and two vocabulary-sized rows. Taking one into a ``SamplerMemory`` that
/// already held one of the same model copies into its arrays without allocating.
public struct SamplerMemory: Sendable, Equatable {
    /// `layers × hidden`, layer-major.
    public internal(set) var h: [Float] = []
    /// `layers × hidden`; empty for cells without a cell state (GRU, RNN).
    public internal(set) var c: [Float] = []
    /// The logits of the next character; empty when nothing has been read since the memory was cleared.
    public internal(set) var nextLogits: [Float] = []
    /// The distribution the last generated character was drawn from, and that character's id; empty and −1 when
    /// nothing has been generated.
    public internal(set) var lastDraw: [Float] = []
    /// The id of the last generated character, −1 for none.
    public internal(set) var lastDrawn: Int32 = -1

    /// An empty memory, to be filled by ``Sampler/copyMemory(into:)``.
    public init() {}

    /// A memory as a state file holds it; ``Sampler/restore(_:)`` checks its sizes against the model.
    public init(h: [Float], c: [Float], nextLogits: [Float], lastDraw: [Float], lastDrawn: Int32) {
        self.h = h
        self.c = c
        self.nextLogits = nextLogits
        self.lastDraw = lastDraw
        self.lastDrawn = lastDrawn
    }

    /// Whether the sizes fit a model of this shape (`h` and `c` of every layer, one logit per character).
    public func fits(_ config: ModelConfig) -> Bool {
        let state = config.layers * config.hidden
        return h.count == state && c.count == (config.cell.hasCellState ? state : 0)
            && (nextLogits.isEmpty || nextLogits.count == config.vocabularySize)
            && (lastDraw.isEmpty ? lastDrawn == -1 : lastDraw.count == config.vocabularySize
                && (0..<Int32(config.vocabularySize)).contains(lastDrawn))
    }
}

extension Sampler {
    /// The memory now.
    public func memory() -> SamplerMemory {
        var memory = SamplerMemory()
        copyMemory(into: &memory)
        return memory
    }

    /// Copies the memory now into `memory`, reusing its arrays' room.
    public func copyMemory(into memory: inout SamplerMemory) {
        let v = model.config.vocabularySize
        workspace.copyState(h: &memory.h, c: &memory.c)
        memory.nextLogits.removeAll(keepingCapacity: true)
        if hasDistribution { memory.nextLogits.append(contentsOf: UnsafeBufferPointer(start: nextLogits.pointer, count: v)) }
        memory.lastDraw.removeAll(keepingCapacity: true)
        if lastDrawn >= 0 { memory.lastDraw.append(contentsOf: UnsafeBufferPointer(start: lastDraw.pointer, count: v)) }
        memory.lastDrawn = lastDrawn
    }

    /// Puts `memory` back. It must fit the model (``SamplerMemory/fits(_:)``): memories come from this sampler,
    /// or from a state file whose reader checked them against the model.
    public func restore(_ memory: SamplerMemory) {
        precondition(memory.fits(model.config), "a memory of another model's shape")
        workspace.setState(h: memory.h, c: memory.c)
        hasDistribution = !memory.nextLogits.isEmpty
        memory.nextLogits.withUnsafeBufferPointer { values in
            if let base = values.baseAddress { nextLogits.pointer.update(from: base, count: values.count) }
        }
        memory.lastDraw.withUnsafeBufferPointer { values in
            if let base = values.baseAddress { lastDraw.pointer.update(from: base, count: values.count) }
        }
        lastDrawn = memory.lastDrawn
    }
}
