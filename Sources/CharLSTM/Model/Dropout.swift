/// Inverted dropout on a layer's output during training: y = x ⊙ m with m = 1/(1 − p) with probability 1 − p and
/// 0 otherwise, so the expected value of y is x and nothing needs rescaling at inference. The mask is drawn from the
/// run's ``RandomSource`` and kept for the backward pass (dx = dy ⊙ m), so a seeded run is reproducible.
enum Dropout {
    static func forward(input x: UnsafePointer<Float>, count: Int, probability p: Float, random: inout RandomSource,
                        mask: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let keep = 1 / (1 - p)
        for j in 0..<count {
            mask[j] = random.nextUnitFloat() < p ? 0 : keep
            out[j] = x[j] * mask[j]
        }
    }

    static func backward(mask: UnsafePointer<Float>, count: Int, gradient: UnsafeMutablePointer<Float>) {
        for j in 0..<count { gradient[j] *= mask[j] }
    }
}
