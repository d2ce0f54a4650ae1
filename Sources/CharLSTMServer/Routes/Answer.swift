import CharLSTM
import Foundation
import Hummingbird

/// How a generation's events become an answer: as server-sent events while they happen (`"stream": true`), each
/// event's JSON on a `data:` line and `data: [DONE]` at the end, or as one JSON object at the end.
protocol AnswerShape: Sendable {
    /// The JSON of one event's server-sent event, nil for an event this answer does not stream.
    func chunk(for event: GenerationEvent) -> JSONValue?
    /// The whole answer's JSON.
    func whole(_ answer: CollectedAnswer) -> JSONValue
    /// The JSON of a server-sent event that comes before the events, if any.
    var prelude: JSONValue? { get }
}

extension AnswerShape {
    var prelude: JSONValue? { nil }
}

/// Everything a generation reported, gathered for a whole answer.
struct CollectedAnswer {
    var read: [Unicode.Scalar] = []
    var readBits: [Double?] = []
    var text: [Unicode.Scalar] = []
    var bits: [Double] = []
    var finish = FinishReason.cancelled
    var statistics = ExchangeStatistics()
    var summary = ConversationSummary()

    mutating func add(_ event: GenerationEvent) {
        switch event {
        case .read(let measured):
            read.append(contentsOf: measured.map(\.character))
            readBits.append(contentsOf: measured.map(\.bits))
        case .written(let characters):
            text.append(contentsOf: characters.map(\.character))
            bits.append(contentsOf: characters.map(\.bits))
        case .finished(let reason, let statistics, let summary):
            finish = reason
            self.statistics = statistics
            self.summary = summary
        }
    }
}

enum Answer {
    /// The shortest time between two events of a stream. The first character goes out as soon as it exists;
    /// after that, sending each character alone would cost the server as much as writing it (a wake-up, an
    /// event, a system call, on the cores the model's products need), so the characters of the next 15 ms go
    /// out as one event: 60 events a second at most, more often than a screen shows them.
    static let flushInterval = Duration.milliseconds(15)

    /// The answer to a generation `job`, from the events in its mailbox. A client that goes away mid-stream
    /// cancels the job, which ends at its next step.
    static func respond(job: GenerationJob, streaming: Bool, shape: some AnswerShape) async -> Response {
        guard streaming else {
            var answer = CollectedAnswer()
            await withTaskCancellationHandler {
                while let events = await job.events.take() { for event in events { answer.add(event) } }
            } onCancel: { job.cancel() }
            return json(shape.whole(answer))
        }
        let body = ResponseBody { writer in
            do {
                if let prelude = shape.prelude { try await writer.write(serverSentEvent(prelude)) }
                try await withTaskCancellationHandler {
                    while let events = await job.events.take() {
                        for event in events {
                            if let chunk = shape.chunk(for: event) { try await writer.write(serverSentEvent(chunk)) }
                        }
                        // What the model writes meanwhile goes out together in the next event.
                        try await Task.sleep(for: flushInterval)
                    }
                } onCancel: { job.cancel() }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                job.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func serverSentEvent(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: "data: " + value.text + "\n\n") }

    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: value.buffer))
    }

    /// Surprisal in bits to three decimals (finite: a probability that underflowed counts as 2⁻⁹⁹).
    static func bits(_ value: Double) -> JSONValue { .number((min(value, 99) * 1000).rounded() / 1000) }

    /// Surprisals, null where there is none (the first character after a cleared memory).
    static func bits(_ values: [Double?]) -> JSONValue { .array(values.map { JSONValue.optional($0, bits) }) }

    /// An exchange's figures as JSON.
    static func statistics(_ s: ExchangeStatistics) -> JSONValue {
        [
            "characters_read": .integer(s.charactersRead), "characters_written": .integer(s.charactersWritten),
            "read_ms": milliseconds(s.readSeconds), "write_ms": milliseconds(s.writeSeconds),
            "first_character_ms": .optional(s.firstCharacterSeconds, milliseconds),
            "characters_per_second": .optional(s.writingRate) { .number(($0 * 10).rounded() / 10) },
        ]
    }

    private static func milliseconds(_ seconds: Double) -> JSONValue { .number((seconds * 10_000).rounded() / 10) }
}

extension String {
    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self.init(view)
    }
}
