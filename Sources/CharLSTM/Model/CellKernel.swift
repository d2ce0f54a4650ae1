/// The per-step arithmetic that tells one recurrent cell from another. ``RecurrentLayer`` does everything else —
/// the input products of a whole chunk as one GEMM, the recurrent product of every step, the sweeps over streams
/// or units, and the weight gradients — the same way for every cell.
///
/// A step's row of pre-activations holds `gateCount` blocks of H values. For the LSTM and the RNN the recurrent
/// product `W_hh·h_{t−1}` is added into them before the cell runs; the GRU keeps it apart (in `recurrent`),
/// because its candidate gate multiplies that part alone by r.
protocol CellKernel {
    static var cell: RecurrentCell { get }
    /// The fused pass for one stream at one step, over `units` (all of them, or one thread's share), eight at a
    /// time: adds both biases, applies the gate nonlinearities, and writes `h_t` (and the LSTM's `c_t`), leaving in
    /// `gates` (and `recurrent`) what the backward pass reads.
    static func forward(_ step: CellStep, hidden: Int, units: Range<Int>)
    /// One stream at one step of the backward sweep, over `units`: from ∂loss/∂h_t (`dH` plus the δh arriving in
    /// `dhNext`) writes the gradients of the pre-activations (`dGates` for the input side, `dRecurrent` for the
    /// recurrent side where they differ) and the parts of δh_{t−1}, δc_{t−1} that do not pass through `W_hh`.
    static func backward(_ step: CellGradientStep, hidden: Int, units: Range<Int>)
}

extension CellKernel {
    static var gateCount: Int { cell.gateCount }
    /// Whether `W_hh·h_{t−1}` is kept apart from the input products (the GRU) rather than added into them.
    static var keepsRecurrentApart: Bool { cell == .gru }
    /// Where the recurrent products `h_{t−1}·W_hhᵀ` go, and the β of that product: added into the gates' input
    /// products (β = 1), or, for the GRU, written apart (β = 0).
    static func recurrentProducts(in a: LayerActivations) -> UnsafeMutablePointer<Float> {
        keepsRecurrentApart ? a.recurrent.pointer : a.gates.pointer
    }
    static var recurrentProductBeta: Float { keepsRecurrentApart ? 0 : 1 }
    /// Whether δh_{t−1} has a part that bypasses `W_hh` (the GRU's `z ⊙ h_{t−1}` term): the recurrent gradient
    /// product then adds to `dhNext` instead of overwriting it.
    static var hasDirectStateGradient: Bool { cell == .gru }
}

/// One stream's row at one step, as the forward kernels see it.
struct CellStep {
    /// In: the input products `W_ih·x_t` (plus `W_hh·h_{t−1}` unless kept apart). Out: the activated gates.
    let gates: UnsafeMutablePointer<Float>
    /// The GRU's `W_hh·h_{t−1}`; on exit its n block holds `W_hn·h_{t−1} + b_hn`. Other cells: unused.
    let recurrent: UnsafeMutablePointer<Float>
    let biasIH: UnsafePointer<Float>
    let biasHH: UnsafePointer<Float>
    let hPrevious: UnsafePointer<Float>
    let h: UnsafeMutablePointer<Float>
    /// The LSTM's `c_{t−1}`, `c_t` and `tanh(c_t)`. Other cells: unused.
    let cPrevious: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
    let tanhC: UnsafeMutablePointer<Float>
}

/// One stream's row at one step, as the backward kernels see it.
struct CellGradientStep {
    /// What the forward kernel left: the activated gates (and the GRU's recurrent products).
    let gates: UnsafePointer<Float>
    let recurrent: UnsafePointer<Float>
    let hPrevious: UnsafePointer<Float>
    let cPrevious: UnsafePointer<Float>
    let tanhC: UnsafePointer<Float>
    /// ∂loss/∂h_t from the layer above (or the head).
    let dH: UnsafePointer<Float>
    /// In: δh from step t + 1. Out (GRU only): the part of δh_{t−1} that bypasses `W_hh`.
    let dhNext: UnsafeMutablePointer<Float>
    /// The LSTM's δc: in from step t + 1, out for step t − 1.
    let dcNext: UnsafeMutablePointer<Float>
    /// Gradients of the input-side pre-activations (→ dW_ih, db_ih, dX).
    let dGates: UnsafeMutablePointer<Float>
    /// The GRU's gradients of the recurrent-side pre-activations (→ dW_hh, db_hh, δh). Other cells: unused.
    let dRecurrent: UnsafeMutablePointer<Float>
}

/// The LSTM (`nn.LSTM`), gates i, f, g, o:
///
///     [ĩ f̃ g̃ õ] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
///     i = σ(ĩ)   f = σ(f̃)   g = tanh(g̃)   o = σ(õ)
///     c_t = f ⊙ c_{t−1} + i ⊙ g            (forget a bit, learn a bit, remember)
///     h_t = o ⊙ tanh(c_t)                   (use)
///
/// Backward, with δh and δc the gradients arriving from step t + 1:
///
///     dh  = dH_t + δh
///     dc  = δc + dh ⊙ o ⊙ (1 − tanh²c_t)
///     dõ  = dh ⊙ tanh c_t ⊙ o(1 − o)        dĩ = dc ⊙ g ⊙ i(1 − i)
///     df̃  = dc ⊙ c_{t−1} ⊙ f(1 − f)         dg̃ = dc ⊙ i ⊙ (1 − g²)
///     δc ← dc ⊙ f                           δh ← [dĩ df̃ dg̃ dõ]·W_hh (by the layer)
enum LSTMCell: CellKernel {
    static var cell: RecurrentCell { .lstm }

    @inline(__always)
    static func forward(_ s: CellStep, hidden: Int, units: Range<Int>) {
        let (fOffset, gOffset, oOffset) = (hidden, 2 * hidden, 3 * hidden)
        forEachVector(in: units) { j, lanes in
            @inline(__always) func preactivation(_ offset: Int) -> FloatVector {
                let k = offset + j
                return (s.gates + k).loadVector(count: lanes) + (s.biasIH + k).loadVector(count: lanes)
                    + (s.biasHH + k).loadVector(count: lanes)
            }
            let i = sigmoid(preactivation(0))
            let f = sigmoid(preactivation(fOffset))
            let g = hyperbolicTangent(preactivation(gOffset))
            let o = sigmoid(preactivation(oOffset))
            (s.gates + j).storeVector(i, count: lanes)
            (s.gates + fOffset + j).storeVector(f, count: lanes)
            (s.gates + gOffset + j).storeVector(g, count: lanes)
            (s.gates + oOffset + j).storeVector(o, count: lanes)
            let cell = f * (s.cPrevious + j).loadVector(count: lanes) + i * g
            let squashed = hyperbolicTangent(cell)
            (s.c + j).storeVector(cell, count: lanes)
            (s.tanhC + j).storeVector(squashed, count: lanes)
            (s.h + j).storeVector(o * squashed, count: lanes)
        }
    }

    @inline(__always)
    static func backward(_ s: CellGradientStep, hidden: Int, units: Range<Int>) {
        let (fOffset, gOffset, oOffset) = (hidden, 2 * hidden, 3 * hidden)
        forEachVector(in: units) { j, lanes in
            let i = (s.gates + j).loadVector(count: lanes), f = (s.gates + fOffset + j).loadVector(count: lanes)
            let g = (s.gates + gOffset + j).loadVector(count: lanes), o = (s.gates + oOffset + j).loadVector(count: lanes)
            let squashed = (s.tanhC + j).loadVector(count: lanes)
            let dh = (s.dH + j).loadVector(count: lanes) + (s.dhNext + j).loadVector(count: lanes)
            let dc = (s.dcNext + j).loadVector(count: lanes) + dh * o * (1 - squashed * squashed)
            (s.dGates + j).storeVector(dc * g * i * (1 - i), count: lanes)
            (s.dGates + fOffset + j).storeVector(dc * (s.cPrevious + j).loadVector(count: lanes) * f * (1 - f), count: lanes)
            (s.dGates + gOffset + j).storeVector(dc * i * (1 - g * g), count: lanes)
            (s.dGates + oOffset + j).storeVector(dh * squashed * o * (1 - o), count: lanes)
            (s.dcNext + j).storeVector(dc * f, count: lanes)
        }
    }
}

/// The GRU (`nn.GRU`), gates r, z, n, with the recurrent products `[h̃_r h̃_z h̃_n] = W_hh·h_{t−1}` kept apart:
///
///     r = σ(W_ir x + b_ir + h̃_r + b_hr)      z = σ(W_iz x + b_iz + h̃_z + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (h̃_n + b_hn))
///     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
///
/// Backward, with δh the gradient arriving from step t + 1 and m = h̃_n + b_hn:
///
///     dh = dH_t + δh
///     dñ = dh ⊙ (1 − z) ⊙ (1 − n²)           (the input side's n gradient; the recurrent side's is dñ ⊙ r)
///     dz̃ = dh ⊙ (h_{t−1} − n) ⊙ z(1 − z)     dr̃ = dñ ⊙ m ⊙ r(1 − r)
///     δh ← dh ⊙ z  +  [dr̃ dz̃ dñ⊙r]·W_hh (by the layer)
enum GRUCell: CellKernel {
    static var cell: RecurrentCell { .gru }

    @inline(__always)
    static func forward(_ s: CellStep, hidden: Int, units: Range<Int>) {
        let (zOffset, nOffset) = (hidden, 2 * hidden)
        forEachVector(in: units) { j, lanes in
            @inline(__always) func load(_ p: UnsafePointer<Float>, _ offset: Int) -> FloatVector {
                (p + offset + j).loadVector(count: lanes)
            }
            let gates = UnsafePointer(s.gates), recurrent = UnsafePointer(s.recurrent)
            let r = sigmoid(load(gates, 0) + load(s.biasIH, 0) + load(recurrent, 0) + load(s.biasHH, 0))
            let z = sigmoid(load(gates, zOffset) + load(s.biasIH, zOffset) + load(recurrent, zOffset)
                            + load(s.biasHH, zOffset))
            let m = load(recurrent, nOffset) + load(s.biasHH, nOffset)
            let n = hyperbolicTangent(load(gates, nOffset) + load(s.biasIH, nOffset) + r * m)
            (s.gates + j).storeVector(r, count: lanes)
            (s.gates + zOffset + j).storeVector(z, count: lanes)
            (s.gates + nOffset + j).storeVector(n, count: lanes)
            (s.recurrent + nOffset + j).storeVector(m, count: lanes)
            (s.h + j).storeVector((1 - z) * n + z * load(s.hPrevious, 0), count: lanes)
        }
    }

    @inline(__always)
    static func backward(_ s: CellGradientStep, hidden: Int, units: Range<Int>) {
        let (zOffset, nOffset) = (hidden, 2 * hidden)
        forEachVector(in: units) { j, lanes in
            let r = (s.gates + j).loadVector(count: lanes), z = (s.gates + zOffset + j).loadVector(count: lanes)
            let n = (s.gates + nOffset + j).loadVector(count: lanes)
            let m = (s.recurrent + nOffset + j).loadVector(count: lanes)
            let dh = (s.dH + j).loadVector(count: lanes) + (s.dhNext + j).loadVector(count: lanes)
            let dn = dh * (1 - z) * (1 - n * n)
            let dz = dh * ((s.hPrevious + j).loadVector(count: lanes) - n) * z * (1 - z)
            let dr = dn * m * r * (1 - r)
            (s.dGates + j).storeVector(dr, count: lanes)
            (s.dGates + zOffset + j).storeVector(dz, count: lanes)
            (s.dGates + nOffset + j).storeVector(dn, count: lanes)
            (s.dRecurrent + j).storeVector(dr, count: lanes)
            (s.dRecurrent + zOffset + j).storeVector(dz, count: lanes)
            (s.dRecurrent + nOffset + j).storeVector(dn * r, count: lanes)
            (s.dhNext + j).storeVector(dh * z, count: lanes)
        }
    }
}

/// The plain RNN (`nn.RNN`, tanh):
///
///     h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)
///
/// Backward: dã = (dH_t + δh) ⊙ (1 − h_t²), δh ← dã·W_hh (by the layer). The activated value kept in `gates` is h_t.
enum RNNCell: CellKernel {
    static var cell: RecurrentCell { .rnn }

    @inline(__always)
    static func forward(_ s: CellStep, hidden: Int, units: Range<Int>) {
        forEachVector(in: units) { j, lanes in
            let a = hyperbolicTangent((s.gates + j).loadVector(count: lanes) + (s.biasIH + j).loadVector(count: lanes)
                                      + (s.biasHH + j).loadVector(count: lanes))
            (s.gates + j).storeVector(a, count: lanes)
            (s.h + j).storeVector(a, count: lanes)
        }
    }

    @inline(__always)
    static func backward(_ s: CellGradientStep, hidden: Int, units: Range<Int>) {
        forEachVector(in: units) { j, lanes in
            let a = (s.gates + j).loadVector(count: lanes)
            let dh = (s.dH + j).loadVector(count: lanes) + (s.dhNext + j).loadVector(count: lanes)
            (s.dGates + j).storeVector(dh * (1 - a * a), count: lanes)
        }
    }
}
