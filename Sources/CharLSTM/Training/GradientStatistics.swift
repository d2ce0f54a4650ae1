import Foundation

/// The root mean square r of each parameter's gradient on training text: what the ``DynamicEvaluationSettings``
/// `rms` rule divides its steps by and scales its decay with. Two sources:
///
/// - ``measure(model:text:segment:characters:progress:)``: a pass over a text (the training corpus) at batch 1
///   with the segments dynamic evaluation will use, without updating: r² = the mean over segments of ∇², ∇ the
///   gradient of a segment's mean loss — the same kind of gradient the updates take, so η means the same on any
///   model.
/// - ``init(adamMoments:step:beta2:charactersPerStep:segment:)``: a resumable checkpoint's Adam second moments,
///   bias-corrected, r = √(v / (1 − β₂ᵗ)). They are moments of the gradients of whole training batches (`batch` ×
///   `seq` characters), which average over n times a segment's characters and so are about √n times smaller if
///   the characters' gradients were independent: r is scaled up by √n, so that η means about the same.
public final class GradientStatistics {
    /// r, one per parameter, in the model's ``ParameterLayout``.
    public let rms: FloatBuffer
    /// The mean of r over every parameter (r̄ of the decay's scale).
    public let meanRMS: Float
    /// Where r came from, in words: "a pass over 100,000 characters of corpus.txt".
    public let source: String
    /// The segment length r was measured for (nil for Adam's moments, which are not a segment's).
    public let segment: Int?

    init(rms: FloatBuffer, segment: Int?, source: String) {
        self.rms = rms
        self.segment = segment
        var sum = 0.0
        for j in 0..<rms.count { sum += Double(rms.pointer[j]) }
        meanRMS = rms.count > 0 ? Float(sum / Double(rms.count)) : 0
        self.source = source
    }

    /// Statistics from Adam's second moments `v` after `step` updates with decay rate `beta2`, of gradients over
    /// `charactersPerStep` characters, for segments of `segment` characters.
    public convenience init(adamMoments v: FloatBuffer, step: Int, beta2: Float, charactersPerStep: Int = 1,
                            segment: Int = 1) {
        let correction = 1 - pow(Double(beta2), Double(max(step, 1)))
        let scale = (Double(max(charactersPerStep, 1)) / Double(max(segment, 1))).squareRoot()
        let rms = FloatBuffer(count: v.count)
        for j in 0..<v.count { rms.pointer[j] = Float((Double(v.pointer[j]) / correction).squareRoot() * scale) }
        self.init(rms: rms, segment: nil, source: "Adam's second moments at step \(step)")
    }

    /// Measures r over the first `characters` characters of `text` (all of it when nil), read at batch 1 in
    /// segments of `segment` characters with the memory carried from segment to segment and the weights left
    /// alone. `progress` hears the characters read after each segment and may stop the pass early; the figures
    /// then cover what was read. Throws when no segment could be read.
    public static func measure<S: Sequence>(model: CharLSTMModel, text: S, segment: Int, characters: Int? = nil,
                                            describing name: String,
                                            progress: ReadingProgress? = nil) throws -> GradientStatistics
    where S.Element == Unicode.Scalar {
        precondition(segment >= 1)
        let workspace = TrainingWorkspace(config: model.config, batch: 1, steps: segment)
        let gradients = FloatBuffer(count: model.layout.bufferCount)
        let squares = FloatBuffer(count: model.layout.bufferCount)
        let parts = squares.count >= Adam.splitThreshold ? EngineThreads.count : 1
        var segments = 0, read = 0
        var unused = RandomSource(seed: 0)
        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true)
        let limit = characters ?? Int.max
        _ = reader.read(text.prefix(limit), progress: progress) { rows in
            gradients.zero()
            model.forward(workspace, batch: 1, steps: rows, random: &unused)
            _ = model.loss(workspace, batch: 1, steps: rows)
            model.backward(workspace, batch: 1, steps: rows, scale: 1 / Float(rows), gradients: gradients)
            workspace.carryState(batch: 1, steps: rows)
            Parallel.forEachBlock(of: squares.count, parts: parts, quantum: 1024,
                                  SquareSumBlock(total: squares.pointer, g: gradients.pointer))
            segments += 1
            read += rows
            return true
        }
        guard segments > 0 else {
            throw CharLSTMError.textTooShort(path: name, detail: "needs at least two characters the model knows to gather gradient statistics")
        }
        let rms = FloatBuffer(count: gradients.count)
        for j in 0..<rms.count { rms.pointer[j] = (squares.pointer[j] / Float(segments)).squareRoot() }
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        let count = formatter.string(from: NSNumber(value: read + 1)) ?? "\(read + 1)"
        return GradientStatistics(rms: rms, segment: segment, source: "a pass over \(count) characters of \(name)")
    }
}

extension GradientStatistics {
    /// The statistics for segments of `segment` characters: these, or measured for another length, scaled by
    /// √(measured / segment) — a mean over n characters' gradients is √n times smaller when they are independent.
    public func forSegment(_ segment: Int) -> GradientStatistics {
        guard let measured = self.segment, measured != segment else { return self }
        let scale = Float((Double(measured) / Double(segment)).squareRoot())
        let scaled = FloatBuffer(count: rms.count)
        for j in 0..<rms.count { scaled.pointer[j] = rms.pointer[j] * scale }
        return GradientStatistics(rms: scaled, segment: segment, source: source + ", scaled from segments of \(measured)")
    }

    /// Characters a statistics pass reads unless told otherwise: enough that r settles (measured in
    /// docs/dynamic-evaluation.md), a few seconds of reading.
    public static let defaultPassLength = 20_000

    /// Where a checkpoint's statistics can come from.
    public enum Plan {
        /// Statistics stored in the checkpoint.
        case stored(GradientStatistics)
        /// A pass over a training text.
        case pass(TextFile)
        /// Adam's second moments, `v` after `step` updates at decay rate `beta2` of steps over
        /// `charactersPerStep` characters.
        case adamMoments(FloatBuffer, step: Int, beta2: Float, charactersPerStep: Int)
        /// Nowhere: the rms rule cannot be used.
        case none

        /// Whether there is no source.
        public var isNone: Bool {
            if case .none = self { return true }
            return false
        }

        /// Characters a pass reading `characters` will read (0 without one).
        public func passLength(_ characters: Int) -> Int {
            if case .pass(let file) = self { return min(file.characterCount, characters) }
            return 0
        }
    }

    /// The best source `checkpoint` offers: statistics stored in it; otherwise a pass over the corpus it was
    /// trained on, when that file is where it was recorded and unchanged (the first characters of a corpus are
    /// training text); otherwise a resumable checkpoint's Adam moments; otherwise none.
    /// (`includingStored` false: a source to measure them afresh from.)
    public static func plan(for checkpoint: Checkpoint, includingStored: Bool = true) -> Plan {
        if includingStored, let stored = checkpoint.gradientStatistics { return .stored(stored) }
        if let corpus = checkpoint.training?.corpus, let file = try? TextFile(path: corpus.path), corpus.matches(file) {
            return .pass(file)
        }
        if let training = checkpoint.training, let state = training.resumeState {
            return .adamMoments(state.adamV, step: training.progress.step, beta2: training.options.beta2,
                                charactersPerStep: training.options.batch * training.options.seq)
        }
        return .none
    }

    /// The statistics `plan` gives for `model` with segments of `segment` characters (nil for ``Plan/none``); a
    /// pass reads `characters` characters and reports to `progress`.
    public static func gather(_ plan: Plan, model: CharLSTMModel, segment: Int, characters: Int = defaultPassLength,
                              progress: ReadingProgress? = nil) throws -> GradientStatistics? {
        switch plan {
        case .stored(let stored):
            return stored.forSegment(segment)
        case .pass(let file):
            return try measure(model: model, text: file, segment: segment, characters: characters,
                               describing: URL(fileURLWithPath: file.path).lastPathComponent, progress: progress)
        case .adamMoments(let v, let step, let beta2, let characters):
            return GradientStatistics(adamMoments: v, step: step, beta2: beta2, charactersPerStep: characters,
                                      segment: segment)
        case .none:
            return nil
        }
    }
}

/// Adds a block of squared gradients g² into `total` (each parameter its own sum, so any split gives the same).
private struct SquareSumBlock: BlockWork {
    let total: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>

    func run(_ block: Range<Int>, number _: Int) {
        for j in block { total[j] += g[j] * g[j] }
    }
}

extension GradientStatistics {
    /// One r per row of each matrix and per element of each vector: the root mean square of the row's r. What a
    /// checkpoint stores — a 2×512 model's 16,600 numbers instead of 3.3 million — at a small cost (measured in
    /// docs/dynamic-evaluation.md: 0.003–0.014 bits of a 0.76–1.30-bit gain).
    func rowValues(_ layout: ParameterLayout) -> [[Float]] {
        layout.entries.map { entry in
            let width = entry.shape.count == 2 ? entry.shape[1] : 1
            return (0..<(entry.count / width)).map { row in
                let start = entry.offset + row * width
                var sum = 0.0
                for j in start..<start + width { sum += Double(rms.pointer[j]) * Double(rms.pointer[j]) }
                return Float((sum / Double(width)).squareRoot())
            }
        }
    }

    /// Statistics whose every element is its row's value from ``rowValues(_:)`` (in `layout`'s entry order).
    static func fromRows(_ rows: [[Float]], layout: ParameterLayout, segment: Int, source: String) -> GradientStatistics {
        let rms = FloatBuffer(count: layout.bufferCount)
        for (entry, values) in zip(layout.entries, rows) {
            let width = entry.count / max(values.count, 1)
            for (row, value) in values.enumerated() {
                (rms.pointer + entry.offset + row * width).update(repeating: value, count: width)
            }
        }
        return GradientStatistics(rms: rms, segment: segment, source: source)
    }
}
