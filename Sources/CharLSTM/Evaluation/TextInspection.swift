import Foundation

/// What an LSTM's memory did over a text, in plain numbers: per character its surprisal and the ten characters
/// the model expected there, each layer's mean forget, input and output gates; per layer how often each gate was
/// nearly shut or open; and the full series of a few units — those that follow ``TextProperty``s most closely,
/// plus each layer's most active ones — for every quantity the cell shows. `charlstm inspect --json` writes it as
/// it is (for notebooks); the page quantises it.
///
/// Keeping every unit would be too much (20,000 characters × 2×512 units × 6 quantities is 123 million numbers),
/// so units are ranked in a first ``InspectionPass`` that keeps only running sums, and their series are collected
/// in a second.
public struct TextInspection: Encodable, Sendable {
    /// One of the characters the model expected, with its probability.
    public struct Expected: Encodable, Sendable {
        /// The character expected.
        public let character: String
        /// Its probability under the model, before the character came.
        public let probability: Float
    }

    /// A layer's mean gates at one character.
    public struct GateMeans: Encodable, Sendable {
        /// The forget, input and output gates, each averaged over the layer's units.
        public let f: Float, i: Float, o: Float
    }

    /// How often a gate was nearly shut (below 0.1) or nearly open (above 0.9), over every unit and character.
    public struct Saturation: Encodable, Sendable {
        /// `f`, `i` or `o`.
        public let gate: String
        /// Shares of (character, unit) values below 0.1 and above 0.9.
        public let closed: Float
        public let open: Float
    }

    /// A unit worth a look, with the series of every quantity.
    public struct KeptUnit: Encodable, Sendable {
        /// Layer (from 0) and unit (from 0).
        public let layer: Int
        public let unit: Int
        /// The ``TextProperty`` it follows best, or "most active".
        public let follows: String
        /// The quantity (c or h) whose Pearson correlation with that property is `correlation` (0 for the most
        /// active, chosen by the spread of c).
        public let quantity: String
        /// Pearson's r of `quantity` with the property.
        public let correlation: Float
        /// Every quantity's value at every character, by name (c, h, f, i, o, g).
        public internal(set) var series: [String: [Float]] = [:]
    }

    /// Layers, and units per layer.
    public let layers: Int
    public let units: Int
    /// The characters inspected: the text's in-vocabulary ones, up to the limit.
    public let characters: [String]
    /// Bits; nil for the first character, which nothing predicted.
    public let surprisal: [Double?]
    /// Per character, the ten likeliest characters before it was read; empty for the first.
    public let expected: [[Expected]]
    /// Per character, per layer.
    public let gateMeans: [[GateMeans]]
    /// Per layer: f, i and o.
    public let saturation: [[Saturation]]
    /// The units worth a look, by property, then each layer's most active.
    public let kept: [KeptUnit]
    /// Mean surprisal over the predicted characters: `eval`'s figure for the same text.
    public let bitsPerCharacter: Double
    /// Each quantity's name and meaning.
    public let quantities: [String: String]

    /// Inspects the first `limit` in-vocabulary characters of `text` with an LSTM `model`, keeping
    /// `unitsPerProperty` units for each property and `activePerLayer` most active units per layer.
    public init(model: CharLSTMModel, text: [Unicode.Scalar], limit: Int, unitsPerProperty: Int = 4,
                activePerLayer: Int = 2) {
        let known = Array(text.lazy.filter { model.vocabulary.id(of: $0) != nil }.prefix(limit))
        let config = model.config
        let (layers, width) = (config.layers, config.hidden)
        let properties = TextProperty.series(of: known)
        let pass = InspectionPass(model: model)
        let gates: [InspectedQuantity] = [.f, .i, .o]

        // Pass 1: running sums for each unit's c and h against each property, and gate statistics.
        let ranked: [InspectedQuantity] = [.c, .h]
        let p = properties.count
        var sums = [UnitAnalysis.CorrelationSums](repeating: .init(), count: ranked.count * layers * width * p)
        var characters: [String] = [], surprisal: [Double?] = [], expected: [[Expected]] = []
        var gateMeans: [[GateMeans]] = []
        var counts = [[(closed: Int, open: Int)]](repeating: Array(repeating: (0, 0), count: gates.count), count: layers)
        // What a step predicts belongs to the next character: how surprised the model was by it, what it expected.
        var previousExpected: [Expected] = []
        var previousSurprisal: Double?
        let summary = pass.run(known) { step in
            let k = step.index
            characters.append(String(step.character))
            surprisal.append(previousSurprisal)
            expected.append(previousExpected)
            var means: [GateMeans] = []
            for layer in 0..<layers {
                for (slot, quantity) in ranked.enumerated() {
                    let values = step.values(quantity, layer: layer)
                    let base = (slot * layers + layer) * width
                    for u in 0..<width {
                        for q in 0..<p { sums[(base + u) * p + q].add(Double(values[u]), properties[q][k]) }
                    }
                }
                var mean: [Float] = []
                for (g, gate) in gates.enumerated() {
                    var total: Float = 0
                    for value in step.values(gate, layer: layer) {
                        total += value
                        if value < 0.1 { counts[layer][g].closed += 1 } else if value > 0.9 { counts[layer][g].open += 1 }
                    }
                    mean.append(total / Float(width))
                }
                means.append(GateMeans(f: mean[0], i: mean[1], o: mean[2]))
            }
            gateMeans.append(means)
            let probabilities = step.probabilities
            previousExpected = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(10).map {
                Expected(character: String(model.vocabulary.character(Int32($0))), probability: probabilities[$0])
            }
            previousSurprisal = step.surprisal
            return true
        }
        // Rank: for every property, the units whose c or h correlates most strongly with it.
        var kept: [KeptUnit] = []
        var taken = Set<Int>()
        for (q, property) in TextProperty.allCases.enumerated() {
            let scored = (0..<(ranked.count * layers * width)).compactMap { index -> (index: Int, r: Double)? in
                let r = sums[index * p + q].r
                return r == 0 ? nil : (index, r)
            }
            var keptForProperty = 0
            for (index, r) in scored.sorted(by: { abs($0.r) > abs($1.r) }) where !taken.contains(index % (layers * width)) {
                guard keptForProperty < unitsPerProperty else { break }
                let slot = index / (layers * width), flat = index % (layers * width)
                taken.insert(flat)
                keptForProperty += 1
                kept.append(KeptUnit(layer: flat / width, unit: flat % width, follows: property.rawValue,
                                     quantity: ranked[slot].rawValue, correlation: Float(r)))
            }
        }
        // And each layer's most active cells: the largest spread of c.
        for layer in 0..<layers {
            // Slot 0 is c; every property's sums of a unit hold the same x.
            let spread = (0..<width).map { u in (u, sums[(layer * width + u) * p].varianceX) }
            var keptForLayer = 0
            for (u, _) in spread.sorted(by: { $0.1 > $1.1 }) where !taken.contains(layer * width + u) {
                guard keptForLayer < activePerLayer else { break }
                taken.insert(layer * width + u)
                keptForLayer += 1
                kept.append(KeptUnit(layer: layer, unit: u, follows: "most active", quantity: "c", correlation: 0))
            }
        }

        // Pass 2: the kept units' series, every quantity.
        let shown = config.cell.inspectedQuantities
        _ = pass.run(known) { step in
            for k in kept.indices {
                for quantity in shown {
                    kept[k].series[quantity.rawValue, default: []].append(step.values(quantity, layer: kept[k].layer)[kept[k].unit])
                }
            }
            return true
        }
        let steps = Float(max(1, characters.count * width))
        self.layers = layers
        units = width
        self.characters = characters
        self.surprisal = surprisal
        self.expected = expected
        self.gateMeans = gateMeans
        saturation = counts.map { layer in
            zip(gates, layer).map { Saturation(gate: $0.rawValue, closed: Float($1.closed) / steps, open: Float($1.open) / steps) }
        }
        self.kept = kept
        bitsPerCharacter = summary.bitsPerCharacter
        quantities = Dictionary(uniqueKeysWithValues: shown.map { ($0.rawValue, $0.meaning) })
    }
}
