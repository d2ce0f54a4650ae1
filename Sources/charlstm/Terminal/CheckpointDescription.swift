import CharLSTM

/// The human-readable description of a checkpoint that `charlstm info` and the REPL's `:info` print.
enum CheckpointDescription {
    static func lines(_ checkpoint: Checkpoint) -> [String] {
        let model = checkpoint.model
        let c = model.config
        var lines = [
            "checkpoint  \(checkpoint.path)",
            "model       \(c.layers) \(c.cell.displayName) layer\(c.layers == 1 ? "" : "s") × \(c.hidden) hidden, embedding \(c.embedding), vocabulary \(c.vocabularySize)",
            "memory      " + (c.cell.hasCellState
                ? "h (short-term) and c (long-term) per unit"
                : "h only: \(c.cell.displayName) cells have no separate cell state c"),
            "parameters  \(HumanReadable.count(model.parameterCount))",
            "vocabulary  \(model.vocabulary.characters.map(Vocabulary.printable).joined(separator: " "))"
                + (model.vocabulary.unknownID == nil ? "" : " (capped: \(Vocabulary.printable(Vocabulary.unknownCharacter)) stands for every other character, and is never written)"),
        ]
        if let training = checkpoint.training {
            let p = training.progress
            let o = training.options
            let best = p.bestValidationBPC.map { "best val \(HumanReadable.decimal($0, 4)) bpc" } ?? "not validated yet"
            lines.append("training    step \(HumanReadable.count(p.step)), epoch \(p.epoch), trained to \(HumanReadable.goal(training.goal)); \(best)")
            let corpus = training.corpus
            let files = corpus.files.map { "\(HumanReadable.count($0.count)) files, " } ?? ""
            lines.append("            \(HumanReadable.duration(p.trainingSeconds)) of training on \(corpus.path) (\(files)\(HumanReadable.count(corpus.byteCount)) bytes; \(corpus.whereabouts()))")
            lines.append("            batch \(o.batch), seq \(o.seq), \(schedule(o)), clip \(o.clip), seed \(o.seed), \(o.precision) products")
            lines.append("            \(regularisation(o))")
            lines.append("            " + (training.resumeState == nil
                ? "exported: weights and record only, cannot be resumed"
                : "resumable with: charlstm train --resume \(checkpoint.path)"))
        } else {
            lines.append("training    none recorded (weights only)")
        }
        if let statistics = checkpoint.gradientStatistics {
            lines.append("statistics  gradient RMS for dynamic evaluation (eval --dynamic, :learn), segments of \(statistics.segment ?? 0), from \(statistics.source)")
        }
        lines.append("weights     " + weights(model))
        lines.append("BLAS        \(BLAS.backend)")
        lines.append("bf16        " + (BFloat16GEMM.kernel.map { "\($0) (train --precision bf16)" } ?? "none: \(ProductPrecision.bf16Unavailability ?? "")"))
        return lines
    }

    /// How the weights are stored, and what priming and sampling multiply them as on this machine.
    static func weights(_ model: CharLSTMModel) -> String {
        switch model.weightFormat {
        case .int8:
            return "int8 grid, a scale per row (export --int8): " + (Sampler.int8Kernel.map {
                "priming, sampling and eval multiply in int8, h rounded to 8 bits (\($0) kernel)"
            } ?? "this CPU has no int8 kernel (an x86-64 without AVX2), so the same values multiply as floats")
        case .half:
            return "F16 (export --half): " + (Sampler.halfKernels.map {
                "priming and sampling read them as halves (\($0) kernels)"
            } ?? "this CPU cannot widen halves (an x86-64 without F16C, AVX2 and FMA), so they multiply as floats")
        case .float32:
            return "float32"
        }
    }

    /// The learning-rate schedule in words: "lr 0.002 cosine to 1e-05 after 200 warm-up steps".
    static func schedule(_ o: TrainingOptions) -> String {
        let lr = HumanReadable.significant
        let warmup = o.warmupSteps > 0 ? " after \(HumanReadable.count(o.warmupSteps)) warm-up steps" : ""
        switch o.schedule {
        case .step: return "lr \(lr(o.learningRate)) × \(lr(o.learningRateDecay)) every \(o.learningRateDecayEvery) epochs\(warmup)"
        case .cosine, .linear: return "lr \(lr(o.learningRate)) \(o.schedule.rawValue) to \(lr(o.minLearningRate))\(warmup)"
        }
    }

    /// Dropout and weight decay in words: "dropout 0.25 per sequence (embedding 0.1), weight decay 0.01".
    static func regularisation(_ o: TrainingOptions) -> String {
        let mask = o.dropoutMask == .perSequence && (o.dropout > 0 || o.embeddingDropout > 0) ? " per sequence" : ""
        let embedding = o.embeddingDropout > 0 ? " (embedding \(o.embeddingDropout))" : ""
        return "dropout \(o.dropout)\(mask)\(embedding), weight decay \(o.weightDecay)"
    }

    /// A short name for a model: its corpus's file name without extension, or the checkpoint's.
    static func name(_ checkpoint: Checkpoint) -> String {
        let path = checkpoint.training?.corpus.path ?? checkpoint.path
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.split(separator: ".").first.map(String.init) ?? file
    }
}
