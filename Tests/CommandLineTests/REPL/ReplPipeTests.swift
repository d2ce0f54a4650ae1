import CharLSTM
import Foundation
import Testing

/// The REPL with standard input from a pipe: one continuation per line on stdout, everything else on stderr.
@Suite struct ReplPipeTests {
    let checkpoint = ReplTerminalTests.checkpoint

    func repl(_ input: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["repl", checkpoint, "--seed", "11", "--length", "25"] + extra, input: input)
    }

    @Test func eachLineGetsOneContinuationAndTheTranscriptIsReproducible() throws {
        let input = "The lamp\nthe kettle\n\n"
        let first = try repl(input)
        #expect(first.status == 0)
        let lines = first.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        // Three continuations of 25 characters (newlines inside a continuation are possible), then the final "".
        #expect(first.stdout.unicodeScalars.filter { $0 != "\n" }.count <= 75)
        #expect(lines.last == "")
        #expect(first.stderrLines.contains { $0.hasPrefix("charlstm · model model") }, "banner belongs on stderr")
        #expect(!first.stdout.contains("charlstm"))
        #expect(try repl(input).stdout == first.stdout)
        #expect(try repl(input, ["--seed", "12"]).stdout != first.stdout)
    }

    @Test func commandsWorkAndMistakesOnlyHint() throws {
        let result = try repl(":probs\n:temp abc\n:bogus\n:topk 3\n:show\n:quit\nnever reached\n")
        #expect(result.status == 0)
        let out = result.stdout.split(separator: "\n")
        #expect(out.count == 14)  // ten probabilities and the four lines of settings
        #expect(out[out.count - 3].contains("top-k 3"))
        #expect(out[out.count - 2].hasPrefix("memory: "))
        #expect(out.last?.hasPrefix("learning off") == true)
        #expect(result.stderr.contains(":temp needs a number above 0"))
        #expect(result.stderr.contains("unknown command :bogus"))
    }

    @Test func resetReturnsToTheStartingMemory() throws {
        // With greedy decoding the continuation depends only on the memory: after :reset, the same line gives the
        // same continuation as at the start.
        let result = try repl("The\n:reset\nThe\n", ["--top-k", "1", "--newline", "off"])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[1] == "memory cleared (:undo brings it back)")
        #expect(lines[0] == lines[2])
    }

    @Test func unknownCharactersAreNamedOnceAndSkipped() throws {
        let result = try repl("The 🦊 lamp\nThe 🦊 again\n")
        #expect(result.status == 0)
        #expect(result.stderr.components(separatedBy: "🦊").count == 2, "\(result.stderr)")
    }

    @Test func aHundredKilobyteLineWorks() throws {
        let line = String(repeating: "the lamp was lit, the kettle sang. ", count: 3000)
        let result = try repl(line + "\n")
        #expect(result.status == 0)
        #expect(result.stdout.unicodeScalars.count >= 26)
    }

    @Test func stopStringEndsTheContinuation() throws {
        let result = try repl("The lamp\n", ["--length", "5000", "--stop", "e"])
        #expect(result.stdout.hasSuffix("e\n"))
        #expect(!result.stdout.dropLast(2).contains("e"))
    }

    @Test func loadingABadCheckpointKeepsTheCurrentModel() throws {
        let folder = try CLI.temporaryFolder()
        let bad = try CLI.file("bad.safetensors", in: folder, contents: Array("not a checkpoint at all".utf8))
        let result = try repl(":load \(bad)\n:info\n")
        #expect(result.status == 0)
        #expect(result.stderr.contains("bad.safetensors"))
        #expect(result.stderr.contains("keeping \(checkpoint)"))
        #expect(result.stdout.contains("checkpoint  \(checkpoint)"))
    }

    @Test func primeFileFeedsWithoutGenerating() throws {
        let folder = try CLI.temporaryFolder()
        let notes = try CLI.file("notes.txt", in: folder, contents: Array("the kettle sang".utf8))
        let result = try repl(":prime-file \(notes)\n:prime-file \(folder)/missing.txt\n")
        #expect(result.stdout == "read 15 characters into the memory\n")
        #expect(result.stderr.contains("missing.txt: no such file"))
    }
}
