import Foundation

/// Softmax over each row of logits and the cross-entropy against target ids.
///
/// For a row z with target y: p = softmax(z) (``Softmax``), loss = −log p_y = logΣexp(z) − z_y;
/// ∂loss/∂z = p − onehot(y).
enum SoftmaxCrossEntropy {
    /// Replaces each row of `logits` by its probabilities and returns the summed loss in nats; with `rowLosses`,
    /// also each row's own loss. Rows are split across threads; their partial sums are added in a fixed order.
    static func forward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                        classes v: Int, rowLosses: UnsafeMutablePointer<Double>? = nil) -> Double {
        let parts = rows * v < 1 << 16 ? 1 : EngineThreads.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: parts) { partial in
            partial.initialize(repeating: 0)
            let blocks = SoftmaxRows(logits: logits, targets: targets, classes: v, losses: partial.baseAddress!,
                                     rowLosses: rowLosses)
            Parallel.forEachBlock(of: rows, parts: parts, blocks)
            return partial.reduce(0, +)
        }
    }

    fileprivate static func rowsForward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                        rows: Range<Int>, classes v: Int,
                                        rowLosses: UnsafeMutablePointer<Double>?) -> Double {
        var total = 0.0
        for r in rows {
            let row = logits + r * v
            let targetLogit = row[Int(targets[r])]
            // −log p_y = log Σ exp(z) − z_y = log S + m − z_y.
            let (maximum, sum) = Softmax.probabilities(row, count: v, into: row)
            let loss = Double(logf(sum) + maximum - targetLogit)
            rowLosses?[r] = loss
            total += loss
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

/// Softmax and loss for a block of rows; block number n puts its summed loss in `losses[n]`.
private struct SoftmaxRows: BlockWork {
    let logits: UnsafeMutablePointer<Float>
    let targets: UnsafePointer<Int32>
    let classes: Int
    let losses: UnsafeMutablePointer<Double>
    let rowLosses: UnsafeMutablePointer<Double>?

    func run(_ rows: Range<Int>, number: Int) {
        losses[number] = SoftmaxCrossEntropy.rowsForward(logits: logits, targets: targets, rows: rows, classes: classes,
                                                         rowLosses: rowLosses)
    }
}
