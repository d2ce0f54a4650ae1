import CharLSTM
import Foundation
import Testing

/// Odd corpora and odd REPL input: each gets correct behaviour or a clear error.
@Suite struct HostileInputTests {
    let tiny = ["--hidden", "16", "--embedding", "8", "--batch", "4", "--seq", "16", "--steps", "3", "--threads", "1"]

    func train(_ contents: [UInt8], name: String = "corpus.txt") throws -> (CLI.Result, String) {
        let folder = try CLI.temporaryFolder()
        let path = try CLI.file(name, in: folder, contents: contents)
        return (try CLI.run(["train", path, "--out", folder + "/run"] + tiny), folder + "/run/latest.safetensors")
    }

    @Test func oneCharacterIsTooShort() throws {
        let (result, _) = try train(Array("a".utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("has 0 characters") || result.stderr.contains("validation text"), "\(result.stderr)")
    }

    @Test func oneDistinctCharacterTrainsAndSamplesIt() throws {
        let (result, checkpoint) = try train(Array(String(repeating: "a", count: 2000).utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let sample = try CLI.run(["sample", checkpoint, "--length", "20", "--seed", "1", "--no-echo"])
        #expect(sample.stdout == String(repeating: "a", count: 20) + "\n")
    }

    @Test func byteOrderMarkCRLFAndNULAreTextLikeAnyOther() throws {
        let body = String(repeating: "line one\r\nline\u{0}two\r\n", count: 100)
        let (result, checkpoint) = try train([0xEF, 0xBB, 0xBF] + Array(body.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let vocabulary = try Checkpoint.load(path: checkpoint).model.vocabulary
        #expect(vocabulary.id(of: "\r") != nil)
        #expect(vocabulary.id(of: "\u{0}") != nil)
        #expect(vocabulary.id(of: "\u{FEFF}") == nil, "the byte-order mark is not text")
    }

    @Test func binaryFileIsRefusedWithTheOffset() throws {
        var random = RandomSource(seed: 9)
        let (result, _) = try train((0..<5000).map { _ in UInt8(truncatingIfNeeded: random.next()) }, name: "data.bin")
        #expect(result.status == 1)
        #expect(result.stderr.contains("data.bin: not valid UTF-8 (first bad byte at offset"))
    }

    @Test func aVocabularyOfThousandsOfCJKCharactersTrains() throws {
        var random = RandomSource(seed: 4)
        let scalars = (0..<20_000).map { _ in Unicode.Scalar(0x4E00 + UInt32(random.next() % 3000))! }
        let (result, checkpoint) = try train(Array(String(String.UnicodeScalarView(scalars)).utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let model = try Checkpoint.load(path: checkpoint).model
        #expect(model.vocabulary.count > 2900)
        let sample = try CLI.run(["sample", checkpoint, "--length", "10", "--seed", "1", "--no-echo"])
        #expect(sample.stdout.unicodeScalars.allSatisfy { $0 == "\n" || (0x4E00..<0x5C00).contains($0.value) })
    }

    @Test func replSurvivesInvalidUTF8ControlCharactersAndAMegabyteLine() throws {
        let checkpoint = ReplTerminalTests.checkpoint
        var input: [UInt8] = Array("The lamp ".utf8) + [0xFF, 0xC3, 0x28] + Array(" sang\n".utf8)
        input += Array("bell\u{7}\u{1B}[31m\u{8}\n".utf8)
        input += Array(String(repeating: "the kettle sang ", count: 65_536).utf8) + [0x0A]
        let folder = try CLI.temporaryFolder()
        let inputFile = try CLI.file("input.bin", in: folder, contents: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["repl", checkpoint, "--seed", "1", "--length", "10"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputFile))
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        // Three continuations of ten characters (the model's vocabulary is ASCII), each followed by a newline.
        #expect(stdout.count == 33, "\(String(decoding: stdout, as: UTF8.self).debugDescription)")
        #expect(stderr.contains("skipped characters the model does not know"))
    }
}
