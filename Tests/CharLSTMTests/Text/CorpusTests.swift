import Foundation
import Testing
@testable import CharLSTM

/// A folder or several files as one corpus: the order and the patterns, files skipped, whole files held out,
/// and the record that finds and checks them again.
@Suite struct CorpusTests {
    /// A folder of small files, with a hidden one, an image-like one and an empty one.
    static func folder() throws -> String {
        let root = Fixtures.temporaryDirectory()
        let files: [String: [UInt8]] = [
            "b.txt": Array("bee\n".utf8), "B.txt": Array("Bee\n".utf8), "a/z.txt": Array("zed\n".utf8),
            "sub/c.c": Array("int c;\n".utf8), "sub/d.h": Array("int d;\n".utf8), ".hidden/x.txt": Array("x\n".utf8),
            ".dot.txt": Array("dot\n".utf8), "bin.dat": [0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00], "empty.txt": [],
        ]
        for (name, bytes) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    @Test func aFolderIsReadInPathOrderWithoutHiddenFiles() throws {
        let root = try Self.folder()
        func names(_ include: [String] = [], _ exclude: [String] = []) throws -> [String] {
            try CorpusSelection(paths: [root], include: include, exclude: exclude).entries().map(\.name)
        }
        #expect(try names() == ["B.txt", "a/z.txt", "b.txt", "bin.dat", "empty.txt", "sub/c.c", "sub/d.h"])
        #expect(try names(["*.c", "*.h"]) == ["sub/c.c", "sub/d.h"])
        #expect(try names(["sub/*.c"]) == ["sub/c.c"])
        #expect(try names([], ["sub", "*.dat", "empty.*"]) == ["B.txt", "a/z.txt", "b.txt"])
        #expect(throws: CharLSTMError.self) { try names(["*.rs"]) }
        // Several paths are read in the order given; a file named directly is taken even if hidden.
        let both = try CorpusSelection(paths: [root + "/sub", root + "/.dot.txt"]).entries().map(\.name)
        #expect(both == ["c.c", "d.h", root + "/.dot.txt"])
    }

    @Test func filesThatAreNotTextAreSkippedAndCounted() throws {
        let root = try Self.folder()
        let corpus = try Corpus(CorpusSelection(paths: [root]))
        #expect(corpus.files.map(\.name) == ["B.txt", "a/z.txt", "b.txt", "sub/c.c", "sub/d.h"])
        #expect(corpus.skipped.map(\.reason) == ["not UTF-8 text", "empty"])
        #expect(corpus.characterCount == "Bee\nzed\nbee\nint c;\nint d;\n".unicodeScalars.count)
        // Named directly, a file that is not text is an error, as it is alone.
        #expect(throws: CharLSTMError.self) { try Corpus(CorpusSelection(paths: [root + "/b.txt", root + "/bin.dat"])) }
    }

    /// Twenty files of different lengths: whole ones held out, about the share asked, the same every time.
    static func manyFiles() throws -> (String, [String]) {
        let root = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var texts: [String] = []
        for k in 0..<20 {
            let text = String(repeating: "file \(k) says \(String(repeating: "la", count: k)).\n", count: 10 + k)
            texts.append(text)
            try Data(text.utf8).write(to: URL(fileURLWithPath: root + String(format: "/f%02d.txt", k)))
        }
        return (root, texts)
    }

    @Test func manyFilesHoldOutWholeFiles() throws {
        let (root, texts) = try Self.manyFiles()
        let corpus = try Corpus(CorpusSelection(paths: [root]))
        let vocabulary = Vocabulary(of: corpus.distinctCharacters)
        let split = corpus.split(validationFraction: 0.2, vocabulary: vocabulary)
        let held = split.heldOutFiles
        #expect(!held.isEmpty && held == held.sorted())
        let heldCharacters = held.map { texts[$0].unicodeScalars.count }.reduce(0, +)
        #expect(split.validation.count == heldCharacters)
        #expect(split.training.count + split.validation.count == corpus.characterCount)
        let share = Double(heldCharacters) / Double(corpus.characterCount)
        #expect(share >= 0.2 * 0.5 && share <= 0.2 * Corpus.validationOvershoot, "held out \(share)")
        #expect(held != Array(held.count > 0 ? (20 - held.count)..<20 : 0..<0), "the held-out files should not just be the last ones")
        // The same files every time.
        let again = try Corpus(CorpusSelection(paths: [root])).split(validationFraction: 0.2, vocabulary: vocabulary)
        #expect(again.heldOutFiles == held)
        // The held-out text reads as the held-out files one after another, across their boundaries.
        var ids = [Int32](repeating: -1, count: split.validation.count)
        ids.withUnsafeMutableBufferPointer { split.validation.read(from: 0, count: $0.count, into: $0.baseAddress!) }
        let expected = held.flatMap { texts[$0].unicodeScalars.map { vocabulary.id(of: $0)! } }
        #expect(ids == expected)
        // One file alone holds out its end, as always.
        let one = Corpus(Fixtures.textFile(texts[19]))
        #expect(one.split(validationFraction: 0.2, vocabulary: Vocabulary(of: one.distinctCharacters)).heldOutFiles.isEmpty)
    }

    @Test func theRecordFindsAndChecksTheFiles() throws {
        let (root, texts) = try Self.manyFiles()
        let corpus = try Corpus(CorpusSelection(paths: [root]))
        let record = CorpusRecord(corpus)
        #expect(record.files?.count == 20)
        #expect(record.files?.first?.name == "f00.txt")
        #expect(record.whereabouts() == "found, sizes as recorded")
        let decoded = try JSONDecoder().decode(CorpusRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded == record)
        #expect(try decoded.reload().characterCount == corpus.characterCount)
        #expect(record.matches(try decoded.reload()))
        // Moved: found under the new folder by the recorded names.
        let moved = root + "-moved"
        try FileManager.default.moveItem(atPath: root, toPath: moved)
        #expect(record.whereabouts() == "not found where it was")
        #expect(record.matches(try record.reload(root: moved)))
        // Changed: the file is named.
        try Data((texts[7] + "!").utf8).write(to: URL(fileURLWithPath: moved + "/f07.txt"))
        let difference = record.difference(from: try record.reload(root: moved)) ?? ""
        #expect(difference.contains("f07.txt"), "\(difference)")
    }

    @Test func aRunOnAFolderResumesExactly() throws {
        let (root, _) = try Self.manyFiles()
        var options = TrainingOptions()
        options.batch = 3
        options.seq = 8
        options.validationFraction = 0.2
        func fresh() throws -> Trainer {
            try Trainer(corpus: Corpus(CorpusSelection(paths: [root])), embedding: 4, hidden: 8, layers: 1,
                        options: options, goal: .steps(40))
        }
        let straight = try fresh()
        for _ in 0..<40 { try straight.step() }
        let first = try fresh()
        for _ in 0..<20 { try first.step() }
        let bytes = Checkpoint.encode(model: first.model, training: first.snapshot())
        let saved = try Checkpoint.load(path: "memory", bytes: bytes)
        let second = try Trainer(resuming: saved, corpus: try #require(saved.training).corpus.reload())
        for _ in 0..<20 { try second.step() }
        #expect(second.model.parameters.array == straight.model.parameters.array)
        #expect(second.evaluate() == straight.evaluate())
    }
}
