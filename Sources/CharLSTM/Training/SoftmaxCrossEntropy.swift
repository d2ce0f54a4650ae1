#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax over each row of logits and the cross-entropy against target ids.
///
/// For a row z with target y: p = softmax(z), loss = −log p_y = logΣexp(z) − z_y, computed with the maximum
/// subtracted so exp never overflows; ∂loss/∂z = p − onehot(y).
enum SoftmaxCrossEntropy {
    /// Replaces each row of `logits` by its probabilities and returns the summed loss in nats.
    static func forward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                        classes v: Int) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let row = logits + r * v
            let target = Int(targets[r])
            let targetLogit = row[target]
            var maximum = row[0]
            for j in 1..<max(v, 1) where row[j] > maximum { maximum = row[j] }
            var sum: Float = 0
            for j in 0..<v {
                let e = expf(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<v { row[j] *= inverse }
            total += Double(logf(sum) + maximum - targetLogit)
        }
        return total
    }

    /// Turns probabilities into ∂(scale · Σ loss)/∂logits, in place: scale · (p − onehot).
    static func backward(probabilities p: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                         classes v: Int, scale: Float) {
        for r in 0..<rows {
            let row = p + r * v
            row[Int(targets[r])] -= 1
            for j in 0..<v { row[j] *= scale }
        }
    }
}
