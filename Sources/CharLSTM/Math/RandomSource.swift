import Foundation

/// A seedable, serialisable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The engine never uses the system generator: initialisation, dropout masks and sampling each draw from a
/// `RandomSource` whose whole state is four words, so a checkpoint can store it and a resumed run continues the
/// exact same sequence.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's complete state.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator restored from a saved ``state``; nil for the all-zero state, which xoshiro cannot leave.
    public init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        if state == (0, 0, 0, 0) { return nil }
        self.state = state
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform `Float` in [0, 1), from the top 24 bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform `Float` in [low, high).
    public mutating func nextFloat(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// A standard normal `Float` (Box–Muller; one of the pair is discarded to keep the state a plain 4-word value).
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11) * 0x1.0p-53
        let u2 = Double(next() >> 11) * 0x1.0p-53
        let radius = (-2 * log(max(u1, 0x1.0p-60))).squareRoot()
        return Float(radius * cos(2 * Double.pi * u2))
    }

    /// The state as four hexadecimal words, for checkpoint metadata (JSON numbers cannot carry 64 bits exactly).
    public var hexState: [String] {
        [state.0, state.1, state.2, state.3].map { String($0, radix: 16) }
    }

    /// Restores a generator from ``hexState``; nil when the words are malformed.
    public init?(hexState words: [String]) {
        let values = words.compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, values.count == 4 else { return nil }
        self.init(state: (values[0], values[1], values[2], values[3]))
    }

    /// Two generators are equal when they are in the same state, and so draw the same numbers from here on.
    public static func == (lhs: RandomSource, rhs: RandomSource) -> Bool { lhs.state == rhs.state }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
