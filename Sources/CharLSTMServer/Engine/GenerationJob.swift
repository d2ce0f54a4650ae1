import CharLSTM
import Synchronization

/// What a generation request asks of a conversation: read a text into its memory, then write up to `length`
/// characters, ending early at any of the stop strings. The ``ServingEngine`` carries it out and reports through
/// ``events`` as it goes.
struct GenerationRequest: Sendable {
    /// Text to read first, every character known to the model (the routes check that).
    var input: [Unicode.Scalar]
    /// The most characters to write.
    var length: Int
    var settings: SamplingSettings
    /// Strings that end the continuation once it ends with one of them (empty: none).
    var stops: [[Unicode.Scalar]] = []
    /// Whether the text delivered leaves out the stop string that ended it (OpenAI's completions do; a session
    /// shows what the model wrote, as the REPL does). The memory holds it either way.
    var leavesOutStop = false
    /// Whether to measure the surprisal of every character read (one step per character, for the playground's
    /// colours) rather than read it batched over time.
    var measuresInput = false
}

/// Why a continuation ended.
enum FinishReason: String, Sendable {
    /// It wrote as many characters as were asked for.
    case length
    /// It wrote a stop string.
    case stop
    /// The client went away, or the server is stopping.
    case cancelled
}

/// What a job reports, in order: what it read (when measured), the characters it writes, and its end.
enum GenerationEvent: Sendable {
    /// The characters read with their surprisal in bits (nil for the first one after a cleared memory).
    case read([(character: Unicode.Scalar, bits: Double?)])
    /// Characters written, each with its surprisal in bits under the model at temperature 1.
    case written([ConversationBatch.WrittenCharacter])
    /// The end, with the exchange's figures and where the conversation then stood.
    case finished(FinishReason, ExchangeStatistics, ConversationSummary)
}

/// Where a conversation's memory stands, taken on the engine thread as an exchange ends (once the job has
/// finished, another request may already be using the conversation).
struct ConversationSummary: Sendable {
    var charactersRead = 0
    var undoDepth = 0
    var canAgain = false
    var tail = ""

    init() {}

    init(_ conversation: Conversation) {
        charactersRead = conversation.charactersRead
        undoDepth = conversation.undoDepth
        canAgain = conversation.lastExchangeIsRepeatable
        tail = String(String.UnicodeScalarView(conversation.tail))
    }
}

/// One request being carried out on a conversation: the engine thread alone touches its conversation and its
/// progress from ``ServingEngine/submit(_:)`` until it has finished; anyone may cancel it.
final class GenerationJob: @unchecked Sendable {
    let conversation: Conversation
    let request: GenerationRequest
    /// Where the events go (at most the input's and `length` characters wait in it).
    let events = EventMailbox()
    /// Called on the engine thread once the job has finished, just before its last event is posted.
    let whenFinished: @Sendable () -> Void
    private let cancellation = Atomic<Bool>(false)

    // The engine's progress through the job.
    /// Characters of the input read so far.
    var readCount = 0
    /// Characters written so far.
    var writtenCount = 0
    /// Whether the job has reported its end.
    var isFinished = false
    /// Written characters not yet delivered because they may begin a stop string (``GenerationRequest/leavesOutStop``).
    var heldBack: [ConversationBatch.WrittenCharacter] = []
    /// The last characters written, as many as the longest stop string has, oldest first.
    var recent: [Unicode.Scalar] = []
    private let longestStop: Int

    init(conversation: Conversation, request: GenerationRequest, whenFinished: @escaping @Sendable () -> Void) {
        self.conversation = conversation
        self.request = request
        self.whenFinished = whenFinished
        longestStop = request.stops.map(\.count).max() ?? 0
    }

    /// Called by ``cancel()`` (the engine wakes, should the job be paused).
    var onCancel: (@Sendable () -> Void)?

    /// Asks the engine to end the job at its next step (the client went away).
    func cancel() {
        cancellation.store(true, ordering: .relaxed)
        onCancel?()
    }

    var isCancelled: Bool { cancellation.load(ordering: .relaxed) }

    var hasReadInput: Bool { readCount >= request.input.count }

    /// Takes the character just written; returns what can be delivered now and whether a stop string ended the
    /// continuation. With ``GenerationRequest/leavesOutStop``, characters that could still begin a stop string
    /// wait in ``heldBack`` until they cannot, and the stop string itself is never delivered.
    func take(_ written: ConversationBatch.WrittenCharacter, into delivered: inout [ConversationBatch.WrittenCharacter]) -> Bool {
        writtenCount += 1
        let longest = longestStop
        if longest > 0 {
            if recent.count == longest { recent.removeFirst() }
            recent.append(written.character)
        }
        let stopped = request.stops.contains { stop in recent.count >= stop.count && recent.suffix(stop.count).elementsEqual(stop) }
        guard request.leavesOutStop else {
            delivered.append(written)
            return stopped
        }
        heldBack.append(written)
        if stopped {
            // Deliver what came before the stop string that ended it (the shortest one that matches).
            let stop = request.stops.filter { recent.count >= $0.count && recent.suffix($0.count).elementsEqual($0) }
                .map(\.count).min() ?? 0
            delivered.append(contentsOf: heldBack.dropLast(stop))
            heldBack.removeAll()
            return true
        }
        // Keep only the longest tail that is a prefix of some stop string.
        var keep = min(heldBack.count, longest)
        while keep > 0 {
            let tail = heldBack.suffix(keep).map(\.character)
            if request.stops.contains(where: { $0.count > keep && $0.starts(with: tail) }) { break }
            keep -= 1
        }
        delivered.append(contentsOf: heldBack.dropLast(keep))
        heldBack.removeFirst(heldBack.count - keep)
        return false
    }
}
