/// Several conversations with one model writing at once, a character each per step: every conversation draws
/// from its own distribution with its own generator and settings, and then all the drawn characters go through
/// the network as one batch of streams — one product per layer for the lot, as `sample --count` runs its
/// streams — and each memory takes its own row of the result back. Reading works the same way, a piece of text
/// each, batched over the streams and over time (``read(_:pieces:)``).
///
/// A batch-1 step reads every weight to do one multiply-add with it, so it is bound by memory; a batch of n
/// streams reads each weight once for n multiply-adds, which is why n conversations cost little more than one.
/// With a sampler's int8 or F16 copies of the weights (``init(sharingWeightsWith:capacity:)``, an int8 or F16
/// checkpoint such as the bundled model) every stream's products are summed exactly as that sampler sums them
/// alone, so a conversation writes the same text with the same seed however many others write beside it. With float
/// weights the batched products go through the BLAS library, which may sum in another order than batch 1's
/// products: the same seed can then draw another text once a distribution's last bits differ.
///
/// The conversations must be of this batch's model, not learning (their weights are the model's own), and each
/// may appear once per step. Moving each memory in and out copies a few kilobytes, against the megabytes of
/// weights a step reads; nothing is allocated per step.
public final class ConversationBatch {
    /// The model every conversation talks to.
    public let model: CharLSTMModel
    /// The most conversations one step takes.
    public let capacity: Int
    /// The longest piece ``read(_:pieces:)`` takes.
    public let readSteps: Int
    private let workspace: ChunkWorkspace
    private let readingWorkspace: ChunkWorkspace
    private var ids: [Int32]

    /// One character written by ``writeNext(_:settings:into:)``: the character and its surprisal, −log₂ p, under
    /// the model's distribution at temperature 1 (what `inspect` colours by), before temperature or cut-offs.
    public struct WrittenCharacter: Sendable, Equatable {
        public var character: Unicode.Scalar
        public var bits: Double
    }

    /// A batch of up to `capacity` conversations with `sampler`'s model, multiplying by its int8 or F16 copies of
    /// the weights when it has them, reading pieces of up to `readSteps` characters.
    public init(sharingWeightsWith sampler: Sampler, capacity: Int, readSteps: Int = 64) {
        precondition(capacity >= 1 && readSteps >= 1)
        model = sampler.model
        self.capacity = capacity
        self.readSteps = readSteps
        workspace = ChunkWorkspace(config: model.config, batch: capacity, steps: 1, keepsLayerGates: false,
                                   halfWeights: sampler.workspace.halfWeights, int8Weights: sampler.workspace.int8Weights)
        readingWorkspace = ChunkWorkspace(config: model.config, batch: capacity, steps: readSteps, keepsLayerGates: false,
                                          halfWeights: sampler.workspace.halfWeights,
                                          int8Weights: sampler.workspace.int8Weights)
        readingWorkspace.multipliesStreamsApart = true
        ids = [Int32](repeating: 0, count: capacity)
    }

    /// Reads `pieces[k]` into conversation k's memory, all of them in one pass over the network: the pieces are
    /// of one length, at most ``readSteps``, and every character is known to the model. Afterwards each memory,
    /// transcript and next-character distribution are as after ``Conversation/read(_:progress:)`` of its piece —
    /// to the bit with int8 weights, and with F16 ones when the conversations' samplers read a piece in one pass
    /// (a `primeChunk` of at least the piece's length), since every stream's products are then summed as its own
    /// would be.
    public func read(_ conversations: [Conversation], pieces: [ArraySlice<Unicode.Scalar>]) {
        let n = conversations.count
        guard n > 0, let length = pieces.first?.count, length > 0 else { return }
        precondition(n <= capacity && pieces.count == n && pieces.allSatisfy { $0.count == length } && length <= readSteps,
                     "pieces this batch cannot read together")
        if n == 1 {
            conversations[0].read(pieces[0])
            return
        }
        let start = ContinuousClock.now
        let v = model.config.vocabularySize
        let vocabulary = model.vocabulary
        for (k, conversation) in conversations.enumerated() {
            precondition(conversation.sampler.model === model && !conversation.isLearning, "a conversation this batch cannot read for")
            readingWorkspace.copyStream(k, from: conversation.sampler.workspace, stream: 0)
            for (t, character) in pieces[k].enumerated() {
                guard let id = vocabulary.id(of: character) else { preconditionFailure("a character the model does not know") }
                readingWorkspace.inputs[t * n + k] = id
            }
        }
        model.forward(readingWorkspace, batch: n, steps: length, logitsOfLastStepOnly: true)
        readingWorkspace.carryState(batch: n, steps: length)
        let share = (ContinuousClock.now - start).seconds / Double(n)
        for (k, conversation) in conversations.enumerated() {
            conversation.sampler.workspace.copyStream(0, from: readingWorkspace, stream: k)
            conversation.sampler.tookBatchedStep(logits: readingWorkspace.logits.pointer + k * v)
            conversation.recordRead(pieces[k], seconds: share)
        }
    }

    /// Writes one character in each of `conversations` (at most ``capacity``), drawn with `settings[k]` for
    /// conversation k, and puts them in `written` in the same order (reusing its room). Each conversation's
    /// memory and transcript then hold its character, as after ``Conversation/write(count:stop:settings:onCharacter:)``.
    public func writeNext(_ conversations: [Conversation], settings: [SamplingSettings],
                          into written: inout [WrittenCharacter]) {
        let n = conversations.count
        precondition(n <= capacity && settings.count == n, "more conversations than the batch holds")
        written.removeAll(keepingCapacity: true)
        guard n > 0 else { return }
        let start = ContinuousClock.now
        for (k, conversation) in conversations.enumerated() {
            let sampler = conversation.sampler
            precondition(sampler.model === model && !conversation.isLearning, "a conversation this batch cannot step")
            ids[k] = sampler.draw(settings[k], random: &conversation.random)
            written.append(WrittenCharacter(character: model.vocabulary.character(ids[k]),
                                            bits: sampler.surprisal(of: ids[k]) ?? 0))
        }
        if n == 1 {
            conversations[0].sampler.feed(ids[0])
        } else {
            step(conversations, count: n)
        }
        // Each conversation is charged its share of the step.
        let share = (ContinuousClock.now - start).seconds / Double(n)
        for (k, conversation) in conversations.enumerated() {
            conversation.recordWritten(written[k].character, since: start)
            conversation.recordWritingTime(share)
        }
    }

    /// Feeds `ids[k]` to conversation k's sampler for k < n in one batched forward pass: stream k of the
    /// workspace starts from that sampler's `h` (and `c`) and gives it back moved on by its character.
    private func step(_ conversations: [Conversation], count n: Int) {
        let v = model.config.vocabularySize
        for (k, conversation) in conversations.enumerated() {
            workspace.copyStream(k, from: conversation.sampler.workspace, stream: 0)
            workspace.inputs[k] = ids[k]
        }
        model.forward(workspace, batch: n, steps: 1, logitsOfLastStepOnly: true)
        workspace.carryState(batch: n, steps: 1)
        for (k, conversation) in conversations.enumerated() {
            conversation.sampler.workspace.copyStream(0, from: workspace, stream: k)
            conversation.sampler.tookBatchedStep(logits: workspace.logits.pointer + k * v)
        }
    }
}
