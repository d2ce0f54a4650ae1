import Foundation

/// Decoding several continuations at once, as one batch of streams through the network: independent samples, or
/// beam search. Both start from the sampler's memory (every stream gets a copy of its `h` and `c`).
extension Sampler {
    /// `count` independent continuations of `length` characters, drawn as one batch of `count` streams; at every
    /// step the streams draw from `random` in order, so a seed gives the same set. The sampler's memory is left
    /// as it was.
    public func sampleMany(count: Int, length: Int, settings: SamplingSettings,
                           random: inout RandomSource) -> [[Unicode.Scalar]] {
        precondition(count >= 1 && length >= 0)
        ensureDistribution()
        let batch = BatchState(copying: self, streams: count)
        let v = model.config.vocabularySize
        var texts = [[Unicode.Scalar]](repeating: [], count: count)
        for step in 0..<length {
            for b in 0..<count {
                // Every stream starts from the sampler's distribution; later ones from their own row of logits.
                let logits = step == 0 ? UnsafePointer(nextLogits.pointer) : UnsafePointer(batch.workspace.logits.pointer + b * v)
                let id = choose(settings, from: logits, random: &random)
                batch.workspace.inputs[b] = id
                texts[b].append(model.vocabulary.character(id))
            }
            batch.advance()
        }
        return texts
    }

    /// Beam search: the continuation of `length` characters that the model finds most likely, keeping the `width`
    /// best partial continuations (by summed log-probability) at every step, each with its own `h` and `c`.
    /// Deterministic: ties go to the earlier beam, then the lower character id. Afterwards the sampler's memory
    /// holds the chosen continuation, as if it had been generated.
    public func beamSearch(width: Int, length: Int) -> [Unicode.Scalar] {
        precondition(width >= 1 && length >= 0)
        guard length > 0 else { return [] }
        ensureDistribution()
        let v = model.config.vocabularySize
        let batch = BatchState(copying: self, streams: width)
        var scores = [Double](repeating: 0, count: width)
        var live = 1                                              // all beams start equal: expand only the first
        var tokens = [[Int32]](repeating: [Int32](repeating: 0, count: width), count: length)
        var parents = [[Int]](repeating: [Int](repeating: 0, count: width), count: length)
        var logProbabilities = [Double](repeating: 0, count: v)
        let unknownID = model.vocabulary.unknownID  // never written
        // The best `width` candidates (score, beam, id), best first.
        var best: [(score: Double, beam: Int, id: Int32)] = []
        best.reserveCapacity(width + 1)
        for step in 0..<length {
            best.removeAll(keepingCapacity: true)
            for b in 0..<live {
                let logits = step == 0 ? UnsafePointer(nextLogits.pointer) : UnsafePointer(batch.workspace.logits.pointer + b * v)
                Softmax.logProbabilities(logits, count: v, into: &logProbabilities)
                for j in 0..<v where Int32(j) != unknownID {
                    let candidate = (score: scores[b] + logProbabilities[j], beam: b, id: Int32(j))
                    guard best.count < width || candidate.score > best[best.count - 1].score else { continue }
                    // Insert after every candidate at least as good: earlier beams and lower ids win ties.
                    var at = best.count
                    while at > 0 && best[at - 1].score < candidate.score { at -= 1 }
                    best.insert(candidate, at: at)
                    if best.count > width { best.removeLast() }
                }
            }
            live = best.count
            for (k, candidate) in best.enumerated() {
                scores[k] = candidate.score
                tokens[step][k] = candidate.id
                parents[step][k] = candidate.beam
                batch.workspace.inputs[k] = candidate.id
            }
            batch.reorder(parents: parents[step], count: live)
            batch.advance(streams: live)
        }
        // Beam 0 is the best; follow its parents back.
        var ids = [Int32](repeating: 0, count: length)
        var k = 0
        for step in stride(from: length - 1, through: 0, by: -1) {
            ids[step] = tokens[step][k]
            k = parents[step][k]
        }
        batch.copyStream(0, into: self)
        return ids.map(model.vocabulary.character)
    }
}

/// A batch of streams that start from one sampler's memory and move one character per ``advance(streams:)``.
private final class BatchState {
    let workspace: ChunkWorkspace
    private let model: CharLSTMModel
    /// Scratch for ``reorder(parents:count:)``: every layer's state (`h`, and the LSTM's `c`) for every stream.
    private let saved: [FloatBuffer]

    init(copying sampler: Sampler, streams: Int) {
        model = sampler.model
        let config = model.config
        // The sampler's int8 or F16 copies of the weights, so that its streams multiply as it does alone.
        workspace = ChunkWorkspace(config: config, batch: streams, steps: 1, keepsLayerGates: false,
                                   halfWeights: sampler.workspace.halfWeights, int8Weights: sampler.workspace.int8Weights)
        let h = config.hidden
        for b in 0..<streams { workspace.copyStream(b, from: sampler.workspace, stream: 0) }
        saved = workspace.layers[0].state.map { _ in FloatBuffer(count: config.layers * streams * h) }
    }

    /// Runs one step for the first `streams` streams from `workspace.inputs` and carries their state on.
    func advance(streams: Int? = nil) {
        let n = streams ?? workspace.batch
        model.forward(workspace, batch: n, steps: 1)
        workspace.carryState(batch: n, steps: 1)
    }

    /// Stream k takes the state of stream `parents[k]`, for k < `count`.
    func reorder(parents: [Int], count: Int) {
        let h = model.config.hidden, n = workspace.batch
        for (layer, activations) in workspace.layers.enumerated() {
            for (state, scratch) in zip(activations.state, saved) {
                scratch.pointer.advanced(by: layer * n * h).update(from: state.pointer, count: n * h)
                for k in 0..<count {
                    (state.pointer + k * h).update(from: scratch.pointer + (layer * n + parents[k]) * h, count: h)
                }
            }
        }
    }

    /// Makes stream `b`'s state and next-character logits the sampler's.
    func copyStream(_ b: Int, into sampler: Sampler) {
        sampler.workspace.copyStream(0, from: workspace, stream: b)
        sampler.tookBatchedStep(logits: workspace.logits.pointer + b * model.config.vocabularySize)
    }
}
