import CharLSTM
import Foundation
import Testing

/// `eval --dynamic` and the REPL's `:learn` through the real binary: both figures, where the statistics come
/// from, the fallbacks and refusals, and the weights a session learns kept, taken back and written.
@Suite struct DynamicEvaluationTests {
    /// A model trained on a copy of the lighthouse corpus, and that copy (which a test may remove).
    func trained() throws -> (folder: String, corpus: String) {
        let folder = try CLI.temporaryFolder()
        let corpus = folder + "/lighthouse.txt"
        try FileManager.default.copyItem(atPath: CLI.repository + "/corpora/lighthouse.txt", toPath: corpus)
        let run = try CLI.run(["train", corpus, "--out", folder, "--steps", "40", "--hidden", "24", "--embedding", "8",
                               "--batch", "8", "--seq", "32", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        return (folder, corpus)
    }

    func json(_ result: CLI.Result) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)\n\(result.stderr)")
    }

    @Test func evalShowsBothFiguresAndWhereTheStatisticsCameFrom() throws {
        let (folder, corpus) = try trained()
        let model = folder + "/latest.safetensors"
        let plain = try json(CLI.run(["eval", model, corpus, "--json", "--threads", "1"]))
        let both = try json(CLI.run(["eval", model, corpus, "--json", "--threads", "1", "--dynamic"]))
        #expect(both["bits_per_character"] as? Double == plain["bits_per_character"] as? Double)
        let dynamic = try #require(both["dynamic"] as? [String: Any])
        #expect(dynamic["rule"] as? String == "rms")
        #expect(dynamic["segment"] as? Int == DynamicEvaluationSettings.defaults(for: .rms).segment)
        #expect((dynamic["statistics"] as? String)?.contains("lighthouse.txt") == true, "\(dynamic)")
        #expect(dynamic["characters"] as? Int == plain["characters"] as? Int)
        let bpc = try #require(dynamic["bits_per_character"] as? Double)
        #expect(bpc < (plain["bits_per_character"] as? Double ?? 0), "the model learns the text it reads")
        // The same run again: the same figure, to the last digit.
        let again = try json(CLI.run(["eval", model, corpus, "--json", "--threads", "1", "--dynamic"]))
        #expect((again["dynamic"] as? [String: Any])?["bits_per_character"] as? Double == bpc)

        let words = try CLI.run(["eval", model, corpus, "--threads", "1", "--dynamic", "--dynamic-rule", "sgd"])
        #expect(words.status == 0, "\(words.stderr)")
        let lines = words.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(words.stdout)")
        #expect(lines[0].contains("(static)") && lines[1].contains("with dynamic evaluation") && lines[2].contains("sgd rule"))
    }

    @Test func withoutItsCorpusACheckpointUsesAdamsMomentsOrFallsBackToSGD() throws {
        let (folder, corpus) = try trained()
        // Statistics stored at export go wherever the file goes.
        let carried = folder + "/carried.safetensors"
        let exported = try CLI.run(["export", folder + "/latest.safetensors", carried, "--half", "--gradient-statistics",
                                    "--statistics-characters", "2000", "--threads", "1"])
        #expect(exported.status == 0 && exported.stdout.contains("gradient statistics from a pass over 2,000 characters of lighthouse.txt"),
                "\(exported.stdout)\(exported.stderr)")
        let text = try CLI.file("other.txt", in: folder, contents: Array(try String(contentsOfFile: corpus, encoding: .utf8).utf8))
        try FileManager.default.removeItem(atPath: corpus)
        let resumable = try json(CLI.run(["eval", folder + "/latest.safetensors", text, "--json", "--dynamic", "--threads", "1"]))
        #expect(((resumable["dynamic"] as? [String: Any])?["statistics"] as? String)?.contains("Adam") == true, "\(resumable)")

        let stored = try json(CLI.run(["eval", carried, text, "--json", "--dynamic", "--threads", "1"]))
        let storedDynamic = try #require(stored["dynamic"] as? [String: Any])
        #expect(storedDynamic["rule"] as? String == "rms")
        #expect((storedDynamic["statistics"] as? String)?.contains("2,000 characters of lighthouse.txt") == true, "\(storedDynamic)")
        let resegmented = try json(CLI.run(["eval", carried, text, "--json", "--dynamic", "--dynamic-segment", "25", "--threads", "1"]))
        #expect(((resegmented["dynamic"] as? [String: Any])?["statistics"] as? String)?.contains("scaled from segments of 50") == true)

        let export = folder + "/export.safetensors"
        #expect(try CLI.run(["export", folder + "/latest.safetensors", export]).status == 0)
        let fallback = try CLI.run(["eval", export, text, "--json", "--dynamic", "--threads", "1"])
        #expect(fallback.status == 0)
        #expect(fallback.stderr.contains("sgd rule"), "\(fallback.stderr)")
        #expect((try json(fallback)["dynamic"] as? [String: Any])?["rule"] as? String == "sgd")
        let refused = try CLI.run(["eval", export, text, "--dynamic", "--dynamic-rule", "rms"])
        #expect(refused.status == 2)
        #expect(refused.stderrLines.count == 1 && refused.stderr.contains("--statistics"), "\(refused.stderr)")
        // A training text named outright gives the rms rule its statistics.
        let named = try json(CLI.run(["eval", export, text, "--json", "--dynamic", "--statistics", text,
                                      "--statistics-characters", "3000", "--threads", "1"]))
        #expect(((named["dynamic"] as? [String: Any])?["statistics"] as? String)?.contains("3,000 characters of") == true)
    }

    @Test func badSettingsAreRefusedInOneLine() throws {
        let (folder, corpus) = try trained()
        let model = folder + "/latest.safetensors"
        for (flag, value) in [("--dynamic-segment", "0"), ("--dynamic-lr", "-1"), ("--dynamic-decay", "3"),
                              ("--dynamic-epsilon", "0"), ("--statistics-characters", "1")] {
            let result = try CLI.run(["eval", model, corpus, "--dynamic", flag, value])
            #expect(result.status == 1 || result.status == 2)
            #expect(result.stderrLines.count == 1 && result.stderr.contains(flag), "\(flag): \(result.stderr)")
        }
        let missing = try CLI.run(["eval", model, corpus, "--dynamic", "--statistics", folder + "/none.txt"])
        #expect(missing.status == 1 && missing.stderrLines.count == 1 && missing.stderr.contains("none.txt"))
    }

    @Test func theREPLLearnsTakesBackAndWritesTheLearnedModel() throws {
        let (folder, _) = try trained()
        let model = folder + "/latest.safetensors"
        let learned = folder + "/learned.safetensors"
        let input = """
            :learn
            :learn on
            The keeper's cat was called Marmalade, and Marmalade kept the keeper.
            :learn
            :undo
            :learn
            Marmalade
            :save-model \(model)
            :save-model \(learned)
            :learn reset
            :learn
            :learn off

            """
        let result = try CLI.run(["repl", model, "--length", "20", "--seed", "3", "--threads", "1"], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        let said = result.stdout.split(separator: "\n").filter { $0.hasPrefix("learning ") }
        #expect(said.count == 6, "\(result.stdout)")
        #expect(said[0].contains("learning off") && said[0].contains("trained ones"))
        #expect(said[1].contains("learning on · rms rule") && said[1].contains("lighthouse.txt"))
        #expect(said[2].contains("have moved") && said[2].contains("update"))
        #expect(said[3].contains("the weights are the trained ones"), "undo took back what the line taught")
        #expect(said[4].contains("the weights are the trained ones"))
        #expect(said[5].contains("learning off; the weights are the trained ones"))
        #expect(result.stderr.contains("the checkpoint this session loaded"), "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(learned)"))
        // The loaded checkpoint is untouched; the written one holds the learned weights.
        let original = try Checkpoint.load(path: model).model.parameters.array
        let written = try Checkpoint.load(path: learned).model.parameters.array
        #expect(written.count == original.count && written != original)
    }
}
