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
    func mostMoved(units: Int, count: Int = 10) -> [UnitAnalysis.MovedUnit] {
        UnitAnalysis.mostMoved(states: states, width: width, characters: characters, units: units, count: count)
    }
}
