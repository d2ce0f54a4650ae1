import Foundation

/// The Adam optimiser (Kingma & Ba) over a flat parameter buffer, with decoupled weight decay λ (AdamW,
/// Loshchilov & Hutter) on the `decayed` ranges, as PyTorch's `AdamW` computes it:
///
///     θ ← θ · (1 − lr·λ)                                  (decayed ranges only)
///     m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
///     θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
///
/// Decoupled decay shrinks every weight at the same relative rate whatever its gradient history; L2 added to the
/// gradient would instead be divided by √v̂ and barely touch the weights with large gradients.
/// The moments share the parameters' layout, so a checkpoint stores them tensor by tensor next to the weights.
public final class Adam {
    /// First moment estimate.
    public let m: FloatBuffer
    /// Second moment estimate.
    public let v: FloatBuffer
    /// Adam's moment decay rates and the denominator's ε.
    public let beta1: Float, beta2: Float, epsilon: Float
    /// AdamW's decoupled weight decay λ.
    public let weightDecay: Float
    /// The ranges of the buffer weight decay applies to, allocated once so an update allocates nothing.
    private let decayed: UnsafeMutableBufferPointer<Range<Int>>

    /// Parameters from which an update is shared out among the engine's threads.
    static let splitThreshold = 1 << 16

    /// An optimiser for `count` parameters, its moments zero.
    public init(count: Int, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float = 0,
                decayed: [Range<Int>] = []) {
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decayed = .allocate(capacity: weightDecay > 0 ? decayed.count : 0)
        _ = self.decayed.initialize(from: weightDecay > 0 ? decayed : [])
    }

    deinit { decayed.deallocate() }

    /// Applies update number `step` (1-based; it sets the bias corrections).
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Float, step: Int) {
        update(parameters: parameters, gradients: gradients, learningRate: learningRate, step: step,
               parts: parameters.count >= Self.splitThreshold ? EngineThreads.count : 1)
    }

    /// The update shared out in `parts` blocks.
    func update(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Float, step: Int, parts: Int) {
        let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
        let stepSize = learningRate / correction1
        let inverseRootCorrection2 = 1 / correction2.squareRoot()
        // Every parameter's update is its own, so blocks on separate threads give the same result as one thread.
        Parallel.forEachBlock(of: parameters.count, parts: parts, quantum: 1024,
                              AdamBlock(theta: parameters.pointer, g: gradients.pointer, m: m.pointer, v: v.pointer,
                                        beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize,
                                        inverseRootCorrection2: inverseRootCorrection2,
                                        decayed: UnsafeBufferPointer(decayed), keep: 1 - learningRate * weightDecay))
    }
}

/// Adam's update of a block of parameters θ, with gradients g and moments m, v (see ``Adam``).
private struct AdamBlock: BlockWork {
    let theta: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let beta1: Float, beta2: Float, epsilon: Float
    let stepSize: Float, inverseRootCorrection2: Float
    /// Ranges to scale by `keep` = 1 − lr·λ first.
    let decayed: UnsafeBufferPointer<Range<Int>>, keep: Float

    func run(_ block: Range<Int>, number _: Int) {
        for range in decayed where range.overlaps(block) {
            for j in range.clamped(to: block) { theta[j] *= keep }
        }
        for j in block {
            m[j] = beta1 * m[j] + (1 - beta1) * g[j]
            v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j]
            theta[j] -= stepSize * m[j] / (v[j].squareRoot() * inverseRootCorrection2 + epsilon)
        }
    }
}

