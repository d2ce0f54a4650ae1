import CharLSTM
import Foundation

/// The fields every generating request shares — how much to write, how to draw, where to stop, whether to
/// stream — read and checked against the server's limits. Names and meanings are OpenAI's, with characters for
/// tokens: `max_tokens` counts characters, and `temperature` 0 means always the likeliest character.
struct GenerationParameters {
    /// Characters to write.
    var length: Int
    var settings: SamplingSettings
    var stops: [[Unicode.Scalar]]
    /// A new seed for the generator, if given.
    var seed: UInt64?
    var stream: Bool

    /// The most stop strings a request may give, as OpenAI allows.
    static let maxStops = 4

    init(_ fields: RequestFields, limits: ServerLimits, vocabulary: Vocabulary) throws {
        length = try fields.integer("max_tokens", in: 0...limits.maxLength) ?? limits.defaultLength
        let temperature = try fields.number("temperature") ?? Double(SamplingSettings().temperature)
        if temperature < 0 { throw APIError.invalid("temperature", "must be 0 (always the likeliest character) or more (got \(temperature))") }
        let topP = try fields.number("top_p") ?? Double(SamplingSettings().topP)
        if !(topP > 0 && topP <= 1) { throw APIError.invalid("top_p", "must be more than 0 and at most 1 (got \(topP))") }
        let topK = try fields.integer("top_k", in: 0...vocabulary.count) ?? SamplingSettings().topK
        settings = SamplingSettings(temperature: temperature == 0 ? 1 : Float(temperature), topK: topK, topP: Float(topP),
                                    argmax: temperature == 0)
        let stopTexts = try fields.strings("stop") ?? []
        if stopTexts.count > Self.maxStops {
            throw APIError.invalid("stop", "at most \(Self.maxStops) stop strings (got \(stopTexts.count))")
        }
        stops = try stopTexts.map { text in
            let scalars = Array(text.unicodeScalars)
            if scalars.isEmpty { throw APIError.invalid("stop", "a stop string cannot be empty") }
            if scalars.count > limits.maxStopLength {
                throw APIError.invalid("stop", "a stop string has at most \(limits.maxStopLength) characters (got \(scalars.count))")
            }
            return scalars
        }
        seed = try fields.seed("seed")
        stream = try fields.bool("stream") ?? false
    }
}

extension Vocabulary {
    /// `text` as characters, all of which the model must know; otherwise an error naming `field` and the first
    /// few unknown characters.
    func knownCharacters(of text: String, field: String) throws -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        var unknown: [Unicode.Scalar] = []
        var count = 0
        for scalar in scalars where id(of: scalar) == nil {
            count += 1
            if unknown.count < 5 && !unknown.contains(scalar) { unknown.append(scalar) }
        }
        guard count > 0 else { return scalars }
        let named = unknown.map(Self.describe).joined(separator: ", ")
        throw APIError.unknownCharacters(field, "\(count) character\(count == 1 ? "" : "s") the model does not know (\(named)\(unknown.count < count ? ", …" : "")); its vocabulary has \(self.count) characters (GET /v1/models lists them)")
    }

    /// A character as a message names it: as ``Vocabulary/printable(_:)`` shows it, with its code point when
    /// that shows the character itself: 'é' (U+00E9).
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let shown = printable(scalar)
        return shown.hasPrefix("U+") ? shown : "'\(shown)' (\(String(format: "U+%04X", scalar.value)))"
    }
}
