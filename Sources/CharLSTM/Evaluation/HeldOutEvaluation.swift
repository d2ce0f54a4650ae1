import Foundation

extension TextEvaluation {
    /// How well `model` predicts the held-out text of the run `training` recorded, read from `corpus` (its
    /// files found again, ``CorpusRecord/reload(root:)``) exactly as the run's validations read it — the same
    /// split, the same streams and chunks — but all of it, not the sample: with float weights, the figure a
    /// validation of the whole held-out text gives (`--val-chars` at least its length).
    public init(model: CharLSTMModel, heldOutOf training: TrainingSnapshot, corpus: Corpus,
                progress: ReadingProgress? = nil) throws {
        let options = training.options
        try corpus.checkCovered(by: model.vocabulary)
        let split = corpus.split(validationFraction: options.validationFraction, vocabulary: model.vocabulary)
        let batcher = try split.validationStreams(batch: options.batch, seq: options.seq, path: corpus.displayName)
        let int8 = Int8Weights(model: model)
        usedInt8Weights = int8 != nil
        let workspace = ChunkWorkspace(config: model.config, batch: batcher.streams, steps: options.seq,
                                       keepsLayerGates: false, halfWeights: nil, int8Weights: int8)
        let read = model.summedLoss(of: batcher, chunks: batcher.chunksPerPass, workspace: workspace, progress: progress)
        if let (path, change) = corpus.change(readBy: split.validation) {
            throw CharLSTMError.fileAccess(path: path, reason: "\(change) while it was being evaluated")
        }
        isComplete = read.chunks == batcher.chunksPerPass
        self.unknown = [:]
        predicted = read.chunks * batcher.streams * batcher.steps
        bitsPerCharacter = predicted > 0 ? read.nats / Double(predicted) / M_LN2 : .nan
    }
}
