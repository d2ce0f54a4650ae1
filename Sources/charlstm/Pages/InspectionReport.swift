import CharLSTM
import Foundation

/// What `charlstm inspect` keeps of an ``InspectionPass`` over a text, for the page and for `--json`: per character
/// its surprisal, the ten characters the model expected there and the mean forget, input and output gates of each
/// layer; per layer how often each gate is nearly shut or open; and the full series of a few units — those that
/// follow simple properties of the text most closely (inside quotes, bracket depth, position in the line, start of
/// a word, after a newline) plus each layer's most active ones — for all six quantities.
///
/// Keeping every unit would not fit a page (20,000 characters × 2×512 units × 6 quantities is 123 million
/// numbers), so units are ranked in a first pass that keeps only running sums, and their series are collected in a
/// second. Values are quantised: probabilities to 1/10,000, surprisal to 1/100 bit, gate means to 1/255, unit
/// values to int8 over each series' largest magnitude.
struct InspectionReport: Encodable {
    /// A simple property of the text at each character, which a unit may follow.
    enum Property: String, CaseIterable, Encodable {
        case insideQuotes = "inside quotes"
        case bracketDepth = "bracket depth"
        case linePosition = "position in the line"
        case wordStart = "start of a word"
        case afterNewline = "after a newline"
    }

    /// One unit's series of one quantity: value[k] ≈ scale · series[k] / 127.
    struct Series: Encodable {
        let scale: Float
        let values: String   // base64 of int8s
    }

    struct KeptUnit: Encodable {
        let layer: Int
        let unit: Int
        /// What it follows best, with the Pearson correlation of its c or h with that property.
        let follows: String
        let quantity: String
        let correlation: Float
        /// Series by quantity name (c, h, f, i, o, g).
        var series: [String: Series] = [:]
    }

    struct Saturation: Encodable {
        let gate: String
        /// Shares of (step, unit) values below 0.1 and above 0.9.
        let closed: Float
        let open: Float
    }

    let model: String
    let layers: Int
    let units: Int
    let characters: [String]
    /// Centibits; −1 for the first character, which nothing predicted.
    let surprisal: [Int]
    /// Per character, ten (id, probability × 10,000) pairs, flattened; all zero for the first character.
    let expected: [Int]
    let vocabulary: [String]
    /// Per character and layer: mean f, i, o × 255.
    let gateMeans: String     // base64 of uint8s
    let saturation: [[Saturation]]
    let kept: [KeptUnit]
    let bitsPerCharacter: Double
    let quantities: [String: String]
}

extension InspectionReport {
    /// Runs the two passes over the first `limit` in-vocabulary characters of `text`.
    static func make(model: CharLSTMModel, name: String, text: [Unicode.Scalar], limit: Int,
                     unitsPerProperty: Int = 4, activePerLayer: Int = 2) -> InspectionReport {
        let known = Array(text.lazy.filter { model.vocabulary.id(of: $0) != nil }.prefix(limit))
        let config = model.config
        let (layers, width) = (config.layers, config.hidden)
        let properties = Self.properties(of: known)
        let pass = InspectionPass(model: model)

        // Pass 1: running sums for each unit's c and h against each property, and gate statistics.
        let ranked = [InspectedQuantity.c, .h]
        var sum = [Double](repeating: 0, count: 2 * layers * width)
        var sumSquares = sum
        var cross = [Double](repeating: 0, count: 2 * layers * width * Property.allCases.count)
        var characters: [String] = [], surprisal: [Int] = [], expected: [Int] = []
        var gateMeans: [UInt8] = []
        var counts = [[(closed: Int, open: Int)]](repeating: [(0, 0), (0, 0), (0, 0)], count: layers)
        // What a step predicts belongs to the next character: how surprised the model was by it, what it expected.
        var previousExpected = [Int](repeating: 0, count: 20)
        var previousSurprisal = -1
        let summary = pass.run(known) { step in
            let k = step.index
            characters.append(String(step.character))
            surprisal.append(previousSurprisal)
            expected.append(contentsOf: previousExpected)
            for layer in 0..<layers {
                for (slot, quantity) in ranked.enumerated() {
                    let values = step.values(quantity, layer: layer)
                    let base = (slot * layers + layer) * width
                    for u in 0..<width {
                        let x = Double(values[u])
                        sum[base + u] += x
                        sumSquares[base + u] += x * x
                        for (p, property) in properties.enumerated() {
                            cross[(base + u) * properties.count + p] += x * property[k]
                        }
                    }
                }
                for (g, gate) in [InspectedQuantity.f, .i, .o].enumerated() {
                    let values = step.values(gate, layer: layer)
                    var total: Float = 0
                    for value in values {
                        total += value
                        if value < 0.1 { counts[layer][g].closed += 1 } else if value > 0.9 { counts[layer][g].open += 1 }
                    }
                    gateMeans.append(UInt8((total / Float(width) * 255).rounded()))
                }
            }
            let probabilities = step.probabilities
            let top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(10)
            previousExpected = top.flatMap { [$0, Int((probabilities[$0] * 10_000).rounded())] }
            previousSurprisal = step.surprisal.map { Int(($0 * 100).rounded()) } ?? -1
            return true
        }
        let n = Double(characters.count)

        // Rank: for every property, the units whose c or h correlates most strongly with it.
        var kept: [KeptUnit] = []
        var taken = Set<Int>()
        for (p, property) in Property.allCases.enumerated() {
            let values = properties[p]
            let mean = values.reduce(0, +) / n
            let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
            guard deviation > 0 else { continue }
            var scored: [(index: Int, r: Double)] = []
            for index in 0..<(2 * layers * width) {
                let m = sum[index] / n
                let sd = (max(0, sumSquares[index] / n - m * m)).squareRoot()
                guard sd > 1e-6 else { continue }
                let covariance = cross[index * properties.count + p] / n - m * mean
                scored.append((index, covariance / (sd * deviation)))
            }
            for (index, r) in scored.sorted(by: { abs($0.r) > abs($1.r) }) where !taken.contains(index % (layers * width)) {
                guard kept.filter({ $0.follows == property.rawValue }).count < unitsPerProperty else { break }
                let slot = index / (layers * width), flat = index % (layers * width)
                taken.insert(flat)
                kept.append(KeptUnit(layer: flat / width, unit: flat % width, follows: property.rawValue,
                                     quantity: ranked[slot].rawValue, correlation: Float(r)))
            }
        }
        // And each layer's most active cells: the largest spread of c.
        for layer in 0..<layers {
            let spread = (0..<width).map { u -> (Int, Double) in
                let index = layer * width + u
                let m = sum[index] / n
                return (u, sumSquares[index] / n - m * m)
            }
            for (u, _) in spread.sorted(by: { $0.1 > $1.1 }) where !taken.contains(layer * width + u) {
                guard kept.filter({ $0.layer == layer && $0.follows == "most active" }).count < activePerLayer else { break }
                taken.insert(layer * width + u)
                kept.append(KeptUnit(layer: layer, unit: u, follows: "most active", quantity: "c", correlation: 0))
            }
        }

        // Pass 2: the kept units' series, every quantity.
        var raw = [[InspectedQuantity: [Float]]](repeating: [:], count: kept.count)
        _ = pass.run(known) { step in
            for (k, unit) in kept.enumerated() {
                for quantity in InspectedQuantity.allCases {
                    raw[k][quantity, default: []].append(step.values(quantity, layer: unit.layer)[unit.unit])
                }
            }
            return true
        }
        for k in kept.indices {
            for (quantity, values) in raw[k] {
                let scale = max(values.map(abs).max() ?? 0, 1e-6)
                let bytes = values.map { UInt8(bitPattern: Int8((($0 / scale) * 127).rounded())) }
                kept[k].series[quantity.rawValue] = Series(scale: scale, values: Data(bytes).base64EncodedString())
            }
        }
        let steps = Float(max(1, characters.count * width))
        return InspectionReport(
            model: name, layers: layers, units: width, characters: characters, surprisal: surprisal,
            expected: expected, vocabulary: model.vocabulary.characters.map { String($0) },
            gateMeans: Data(gateMeans).base64EncodedString(),
            saturation: counts.map { layer in
                zip(["f", "i", "o"], layer).map { Saturation(gate: $0, closed: Float($1.closed) / steps, open: Float($1.open) / steps) }
            },
            kept: kept,
            bitsPerCharacter: summary.bitsPerCharacter,
            quantities: Dictionary(uniqueKeysWithValues: InspectedQuantity.allCases.map { ($0.rawValue, $0.meaning) }))
    }

    /// Each property's value at every character, computed from the text alone.
    static func properties(of text: [Unicode.Scalar]) -> [[Double]] {
        var quotes = false, depth = 0, column = 0
        var previous: Unicode.Scalar = "\n"
        var series = [[Double]](repeating: [], count: Property.allCases.count)
        for character in text {
            if character == "\"" { quotes.toggle() }
            if "([{".unicodeScalars.contains(character) { depth += 1 }
            let isLetter = character.properties.isAlphabetic
            for (p, property) in Property.allCases.enumerated() {
                let value: Double
                switch property {
                case .insideQuotes: value = quotes || character == "\"" ? 1 : 0
                case .bracketDepth: value = Double(depth)
                case .linePosition: value = Double(column)
                case .wordStart: value = isLetter && !previous.properties.isAlphabetic ? 1 : 0
                case .afterNewline: value = previous == "\n" ? 1 : 0
                }
                series[p].append(value)
            }
            if ")]}".unicodeScalars.contains(character) { depth = max(0, depth - 1) }
            column = character == "\n" ? 0 : column + 1
            previous = character
        }
        return series
    }
}
