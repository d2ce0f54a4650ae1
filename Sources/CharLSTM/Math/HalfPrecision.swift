/// IEEE 754 binary16 ("half", safetensors' `F16`) to and from `Float`, bit by bit, so the result is the same on
/// every platform (Swift's `Float16` is missing on macOS for Intel).
///
/// A half has 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits: normal values span 6.1e−5…65504 with
/// 11 significant bits (3 decimal digits), subnormals reach down to 6.0e−8.
enum HalfPrecision {
    /// Largest finite half.
    static let maximum: Float = 65504

    /// `value` rounded to the nearest half (ties to even); beyond ±65504 it becomes ±infinity.
    static func bits(_ value: Float) -> UInt16 {
        let f = value.bitPattern
        let sign = UInt16((f >> 16) & 0x8000)
        let exponent = Int((f >> 23) & 0xFF)
        let fraction = f & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (fraction != 0 ? 0x200 : 0) }   // infinity or NaN
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }                               // overflow
        if halfExponent <= 0 {
            // Subnormal half (or zero): shift the significand, with its implicit 1, into the 10 fraction bits.
            guard halfExponent >= -10 else { return sign }
            let significand = fraction | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            return sign | UInt16(roundedShift(significand, by: shift))
        }
        // Rounding may carry into the exponent, which is the right result (up to infinity).
        return sign | UInt16(truncatingIfNeeded: (UInt32(halfExponent) << 10) + roundedShift(fraction, by: 13))
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundedShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let kept = value >> shift
        let rest = value & ((1 << shift) - 1)
        let half = UInt32(1) << (shift - 1)
        return kept + (rest > half || (rest == half && kept & 1 == 1) ? 1 : 0)
    }

    /// The `Float` a half's bits stand for (exactly: every half is a float).
    static func float(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Subnormal: fraction · 2⁻²⁴.
            let magnitude = Float(fraction) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (fraction << 13))
        }
    }
}
