/// Everything about a training run besides the model's weights: what a ``Trainer`` hands out to be stored (in a
/// checkpoint) and resumes from.
public struct TrainingSnapshot {
    /// The run's settings.
    public let options: TrainingOptions
    /// When the run is complete.
    public let goal: TrainingGoal
    /// Where the run is.
    public let progress: TrainingProgress
    /// The text it trains on.
    public let corpus: CorpusRecord
    /// What resuming needs beyond the record above; nil in an exported, weights-only checkpoint.
    public let resumeState: ResumeState?

    /// A record; `resumeState` nil for one that can only be read, not resumed.
    public init(options: TrainingOptions, goal: TrainingGoal, progress: TrainingProgress, corpus: CorpusRecord,
                resumeState: ResumeState?) {
        self.options = options
        self.goal = goal
        self.progress = progress
        self.corpus = corpus
        self.resumeState = resumeState
    }

    /// The same record without the tensors needed to resume: what ``Checkpoint/export(_:to:format:statistics:)`` keeps.
    public var withoutResumeState: TrainingSnapshot {
        TrainingSnapshot(options: options, goal: goal, progress: progress, corpus: corpus, resumeState: nil)
    }
}

/// The tensors a resumed run needs besides the weights.
public struct ResumeState {
    /// Adam's first moments, in the model's ``ParameterLayout``.
    public let adamM: FloatBuffer
    /// Adam's second moments, laid out the same way.
    public let adamV: FloatBuffer
    /// Carried `h` and `c`, `layers × batch × hidden`.
    public let stateH: [Float]
    public let stateC: [Float]

    /// The moments and carried state, as a ``Trainer`` hands them out.
    public init(adamM: FloatBuffer, adamV: FloatBuffer, stateH: [Float], stateC: [Float]) {
        self.adamM = adamM
        self.adamV = adamV
        self.stateH = stateH
        self.stateC = stateC
    }
}
