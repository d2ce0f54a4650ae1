/// Forward and backward passes of the whole stack over one chunk in a ``ChunkWorkspace``:
///
///     x_t = embed[id_t] → dropout → cell₁ → dropout → … → cell_L → dropout → logits = head(h_t) → softmax cross-entropy
///
/// (each dropout only in training passes, as their ``TrainingWorkspace`` asks).
/// Each stage is a plain function over flat buffers (``Embedding``, ``RecurrentLayer``, ``Dropout``, ``LinearHead``,
/// ``SoftmaxCrossEntropy``); these methods only route buffers between them.
extension CharLSTMModel {
    /// Runs `steps` time steps of `batch` streams from `workspace.inputs`, leaving logits in `workspace.logits`.
    /// Dropout is applied as the workspace's ``TrainingWorkspace/dropout`` says, its masks drawn from `random`.
    public func forward(_ workspace: TrainingWorkspace, batch: Int, steps: Int, random: inout RandomSource) {
        forward(workspace, training: workspace, batch: batch, steps: steps, dropoutRandom: &random)
    }

    /// Runs a chunk without dropout (evaluation, priming, sampling). With `logitsOfLastStepOnly`, only the last
    /// step's `batch` rows of logits are computed (into the first rows of `workspace.logits`): reading text into
    /// the memory needs no prediction for every character, only for the one that comes next.
    public func forward(_ workspace: ChunkWorkspace, batch: Int, steps: Int, logitsOfLastStepOnly: Bool = false) {
        var unused = RandomSource(seed: 0)
        forward(workspace, training: nil, batch: batch, steps: steps, dropoutRandom: &unused,
                logitsOfLastStepOnly: logitsOfLastStepOnly)
    }

    /// The forward pass; with `training` (the same workspace), with its dropout.
    private func forward(_ w: ChunkWorkspace, training: TrainingWorkspace?, batch: Int, steps: Int,
                         dropoutRandom random: inout RandomSource, logitsOfLastStepOnly: Bool = false) {
        precondition(batch <= w.batch && steps <= w.steps && w.config == config)
        let rows = batch * steps
        // A mask covers every row, or (per sequence) one step's `batch` rows and repeats at every step.
        let maskRows = training?.dropout.mask == .perSequence ? batch : rows
        func dropout(_ x: UnsafePointer<Float>, width: Int, probability: Float, mask: FloatBuffer,
                     out: FloatBuffer) -> UnsafePointer<Float> {
            Dropout.drawMask(count: maskRows * width, probability: probability, random: &random, mask: mask.pointer)
            Dropout.forward(input: x, count: rows * width, mask: mask.pointer, period: maskRows * width, out: out.pointer)
            return UnsafePointer(out.pointer)
        }
        // A bf16 step rounds the weights once, here, for every product of its forward and backward passes.
        let bfloat16 = training?.bfloat16Weights
        bfloat16?.pack(from: parameters)
        Embedding.forward(table: parameters.pointer + layout.embedding, ids: w.inputs, rows: rows,
                          width: config.embedding, out: w.embedded.pointer)
        var input = UnsafePointer(w.embedded.pointer)
        // With int8 weights (never in training) every product takes rounded inputs: the embedding's integer rows first.
        let int8 = w.int8Weights
        var roundedInput: RoundedActivations.Rows?
        if let int8, let rounded = w.rounded {
            Embedding.forward(table: int8.matrix(at: layout.embedding), ids: w.inputs, rows: rows,
                              width: config.embedding, out: rounded.embedded, scales: rounded.embeddedScales)
            roundedInput = rounded.embeddingRows(width: config.embedding)
        }
        if let training, let buffers = training.embeddingDropout {
            input = dropout(input, width: config.embedding, probability: training.dropout.embedding, mask: buffers.mask,
                            out: buffers.output)
        }
        for k in 0..<config.layers {
            let activations = w.layers[k]
            var weights = layerTensors(k, in: parameters)
            if let half = w.halfWeights {
                weights.halfIH = half.matrix(at: layout.layers[k].weightIH)
                weights.halfHH = half.matrix(at: layout.layers[k].weightHH)
            }
            if let int8, let rounded = w.rounded, let roundedRows = roundedInput {
                weights.int8 = .init(inputWeights: int8.matrix(at: layout.layers[k].weightIH),
                                     recurrentWeights: int8.matrix(at: layout.layers[k].weightHH),
                                     input: roundedRows, roundedH: rounded.h[k], stateScale: rounded.stateScale)
                roundedInput = rounded.outputRows(ofLayer: k, batch: batch, hidden: config.hidden)
            }
            weights.multipliesStreamsApart = w.multipliesStreamsApart
            weights.bfloat16 = bfloat16?.layers[k]
            RecurrentLayer.forward(input: input, weights: weights, activations: activations, batch: batch, steps: steps)
            input = UnsafePointer(activations.h.pointer + batch * config.hidden)
            if let training, !training.dropoutMasks.isEmpty {
                input = dropout(input, width: config.hidden, probability: training.dropout.layers,
                                mask: training.dropoutMasks[k], out: training.dropoutOutputs[k])
            }
        }
        let headRows = logitsOfLastStepOnly ? batch : rows
        var headInt8: (weight: Int8Weights.Matrix, input: RoundedActivations.Rows)?
        if let int8, let roundedInput {
            headInt8 = (int8.matrix(at: layout.headWeight), roundedInput.dropping(rows - headRows))
        }
        LinearHead.forward(input: input + (rows - headRows) * config.hidden, weight: parameters.pointer + layout.headWeight,
                           halfWeight: w.halfWeights?.matrix(at: layout.headWeight), int8: headInt8,
                           bfloat16: bfloat16?.head, bias: parameters.pointer + layout.headBias, rows: headRows,
                           inputSize: config.hidden, outputSize: config.vocabularySize, logits: w.logits.pointer)
    }

    /// The summed cross-entropy (nats) of the chunk's logits against `workspace.targets`; replaces the logits by
    /// probabilities. With `rowLosses`, each row's own cross-entropy is written there too.
    public func loss(_ workspace: ChunkWorkspace, batch: Int, steps: Int,
                     rowLosses: UnsafeMutablePointer<Double>? = nil) -> Double {
        SoftmaxCrossEntropy.forward(logits: workspace.logits.pointer, targets: workspace.targets, rows: batch * steps,
                                    classes: config.vocabularySize, rowLosses: rowLosses)
    }

    /// Backpropagates `scale ·` the summed loss of the last ``forward(_:batch:steps:random:)`` + ``loss(_:batch:steps:rowLosses:)``
    /// of the same chunk, adding the parameter gradients into `gradients` (same layout as ``parameters``).
    /// Leaves the carried state untouched; call ``ChunkWorkspace/carryState(batch:steps:)`` afterwards.
    public func backward(_ w: TrainingWorkspace, batch: Int, steps: Int, scale: Float, gradients: FloatBuffer) {
        let scratch = w.backwardScratch
        var (upper, lower) = (w.upperGradient, w.lowerGradient)
        precondition(gradients.count == layout.bufferCount)
        let rows = batch * steps
        let (h, v) = (config.hidden, config.vocabularySize)
        let dropout = !w.dropoutMasks.isEmpty
        let maskRows = w.dropout.mask == .perSequence ? batch : rows
        func layerOutput(_ k: Int) -> UnsafePointer<Float> {
            UnsafePointer(dropout ? w.dropoutOutputs[k].pointer : w.layers[k].h.pointer + batch * h)
        }
        SoftmaxCrossEntropy.backward(probabilities: w.logits.pointer, targets: w.targets, rows: rows, classes: v,
                                     scale: scale)
        LinearHead.backward(input: layerOutput(config.layers - 1), weight: parameters.pointer + layout.headWeight,
                            bfloat16: w.bfloat16Weights?.head, dLogits: w.logits.pointer, rows: rows, inputSize: h, outputSize: v,
                            dWeight: gradients.pointer + layout.headWeight, dBias: gradients.pointer + layout.headBias,
                            dInput: upper.pointer)
        for k in stride(from: config.layers - 1, through: 0, by: -1) {
            if dropout {
                Dropout.backward(mask: w.dropoutMasks[k].pointer, count: rows * h, period: maskRows * h,
                                 gradient: upper.pointer)
            }
            let input = k == 0 ? UnsafePointer(w.embeddingDropout?.output.pointer ?? w.embedded.pointer) : layerOutput(k - 1)
            var weights = layerTensors(k, in: parameters)
            weights.bfloat16 = w.bfloat16Weights?.layers[k]
            RecurrentLayer.backward(input: input, weights: weights,
                                    gradients: layerTensors(k, in: gradients), activations: w.layers[k],
                                    scratch: scratch, dH: upper.pointer, dInput: lower.pointer, batch: batch,
                                    steps: steps)
            swap(&upper, &lower)
        }
        if let buffers = w.embeddingDropout {
            Dropout.backward(mask: buffers.mask.pointer, count: rows * config.embedding, period: maskRows * config.embedding,
                             gradient: upper.pointer)
        }
        Embedding.backward(dTable: gradients.pointer + layout.embedding, ids: w.inputs, rows: rows,
                           width: config.embedding, dOut: upper.pointer)
    }
}
