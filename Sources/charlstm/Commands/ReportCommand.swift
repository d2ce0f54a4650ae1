import ArgumentParser
import CharLSTM
import FrontEndSupport

/// `charlstm report`: a training run on one page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a page with a run's learning curves, settings and samples.",
        discussion: """
            Reads RUN_FOLDER/log.jsonl (one line per validation) and the run's best checkpoint (latest if there \
            is none yet), and writes one self-contained HTML file that opens offline: training and validation \
            bits per character against step and against training time, the learning rate, the run's settings, \
            and --samples samples of --length characters from the best checkpoint (temperature \(SamplingSettings.readingTemperature), seeds 1, 2, …).

            Example:
              charlstm report runs/lighthouse --html lighthouse-report.html
            """
    )

    @Argument(help: ArgumentHelp("The run's output folder (what --out named).", valueName: "run-folder"))
    var folder: String

    @Option(help: ArgumentHelp("Write the page to this file.", valueName: "out.html"))
    var html: String

    @Option(help: "Samples to draw from the best checkpoint.")
    var samples = 3

    @Option(help: "Characters per sample.")
    var length = 400

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if !(0...20).contains(samples) { throw ValidationError("--samples must be 0 to 20 (got \(samples))") }
        if !(1...100_000).contains(length) { throw ValidationError("--length must be 1 to 100,000 (got \(length))") }
    }

    func run() throws {
        try threading.apply()
        try AtomicFile.checkWritable(html)
        let report = try RunReport.make(folder: folder, samples: samples, length: length)
        try AtomicFile.write(Array(try PageTemplate.report.html(report).utf8), to: html)
        print("wrote \(html): \(report.records.count) validations, \(report.samples.count) samples")
    }
}
