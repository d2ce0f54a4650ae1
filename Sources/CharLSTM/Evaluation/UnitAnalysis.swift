/// A simple property of a text at each character, which a unit of the memory may follow: the questions
/// `inspect`'s "cells worth a look" and the REPL's `:cells` ask of every unit.
public enum TextProperty: String, CaseIterable, Sendable, Codable {
    case insideQuotes = "inside quotes"
    case bracketDepth = "bracket depth"
    case linePosition = "position in the line"
    case wordStart = "start of a word"
    case afterNewline = "after a newline"

    /// Each property's value at every character of `text` (one series per case, in `allCases` order), from the
    /// text alone: 1 or 0 for the yes-or-no ones, a count for bracket depth and position in the line.
    public static func series(of text: [Unicode.Scalar]) -> [[Double]] {
        var quotes = false, depth = 0, column = 0
        var previous: Unicode.Scalar = "\n"
        var series = [[Double]](repeating: [], count: allCases.count)
        for character in text {
            if character == "\"" { quotes.toggle() }
            if "([{".unicodeScalars.contains(character) { depth += 1 }
            let isLetter = character.properties.isAlphabetic
            for (p, property) in allCases.enumerated() {
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

/// How units of the memory relate to a text: Pearson correlations with ``TextProperty`` series, and which units
/// moved most over a stretch of text. Front ends (inspect's page and JSON, the REPL's `:cells`) only present it.
public enum UnitAnalysis {
    /// Pearson's r of two series of equal length: cov(x, y) / (σx σy); 0 when either is constant.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count else { return 0 }
        var sums = CorrelationSums()
        for (a, b) in zip(x, y) { sums.add(a, b) }
        return sums.r
    }

    /// The running sums Pearson's r is made of, for series too long to keep (inspect adds one pair per character
    /// for every unit and property):
    ///
    ///     r = (Σxy/n − x̄ȳ) / (√(Σx²/n − x̄²) · √(Σy²/n − ȳ²))
    ///
    /// in Double, which keeps the differences exact enough over tens of thousands of characters.
    public struct CorrelationSums: Sendable {
        public private(set) var n = 0.0, x = 0.0, y = 0.0, xx = 0.0, yy = 0.0, xy = 0.0

        public init() {}

        public mutating func add(_ a: Double, _ b: Double) {
            n += 1
            x += a; y += b
            xx += a * a; yy += b * b; xy += a * b
        }

        /// The variance of the first series, Σx²/n − x̄².
        public var varianceX: Double { n > 0 ? max(0, xx / n - (x / n) * (x / n)) : 0 }

        /// r; 0 with fewer than two pairs or when either series is (nearly) constant.
        public var r: Double {
            guard n > 1 else { return 0 }
            let (mx, my) = (x / n, y / n)
            let sx = varianceX.squareRoot(), sy = max(0, yy / n - my * my).squareRoot()
            guard sx > 1e-6, sy > 0 else { return 0 }
            return (xy / n - mx * my) / (sx * sy)
        }
    }

    /// A unit that moved, with how much (the standard deviation of its value over the stretch) and the property
    /// it follows best, when one does clearly.
    public struct MovedUnit: Sendable {
        /// Layer (from 0) and unit (from 0).
        public let layer: Int
        public let unit: Int
        /// The standard deviation of its value over the stretch.
        public let spread: Float
        /// The property it follows best, with Pearson's r, when |r| reached the threshold.
        public let follows: (property: TextProperty, r: Double)?
    }

    /// The `count` units whose value moved most over a stretch of `characters`, from `states`: rows of `width`
    /// values (`layers × units`, layer-major), the first the memory before the stretch and row k + 1 the memory
    /// after character k. Each comes with the property it follows best if |r| ≥ `clearly`. Empty when there are
    /// fewer than three rows.
    public static func mostMoved(states: [Float], width: Int, characters: [Unicode.Scalar], units: Int,
                                 count: Int = 10, clearly: Double = 0.5) -> [MovedUnit] {
        let rows = width > 0 ? states.count / width : 0
        guard rows >= 3, units > 0, width % units == 0 else { return [] }
        let n = Float(rows)
        var ranked: [(index: Int, spread: Float)] = []
        for index in 0..<width {
            var sum: Float = 0, squares: Float = 0
            for k in 0..<rows {
                let value = states[k * width + index]
                sum += value
                squares += value * value
            }
            let mean = sum / n
            ranked.append((index, max(0, squares / n - mean * mean).squareRoot()))
        }
        let measured = min(characters.count, rows - 1)
        let properties = TextProperty.series(of: Array(characters.prefix(measured)))
        return ranked.sorted { $0.spread > $1.spread }.prefix(count).map { entry in
            let values = (0..<measured).map { Double(states[($0 + 1) * width + entry.index]) }
            var best: (property: TextProperty, r: Double)?
            for (p, property) in TextProperty.allCases.enumerated() {
                let r = correlation(values, properties[p])
                if abs(r) >= clearly && abs(r) > abs(best?.r ?? 0) { best = (property, r) }
            }
            return MovedUnit(layer: entry.index / units, unit: entry.index % units, spread: entry.spread, follows: best)
        }
    }
}
