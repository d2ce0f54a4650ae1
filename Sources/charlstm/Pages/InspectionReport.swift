import CharLSTM
import Foundation

/// The data of `charlstm inspect`'s page: a ``TextInspection`` quantised to fit a page that opens quickly —
/// probabilities to 1/10,000, surprisal to 1/100 bit (−1 for the first character, which nothing predicted), gate
/// means to 1/255, each unit series to int8 over its largest magnitude (value ≈ scale · byte / 127), base64. The
/// page's script reads exactly these fields; `inspect --json` writes the unquantised inspection instead.
struct InspectionReport: Encodable {
    /// One unit's series of one quantity: value[k] ≈ scale · series[k] / 127.
    struct Series: Encodable {
        let scale: Float
        let values: String   // base64 of int8s
    }

    struct KeptUnit: Encodable {
        let layer: Int
        let unit: Int
        let follows: String
        let quantity: String
        let correlation: Float
        var series: [String: Series]
    }

    let model: String
    let layers: Int
    let units: Int
    let characters: [String]
    /// Centibits; −1 for the first character.
    let surprisal: [Int]
    /// Per character, ten (id, probability × 10,000) pairs, flattened; all zero for the first character.
    let expected: [Int]
    let vocabulary: [String]
    /// Per character and layer: mean f, i, o × 255.
    let gateMeans: String     // base64 of uint8s
    let saturation: [[TextInspection.Saturation]]
    let kept: [KeptUnit]
    let bitsPerCharacter: Double
    let quantities: [String: String]

    init(_ inspection: TextInspection, model: CharLSTMModel, name: String) {
        self.model = name
        layers = inspection.layers
        units = inspection.units
        characters = inspection.characters
        surprisal = inspection.surprisal.map { $0.map { Int(($0 * 100).rounded()) } ?? -1 }
        expected = inspection.expected.flatMap { guesses -> [Int] in
            guard !guesses.isEmpty else { return Array(repeating: 0, count: 20) }
            return guesses.flatMap { guess in
                [Int(model.vocabulary.id(of: guess.character.unicodeScalars.first!) ?? 0), Int((guess.probability * 10_000).rounded())]
            }
        }
        vocabulary = model.vocabulary.characters.map { String($0) }
        let means = inspection.gateMeans.flatMap { $0.flatMap { [$0.f, $0.i, $0.o] } }.map { UInt8(($0 * 255).rounded()) }
        gateMeans = Data(means).base64EncodedString()
        saturation = inspection.saturation
        kept = inspection.kept.map { unit in
            KeptUnit(layer: unit.layer, unit: unit.unit, follows: unit.follows, quantity: unit.quantity,
                     correlation: unit.correlation, series: unit.series.mapValues(Self.quantised))
        }
        bitsPerCharacter = inspection.bitsPerCharacter
        quantities = inspection.quantities
    }

    /// A series as int8s over its largest magnitude.
    private static func quantised(_ values: [Float]) -> Series {
        let scale = max(values.map(abs).max() ?? 0, 1e-6)
        let bytes = values.map { UInt8(bitPattern: Int8((($0 / scale) * 127).rounded())) }
        return Series(scale: scale, values: Data(bytes).base64EncodedString())
    }
}
