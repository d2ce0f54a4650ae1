extension Checkpoint {
    /// The training record, if it holds everything resuming needs; otherwise an error naming the file.
    public func resumableRecord() throws -> TrainingSnapshot {
        guard let training, training.resumeState != nil else {
            throw CharLSTMError.invalidCheckpoint(path: path, reason: "it holds weights only, no training state to resume; use \(Setting.initialWeights) to start a new run from it")
        }
        return training
    }
}

extension Trainer {
    /// Continues the run saved in `checkpoint`, which must hold training state, on the same corpus; problems with
    /// the saved state are reported against the checkpoint's file. `precision` replaces the run's when given.
    public convenience init(resuming checkpoint: Checkpoint, corpus: Corpus, goal: TrainingGoal? = nil,
                            precision: ProductPrecision? = nil) throws {
        let saved = try checkpoint.resumableRecord()
        do {
            try self.init(resuming: saved, model: checkpoint.model, corpus: corpus, goal: goal, precision: precision)
        } catch CharLSTMError.invalidTrainingState(let reason) {
            throw CharLSTMError.invalidCheckpoint(path: checkpoint.path, reason: reason)
        }
    }

    /// Continues the run saved in `checkpoint` on the text file `corpus`.
    public convenience init(resuming checkpoint: Checkpoint, corpus: TextFile, goal: TrainingGoal? = nil,
                            precision: ProductPrecision? = nil) throws {
        try self.init(resuming: checkpoint, corpus: Corpus(corpus), goal: goal, precision: precision)
    }
}
