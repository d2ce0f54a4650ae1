import CharLSTM
import Foundation
import Testing

/// Long reads through the network on a terminal — `eval`, `sample --prime-file`, the REPL's `:prime-file` — show
/// their progress once they have taken a second and stop cleanly on Ctrl-C.
@Suite(.enabled(if: PseudoTerminal.isAvailable, PseudoTerminal.unavailable))
struct LongReadTests {
    /// A model and a text that take minutes to read on any machine, so every test is still reading when the
    /// progress line is due and when it types Ctrl-C: each batch-1 step of a 2×1024 LSTM reads its 50 MB of
    /// weights, so 1.14 M characters move 57 TB through one thread — about ten minutes at 100 GB/s, and still
    /// minutes from the largest caches. Each test stops the read within seconds of the progress line.
    static let fixture: (model: String, text: String) = {
        let folder = try! CLI.temporaryFolder()
        let line = "the tide came in and the lamp was lit\n"
        var random = RandomSource(seed: 2)
        let model = try! CharLSTMModel(vocabulary: Vocabulary(of: line.unicodeScalars), embedding: 16, hidden: 1024,
                                       layers: 2, random: &random)
        try! Checkpoint.write(model: model, to: folder + "/wide.safetensors")
        try! String(repeating: line, count: 30_000).write(toFile: folder + "/long.txt", atomically: true, encoding: .utf8)
        return (folder + "/wide.safetensors", folder + "/long.txt")
    }()

    @Test func evalShowsProgressAndCtrlCReportsThePartRead() throws {
        let terminal = try PseudoTerminal(["eval", Self.fixture.model, Self.fixture.text, "--threads", "1"])
        #expect(terminal.waitFor("evaluating: "), "\(terminal.screen.debugDescription)")
        #expect(terminal.waitFor("chars/s"))
        terminal.type("\u{3}")
        #expect(terminal.waitForExit() == 130)
        #expect(terminal.screen.contains("bits per character over"), "\(terminal.screen.suffix(400).debugDescription)")
        #expect(terminal.screen.contains("stopped after"))
        #expect(terminal.screen.contains("of 1,140,000 characters"))
    }

    @Test func samplePrimeFileShowsProgressAndCtrlCStops() throws {
        let terminal = try PseudoTerminal(["sample", Self.fixture.model, "--prime-file", Self.fixture.text,
                                           "--threads", "1", "--length", "10"])
        #expect(terminal.waitFor("priming: "), "\(terminal.screen.debugDescription)")
        terminal.type("\u{3}")
        #expect(terminal.waitForExit() == 130)
        #expect(terminal.screen.contains("stopped while priming, after"), "\(terminal.screen.suffix(400).debugDescription)")
    }

    @Test func replPrimeFileShowsProgressAndCtrlCKeepsWhatWasRead() throws {
        let terminal = try PseudoTerminal(["repl", Self.fixture.model, "--threads", "1", "--history", "/dev/null"])
        #expect(terminal.waitFor("» "))
        let mark = terminal.screen.count
        terminal.type(":prime-file \(Self.fixture.text)\r")
        #expect(terminal.waitFor("reading: ", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        terminal.type("\u{3}")
        #expect(terminal.waitFor("stopped reading after", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        #expect(terminal.waitFor("the memory keeps what was read", after: mark))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        let beforeProbabilities = terminal.screen.count
        terminal.type(":probs\r")
        #expect(terminal.waitFor("0.", after: beforeProbabilities))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0, "\(terminal.screen.dropFirst(mark).debugDescription)")
    }
}
