import Testing
@testable import CharLSTM

@Suite struct TextTests {
    @Test func invalidUTF8ReportsTheByteOffset() {
        let bytes: [UInt8] = Array("héllo ".utf8) + [0xC3, 0x28] + Array("world".utf8)
        #expect(throws: CharLSTMError.invalidUTF8(path: "x.txt", byteOffset: 7)) {
            try TextFile(path: "x.txt", bytes: bytes)
        }
    }

    @Test func emptyAndBOMOnlyFilesAreEmpty() {
        #expect(throws: CharLSTMError.emptyFile(path: "e.txt")) { try TextFile(path: "e.txt", bytes: []) }
        #expect(throws: CharLSTMError.emptyFile(path: "e.txt")) { try TextFile(path: "e.txt", bytes: [0xEF, 0xBB, 0xBF]) }
    }

    @Test func byteOrderMarkIsDropped() throws {
        let file = try TextFile(path: "b.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("ab".utf8))
        #expect(file.scalars == ["a", "b"])
        #expect(file.byteCount == 5)
    }

    @Test func missingFilesAndFoldersAreNamed() {
        #expect(throws: CharLSTMError.fileNotFound(path: "/nonexistent/corpus.txt")) {
            try TextFile(path: "/nonexistent/corpus.txt")
        }
        #expect(throws: CharLSTMError.notARegularFile(path: "/tmp")) { try TextFile(path: "/tmp") }
    }

    @Test func vocabularyIsTheSortedSetOfScalars() throws {
        let vocabulary = Vocabulary(of: "cab\u{301}é a".unicodeScalars)
        #expect(vocabulary.characters == [" ", "a", "b", "c", "é", "\u{301}"])
        #expect(vocabulary.id(of: "c") == 3)
        #expect(vocabulary.id(of: "z") == nil)
        #expect(throws: CharLSTMError.self) { try Vocabulary(characters: ["b", "a"]) }
        #expect(Vocabulary.printable(" ") == "␠")
        #expect(Vocabulary.printable("\n") == "\\n")
        #expect(Vocabulary.printable("\u{7}") == "U+0007")
    }

    /// Streams are contiguous slices; chunk j continues exactly where chunk j − 1 stopped; targets are the next token.
    @Test func batcherLaysOutContiguousStreamsTimeMajor() throws {
        let tokens = (0..<20).map { Int32($0) }
        let batcher = try StreamBatcher(tokens: tokens, streams: 2, steps: 3, path: "t", describe: "text")
        #expect(batcher.streamLength == 10)
        #expect(batcher.chunksPerPass == 3)
        var inputs = [Int32](repeating: -1, count: 6), targets = inputs
        batcher.fill(chunk: 1, inputs: &inputs, targets: &targets)
        // Row t·2 + b: stream 0 covers tokens 0…9, stream 1 tokens 10…19; chunk 1 starts at offset 3.
        #expect(inputs == [3, 13, 4, 14, 5, 15])
        #expect(targets == [4, 14, 5, 15, 6, 16])
    }

    @Test func tooShortTextSaysWhatToChange() {
        #expect {
            try StreamBatcher(tokens: Array(repeating: 0, count: 100), streams: 50, steps: 50, path: "s.txt", describe: "the training text")
        } throws: { error in
            let message = "\(error)"
            return message.contains("s.txt") && message.contains("100 characters") && message.contains("2550") && message.contains("--batch")
        }
    }
}
