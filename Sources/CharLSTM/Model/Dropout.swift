/// Inverted dropout during training: y = x ⊙ m with m = 1/(1 − p) with probability 1 − p and 0 otherwise, so the
/// expected value of y is x and nothing needs rescaling at inference. The mask is drawn from the run's
/// ``RandomSource`` and kept for the backward pass (dx = dy ⊙ m), so a seeded run is reproducible.
///
/// A mask of `period` values repeats along the activations: `period` = all of them is a fresh mask for every
/// element at every time step; `period` = one step's `B × width` block is the same mask at every step.
enum Dropout {
    /// Fills `mask[0..<count]` with 0 (probability p) or 1/(1 − p).
    static func drawMask(count: Int, probability p: Float, random: inout RandomSource, mask: UnsafeMutablePointer<Float>) {
        let keep = 1 / (1 - p)
        for j in 0..<count { mask[j] = random.nextUnitFloat() < p ? 0 : keep }
    }

    /// y = x ⊙ m over `count` values, the mask repeating every `period` values.
    static func forward(input x: UnsafePointer<Float>, count: Int, mask: UnsafePointer<Float>, period: Int,
                        out: UnsafeMutablePointer<Float>) {
        for start in stride(from: 0, to: count, by: period) {
            for j in 0..<min(period, count - start) { out[start + j] = x[start + j] * mask[j] }
        }
    }

    /// dx = dy ⊙ m, in place.
    static func backward(mask: UnsafePointer<Float>, count: Int, period: Int, gradient: UnsafeMutablePointer<Float>) {
        for start in stride(from: 0, to: count, by: period) {
            for j in 0..<min(period, count - start) { gradient[start + j] *= mask[j] }
        }
    }
}

/// How dropout masks are drawn.
public enum DropoutMask: String, Sendable, Equatable, Codable, CaseIterable {
    /// A fresh mask for every element at every time step.
    case perStep = "step"
    /// One mask per stream and chunk, the same at every time step ("variational" dropout, Gal & Ghahramani): the
    /// units a stream loses stay lost for the whole chunk, so the recurrence cannot route around the noise.
    case perSequence = "sequence"
}

/// Where a training pass applies dropout, and how.
public struct DropoutSettings: Sendable, Equatable {
    /// Probability on the embedding's output, the first layer's input.
    public var embedding: Float
    /// Probability on every recurrent layer's output.
    public var layers: Float
    /// Whether a mask is drawn per sequence or per step.
    public var mask: DropoutMask

    /// Dropout probabilities on the embedding's output and after each recurrent layer.
    public init(embedding: Float = 0, layers: Float = 0, mask: DropoutMask = .perStep) {
        self.embedding = embedding
        self.layers = layers
        self.mask = mask
    }

    /// No dropout.
    public static let none = DropoutSettings()
}
