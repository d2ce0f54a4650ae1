import CharLSTM

/// The human-readable description of a checkpoint that `charlstm info` and the REPL's `:info` print.
enum CheckpointDescription {
    static func lines(_ checkpoint: Checkpoint) -> [String] {
        let model = checkpoint.model
        let c = model.config
        var lines = [
            "checkpoint  \(checkpoint.path)",
            "model       \(c.layers) layer\(c.layers == 1 ? "" : "s") × \(c.hidden) hidden, embedding \(c.embedding), vocabulary \(c.vocabularySize)",
            "parameters  \(HumanReadable.count(model.parameterCount))",
            "vocabulary  \(model.vocabulary.characters.map(Vocabulary.printable).joined(separator: " "))",
        ]
        if let training = checkpoint.training {
            let p = training.progress
            let o = training.options
            let best = p.bestValidationBPC.map { "best val \(HumanReadable.decimal($0, 4)) bpc" } ?? "not validated yet"
            lines.append("training    step \(HumanReadable.count(p.step)), epoch \(p.epoch), trained to \(HumanReadable.goal(training.goal)); \(best)")
            lines.append("            \(HumanReadable.duration(p.trainingSeconds)) of training on \(training.corpus.path) (\(HumanReadable.count(training.corpus.byteCount)) bytes)")
            lines.append("            batch \(o.batch), seq \(o.seq), lr \(o.learningRate) × \(o.learningRateDecay) every \(o.learningRateDecayEvery) epochs, clip \(o.clip), dropout \(o.dropout), seed \(o.seed)")
            lines.append("            " + (training.resumeState == nil
                ? "exported: weights and record only, cannot be resumed"
                : "resumable with: charlstm train --resume \(checkpoint.path)"))
        } else {
            lines.append("training    none recorded (weights only)")
        }
        lines.append("BLAS        \(BLAS.backend)")
        return lines
    }

    /// A short name for a model: its corpus's file name without extension, or the checkpoint's.
    static func name(_ checkpoint: Checkpoint) -> String {
        let path = checkpoint.training?.corpus.path ?? checkpoint.path
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.split(separator: ".").first.map(String.init) ?? file
    }
}
