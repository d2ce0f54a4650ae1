import ArgumentParser
import CharLSTM
import Foundation

/// Runs a front end's root command the way every charlstm command runs: each failure becomes one line on
/// standard error, `PROGRAM: message`, and an exit status — 2 for a usage error, 1 for anything else. Help and
/// version requests print to standard output and exit 0.
public enum CommandRunner {
    /// Parses the process's arguments as `Root` (named `program` in messages), runs it, and exits. Everything the
    /// run allocated is released before the process exits.
    public static func main<Root: ParsableCommand>(_ root: Root.Type, program: String) -> Never {
        let status = runReportingFailures(root, program: program)
        Foundation.exit(status)
    }

    private static func runReportingFailures<Root: ParsableCommand>(_ root: Root.Type, program: String) -> Int32 {
        func report(_ message: String, status: Int32) -> Int32 {
            Terminal.standardError.writeLine("\(program): \(message)")
            return status
        }
        do {
            var command = try Root.parseAsRoot()
            try command.run()
            return 0
        } catch let error as CharLSTMError {
            if case .invalidSetting = error { return report(error.commandLineMessage, status: 2) }
            return report(error.commandLineMessage, status: 1)
        } catch let exitCode as ExitCode {
            return exitCode.rawValue
        } catch {
            let code = Root.exitCode(for: error)
            if code == .success {
                print(Root.fullMessage(for: error))
                return 0
            }
            let help = helpCommand(root, program: program)
            return report("\(Root.message(for: error)) (see '\(help)')", status: code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// The help to point at after a usage error: the subcommand's own when one was named.
    private static func helpCommand<Root: ParsableCommand>(_ root: Root.Type, program: String) -> String {
        let arguments = CommandLine.arguments.dropFirst()
        let names = root.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        if let first = arguments.first, names.contains(first) { return "\(program) \(first) --help" }
        return "\(program) --help"
    }
}
