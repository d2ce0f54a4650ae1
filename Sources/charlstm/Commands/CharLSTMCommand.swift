import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm`: train character-level LSTMs on text, sample from them, and measure them.
@main
struct CharLSTMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charlstm",
        abstract: "Character-level recurrent (LSTM, GRU, RNN) language models: train on a text file, then sample from them.",
        discussion: """
            Talk to the bundled model:   charlstm
            Train your own:              charlstm train corpora/lighthouse.txt --out runs/lighthouse
            Sample from it:              charlstm sample runs/lighthouse/best.safetensors --prime "The "
            Measure it:                  charlstm eval runs/lighthouse/best.safetensors some.txt
            """,
        version: "0.1.0",
        subcommands: [ReplCommand.self, TrainCommand.self, SampleCommand.self, EvalCommand.self, InfoCommand.self,
                      ExportCommand.self, InspectCommand.self, ReportCommand.self, BenchCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    /// Runs the command, turning every failure into one line on stderr and an exit status: 2 for a usage error,
    /// 1 for anything else. Help and version requests print to stdout and exit 0.
    static func main() {
        // Everything the run allocated is released before the process exits.
        let status = runReportingFailures()
        Foundation.exit(status)
    }

    private static func runReportingFailures() -> Int32 {
        do {
            var command = try parseAsRoot()
            try command.run()
            return 0
        } catch let error as CharLSTMError {
            if case .invalidSetting = error { return report(error.commandLineMessage, status: 2) }
            return report(error.commandLineMessage, status: 1)
        } catch let exitCode as ExitCode {
            return exitCode.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            return report("\(message(for: error)) (see '\(helpCommand)')", status: code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// The help to point at after a usage error: the subcommand's own when one was named.
    private static var helpCommand: String {
        let arguments = CommandLine.arguments.dropFirst()
        let names = configuration.subcommands.map { $0.configuration.commandName ?? "" }
        if let first = arguments.first, names.contains(first) { return "charlstm \(first) --help" }
        return "charlstm --help"
    }

    private static func report(_ message: String, status: Int32) -> Int32 {
        Terminal.standardError.writeLine("charlstm: \(message)")
        return status
    }
}
