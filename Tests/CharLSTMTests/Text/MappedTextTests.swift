import Foundation
import Testing
@testable import CharLSTM

/// The load pass split among cores and the mapped file under it: the same characters, counts, vocabulary and
/// errors as reading the text in one piece, and a file changed under a reader reported, never a crash.
@Suite struct MappedTextTests {
    /// Over 1 MiB (so the load pass splits it), with characters of every UTF-8 width placed so that piece
    /// boundaries fall inside multi-byte characters.
    static let mixed: String = {
        let words = ["lamp ", "kettle ", "é", "ß ", "日本", "語 ", "𝄞", "\n", "z", "🜁 "]
        var random = RandomSource(seed: 33)
        var text = ""
        while text.utf8.count < 1_300_000 { text += words[Int(random.next() % UInt64(words.count))] }
        return text
    }()

    @Test func piecesReadAsOneText() throws {
        let file = try TextFile(path: "mixed.txt", bytes: Array(Self.mixed.utf8))
        let scalars = Array(Self.mixed.unicodeScalars)
        #expect(file.characterCount == scalars.count)
        #expect(file.distinctCharacters == Set(scalars).sorted { $0.value < $1.value })
        #expect(Array(file) == scalars)
        var expectedHash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in Self.mixed.utf8 { expectedHash = (expectedHash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        #expect(file.fingerprint == expectedHash)
        // Stretches starting anywhere, across the index's strides and the pieces' boundaries.
        var random = RandomSource(seed: 4)
        for _ in 0..<300 {
            let start = Int(random.next() % UInt64(scalars.count - 3000))
            var read: [Unicode.Scalar] = []
            file.forEachCharacter(from: start, count: 3000) { read.append($0) }
            #expect(read == Array(scalars[start..<start + 3000]), "from character \(start)")
        }
    }

    @Test func theFirstBadByteIsFoundInAnyPiece() {
        var bytes = Array(Self.mixed.utf8)
        for position in [bytes.count / 5, bytes.count / 2, bytes.count - 2] {
            var broken = bytes
            // Move to a character boundary, then put a lone continuation byte there.
            var at = position
            while broken[at] & 0xC0 == 0x80 { at += 1 }
            broken[at] = 0x80
            #expect(throws: CharLSTMError.invalidUTF8(path: "b.txt", byteOffset: at)) {
                try TextFile(path: "b.txt", bytes: broken)
            }
        }
        bytes[bytes.count - 1] = 0xE6  // a three-byte lead with nothing after it
        #expect(throws: CharLSTMError.invalidUTF8(path: "b.txt", byteOffset: bytes.count - 1)) {
            try TextFile(path: "b.txt", bytes: bytes)
        }
    }

    @Test func aMappedFileReadsAsTheBytesDo() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/mixed.txt"
        try Data(Self.mixed.utf8).write(to: URL(fileURLWithPath: path))
        let mapped = try TextFile(path: path)
        let inMemory = try TextFile(path: path, bytes: Array(Self.mixed.utf8))
        #expect(mapped.characterCount == inMemory.characterCount)
        #expect(mapped.fingerprint == inMemory.fingerprint)
        #expect(mapped.distinctCharacters == inMemory.distinctCharacters)
        #expect(Array(mapped) == Array(inMemory))
        #expect(mapped.change() == nil)
    }

    /// A run whose corpus is written to, or cut short, under it stops with an error naming the file — the cut
    /// pages read as zeros instead of killing the process with SIGBUS — and the step is not taken.
    @Test func aCorpusChangedUnderARunStopsItWithAnError() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var text = ""
        while text.utf8.count < 400_000 { text += Fixtures.rhyme }
        var options = TrainingOptions()
        options.batch = 4
        options.seq = 16
        for change in ["append", "truncate"] {
            let path = folder + "/\(change).txt"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let trainer = try Trainer(corpus: TextFile(path: path), embedding: 4, hidden: 8, layers: 1,
                                      options: options, goal: .steps(1000))
            // Read every stream's start once, so the pages are mapped in before the change.
            try trainer.step()
            let handle = try #require(FileHandle(forWritingAtPath: path))
            if change == "append" {
                handle.seekToEndOfFile()
                handle.write(Data("more".utf8))
            } else {
                handle.truncateFile(atOffset: 4096)
            }
            try handle.close()
            let weights = trainer.model.parameters.array
            var message = ""
            do {
                // The streams are spread over the whole text, so after a truncation most reads are past its end.
                for _ in 0..<3 { try trainer.step() }
            } catch CharLSTMError.trainingFailed(let detail) {
                message = detail.description
            }
            #expect(message.contains("\(path): the corpus changed during the run"), "\(change): \(message)")
            #expect(trainer.progress.step == 1, "\(change): a step was taken on the changed text")
            #expect(trainer.model.parameters.array == weights)
        }
    }
}

/// `eval --streams`: many streams at once read every character, and with int8 products (exact sums) each stream's
/// figures are what it gives read alone.
@Suite struct StreamedEvaluationTests {
    @Test func streamsAreThePiecesReadAlone() throws {
        var text = ""
        while text.unicodeScalars.count < 5000 { text += Fixtures.rhyme }
        let characters = Array(text.unicodeScalars)
        let model = Fixtures.model(text: text, embedding: 4, hidden: 16)
        let file = Fixtures.textFile(text + "\u{1F600}")  // one character the model lacks, skipped
        let batched = TextEvaluation(model: model, file: file, streams: 3)
        #expect(batched.unknown == ["\u{1F600}": 1])
        #expect(batched.isComplete)
        let length = file.characterCount / 3
        var total = 0.0, predicted = 0
        for s in 0..<3 {
            let end = s == 2 ? characters.count : (s + 1) * length
            let alone = TextEvaluation(model: model, text: characters[(s * length)..<end])
            total += alone.bitsPerCharacter * Double(alone.predicted)
            predicted += alone.predicted
        }
        #expect(batched.predicted == predicted)
        #expect(abs(batched.bitsPerCharacter - total / Double(predicted)) < 1e-5)
        // One stream is the one-stream figure.
        let one = TextEvaluation(model: model, file: file, streams: 1)
        let plain = TextEvaluation(model: model, text: file)
        #expect(one.predicted == plain.predicted)
        #expect(abs(one.bitsPerCharacter - plain.bitsPerCharacter) < 1e-5)
    }
}
