import CharLSTM
@testable import charlstm
import Foundation
import Testing

/// Every kind of bad input gets one clear line on stderr and exit status 1 or 2 — never a trap, a stack dump,
/// or damage to files already on disk.
@Suite struct BadInputTests {
    /// Runs `arguments` and checks the failure contract; `mentions` must all appear in the error line.
    func expectClearFailure(_ arguments: [String], mentions: [String], status: Int32? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 1 || result.status == 2, "status \(result.status)", sourceLocation: sourceLocation)
        if let status { #expect(result.status == status, sourceLocation: sourceLocation) }
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let line = String(result.stderrLines.first ?? "")
        #expect(line.hasPrefix("charlstm: "), "\(line)", sourceLocation: sourceLocation)
        for word in mentions { #expect(line.contains(word), "'\(word)' not in: \(line)", sourceLocation: sourceLocation) }
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    @Test func corpusProblems() throws {
        let folder = try CLI.temporaryFolder()
        let out = folder + "/run"
        try expectClearFailure(["train", folder + "/missing.txt", "--out", out], mentions: ["missing.txt", "no such file"], status: 1)
        // A folder is a corpus of its files; this one has none (its run folder does not exist yet).
        try expectClearFailure(["train", folder, "--out", out], mentions: [folder, "no files to train on"], status: 1)
        let empty = try CLI.file("empty.txt", in: folder, contents: [])
        try expectClearFailure(["train", empty, "--out", out], mentions: ["empty.txt", "empty"], status: 1)
        let binary = try CLI.file("bad.txt", in: folder, contents: Array("good text ".utf8) + [0xFF, 0xFE] + Array("more".utf8))
        try expectClearFailure(["train", binary, "--out", out], mentions: ["bad.txt", "UTF-8", "offset 10"], status: 1)
        let short = try CLI.file("short.txt", in: folder, contents: Array(String(repeating: "abc ", count: 100).utf8))
        try expectClearFailure(["train", short, "--out", out], mentions: ["short.txt", "--batch", "--seq"], status: 1)
        let unreadable = try CLI.file("secret.txt", in: folder, contents: Array("text".utf8))
        chmod(unreadable, 0)
        if getuid() != 0 {  // root reads anything
            try expectClearFailure(["train", unreadable, "--out", out], mentions: ["secret.txt", "ermission"], status: 1)
        }
    }

    /// The engine names settings, not flags; the command line names each by its flag, which must exist.
    @Test func everyEngineSettingIsNamedByAFlagThatExists() throws {
        let help = try ["train", "sample", "eval", "export"].map { try CLI.run([$0, "--help"]).stdout }.joined()
        for setting in Setting.allCases {
            #expect(help.contains(setting.flag + " ") || help.contains(setting.flag + "\n"), "\(setting) → \(setting.flag)")
        }
    }

    @Test func nonsensicalFlags() throws {
        let corpus = CLI.repository + "/corpora/lighthouse.txt"
        let out = try CLI.temporaryFolder()
        try expectClearFailure(["train", corpus, "--out", out, "--layers", "0"], mentions: ["--layers"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--hidden", "-3"], mentions: ["--hidden"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--lr", "-0.1"], mentions: ["--lr"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--val-fraction", "1.5"], mentions: ["--val-fraction"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--dropout", "1"], mentions: ["--dropout"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--epochs", "3", "--steps", "9"], mentions: ["--epochs", "--steps"], status: 2)
        try expectClearFailure(["train", corpus], mentions: ["--out"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--bogus"], mentions: ["--bogus"], status: 2)
        try expectClearFailure(["train", corpus, "--out", out, "--threads", "0"], mentions: ["--threads"], status: 2)
    }

    @Test func checkpointProblems() throws {
        let folder = try CLI.temporaryFolder()
        let corpus = CLI.repository + "/corpora/lighthouse.txt"
        // A real checkpoint to damage.
        let run = try CLI.run(["train", corpus, "--out", folder, "--steps", "2", "--hidden", "8", "--embedding", "4",
                               "--batch", "4", "--seq", "16", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/latest.safetensors")))

        let truncated = try CLI.file("truncated.safetensors", in: folder, contents: Array(good[..<(good.count / 2)]))
        try expectClearFailure(["sample", truncated, "--length", "5"], mentions: ["truncated.safetensors"], status: 1)
        try expectClearFailure(["info", truncated], mentions: ["truncated.safetensors", "not a usable charlstm checkpoint"], status: 1)
        var random = RandomSource(seed: 1)
        let noise = try CLI.file("noise.safetensors", in: folder, contents: (0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        try expectClearFailure(["eval", noise, corpus], mentions: ["noise.safetensors"], status: 1)
        let text = try CLI.file("text.safetensors", in: folder, contents: Array("just some text, not a checkpoint".utf8))
        try expectClearFailure(["train", "--resume", text], mentions: ["text.safetensors"], status: 1)
        try expectClearFailure(["sample", folder + "/nothing.safetensors"], mentions: ["nothing.safetensors", "no such file"], status: 1)
        let single = try CLI.file("single.txt", in: folder, contents: Array("T".utf8))
        try expectClearFailure(["eval", folder + "/latest.safetensors", single], mentions: ["single.txt", "at least two"], status: 1)
        try expectClearFailure(["sample", folder + "/latest.safetensors", "--temperature", "0"], mentions: ["--temperature"], status: 2)
        try expectClearFailure(["sample", folder + "/latest.safetensors", "--top-p", "0"], mentions: ["--top-p"], status: 2)
        try expectClearFailure(["sample", folder + "/latest.safetensors", "--beam", "4", "--count", "2"], mentions: ["--beam", "--count"], status: 2)
        try expectClearFailure(["sample", folder + "/latest.safetensors", "--count", "2", "--stop", "x"], mentions: ["--stop"], status: 2)
        try expectClearFailure(["sample", folder + "/latest.safetensors", "--output", folder + "/no/such/folder/out.txt"],
                               mentions: ["out.txt"], status: 1)
        try expectClearFailure(["export", folder + "/latest.safetensors", folder + "/no/such/folder/half.safetensors", "--half"],
                               mentions: ["half.safetensors"], status: 1)
        try expectClearFailure(["train", "--resume", folder + "/latest.safetensors", "--hidden", "16"], mentions: ["--hidden", "resum"], status: 2)

        // Fine-tuning on text with characters the model never saw lists them.
        let foreign = try CLI.file("foreign.txt", in: folder, contents: Array(String(repeating: "Zebra {qux} ~ ", count: 400).utf8))
        try expectClearFailure(["train", foreign, "--out", folder + "/tuned", "--init-from", folder + "/latest.safetensors"],
                               mentions: ["foreign.txt", "not in the model's vocabulary", "{", "~"], status: 1)

        // None of this touched the checkpoint that was there.
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/latest.safetensors"))) == good)
    }

    @Test func unwritableOutputIsRefusedBeforeTraining() throws {
        let folder = try CLI.temporaryFolder()
        let corpus = CLI.repository + "/corpora/lighthouse.txt"
        let blocker = try CLI.file("a-file", in: folder, contents: Array("x".utf8))
        try expectClearFailure(["train", corpus, "--out", blocker + "/run", "--steps", "1"], mentions: ["a-file"], status: 1)
    }
}
