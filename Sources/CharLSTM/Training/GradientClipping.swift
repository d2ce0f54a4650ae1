/// Clipping by global norm: when ‖g‖₂ over all parameters exceeds `maxNorm`, every gradient is scaled by
/// maxNorm / ‖g‖₂, so the step keeps its direction but not its size. Exploding gradients are the classic failure of
/// recurrent nets; this keeps one bad chunk from wrecking the weights.
enum GradientClipping {
    /// Clips in place (unless `maxNorm` is 0) and returns the norm before clipping.
    static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
        let g = gradients.pointer
        var sum: Double = 0
        var partial: Float = 0
        // Sum in Float blocks of 1024 and accumulate the blocks in Double: fast, and accurate for millions of terms.
        for j in 0..<gradients.count {
            partial += g[j] * g[j]
            if j & 1023 == 1023 {
                sum += Double(partial)
                partial = 0
            }
        }
        sum += Double(partial)
        let norm = Float(sum.squareRoot())
        if maxNorm > 0 && norm > maxNorm && norm.isFinite {
            let scale = maxNorm / norm
            for j in 0..<gradients.count { g[j] *= scale }
        }
        return norm
    }
}
