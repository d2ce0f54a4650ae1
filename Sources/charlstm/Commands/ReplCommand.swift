import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm repl` (and plain `charlstm`): talk to a model.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Prime a model's memory with your words and watch it continue them (the default command).",
        discussion: """
            Each line you type is fed through the network, updating every layer's h (short-term) and c (long-term) \
            memory, and the model continues from there, streaming characters as it makes them. Its own words stay \
            in the memory too, so a conversation builds on itself. With no checkpoint named, the model bundled with \
            charlstm is used. Type :help inside for the commands.

            When standard input is not a terminal, lines are read from it and each continuation is written to \
            standard output on a line of its own (no prompt, colour or banner), which makes transcripts scriptable.

            Examples:
              charlstm
              charlstm repl runs/lighthouse/best.safetensors --temperature 0.6
              printf 'The keeper\\n:probs\\n' | charlstm repl --seed 1
              charlstm repl --state evening.state.safetensors

            Inside, :undo takes the last exchange back and :again tries it anew; :save NAME and :restore NAME keep \
            a memory for the session, :save-state FILE keeps it for another day. :learn on lets what you type \
            teach the weights too (dynamic evaluation); :learn reset returns to the trained ones. A line \"\"\" opens a block of lines \
            that a second \"\"\" closes, read as one text; a pasted text stays one input too.
            """
    )

    @Argument(help: "Checkpoint to load (default: the bundled model).")
    var checkpoint: String?

    @Option(help: "Sampling temperature, > 0.")
    var temperature = SamplingSettings.readingTemperature

    @Option(help: "Characters to generate per line.")
    var length = 300

    @OptionGroup var decoding: DecodingOptions

    @Option(help: "Stop a continuation after this string (\\n understood; default: \"\\n%\\n\" for models trained on fortunes, none otherwise).")
    var stop: String?

    @Option(help: "Whether Enter adds a newline to the text you type: on or off.")
    var newline: String = "on"

    @Option(help: ArgumentHelp("History file (default: $HOME/.charlstm_history); /dev/null keeps none between sessions.",
                               valueName: "path"))
    var history: String?

    @Option(help: ArgumentHelp("Start from the memory in this state file (written by :save-state); --seed, if given, restarts its random generator.",
                               valueName: "file"))
    var state: String?

    @Flag(help: "Start with :learn on: the text you type and prime also adapts the weights (dynamic evaluation).")
    var learn = false

    @OptionGroup(title: "Learning (:learn)") var learning: DynamicEvaluationOptions

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if length < 1 { throw ValidationError("--length must be at least 1 (got \(length))") }
        if newline != "on" && newline != "off" { throw ValidationError("--newline takes on or off (got \(newline))") }
    }

    func run() throws {
        let settings = try decoding.settings(temperature: temperature)
        try threading.apply()
        let path = try BundledModel.checkpoint(checkpoint, command: "charlstm repl")
        let loaded = try Checkpoint.load(path: path)
        let saved = try state.map {
            try StateFile.read(path: $0, for: loaded.model, checkpointName: loaded.fileName)
        }
        ThreadOptions.noteFallbackBackend()
        let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let environment = ProcessInfo.processInfo.environment
        let colour = interactive && environment["NO_COLOR"].map(\.isEmpty) ?? true && environment["TERM"] != "dumb"
        // Fortunes end with a "%" line: stopping there makes each continuation one complete fortune.
        let defaultStop = CheckpointDescription.name(loaded) == "fortunes" ? "\n%\n" : ""
        let session = ReplSession(
            checkpoint: loaded, sampling: settings, length: length,
            stop: stop.map(EscapeSequences.decode) ?? defaultStop, newline: newline == "on",
            seed: decoding.chosenSeed(), learning: learning,
            presentation: .init(interactive: interactive, colour: colour))
        session.beam = decoding.beam
        if let saved { session.start(from: saved, seed: decoding.seed) }
        if learn { _ = session.handle(":learn on") }
        InterruptSignal.install(secondSignalEnds: false)
        if interactive {
            try runInteractive(session)
        } else {
            Terminal.standardError.writeLine(session.banner)
            while let line = readLine(strippingNewline: true) {
                if !session.handle(line) { break }
            }
            session.finish()
        }
    }

    private func runInteractive(_ session: ReplSession) throws {
        Terminal.standardOutput.writeLine(session.banner)
        let editor = LineEditor(historyPath: history ?? LineEditor.defaultHistoryPath,
                                commands: ReplInstruction.commands.map(\.name),
                                pathCommands: ReplInstruction.pathCommands)
        if let warning = editor.loadWarning { Terminal.standardOutput.writeLine("charlstm: \(warning)") }
        editor.run(prompt: { session.prompt }, interrupted: session.interruptedAtPrompt) { session.handle($0) }
        session.finish()
        Terminal.standardOutput.write("\n")
        if let warning = editor.saveHistory() { Terminal.standardError.writeLine("charlstm: \(warning)") }
    }
}
