import Foundation

/// A conversation with a model, exchange by exchange: text read into its memory, continuations written out of
/// it, and everything needed to take an exchange back. Front ends — the REPL, a server, an app — drive it; it does
/// no input or output of its own.
///
/// Before each exchange it keeps the ``ConversationState`` (the memory, the random generator, how much has been
/// read) in a ring of the last ``undoLevels``, so ``undo()`` returns to the moment before an exchange exactly:
/// the next-character distribution is the same to the last bit, and with the same generator the same text
/// brings the same continuation. ``takeBackForAgain()`` returns the memory but keeps the generator where the
/// exchange left it, so the same text brings a new continuation. Keeping a state copies a few kilobytes; after
/// the ring has gone round once, it allocates nothing.
public final class Conversation {
    /// The sampler holding the memory; front ends read its distributions and units to show them.
    public let sampler: Sampler
    /// Draws the continuations' characters.
    public var random: RandomSource
    /// Everything the memory has read and written since the conversation began, in order (what `:transcript`
    /// writes). Text skipped as unknown to the vocabulary is not in it.
    public private(set) var transcript: [Unicode.Scalar] = []
    /// The figures of the last exchange, once one has ended.
    public private(set) var lastStatistics: ExchangeStatistics?

    /// How many exchanges can be taken back.
    public static let undoLevels = 100
    /// How many of the latest characters a state keeps, to say where the memory stands.
    public static let tailLength = 200

    private var ring: [Exchange]
    private var ringStart = 0
    private var ringCount = 0
    /// Characters the memory has taken in since it was last cleared; and the last of them from before
    /// `transcript[tailStart...]` (a restored state's), so that ``tail`` can always be told.
    private var charactersInMemory = 0
    private var tailBefore: [Unicode.Scalar] = []
    private var tailStart = 0
    private var exchangeStart: ContinuousClock.Instant?
    private var statistics = ExchangeStatistics()
    /// The weights' history while a learner is attached (see ``startLearning(with:)``).
    private var history: WeightHistory?

    /// One exchange: the state before it, and the text it read (for ``takeBackForAgain()``): none for a step
    /// that is not repeated that way (reading a file, clearing or restoring the memory).
    private struct Exchange {
        var before = ConversationState()
        var input: [Unicode.Scalar] = []
        var repeatable = false
        /// The version of the weights before it (see ``WeightHistory``).
        var weightsVersion = 0
    }

    /// A conversation with `sampler`'s model, its memory as `sampler` has it, drawing with `random`.
    public init(sampler: Sampler, random: RandomSource) {
        self.sampler = sampler
        self.random = random
        ring = Array(repeating: Exchange(), count: Self.undoLevels)
    }

    /// How many exchanges ``undo()`` can take back now.
    public var undoDepth: Int { ringCount }

    /// Characters the memory has read and written since it was last cleared (by ``clearMemory()``, or since the
    /// state it was restored from was cleared).
    public var charactersRead: Int { charactersInMemory }

    /// The last characters the memory took in (up to ``tailLength``), oldest first.
    public var tail: [Unicode.Scalar] {
        var tail: [Unicode.Scalar] = []
        appendTail(to: &tail)
        return tail
    }

    private func appendTail(to tail: inout [Unicode.Scalar]) {
        let recent = transcript[tailStart...].suffix(Self.tailLength)
        tail.append(contentsOf: tailBefore.suffix(Self.tailLength - recent.count))
        tail.append(contentsOf: recent)
    }

    // MARK: Exchanges

    /// Starts an exchange: keeps the state now so that ``undo()`` can return to it, and starts its
    /// ``lastStatistics``. `input` is the text it will read, which ``takeBackForAgain()`` hands back (empty for
    /// one that only continues); nil for an exchange that is not repeated that way, such as reading a file.
    public func beginExchange(reading input: [Unicode.Scalar]?) {
        keepUndoPoint(input: input)
        statistics = ExchangeStatistics()
        exchangeStart = ContinuousClock.now
    }

    private func keepUndoPoint(input: [Unicode.Scalar]?) {
        let slot = (ringStart + ringCount) % Self.undoLevels
        if ringCount == Self.undoLevels { ringStart = (ringStart + 1) % Self.undoLevels } else { ringCount += 1 }
        copyState(into: &ring[slot].before)
        ring[slot].input.removeAll(keepingCapacity: true)
        ring[slot].input.append(contentsOf: input ?? [])
        ring[slot].repeatable = input != nil
        ring[slot].weightsVersion = history?.version ?? 0
    }

    /// Whether the last exchange read a text that ``takeBackForAgain()`` can hand back.
    public var lastExchangeIsRepeatable: Bool {
        ringCount > 0 && ring[(ringStart + ringCount - 1) % Self.undoLevels].repeatable
    }

    /// Ends the exchange begun last, fixing its ``lastStatistics``.
    public func endExchange() {
        lastStatistics = statistics
        exchangeStart = nil
    }

    /// Reads `text` into the memory (batched over time), reporting to `progress` after each chunk. Characters
    /// outside the vocabulary are skipped and returned with counts.
    @discardableResult
    public func read<S: Sequence>(_ text: S, progress: ReadingProgress? = nil) -> [Unicode.Scalar: Int]
    where S.Element == Unicode.Scalar {
        let start = ContinuousClock.now
        let before = transcript.count
        let vocabulary = sampler.model.vocabulary
        let unknown: [Unicode.Scalar: Int]
        if isLearning {
            unknown = learn(text, progress: progress, scored: nil)
        } else {
            // Every character the sampler takes in is fed (a read stops only after a whole chunk).
            unknown = sampler.prime(text, progress: progress) { [self] id in transcript.append(vocabulary.character(id)) }
        }
        let taken = transcript.count - before
        charactersInMemory += taken
        statistics.charactersRead += taken
        statistics.readSeconds += (ContinuousClock.now - start).seconds
        return unknown
    }

    /// Reads `text` one character at a time, measuring each one's surprisal (see
    /// ``Sampler/feedMeasuringSurprise(_:)``).
    /// While learning, the text is read as ``read(_:progress:)`` reads it, each character's surprisal measured
    /// before the weights learned from it.
    public func readMeasuringSurprise(_ text: String.UnicodeScalarView)
        -> (measured: [(character: Unicode.Scalar, bits: Double?)], unknown: [Unicode.Scalar: Int]) {
        let start = ContinuousClock.now
        let vocabulary = sampler.model.vocabulary
        let result: (measured: [(character: Unicode.Scalar, bits: Double?)], unknown: [Unicode.Scalar: Int])
        if isLearning {
            // The first known character is predicted by the distribution the memory holds; each later one by the
            // learner's segment that scores it.
            var bits: [Double?] = []
            if let first = text.lazy.compactMap({ vocabulary.id(of: $0) }).first { bits.append(sampler.surprisal(of: first)) }
            let unknown = learn(text, progress: nil, recording: false) { _, nats in bits.append(nats / M_LN2) }
            var next = bits.makeIterator()
            result = (text.map { vocabulary.id(of: $0) == nil ? ($0, nil) : ($0, next.next() ?? nil) }, unknown)
        } else {
            result = sampler.feedMeasuringSurprise(text)
        }
        let taken = result.measured.filter { vocabulary.id(of: $0.character) != nil }.map(\.character)
        transcript.append(contentsOf: taken)
        charactersInMemory += taken.count
        statistics.charactersRead += taken.count
        statistics.readSeconds += (ContinuousClock.now - start).seconds
        return result
    }

    /// Writes a continuation: up to `count` characters drawn with ``random`` as `settings` say, each handed to
    /// `onCharacter` as soon as it exists (return false to stop), ending early after `stop`. The memory keeps
    /// every character delivered.
    @discardableResult
    public func write(count: Int, stop: [Unicode.Scalar] = [], settings: SamplingSettings,
                      onCharacter: (Unicode.Scalar) -> Bool) -> Sampler.GenerationEnd {
        let start = ContinuousClock.now
        let end = sampler.generate(count: count, stop: stop, settings: settings, random: &random) { character in
            recordWritten(character, since: start)
            return onCharacter(character)
        }
        statistics.writeSeconds += (ContinuousClock.now - start).seconds
        return end
    }

    /// Keeps a character the memory has just written (by ``write(count:stop:settings:onCharacter:)`` or a
    /// ``ConversationBatch``), whose writing began at `start`.
    func recordWritten(_ character: Unicode.Scalar, since start: ContinuousClock.Instant) {
        if statistics.charactersWritten == 0 {
            statistics.firstCharacterSeconds = ((ContinuousClock.now - (exchangeStart ?? start))).seconds
        }
        statistics.charactersWritten += 1
        transcript.append(character)
        charactersInMemory += 1
    }

    /// Adds `seconds` spent writing to the exchange's figures (a ``ConversationBatch``'s share of a step).
    func recordWritingTime(_ seconds: Double) { statistics.writeSeconds += seconds }

    /// Keeps characters a ``ConversationBatch`` has just read into the memory, its share of the pass taking
    /// `seconds`.
    func recordRead(_ characters: ArraySlice<Unicode.Scalar>, seconds: Double) {
        transcript.append(contentsOf: characters)
        charactersInMemory += characters.count
        statistics.charactersRead += characters.count
        statistics.readSeconds += seconds
    }

    /// Writes the likeliest continuation of `length` characters found by beam search with `width` beams; the
    /// memory holds it.
    public func writeBeam(width: Int, length: Int) -> [Unicode.Scalar] {
        let start = ContinuousClock.now
        let text = sampler.beamSearch(width: width, length: length)
        let now = ContinuousClock.now
        statistics.firstCharacterSeconds = (now - (exchangeStart ?? start)).seconds
        statistics.charactersWritten += text.count
        statistics.writeSeconds += (now - start).seconds
        transcript.append(contentsOf: text)
        charactersInMemory += text.count
        return text
    }

    // MARK: Learning

    /// Whether the text read now also teaches the weights (dynamic evaluation; see ``DynamicLearner``).
    public private(set) var isLearning = false

    /// The learner attached by ``startLearning(with:)``, whose weights the conversation's model now has.
    public var learner: DynamicLearner? { history?.learner }

    /// From now on, text read (not the model's own continuations) also adapts the weights, after it has been
    /// scored, through `learner`, which must adapt this conversation's model. Taking an exchange back takes back
    /// what it taught the weights too, for the last ``weightUndoLevels`` changes.
    public func startLearning(with learner: DynamicLearner) { startLearning(with: learner, keptWeights: nil) }

    /// ``startLearning(with:)`` keeping `keptWeights` versions of the weights (nil: as many as
    /// ``WeightHistory/budgetBytes`` holds).
    func startLearning(with learner: DynamicLearner, keptWeights: Int?) {
        precondition(learner.model === sampler.model, "a learner of another model")
        if history?.learner !== learner { history = WeightHistory(learner: learner, capacity: keptWeights) }
        isLearning = true
    }

    /// Text read no longer teaches the weights; they keep what they have learned (``resetWeights()`` returns
    /// them to the trained ones).
    public func stopLearning() { isLearning = false }

    /// How many changes of the weights can be taken back (the trained weights always can).
    public var weightUndoLevels: Int { history?.capacity ?? 0 }

    /// Returns the weights to the trained ones, as a step of its own that ``undo()`` can take back; the memory
    /// stays as it is.
    public func resetWeights() {
        guard let history, history.version != 0 else { return }
        keepUndoPoint(input: nil)
        history.resetToTrained()
        sampler.weightsAreOriginal(true)
    }

    /// Whether the last ``undo()`` or ``takeBackForAgain()`` returned the memory but could not return the weights,
    /// because that version of them was no longer kept.
    public private(set) var lastTakeBackMissedWeights = false

    /// Reads `text` from the sampler's memory through the learner: every (character, next) pair is scored and
    /// then learned from, a segment at a time; the text's last character, which predicts nothing yet, is fed by
    /// the sampler with the new weights, leaving the next character's distribution ready.
    /// With `recording`, what is read goes into the transcript.
    private func learn<S: Sequence>(_ text: S, progress: ReadingProgress?, recording: Bool = true,
                                    scored: ((_ id: Int32, _ nats: Double) -> Void)?) -> [Unicode.Scalar: Int]
    where S.Element == Unicode.Scalar {
        guard let history else { preconditionFailure("learning without a learner") }
        let learner = history.learner
        let vocabulary = sampler.model.vocabulary
        learner.workspace.copyState(from: sampler.workspace)
        history.willChange()
        let outcome = learner.read(text, progress: progress,
                                   each: recording ? { [self] id in transcript.append(vocabulary.character(id)) } : nil,
                                   scored: scored)
        if learner.updates > 0 { history.changed() }
        sampler.weightsAreOriginal(history.version == 0)
        // The learner read every pair; the sampler takes its memory and reads the last character, which predicts
        // nothing yet, with the new weights. (With no pair read, both memories are what they were.)
        sampler.workspace.copyState(from: learner.workspace)
        if let last = outcome.last { sampler.feed(last) }
        return outcome.unknown
    }

    /// Forgets everything the memory holds: `h` (and `c`) back to zero, as a step of its own that ``undo()`` can
    /// take back. (The transcript keeps what was said.)
    public func clearMemory() {
        keepUndoPoint(input: nil)
        sampler.reset()
        charactersInMemory = 0
        tailBefore = []
        tailStart = transcript.count
    }

    // MARK: Taking back

    /// Takes the last exchange back: the memory, the generator and the transcript return to the moment before
    /// it. Returns false when there is nothing left to take back.
    @discardableResult
    public func undo() -> Bool {
        guard let exchange = popExchange() else { return false }
        takeBack(to: ring[exchange].before, weightsVersion: ring[exchange].weightsVersion, keepingGenerator: false)
        return true
    }

    /// Takes the last exchange back but keeps the generator where the exchange left it, and returns the text it
    /// read, for the front end to read again: the same memory, a new continuation. Nil, taking nothing back,
    /// when the last exchange is not repeatable (``lastExchangeIsRepeatable``) or there is none.
    public func takeBackForAgain() -> [Unicode.Scalar]? {
        guard lastExchangeIsRepeatable, let exchange = popExchange() else { return nil }
        takeBack(to: ring[exchange].before, weightsVersion: ring[exchange].weightsVersion, keepingGenerator: true)
        return ring[exchange].input
    }

    private func popExchange() -> Int? {
        guard ringCount > 0 else { return nil }
        ringCount -= 1
        return (ringStart + ringCount) % Self.undoLevels
    }

    // MARK: Kept states

    /// The state now: to keep (`:save`, a state file) and come back to.
    public func state() -> ConversationState {
        var state = ConversationState()
        copyState(into: &state)
        return state
    }

    /// Returns the memory and the generator to `state` (of this model: a state file's reader checks that), as a
    /// step of its own that ``undo()`` can take back. The transcript goes on: what was said stays said.
    public func restore(_ state: ConversationState) {
        keepUndoPoint(input: nil)
        sampler.restore(state.memory)
        random = state.random
        charactersInMemory = state.charactersRead
        tailBefore = state.tail
        tailStart = transcript.count
    }

    private func copyState(into state: inout ConversationState) {
        sampler.copyMemory(into: &state.memory)
        state.random = random
        state.charactersRead = charactersInMemory
        state.transcriptLength = transcript.count
        state.tail.removeAll(keepingCapacity: true)
        appendTail(to: &state.tail)
    }

    /// Undoes to `state`, a state kept before an exchange with the weights at `weightsVersion`: the transcript
    /// loses what came after it.
    private func takeBack(to state: ConversationState, weightsVersion: Int, keepingGenerator: Bool) {
        lastTakeBackMissedWeights = false
        if let history {
            lastTakeBackMissedWeights = !history.restore(weightsVersion)
            sampler.weightsAreOriginal(history.version == 0)
        }
        sampler.restore(state.memory)
        if !keepingGenerator { random = state.random }
        charactersInMemory = state.charactersRead
        transcript.removeSubrange(min(state.transcriptLength, transcript.count)...)
        tailBefore = state.tail
        tailStart = transcript.count
    }
}

/// A conversation's state at one moment: the model's memory, the random generator, and how much the memory has
/// taken in with the last of it. What `:save` keeps and a state file holds.
public struct ConversationState: Sendable, Equatable {
    /// The model's memory.
    public internal(set) var memory = SamplerMemory()
    /// The generator that draws continuations.
    public internal(set) var random = RandomSource(seed: 0)
    /// Characters the memory has read and written since it was cleared.
    public internal(set) var charactersRead = 0
    /// The last characters the memory took in (up to ``Conversation/tailLength``), oldest first.
    public internal(set) var tail: [Unicode.Scalar] = []
    /// How long the conversation's transcript was when the state was taken (for taking an exchange back).
    var transcriptLength = 0

    /// An empty state, filled by a ``Conversation``.
    public init() {}

    /// A state as a file holds it.
    public init(memory: SamplerMemory, random: RandomSource, charactersRead: Int, tail: [Unicode.Scalar]) {
        self.memory = memory
        self.random = random
        self.charactersRead = charactersRead
        self.tail = tail
    }
}

/// How an exchange went: what it read and wrote, and how long each took.
public struct ExchangeStatistics: Sendable, Equatable {
    /// Characters read into the memory, and the seconds it took.
    public var charactersRead = 0
    /// Seconds spent reading.
    public var readSeconds = 0.0
    /// Seconds from the start of the exchange to the first character written (reading included); nil when it
    /// wrote nothing.
    public var firstCharacterSeconds: Double?
    /// Characters written, and the seconds it took.
    public var charactersWritten = 0
    /// Seconds spent writing.
    public var writeSeconds = 0.0

    /// No characters, no time.
    public init() {}

    /// Characters written per second.
    public var writingRate: Double? { writeSeconds > 0 && charactersWritten > 0 ? Double(charactersWritten) / writeSeconds : nil }
}
