import CharLSTM

/// What the REPL shows of the memory while it talks: the surprise of each typed character and the confidence of
/// each generated one (`:surprise`), one unit's value at each generated character (`:cell`), and which cells the
/// last exchange moved (`:cells`). On a colour terminal values colour the characters' backgrounds; otherwise they
/// come as numbers on a line of their own.
struct MemoryWatch {
    var surprise = false
    /// The unit whose value colours continuations.
    var cell: WatchedUnit?
    /// The last exchange: every generated character, and the memory (every unit's c, or h) before it began and
    /// after each character — `width` values per row, rows one after another. Both arrays keep their room from one
    /// exchange to the next, so recording allocates nothing once an exchange as long has been seen.
    private(set) var characters: [Unicode.Scalar] = []
    private var states: [Float] = []
    private var width = 0

    /// Starts recording an exchange from the sampler's memory now.
    mutating func begin(_ sampler: Sampler) {
        characters.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
        sampler.appendMemoryStates(to: &states)
        width = states.count
    }

    /// Records a generated character and the sampler's memory after it.
    mutating func record(_ character: Unicode.Scalar, _ sampler: Sampler) {
        characters.append(character)
        sampler.appendMemoryStates(to: &states)
    }

    /// Row `k` of the recorded memory, value `index`.
    private func state(_ k: Int, _ index: Int) -> Float { states[k * width + index] }

    /// ANSI background for a share in [0, 1] of red (surprise), or of green (confidence).
    static func background(red share: Double) -> String { truecolour(255, Int(255 - 150 * share), Int(255 - 160 * share)) }
    static func background(green share: Double) -> String { truecolour(Int(255 - 150 * share), 255, Int(255 - 130 * share)) }
    /// Blue (−1) – white – red (+1).
    static func background(diverging x: Double) -> String {
        let a = min(1, abs(x))
        return x >= 0 ? truecolour(255, Int(255 - 170 * a), Int(255 - 175 * a)) : truecolour(Int(255 - 175 * a), Int(255 - 130 * a), 255)
    }

    /// Dark text on a 24-bit background.
    private static func truecolour(_ r: Int, _ g: Int, _ b: Int) -> String { "\u{1B}[30;48;2;\(r);\(g);\(b)m" }

    /// Where a unit's value sits on the diverging scale: gates around one half, states and the candidate around 0.
    static func position(_ value: Float, _ quantity: InspectedQuantity) -> Double {
        switch quantity {
        case .f, .i, .o: return Double(value - 0.5) * 2
        case .c: return Double(value) / 2
        case .h, .g: return Double(value)
        }
    }

    /// The ten units whose memory moved most over the last exchange, each with the property of the generated text
    /// it follows best (Pearson r), when one does clearly (|r| ≥ 0.5).
    func mostMoved(layers: Int, units: Int, count: Int = 10) -> [(layer: Int, unit: Int, spread: Float, follows: String?)] {
        let rows = width > 0 ? states.count / width : 0
        guard rows >= 3, width == layers * units else { return [] }
        let n = Float(rows)
        var ranked: [(index: Int, spread: Float)] = []
        for index in 0..<width {
            var sum: Float = 0, squares: Float = 0
            for k in 0..<rows {
                let value = state(k, index)
                sum += value
                squares += value * value
            }
            let mean = sum / n
            ranked.append((index, max(0, squares / n - mean * mean).squareRoot()))
        }
        let properties = InspectionReport.properties(of: characters)
        return ranked.sorted { $0.spread > $1.spread }.prefix(count).map { entry in
            // After character k the memory is row k + 1.
            let values = (0..<characters.count).map { Double(state($0 + 1, entry.index)) }
            var best: (name: String, r: Double)?
            for (p, property) in InspectionReport.Property.allCases.enumerated() {
                let r = Self.correlation(values, properties[p])
                if abs(r) >= 0.5 && abs(r) > abs(best?.r ?? 0) { best = (property.rawValue, r) }
            }
            let follows = best.map { "\($0.name) (r = \(HumanReadable.decimal($0.r, 2)))" }
            return (entry.index / units, entry.index % units, entry.spread, follows)
        }
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}
