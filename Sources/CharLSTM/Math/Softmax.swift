import Foundation

/// The softmax, in one place for the loss, sampling and beam search:
///
///     p_j = exp((z_j − m) / τ) / Σ_k exp((z_k − m) / τ),   m = max_k z_k
///
/// Subtracting the maximum first keeps every exponent at or below 0, so exp never overflows; the result is the
/// same as without it, since the factor exp(−m/τ) cancels.
enum Softmax {
    /// Writes p = softmax(z / τ) of `count` logits into `p` (which may be `z` itself) and returns m and
    /// S = Σ exp((z − m)/τ), from which log Σ exp(z/τ) = log S + m/τ.
    @discardableResult
    @inline(__always)
    static func probabilities(_ z: UnsafePointer<Float>, count v: Int, temperature: Float = 1,
                              into p: UnsafeMutablePointer<Float>) -> (maximum: Float, sum: Float) {
        var maximum = z[0]
        for j in 1..<max(v, 1) where z[j] > maximum { maximum = z[j] }
        let inverse = 1 / temperature
        var sum: Float = 0
        forEachVector(in: 0..<v) { j, lanes in
            let e = exponential(((z + j).loadVector(count: lanes) - maximum) * inverse)
            (p + j).storeVector(e, count: lanes)
            for k in 0..<lanes { sum += e[k] }
        }
        let scale = 1 / sum
        for j in 0..<v { p[j] *= scale }
        return (maximum, sum)
    }

    /// log softmax(z), in Double, so that beam search's sums over many steps keep their precision.
    static func logProbabilities(_ z: UnsafePointer<Float>, count v: Int, into out: inout [Double]) {
        var maximum = z[0]
        for j in 1..<max(v, 1) where z[j] > maximum { maximum = z[j] }
        var sum = 0.0
        for j in 0..<v { sum += exp(Double(z[j] - maximum)) }
        let logSum = log(sum) + Double(maximum)
        for j in 0..<v { out[j] = Double(z[j]) - logSum }
    }
}
