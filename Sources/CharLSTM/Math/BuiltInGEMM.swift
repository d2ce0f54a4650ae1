import Foundation

/// The engine's own SGEMM, used when no CBLAS library can be loaded.
///
/// GotoBLAS-style blocking: `op(B)` is packed `kc×nc` at a time into column panels `nr` wide, `op(A)` `mc×kc` at a
/// time into row panels `mr` tall (with α folded in), and a register-tiled micro-kernel accumulates an `mr×nr` tile
/// of `C` over a `kc` slice. Packing also absorbs the transposes, so one kernel serves all four cases. It runs on
/// the calling thread; ``SplitGEMM`` spreads large products over several.
///
/// The tile is 2×16 because Swift builds for the baseline x86-64, SSE2 with 16 vector registers of 4 floats: a
/// 2×16 tile keeps its 8 accumulators, the 4 registers of a row of `B̃` and the broadcast `Ã` values in registers,
/// where a 4×16 tile needs 20 and spills to the stack in every iteration. On large products it measured 42
/// GFLOP/s on one core of a 2.6 GHz EPYC, which is SSE's peak there: two 4-wide multiplies and two adds a cycle.
final class BuiltInGEMM: GEMMProvider, @unchecked Sendable {
    static let mr = 2
    static let nr = 16
    static let kc = 256
    static let mc = 128
    static let nc = 1024

    let backend = BLASBackend.builtIn
    /// Always: this GEMM packs `op(B)` first, which a single row never pays back.
    let singleRowGEMVFrom = 0
    private let pool = PackingPool()

    func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let operands = Operands(transposeA: transposeA, transposeB: transposeB, k: k, alpha: alpha,
                                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        pool.withScratch { operands.multiply(rows: 0..<m, columns: 0..<n, scratch: $0) }
    }
}

/// Packing buffers lent to one product (or one thread of it) at a time, so products running concurrently on
/// different threads never share them. A new set is allocated only when every existing one is in use, which after
/// the first steps of a run no longer happens. (An `NSLock` rather than `Mutex`: ThreadSanitizer sees pthread
/// locks, but not the futex inside `Mutex`, and would report the pool's array as racing.)
final class PackingPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [PackingScratch] = []

    func withScratch(_ body: (PackingScratch) -> Void) {
        lock.lock()
        let scratch = free.popLast() ?? PackingScratch()
        lock.unlock()
        body(scratch)
        lock.lock()
        free.append(scratch)
        lock.unlock()
    }
}

/// Per-thread packing buffers, sized for one block of each operand.
final class PackingScratch: @unchecked Sendable {
    // Packing pads the last panel of a block with zeros, so the buffers hold whole panels.
    let packedA = FloatBuffer(count: (BuiltInGEMM.mc + BuiltInGEMM.mr - 1) / BuiltInGEMM.mr * BuiltInGEMM.mr * BuiltInGEMM.kc)
    let packedB = FloatBuffer(count: BuiltInGEMM.kc * ((BuiltInGEMM.nc + BuiltInGEMM.nr - 1) / BuiltInGEMM.nr * BuiltInGEMM.nr))
}

/// The arguments of one product, and the blocked loop over a rectangle of `C`.
private struct Operands: @unchecked Sendable {
    let transposeA: Bool, transposeB: Bool
    let k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int

    typealias G = BuiltInGEMM

    func multiply(rows: Range<Int>, columns: Range<Int>, scratch: PackingScratch) {
        scaleC(rows: rows, columns: columns)
        if k == 0 || alpha == 0 { return }
        var jc = columns.lowerBound
        while jc < columns.upperBound {
            let nb = min(G.nc, columns.upperBound - jc)
            var pc = 0
            while pc < k {
                let kb = min(G.kc, k - pc)
                packB(rows: pc, count: kb, columns: jc, width: nb, into: scratch.packedB.pointer)
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mb = min(G.mc, rows.upperBound - ic)
                    packA(rows: ic, count: mb, depth: pc, width: kb, into: scratch.packedA.pointer)
                    var jr = 0
                    while jr < nb {
                        let bPanel = scratch.packedB.pointer + jr * kb
                        var ir = 0
                        while ir < mb {
                            microKernel(depth: kb, aPanel: scratch.packedA.pointer + ir * kb, bPanel: bPanel,
                                        c: c + (ic + ir) * ldc + jc + jr,
                                        rows: min(G.mr, mb - ir), columns: min(G.nr, nb - jr))
                            ir += G.mr
                        }
                        jr += G.nr
                    }
                    ic += mb
                }
                pc += kb
            }
            jc += nb
        }
    }

    /// `C ← β·C` over the rectangle, before the products are added in.
    private func scaleC(rows: Range<Int>, columns: Range<Int>) {
        if beta == 1 { return }
        for i in rows {
            let row = c + i * ldc
            for j in columns { row[j] = beta == 0 ? 0 : beta * row[j] }
        }
    }

    /// Packs `α·op(A)[i0..<i0+count, p0..<p0+width]` as panels of `mr` rows, each stored depth-major
    /// (`panel[p·mr + r]`), zero-padding the last panel.
    private func packA(rows i0: Int, count: Int, depth p0: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        var panelStart = 0
        while panelStart < count {
            let panel = out + panelStart * width
            let live = min(G.mr, count - panelStart)
            for p in 0..<width {
                for r in 0..<G.mr {
                    let i = i0 + panelStart + r
                    let value: Float = r < live
                        ? (transposeA ? a[(p0 + p) * lda + i] : a[i * lda + p0 + p]) : 0
                    panel[p * G.mr + r] = alpha * value
                }
            }
            panelStart += G.mr
        }
    }

    /// Packs `op(B)[p0..<p0+count, j0..<j0+width]` as panels of `nr` columns, each stored depth-major
    /// (`panel[p·nr + c]`), zero-padding the last panel.
    private func packB(rows p0: Int, count: Int, columns j0: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        var panelStart = 0
        while panelStart < width {
            let panel = out + panelStart * count
            let live = min(G.nr, width - panelStart)
            if transposeB {
                // op(B)'s columns are B's rows: each is read along its length and written down the panel (a
                // stride of `nr` that stays inside the L1-sized panel), rather than gathered across rows.
                for col in 0..<G.nr {
                    if col < live {
                        let source = b + (j0 + panelStart + col) * ldb + p0
                        for p in 0..<count { panel[p * G.nr + col] = source[p] }
                    } else {
                        for p in 0..<count { panel[p * G.nr + col] = 0 }
                    }
                }
            } else {
                for p in 0..<count {
                    let destination = panel + p * G.nr
                    let source = b + (p0 + p) * ldb + j0 + panelStart
                    if live == G.nr {
                        destination.update(from: source, count: G.nr)
                    } else {
                        for col in 0..<G.nr { destination[col] = col < live ? source[col] : 0 }
                    }
                }
            }
            panelStart += G.nr
        }
    }

    /// `C[0..<rows, 0..<columns] += Ã·B̃` for one `mr×depth` panel of packed A and one `depth×nr` panel of packed B.
    @inline(__always)
    private func microKernel(depth: Int, aPanel: UnsafePointer<Float>, bPanel: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        var c0 = SIMD16<Float>(), c1 = SIMD16<Float>()
        let bRaw = UnsafeRawPointer(bPanel)
        for p in 0..<depth {
            let bv = bRaw.loadUnaligned(fromByteOffset: p * 64, as: SIMD16<Float>.self)
            let ap = aPanel + p * 2
            c0 += bv * ap[0]
            c1 += bv * ap[1]
        }
        if rows == G.mr && columns == G.nr {
            addFullRow(c0, to: c)
            addFullRow(c1, to: c + ldc)
        } else {
            // Edge tile: only the live part of the accumulators belongs to C.
            addPartialRow(c0, to: c, columns: columns)
            if rows > 1 { addPartialRow(c1, to: c + ldc, columns: columns) }
        }
    }

    @inline(__always)
    private func addFullRow(_ accumulator: SIMD16<Float>, to row: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(row)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + accumulator, as: SIMD16<Float>.self)
    }

    @inline(__always)
    private func addPartialRow(_ accumulator: SIMD16<Float>, to row: UnsafeMutablePointer<Float>, columns: Int) {
        for col in 0..<columns { row[col] += accumulator[col] }
    }
}
