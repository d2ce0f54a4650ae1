/// The built-in matrix-vector product, `y ← α·A·x + β·y` with `A` row-major: each output is the dot product of
/// one contiguous row with `x`, so the matrix streams through once, and four rows share each load of `x`.
extension BuiltInGEMM {
    func gemv(_ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
              _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        VectorOperands(n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y).multiply(rows: 0..<m)
    }
}

private struct VectorOperands {
    let n: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let x: UnsafePointer<Float>
    let beta: Float
    let y: UnsafeMutablePointer<Float>

    func multiply(rows: Range<Int>) {
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let (r0, r1, r2, r3) = (a + i * lda, a + (i + 1) * lda, a + (i + 2) * lda, a + (i + 3) * lda)
            var (s0, s1, s2, s3) = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
            var j = 0
            while j + 8 <= n {
                let xv = (x + j).loadVector()
                s0 += (r0 + j).loadVector() * xv
                s1 += (r1 + j).loadVector() * xv
                s2 += (r2 + j).loadVector() * xv
                s3 += (r3 + j).loadVector() * xv
                j += 8
            }
            var (t0, t1, t2, t3) = (s0.sum(), s1.sum(), s2.sum(), s3.sum())
            while j < n {
                t0 += r0[j] * x[j]
                t1 += r1[j] * x[j]
                t2 += r2[j] * x[j]
                t3 += r3[j] * x[j]
                j += 1
            }
            store(t0, at: i)
            store(t1, at: i + 1)
            store(t2, at: i + 2)
            store(t3, at: i + 3)
            i += 4
        }
        while i < rows.upperBound {
            let row = a + i * lda
            var s = FloatVector()
            var j = 0
            while j + 8 <= n {
                s += (row + j).loadVector() * (x + j).loadVector()
                j += 8
            }
            var t = s.sum()
            while j < n {
                t += row[j] * x[j]
                j += 1
            }
            store(t, at: i)
            i += 1
        }
    }

    @inline(__always)
    private func store(_ dot: Float, at i: Int) {
        y[i] = beta == 0 ? alpha * dot : alpha * dot + beta * y[i]
    }
}
