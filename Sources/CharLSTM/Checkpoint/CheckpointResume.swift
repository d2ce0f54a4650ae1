extension Trainer {
    /// Continues the run saved in `checkpoint`, which must hold training state, on the same corpus; problems with
    /// the saved state are reported against the checkpoint's file.
    public convenience init(resuming checkpoint: Checkpoint, corpus: TextFile, goal: TrainingGoal? = nil) throws {
        guard let saved = checkpoint.training else {
            throw CharLSTMError.invalidCheckpoint(path: checkpoint.path, reason: "it holds weights only, no training record; use \(Setting.initialWeights) to start a new run from it")
        }
        do {
            try self.init(resuming: saved, model: checkpoint.model, corpus: corpus, goal: goal)
        } catch CharLSTMError.invalidTrainingState(let reason) {
            throw CharLSTMError.invalidCheckpoint(path: checkpoint.path, reason: reason)
        }
    }
}
