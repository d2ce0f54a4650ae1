import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

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
            Serve it over HTTP:          charlstm serve runs/lighthouse/best.safetensors
            """,
        version: "0.1.0",
        subcommands: [ReplCommand.self, TrainCommand.self, SampleCommand.self, EvalCommand.self, InfoCommand.self,
                      ExportCommand.self, InspectCommand.self, ReportCommand.self, BenchCommand.self, ServeCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    /// Runs the command; every failure is one line on stderr and an exit status (``CommandRunner``).
    static func main() { CommandRunner.main(Self.self, program: "charlstm") }
}
