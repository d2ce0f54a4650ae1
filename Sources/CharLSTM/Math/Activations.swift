/// exp, σ and tanh on eight lanes at once, for the fused LSTM cell pass and the softmax — the elementwise work
/// that scalar libm calls would otherwise dominate at small hidden sizes.
///
/// exp(x) = 2ⁿ · eʳ with n = round(x / ln 2) and r = x − n·ln 2 ∈ [−ln2/2, ln2/2]; eʳ is a degree-6 polynomial
/// (Taylor coefficients, relative error below 2·10⁻⁷ on that interval) and 2ⁿ is built directly in the exponent
/// bits. Inputs are clamped to [−87, 88], where exp stays a normal, finite `Float`. Then
/// σ(x) = 1 / (1 + e⁻ˣ) and tanh(x) = 2σ(2x) − 1 (absolute error about 10⁻⁷, which is what the cell needs).
typealias FloatVector = SIMD8<Float>

@inline(__always)
func exponential(_ x: FloatVector) -> FloatVector {
    let clamped = clamp(x, -87, 88)
    // Adding 1.5·2²³ rounds x/ln2 to the nearest integer n with plain float arithmetic, and leaves n in the low
    // mantissa bits of the sum, so n as an integer is a bit-cast and a subtraction away (no float→int conversion).
    let shifter = FloatVector(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    // r = x − n·ln2, with ln2 split in two so the subtraction stays exact.
    let r = (clamped - n * 0.693_145_75) - n * 1.428_606_8e-6
    var p = FloatVector(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2ⁿ: the biased exponent n + 127 placed in the exponent field.
    let exponentBits = (nBits &+ 127) &<< 23
    return p * unsafeBitCast(exponentBits, to: FloatVector.self)
}

/// Calls `body(start, lanes)` for consecutive groups of eight indices in `range`, then once for the remainder
/// (fewer lanes). Inlined, the full groups see `lanes` as the constant 8, so the compiler drops the lane-by-lane
/// partial loads and stores from the main loop; with `lanes` a loop variable it had kept partly scalar code in
/// it, and the LSTM cell pass took 10.6 instead of 7.9 ns per unit.
@inline(__always)
func forEachVector(in range: Range<Int>, _ body: (_ start: Int, _ lanes: Int) -> Void) {
    var start = range.lowerBound
    while start + 8 <= range.upperBound {
        body(start, 8)
        start += 8
    }
    if start < range.upperBound { body(start, range.upperBound - start) }
}

/// `v` with every lane outside [low, high] replaced by the nearer bound. Exact: lanes are selected, not computed.
@inline(__always)
func clamp(_ v: FloatVector, _ low: Float, _ high: Float) -> FloatVector {
    var result = v
    result.replace(with: low, where: v .< low)
    result.replace(with: high, where: v .> high)
    return result
}

/// σ(x) = 1 / (1 + e⁻ˣ); its derivative is σ(x)·(1 − σ(x)).
@inline(__always)
func sigmoid(_ x: FloatVector) -> FloatVector { 1 / (1 + exponential(-x)) }

/// tanh(x) = 2σ(2x) − 1; its derivative is 1 − tanh²(x).
@inline(__always)
func hyperbolicTangent(_ x: FloatVector) -> FloatVector { 2 * sigmoid(2 * x) - 1 }

extension UnsafePointer where Pointee == Float {
    /// Eight floats from here; with `count < 8`, the first `count` and zeros.
    @inline(__always)
    func loadVector(count: Int = 8) -> FloatVector {
        if count >= 8 { return UnsafeRawPointer(self).loadUnaligned(as: FloatVector.self) }
        var v = FloatVector()
        for k in 0..<count { v[k] = self[k] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func loadVector(count: Int = 8) -> FloatVector { UnsafePointer(self).loadVector(count: count) }

    /// Stores the first `count` lanes (all eight by default).
    @inline(__always)
    func storeVector(_ v: FloatVector, count: Int = 8) {
        if count >= 8 {
            UnsafeMutableRawPointer(self).storeBytes(of: v, as: FloatVector.self)
            return
        }
        for k in 0..<count { self[k] = v[k] }
    }
}
