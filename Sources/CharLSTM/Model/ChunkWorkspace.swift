/// The activations and the carried `h`/`c` state of a model run over chunks of up to `batch` streams × `steps`
/// time steps, without going backward: evaluation, inspection, priming and sampling. ``TrainingWorkspace`` adds
/// what training needs.
///
/// Everything is allocated here, once; the forward pass only reuses these buffers. The layers of a stack share one
/// gate buffer, which nothing reads once a layer's `h` is computed, unless made `keepsLayerGates` (to read a step's
/// gates afterwards, as inspection and the REPL's `:cell` do).
public class ChunkWorkspace {
    /// The shape of the model this workspace serves.
    public let config: ModelConfig
    /// Largest number of parallel streams a chunk may have.
    public let batch: Int
    /// Largest number of time steps a chunk may have.
    public let steps: Int
    /// F16 copies of the model's matrices that forward passes multiply by instead (nil: floats): a sampler's
    /// batch-1 passes and the one-step passes of a ``ConversationBatch``. Set to nil while the model's weights
    /// differ from the copies (a ``DynamicLearner`` has moved them).
    var halfWeights: HalfWeights?
    /// int8 copies of the model's matrices that forward passes multiply by instead, before any F16 ones (nil:
    /// none), in the same passes and set to nil in the same way; their products take ``rounded``'s inputs.
    var int8Weights: Int8Weights? {
        didSet { precondition(int8Weights == nil || rounded != nil, "int8 weights for a workspace made without them") }
    }
    /// The rounded inputs of int8 products, when the workspace was made with ``int8Weights``.
    let rounded: RoundedActivations?
    /// Whether a pass over several steps multiplies each stream's inputs in a product of its own rather than all
    /// streams' in one, so that (with ``halfWeights``, whose products already sum each stream apart) every
    /// stream's numbers are to the bit those it would have alone: a ``ConversationBatch`` reading several
    /// conversations' texts at once.
    var multipliesStreamsApart = false

    /// Input character ids of the chunk, time-major: `inputs[t·batch + b]`.
    public let inputs: UnsafeMutablePointer<Int32>
    /// Target ids (the next character), laid out like ``inputs``.
    public let targets: UnsafeMutablePointer<Int32>
    /// Logits, then (after the loss) probabilities or their gradients: `steps·batch × V`.
    public let logits: FloatBuffer

    let embedded: FloatBuffer
    let layers: [LayerActivations]

    /// A workspace for `config` and chunks of up to `batch` × `steps`; with `keepsLayerGates`, each layer keeps its own gates.
    public convenience init(config: ModelConfig, batch: Int, steps: Int, keepsLayerGates: Bool = false) {
        self.init(config: config, batch: batch, steps: steps, keepsLayerGates: keepsLayerGates, halfWeights: nil)
    }

    /// A workspace whose forward passes use `int8Weights`, else `halfWeights` (made from the model it will run).
    init(config: ModelConfig, batch: Int, steps: Int, keepsLayerGates: Bool, halfWeights: HalfWeights?,
         int8Weights: Int8Weights? = nil) {
        precondition(batch > 0 && steps > 0)
        self.halfWeights = halfWeights
        rounded = int8Weights.map { _ in RoundedActivations(config: config, batch: batch, steps: steps) }
        self.int8Weights = int8Weights
        self.config = config
        self.batch = batch
        self.steps = steps
        let rows = batch * steps
        inputs = .allocate(capacity: rows)
        inputs.initialize(repeating: 0, count: rows)
        targets = .allocate(capacity: rows)
        targets.initialize(repeating: 0, count: rows)
        logits = FloatBuffer(count: rows * config.vocabularySize)
        embedded = FloatBuffer(count: rows * config.embedding)
        let shared = keepsLayerGates
            ? nil : LayerActivations.Scratch(cell: config.cell, batch: batch, steps: steps, hidden: config.hidden)
        layers = (0..<config.layers).map { _ in
            LayerActivations(cell: config.cell, batch: batch, steps: steps, hidden: config.hidden, scratch: shared)
        }
    }

    deinit {
        inputs.deallocate()
        targets.deallocate()
    }

    /// Zeroes `h` (and `c`) of every layer: the start of a text, or an epoch.
    public func resetState() {
        for layer in layers {
            layer.h.pointer.update(repeating: 0, count: batch * config.hidden)
            if layer.hasCellState { layer.c.pointer.update(repeating: 0, count: batch * config.hidden) }
        }
    }

    /// Makes the state at the end of the last chunk (`steps` steps of `batch` streams) the start of the next.
    public func carryState(batch: Int, steps: Int) {
        for layer in layers { layer.carryState(batch: batch, steps: steps, hidden: config.hidden) }
    }

    /// The carried state as `layers × batch × H` arrays of `h` and `c` (`c` empty for cells without one), for
    /// checkpoints.
    public func state() -> (h: [Float], c: [Float]) {
        var h: [Float] = [], c: [Float] = []
        copyState(h: &h, c: &c)
        return (h, c)
    }

    /// Copies the carried state into `h` and `c`, laid out as ``state()`` gives it, reusing their room (nothing is
    /// allocated when they already held a state of this size).
    public func copyState(h: inout [Float], c: inout [Float]) {
        let n = batch * config.hidden
        h.removeAll(keepingCapacity: true)
        c.removeAll(keepingCapacity: true)
        for layer in layers {
            h.append(contentsOf: UnsafeBufferPointer(start: layer.h.pointer, count: n))
            if layer.hasCellState { c.append(contentsOf: UnsafeBufferPointer(start: layer.c.pointer, count: n)) }
        }
    }

    /// Takes `other`'s carried state, which must be of the same model and batch (the learner and the sampler of a
    /// conversation hand the memory to each other this way).
    func copyState(from other: ChunkWorkspace) {
        precondition(other.config == config && other.batch == batch, "a state of another shape")
        let n = batch * config.hidden
        for (layer, source) in zip(layers, other.layers) {
            layer.h.pointer.update(from: source.h.pointer, count: n)
            if layer.hasCellState { layer.c.pointer.update(from: source.c.pointer, count: n) }
        }
    }

    /// Sets stream `stream`'s carried state to stream `source` of `other`'s, a workspace of the same model (the
    /// batches that start several streams from one sampler's memory, and give one back, move memories this way).
    func copyStream(_ stream: Int, from other: ChunkWorkspace, stream source: Int) {
        precondition(other.config == config && stream < batch && source < other.batch, "a state of another shape")
        let h = config.hidden
        for (layer, from) in zip(layers, other.layers) {
            for (state, origin) in zip(layer.state, from.state) {
                (state.pointer + stream * h).update(from: origin.pointer + source * h, count: h)
            }
        }
    }

    /// Restores a state saved by ``state()``.
    public func setState(h: [Float], c: [Float]) {
        let n = batch * config.hidden
        precondition(h.count == n * layers.count && c.count == (config.cell.hasCellState ? h.count : 0))
        for (k, layer) in layers.enumerated() {
            h.withUnsafeBufferPointer { layer.h.pointer.update(from: $0.baseAddress! + k * n, count: n) }
            if layer.hasCellState {
                c.withUnsafeBufferPointer { layer.c.pointer.update(from: $0.baseAddress! + k * n, count: n) }
            }
        }
    }

}

/// A ``ChunkWorkspace`` for training: each layer keeps its own gates, and the workspace holds what
/// backpropagation needs — the gate-gradient scratch, two gradient buffers that layers pass down — and the dropout
/// masks and masked activations that `dropout` asks for.
public final class TrainingWorkspace: ChunkWorkspace {
    /// The dropout of training passes.
    public let dropout: DropoutSettings
    /// Dropout on the embedding's output: its mask and the masked activations (nil without it).
    let embeddingDropout: (mask: FloatBuffer, output: FloatBuffer)?
    /// Dropout on each layer's output (empty without it).
    let dropoutMasks: [FloatBuffer]
    let dropoutOutputs: [FloatBuffer]
    let backwardScratch: LayerBackwardScratch
    let upperGradient: FloatBuffer
    let lowerGradient: FloatBuffer
    /// The precision of the passes' matrix products.
    public let precision: ProductPrecision
    /// With bf16 products, the weights' bfloat16 packings, refilled by every training forward pass.
    let bfloat16Weights: BFloat16Weights?

    /// A training workspace for `config`, chunks of up to `batch` × `steps`, `dropout`, and products in
    /// `precision` (which must be available: ``ProductPrecision/isAvailable``).
    public init(config: ModelConfig, batch: Int, steps: Int, dropout: DropoutSettings = .none,
                precision: ProductPrecision = .fp32) {
        precondition(precision.isAvailable, "bf16 products on a CPU without them")
        self.dropout = dropout
        self.precision = precision
        bfloat16Weights = precision == .bf16 ? BFloat16Weights(layout: ParameterLayout(config: config)) : nil
        let rows = batch * steps
        let maskRows = dropout.mask == .perSequence ? batch : rows
        embeddingDropout = dropout.embedding > 0
            ? (FloatBuffer(count: maskRows * config.embedding), FloatBuffer(count: rows * config.embedding)) : nil
        let masked = dropout.layers > 0 ? config.layers : 0
        dropoutMasks = (0..<masked).map { _ in FloatBuffer(count: maskRows * config.hidden) }
        dropoutOutputs = (0..<masked).map { _ in FloatBuffer(count: rows * config.hidden) }
        backwardScratch = LayerBackwardScratch(cell: config.cell, batch: batch, steps: steps, hidden: config.hidden)
        upperGradient = FloatBuffer(count: rows * max(config.hidden, config.embedding))
        lowerGradient = FloatBuffer(count: rows * max(config.hidden, config.embedding))
        super.init(config: config, batch: batch, steps: steps, keepsLayerGates: true, halfWeights: nil)
    }
}
