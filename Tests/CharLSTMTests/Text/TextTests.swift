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
        #expect(Array(file) == ["a", "b"])
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
        let batcher = try StreamBatcher(source: tokens, streams: 2, steps: 3, path: "t", describe: "text")
        #expect(batcher.streamLength == 10)
        #expect(batcher.chunksPerPass == 3)
        var inputs = [Int32](repeating: -1, count: 6), targets = inputs
        batcher.fill(chunk: 1, inputs: &inputs, targets: &targets)
        // Row t·2 + b: stream 0 covers tokens 0…9, stream 1 tokens 10…19; chunk 1 starts at offset 3.
        #expect(inputs == [3, 13, 4, 14, 5, 15])
        #expect(targets == [4, 14, 5, 15, 6, 16])
    }

    /// The message names the settings to change as settings, so each front end can name them its own way.
    @Test func tooShortTextSaysWhatToChange() {
        #expect {
            try StreamBatcher(source: [Int32](repeating: 0, count: 100), streams: 50, steps: 50, path: "s.txt", describe: "the training text")
        } throws: { error in
            guard let error = error as? CharLSTMError else { return false }
            let message = error.description(naming: { "<\($0.rawValue)>" })
            return message.contains("s.txt") && message.contains("100 characters") && message.contains("2550")
                && message.contains("<batch>") && message.contains("<seq>") && !message.contains("--")
        }
    }
}

@Suite struct TextFileDecodingTests {
    @Test func randomAccessAgreesWithIteration() throws {
        // Mixed widths (1 to 4 bytes) across several index strides.
        var random = RandomSource(seed: 8)
        let alphabet: [Unicode.Scalar] = ["a", " ", "\n", "é", "€", "中", "😀", "ß"]
        let text = (0..<5000).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
        let file = try TextFile(path: "m.txt", bytes: Array(String(String.UnicodeScalarView(text)).utf8))
        #expect(file.characterCount == 5000)
        #expect(Array(file) == text)
        #expect(file.distinctCharacters == alphabet.sorted { $0.value < $1.value })
        for (start, count) in [(0, 10), (1023, 3), (1024, 1), (2047, 1500), (4990, 10), (0, 5000)] {
            var read: [Unicode.Scalar] = []
            file.forEachCharacter(from: start, count: count) { read.append($0) }
            #expect(read == Array(text[start..<(start + count)]), "from \(start)")
        }
    }

    @Test(arguments: [
        ([0xC0, 0x80], 0),              // overlong NUL
        ([0xE0, 0x80, 0x80], 0),        // overlong
        ([0xED, 0xA0, 0x80], 0),        // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0),  // past U+10FFFF
        ([0xE2, 0x82], 0),              // truncated at the end of the file
        ([0x80], 0),                    // lone continuation byte
        ([0xF8, 0x88, 0x80, 0x80, 0x80], 0),
    ] as [([UInt8], Int)])
    func malformedSequencesAreRefused(_ bytes: [UInt8], _ offset: Int) {
        #expect(throws: CharLSTMError.invalidUTF8(path: "x", byteOffset: 3 + offset)) {
            try TextFile(path: "x", bytes: Array("ok ".utf8) + bytes + Array(" fine".utf8).prefix(bytes == [0xE2, 0x82] ? 0 : 5))
        }
    }

    @Test func corpusTextReadsIdsOfAStretch() throws {
        let file = try TextFile(path: "t", bytes: Array("abcabcé".utf8))
        let vocabulary = Vocabulary(of: file.distinctCharacters)
        let text = CorpusText(corpus: Corpus(file), characters: 2..<7, vocabulary: vocabulary)
        var ids = [Int32](repeating: -1, count: 4)
        text.read(from: 1, count: 4, into: &ids)
        #expect(ids == [0, 1, 2, 3])  // "abcé"
    }
}
