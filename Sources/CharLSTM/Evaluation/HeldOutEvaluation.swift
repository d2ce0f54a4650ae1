import Foundation

extension TextEvaluation {
    /// How well `model` predicts the held-out text of the run `training` recorded, read from `corpus` (its
    /// files found again, ``CorpusRecord/reload(root:)``) exactly as the run's validations read it — the same
    /// split, the same streams and chunks — but all of it, not the sample: with float weights, the figure a
    /// validation of the whole held-out text gives (`--val-chars` at least its length).
    public init(model: CharLSTMModel, heldOutOf training: TrainingSnapshot, corpus: Corpus,
                progress: ReadingProgress? = nil) throws {
        let options = training.options
        let unknown = corpus.distinctCharacters.filter { model.vocabulary.id(of: $0) == nil }
        guard unknown.isEmpty else { throw CharLSTMError.unknownCharacters(path: corpus.displayName, characters: unknown) }
        let split = corpus.split(validationFraction: options.validationFraction, vocabulary: model.vocabulary)
        let streams = min(options.batch, split.validation.count / (options.seq + 1))
        guard streams >= 1 else {
            throw CharLSTMError.textTooShort(path: corpus.displayName, detail: "\(split.validationDescription) has \(split.validation.count) characters, too few for one stream")
        }
        let batcher = try StreamBatcher(source: split.validation, streams: streams, steps: options.seq,
                                        path: corpus.displayName, describe: split.validationDescription)
        let int8 = Int8Weights(model: model)
        usedInt8Weights = int8 != nil
        let workspace = ChunkWorkspace(config: model.config, batch: streams, steps: options.seq, keepsLayerGates: false,
                                       halfWeights: nil, int8Weights: int8)
        var total = 0.0
        var chunks = 0
        var complete = true
        for chunk in 0..<batcher.chunksPerPass {
            batcher.fill(chunk: chunk, inputs: workspace.inputs, targets: workspace.targets)
            model.forward(workspace, batch: streams, steps: options.seq)
            total += model.loss(workspace, batch: streams, steps: options.seq)
            workspace.carryState(batch: streams, steps: options.seq)
            chunks += 1
            if let progress, !progress(chunks * streams * options.seq) {
                complete = chunks == batcher.chunksPerPass
                break
            }
        }
        if let (path, change) = corpus.change(readBy: [split.validation]) {
            throw CharLSTMError.fileAccess(path: path, reason: "\(change) while it was being evaluated")
        }
        isComplete = complete
        self.unknown = [:]
        predicted = chunks * streams * options.seq
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
    }
}
