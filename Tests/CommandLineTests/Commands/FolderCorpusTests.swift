import CharLSTM
import Foundation
import Testing

/// `charlstm train FOLDER`: the files it takes and skips, whole files held out, the record that `info` and
/// `--resume` use — also after the folder moved — and `eval --streams`.
@Suite struct FolderCorpusTests {
    let small = ["--hidden", "16", "--embedding", "8", "--layers", "1", "--batch", "4", "--seq", "16", "--threads", "1"]

    /// Twelve text files of one lighthouse text cut up, in two folders, with a binary file and a hidden folder.
    func folder() throws -> String {
        let root = try CLI.temporaryFolder() + "/notes"
        let text = Array(try String(contentsOfFile: CLI.repository + "/corpora/lighthouse.txt", encoding: .utf8).unicodeScalars)
        let piece = text.count / 12
        for k in 0..<12 {
            let folder = root + (k < 6 ? "/spring" : "/autumn")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var part = String.UnicodeScalarView()
            part.append(contentsOf: text[(k * piece)..<((k + 1) * piece)])
            _ = try CLI.file("note\(k).txt", in: folder, contents: Array(String(part).utf8))
        }
        _ = try CLI.file("photo.jpg", in: root + "/spring", contents: [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x80])
        try FileManager.default.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
        _ = try CLI.file("index", in: root + "/.git", contents: Array("not part of it".utf8))
        return root
    }

    @Test func trainOnAFolderResumeAfterItMovedAndInfo() throws {
        let root = try folder()
        let out = try CLI.temporaryFolder()
        let train = try CLI.run(["train", root, "--out", out, "--steps", "6", "--eval-every", "3", "--include", "*.txt"] + small)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("Corpus: 12 files"), "\(train.stdout)")
        #expect(train.stdout.contains("whole files held out for validation"), "\(train.stdout)")
        let record = try #require(try Checkpoint.load(path: out + "/latest.safetensors").training?.corpus)
        // Byte order of the paths: "note10" before "note6".
        #expect(record.files?.map(\.name).first == "autumn/note10.txt")
        #expect(record.files?.count == 12)
        #expect(record.include == ["*.txt"])

        // Without the pattern the image is skipped, and said so.
        let all = try CLI.run(["train", root, "--out", try CLI.temporaryFolder(), "--steps", "1"] + small)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("Skipped 1 file (1 not UTF-8 text)"), "\(all.stdout)")

        let info = try CLI.run(["info", out + "/latest.safetensors"])
        #expect(info.stdout.contains("12 files"), "\(info.stdout)")
        #expect(info.stdout.contains("found, sizes as recorded"), "\(info.stdout)")

        let moved = root + "-moved"
        try FileManager.default.moveItem(atPath: root, toPath: moved)
        let lost = try CLI.run(["train", "--resume", out + "/latest.safetensors", "--steps", "9"])
        #expect(lost.status == 1)
        #expect(lost.stderr.contains("if it moved, name it"), "\(lost.stderr)")
        let resumed = try CLI.run(["train", moved, "--resume", out + "/latest.safetensors", "--steps", "9"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("Done: step 9"), "\(resumed.stdout)")

        // A file changed since: named, and the run refused.
        let changed = moved + "/autumn/note7.txt"
        try Data((try String(contentsOfFile: changed, encoding: .utf8) + "x").utf8).write(to: URL(fileURLWithPath: changed))
        let refused = try CLI.run(["train", moved, "--resume", out + "/latest.safetensors", "--steps", "12"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("note7.txt"), "\(refused.stderr)")
    }

    /// `eval CHECKPOINT` alone reads the run's held-out files as its validations do: with the whole held-out
    /// text sampled, the figure the run logged.
    @Test func evalAloneReadsTheRunsHeldOutText() throws {
        let root = try folder()
        let out = try CLI.temporaryFolder()
        let train = try CLI.run(["train", root, "--out", out, "--steps", "3", "--eval-every", "3", "--val-chars", "1000000"] + small)
        #expect(train.status == 0, "\(train.stderr)")
        let logged = try JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).utf8)) as? [String: Any]
        let eval = try CLI.run(["eval", out + "/latest.safetensors", "--json", "--threads", "1"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let figure = try #require(result?["bits_per_character"] as? Double), val = try #require(logged?["val_bpc"] as? Double)
        #expect(abs(figure - val) < 1e-4, "eval \(figure), the run's validation \(val)")
    }

    @Test func evalReadsManyStreams() throws {
        let out = try CLI.temporaryFolder()
        let corpus = CLI.repository + "/corpora/lighthouse.txt"
        #expect(try CLI.run(["train", corpus, "--out", out, "--steps", "3"] + small).status == 0)
        let eval = try CLI.run(["eval", out + "/latest.safetensors", corpus, "--streams", "8", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        #expect(result?["streams"] as? Int == 8)
        let characters = try String(contentsOfFile: corpus, encoding: .utf8).unicodeScalars.count
        #expect(result?["characters"] as? Int == characters - 8)
        let refused = try CLI.run(["eval", out + "/latest.safetensors", corpus, "--streams", "4", "--dynamic"])
        #expect(refused.status != 0)
    }
}
