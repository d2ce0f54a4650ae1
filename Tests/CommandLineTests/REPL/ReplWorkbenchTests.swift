import CharLSTM
import Foundation
import Testing

/// The REPL's workbench on a pipe: `:undo`, `:again`, memories kept by name and in state files, `"""` blocks,
/// `:stats` and `:transcript`, each checked through what a user sees.
@Suite struct ReplWorkbenchTests {
    let checkpoint = ReplTerminalTests.checkpoint

    /// The REPL on `input`, seeded unless `seeded` is false (then a `--state` file's generator draws).
    func repl(_ input: String, _ extra: [String] = [], seeded: Bool = true) throws -> CLI.Result {
        try CLI.run(["repl", checkpoint, "--length", "25", "--threads", "1", "--temperature", "0.8"]
                    + (seeded ? ["--seed", "11"] : []) + extra, input: input)
    }

    func transcript(_ input: String, _ extra: [String] = []) throws -> String {
        let file = try CLI.temporaryFolder() + "/transcript.txt"
        let result = try repl(input + ":transcript \(file)\n", extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    /// The ten lines of every `:probs` in the output, in order.
    func probabilities(_ stdout: String) -> [[Substring]] {
        let lines = stdout.split(separator: "\n")
        var tables: [[Substring]] = []
        var index = 0
        while index < lines.count {
            if lines[index].hasPrefix("  "), lines[index].contains("0.") {
                tables.append(Array(lines[index..<min(lines.count, index + 10)]))
                index += 10
            } else {
                index += 1
            }
        }
        return tables
    }

    @Test func undoThenTheSameLineWithTheSameSeedRepeatsTheContinuation() throws {
        let result = try repl("The lamp\n:undo\nThe lamp\n:undo\n:undo\n")
        let parts = result.stdout.components(separatedBy: "took back the last exchange; nothing more to undo\n")
        #expect(parts.count == 3, "\(result.stdout)")
        #expect(parts[0] == parts[1] && !parts[0].isEmpty)
        #expect(result.stderr.contains("charlstm: nothing to undo"))
    }

    @Test func undoRestoresTheProbabilitiesToTheLastDigit() throws {
        let result = try repl("The\n:probs\n lamp was lit\n:undo\n:probs\n")
        let tables = probabilities(result.stdout)
        #expect(tables.count == 2)
        #expect(tables.first == tables.last)
    }

    @Test func againContinuesTheSameTextAnew() throws {
        let once = try transcript("The lamp\n")
        let again = try transcript("The lamp\n:again\n")
        #expect(once.hasPrefix("The lamp\n") && again.hasPrefix("The lamp\n"))
        #expect(again.count > "The lamp\n".count)
        #expect(once != again, "the second continuation should come from the next random draws")
        // The first continuation was taken back: the transcript holds the line once.
        #expect(again.components(separatedBy: "The lamp\n").count == 2)
        #expect(try transcript("The lamp\n:undo\n").isEmpty)
        let nothing = try repl(":again\n")
        #expect(nothing.stderr.contains("nothing to do again yet"))
    }

    @Test func savedMemoriesComeBackExactly() throws {
        let result = try repl("The\n:save opening\n lamp was lit\n:restore opening\n:probs\n:saves\n:restore nowhere\n")
        let reference = try repl("The\n:probs\n")
        #expect(probabilities(result.stdout).first == probabilities(reference.stdout).first)
        #expect(result.stdout.contains("kept the memory as opening: "))
        #expect(result.stdout.contains("memory back to opening: "))
        #expect(result.stdout.contains("  opening: "))
        #expect(result.stderr.contains("no memory called nowhere; kept: opening"))
    }

    @Test func aStateFileRestoresTheProbabilitiesInANewProcess() throws {
        let state = try CLI.temporaryFolder() + "/evening.state.safetensors"
        let first = try repl("The lamp\n:save-state \(state)\n:probs\n")
        #expect(first.stdout.contains("wrote \(state): the memory after "), "\(first.stdout)\(first.stderr)")
        let second = try repl(":probs\n:show\n", ["--state", state])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(probabilities(second.stdout).first == probabilities(first.stdout).first)
        #expect(second.stdout.contains("memory: "), "\(second.stdout)")
        // The generator comes back too: the same next line continues the same way in both processes.
        let a = try repl("The lamp\n:save-state \(state)\nwas\n")
        let b = try repl("was\n", ["--state", state], seeded: false)
        #expect(a.stdout.hasSuffix(b.stdout), "\(a.stdout) / \(b.stdout)")

        let sampled = try CLI.run(["sample", checkpoint, "--state", state, "--length", "20", "--no-echo", "--threads", "1",
                                   "--temperature", "0.8"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let continued = try repl("\n", ["--state", state, "--length", "20"], seeded: false)
        #expect(sampled.stdout == continued.stdout, "sample --state continues as the REPL does")
    }

    @Test func aStateFileOfAnotherModelIsRefusedInOneLine() throws {
        let folder = try CLI.temporaryFolder()
        let state = folder + "/s.safetensors"
        #expect(try repl("The lamp\n:save-state \(state)\n").status == 0)
        var random = RandomSource(seed: 77)
        let other = try CharLSTMModel(vocabulary: Vocabulary(of: "The lamp was lit, the kettle sang.\n".unicodeScalars),
                                      embedding: 8, hidden: 20, layers: 2, random: &random)
        try Checkpoint.write(model: other, to: folder + "/other.safetensors")
        for arguments in [["repl", folder + "/other.safetensors", "--state", state],
                          ["sample", folder + "/other.safetensors", "--state", state]] {
            let refused = try CLI.run(arguments, input: "x\n")
            #expect(refused.status == 1)
            #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
            let line = refused.stderr
            #expect(line.contains("s.safetensors: not a usable charlstm state file: it is the memory of a 2×16 LSTM"), "\(line)")
            #expect(line.contains("saved from model.safetensors") && line.contains("not of other.safetensors, a 2×20 LSTM"), "\(line)")
        }
        let inside = try CLI.run(["repl", folder + "/other.safetensors", "--seed", "1"], input: ":load-state \(state)\n:show\n")
        #expect(inside.status == 0)
        #expect(inside.stderr.contains("not a usable charlstm state file"))
    }

    @Test func blocksAreReadAsOneText() throws {
        let text = try transcript("\"\"\"\nThe lamp\n\nwas lit\n\"\"\"\n", ["--newline", "off"])
        #expect(text.hasPrefix("The lamp\n\nwas lit"), "\(text.debugDescription)")
        let open = try repl("\"\"\"\nThe lamp\n")
        #expect(open.stdout.isEmpty)
        #expect(open.stderr.contains("block was never closed; its text was not read"))
    }

    @Test func statsDescribeEachExchange() throws {
        let result = try repl("The lamp\n:stats\n:stats on\nwas lit\n")
        #expect(result.stdout.contains("read 9 characters in "), "\(result.stdout)")
        #expect(result.stdout.contains("first character after "))
        #expect(result.stdout.contains("wrote 25 characters in "))
        #expect(result.stderr.contains("charlstm: stats: read 8 characters in "), "\(result.stderr)")
        #expect(try repl(":stats\n").stderr.contains("no exchange yet"))
    }

    @Test func theTranscriptHoldsWhatWasReadAndWritten() throws {
        let text = try transcript("The lamp\nwas lit\n", ["--length", "10"])
        #expect(text.hasPrefix("The lamp\n"))
        #expect(text.unicodeScalars.count == "The lamp\n".count + 10 + "was lit\n".count + 10)
    }

    @Test func nothingTheREPLDoesChangesTheCheckpoint() throws {
        let folder = try CLI.temporaryFolder()
        let copy = folder + "/model.safetensors"
        try FileManager.default.copyItem(atPath: checkpoint, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let result = try CLI.run(["repl", copy, "--seed", "3", "--length", "20"], input: """
            The lamp
            :again
            :undo
            :save a
            :reset
            :restore a
            :save-state \(folder)/s.safetensors
            :load-state \(folder)/s.safetensors
            :transcript \(folder)/t.txt
            :load \(copy)

            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }
}
