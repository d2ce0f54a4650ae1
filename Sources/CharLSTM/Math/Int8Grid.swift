/// Rows of small integers times one scale each, `row[j] = q[j]·scale` with every `q[j]` in −127…127: how a row is
/// put on such a grid (``round(_:count:)``, what `export --int8` stores) and how a row already on one is taken apart
/// again exactly (``decompose(_:count:into:)``, what loading does).
///
/// The values stay ordinary floats, so a file of them is an ordinary checkpoint that PyTorch loads as it is; only
/// their being on a grid lets the batch-1 products read one byte per weight (``Int8Weights``).
enum Int8Grid {
    /// The largest integer of a row, either sign: −128 never appears, which the kernels' sums rely on.
    static let levels: Float = 127

    /// The scale ``round(_:count:)`` gives a row whose largest magnitude is `maximum`: the smallest m·2ᵉ at least
    /// `maximum`/127 with m an integer of four bits (8…15) and e ≥ −24. Then every q·scale has at most 7 + 4 = 11
    /// significant bits and is a multiple of 2⁻²⁴, so it is exactly a half (below ±65504): an F16 file holds the
    /// grid without rounding it again. (Four bits of scale cost at most 1/8 of the range: the row's largest value
    /// becomes 113…127 steps.)
    static func exportScale(maximum: Float) -> Float {
        let smallest: Float = 0x1p-21   // 8·2⁻²⁴
        let wanted = maximum / levels
        guard wanted > smallest else { return smallest }
        var exponent = Int(wanted.exponent) - 3
        var m = (wanted.significand * 8).rounded(.up)       // 8…16, exact: a float times 8
        if m == 16 { (m, exponent) = (8, exponent + 1) }
        return Float(sign: .plus, exponent: exponent, significand: m)
    }

    /// Puts `count` values (each within ±65504) on their grid in place: q = round(value/scale) with ties to even,
    /// at ``exportScale(maximum:)`` of the row's largest magnitude, one step nearer zero where that would pass the
    /// largest half. A row of zeros stays zeros.
    static func round(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum: Float = 0
        for j in 0..<count { maximum = max(maximum, abs(row[j])) }
        if maximum == 0 { return }
        let scale = exportScale(maximum: maximum)
        for j in 0..<count {
            var q = min(levels, max(-levels, (row[j] / scale).rounded(.toNearestOrEven)))
            if abs(q * scale) > HalfPrecision.maximum { q -= q > 0 ? 1 : -1 }
            row[j] = q * scale
        }
    }

    /// The integers of a row on a grid, written to `q`, and the row's scale (0 for a row of zeros); nil when no
    /// scale makes every value an integer multiple of it within ±127 — a row that was not put on a grid.
    ///
    /// Every nonzero float is M·2ᴱ with M an odd integer. With E₀ the smallest such E in the row, each value is the
    /// integer k = value/2^E₀ times 2^E₀, and the coarsest grid the row lies on has the scale gcd(k)·2^E₀: the
    /// integers are then k/gcd(k). (A row made by ``round(_:count:)`` may come back with a coarser scale and smaller
    /// integers when its q have a common factor: the same values, which is all the products need.)
    static func decompose(_ row: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int8>) -> Float? {
        var largest: Float = 0, smallest = Float.infinity
        var lowestExponent = Int.max
        for j in 0..<count {
            let value = row[j]
            guard value.isFinite else { return nil }
            if value == 0 { continue }
            largest = max(largest, abs(value))
            smallest = min(smallest, abs(value))
            lowestExponent = min(lowestExponent, oddSignificand(value).exponent)
        }
        if largest == 0 {
            q.update(repeating: 0, count: count)
            return 0
        }
        // Values 1…127 steps apart at most; this also keeps every k below 127·2²⁴ (the smallest k is under 2²⁴).
        guard largest <= levels * smallest else { return nil }
        var step = 0   // gcd of the k seen so far
        for j in 0..<count where row[j] != 0 {
            let k = integer(row[j], lowestExponent: lowestExponent)
            if step == 0 || k % step != 0 { step = gcd(step, k) }
        }
        let scale = Float(sign: .plus, exponent: lowestExponent, significand: Float(step))
        for j in 0..<count {
            let value = row[j]
            let integer = value == 0 ? 0 : integer(value, lowestExponent: lowestExponent) / step
            guard integer <= 127 else { return nil }
            let signed = value < 0 ? -integer : integer
            guard Float(signed) * scale == value else { return nil }
            q[j] = Int8(signed)
        }
        return scale
    }

    /// |value| = significand·2^exponent with the significand an odd integer (value nonzero and finite).
    private static func oddSignificand(_ value: Float) -> (significand: Int, exponent: Int) {
        let bits = Int(value.significandBitPattern)
        let biased = Int(value.exponentBitPattern)
        var significand = biased == 0 ? bits : bits | 1 << 23
        var exponent = (biased == 0 ? 1 : biased) - 127 - 23
        let zeros = significand.trailingZeroBitCount
        significand >>= zeros
        exponent += zeros
        return (significand, exponent)
    }

    /// |value|/2^lowestExponent, an integer when lowestExponent is at most value's odd-significand exponent.
    private static func integer(_ value: Float, lowestExponent: Int) -> Int {
        let (significand, exponent) = oddSignificand(value)
        return significand << (exponent - lowestExponent)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
