import ArgumentParser
import CharLSTM
import FrontEndSupport

/// `charlstm export`: a smaller copy of a checkpoint for sharing or bundling.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint without the state only resuming needs (about a third of the size, a sixth with --half or --int8).",
        discussion: """
            Keeps the weights, the vocabulary and the training record (settings, step, validation bits per \
            character); drops Adam's moments and the carried state. The result samples, evaluates and starts new \
            runs with --init-from exactly like the original, but cannot be resumed.

            --half stores the weights as 16-bit floats (safetensors F16, which PyTorch loads as torch.float16): \
            half the size again, each weight rounded to 11 significant bits. Every charlstm command reads F16 and \
            F32 files alike, widening F16 weights to 32 bits as it loads them.

            --int8 also puts every matrix's rows (the embedding's too) on a grid of 8-bit integers with one scale per \
            row, and stores those values as F16: PyTorch still loads the file as it is. Priming, sampling, eval and \
            serve then read one byte per weight and round each layer's output h to 8 bits for the products, which \
            makes answers faster (charlstm bench compares) at a small cost in bits per character: measure it with \
            charlstm eval on held-out text, before and after.

            --gradient-statistics measures the gradients' typical size on training text — a pass over the first \
            --statistics-characters of the checkpoint's corpus, or of --statistics FILE — and stores it with the \
            model, so that dynamic evaluation's rms rule (eval --dynamic, the REPL's :learn) has it wherever the \
            file goes. Statistics the checkpoint already holds are kept.

            Examples:
              charlstm export runs/lighthouse/best.safetensors lighthouse.safetensors
              charlstm export runs/lighthouse/best.safetensors lighthouse-f16.safetensors --half
              charlstm export runs/lighthouse/best.safetensors lighthouse-int8.safetensors --int8
              charlstm export runs/lighthouse/best.safetensors lighthouse.safetensors --gradient-statistics
            """
    )

    @Argument(help: "Checkpoint to read.")
    var checkpoint: String

    @Argument(help: "File to write (replaced atomically if it exists).")
    var output: String

    @Flag(help: "Store the weights as 16-bit floats (F16).")
    var half = false

    @Flag(help: "Put every matrix on an int8 grid with a scale per row (stored as F16), for int8 priming and sampling.")
    var int8 = false

    @Flag(help: "Measure gradient statistics on training text and store them, for dynamic evaluation's rms rule.")
    var gradientStatistics = false

    @Option(help: ArgumentHelp("Training text for the statistics (default: the checkpoint's corpus where that file is unchanged, otherwise its Adam moments).",
                               valueName: "file"))
    var statistics: String?

    @Option(name: .customLong("statistics-characters"), help: "Characters of that text the statistics pass reads.")
    var statisticsCharacters = GradientStatistics.defaultPassLength

    @Option(name: .customLong("dynamic-segment"), help: "The segment length the statistics are measured for.")
    var segment = DynamicEvaluationSettings.defaults(for: .rms).segment

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if half && int8 { throw ValidationError("--half and --int8 are two formats; give one (--int8 stores halves too)") }
        if !gradientStatistics && (statistics != nil) {
            throw ValidationError("--statistics names the text for --gradient-statistics, which is not given")
        }
        if statisticsCharacters < 2 { throw ValidationError("--statistics-characters must be at least 2 (got \(statisticsCharacters))") }
        if segment < 1 { throw ValidationError("--dynamic-segment must be at least 1 (got \(segment))") }
    }

    func run() throws {
        try threading.apply()
        let loaded = try Checkpoint.load(path: checkpoint)
        try AtomicFile.checkWritable(output)
        var measured: GradientStatistics?
        if gradientStatistics {
            let plan = try statistics.map { .pass(try TextFile(path: $0)) }
                ?? GradientStatistics.plan(for: loaded, includingStored: false)
            guard !plan.isNone else {
                throw CharLSTMError.invalidSetting("\(checkpoint): no training text for gradient statistics: its corpus is not at hand and it holds no Adam moments; name one with \(Setting.statisticsText) FILE")
            }
            ThreadOptions.noteFallbackBackend()
            InterruptSignal.install()
            let progress = ReadingProgressDisplay(terminal: .standardError, total: plan.passLength(statisticsCharacters),
                                                  label: "gradient statistics")
            measured = try GradientStatistics.gather(plan, model: loaded.model, segment: segment,
                                                     characters: statisticsCharacters, progress: progress.update)
            progress.finish()
            if let signalNumber = InterruptSignal.pending { throw ExitCode(InterruptSignal.exitStatus(for: signalNumber)) }
        }
        let format: WeightFormat = int8 ? .int8 : half ? .half : .float32
        try Checkpoint.export(loaded, to: output, format: format, statistics: measured)
        let kept = (measured ?? loaded.gradientStatistics).map { ", with gradient statistics from \($0.source)" } ?? ""
        let weights = switch format {
        case .int8: "int8-grid (F16) "
        case .half: "F16 "
        case .float32: ""
        }
        print("wrote \(output): \(weights)weights and training record of \(checkpoint)\(kept), without resume state")
    }

}
