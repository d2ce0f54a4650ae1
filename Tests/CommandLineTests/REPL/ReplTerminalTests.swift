import CharLSTM
import Foundation
import Testing

/// The REPL on a real pseudo-terminal: line editing, history, completion, Ctrl-C and Ctrl-D.
@Suite(.enabled(if: PseudoTerminal.isAvailable, PseudoTerminal.unavailable))
struct ReplTerminalTests {
    /// A small trained-looking model to talk to (random weights are enough to exercise the terminal).
    static let checkpoint: String = {
        let folder = try! CLI.temporaryFolder()
        var random = RandomSource(seed: 1)
        let text = "The lamp was lit, the kettle sang.\n"
        let model = try! CharLSTMModel(vocabulary: Vocabulary(of: text.unicodeScalars), embedding: 8, hidden: 16, layers: 2, random: &random)
        try! Checkpoint.write(model: model, to: folder + "/model.safetensors")
        return folder + "/model.safetensors"
    }()

    func start(_ extra: [String] = [], history: String? = nil,
               environment: [String: String] = [:]) throws -> (PseudoTerminal, String) {
        let historyFile = try history ?? (CLI.temporaryFolder() + "/history")
        let terminal = try PseudoTerminal(["repl", Self.checkpoint, "--seed", "3", "--length", "40", "--history", historyFile] + extra,
                                          environment: environment)
        #expect(terminal.waitFor("» "), "no prompt: \(terminal.screen)")
        return (terminal, historyFile)
    }

    /// Types a line of text and waits until its continuation has ended (the colour is reset) and the next prompt
    /// is up; returns what appeared on screen meanwhile.
    @discardableResult
    func converse(_ terminal: PseudoTerminal, _ line: String) -> String {
        let mark = terminal.screen.count
        terminal.type(line + "\r")
        #expect(terminal.waitFor("\u{1B}[0m", after: mark), "no end of continuation: \(terminal.screen.dropFirst(mark).debugDescription)")
        let end = terminal.screen.count
        #expect(terminal.waitFor("» ", after: end - 8))
        return String(terminal.screen.dropFirst(mark))
    }

    @Test func bannerPromptAndColouredContinuation() throws {
        let (terminal, _) = try start()
        #expect(terminal.screen.contains("charlstm · model model: 2×16 LSTM"))
        let shown = converse(terminal, "The lamp")
        #expect(shown.contains("The lamp\r\n\u{1B}[36m"), "\(shown.debugDescription)")
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func noColorTurnsColourOff() throws {
        let (terminal, _) = try start(environment: ["NO_COLOR": "1"])
        let mark = terminal.screen.count
        terminal.type("The lamp\r")
        #expect(terminal.waitFor("» ", after: mark + 10))
        #expect(!terminal.screen.contains("\u{1B}[36m"))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func emacsKeysEditTheLine() throws {
        let (terminal, _) = try start(["--newline", "off"])
        // Type "lamp", jump to the start with Ctrl-A, insert "The ", submit.
        let shown = converse(terminal, "lamp\u{1}The ")
        #expect(shown.contains("The lamp\u{1B}[36m"), "\(shown.debugDescription)")
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func ctrlCDuringGenerationStopsItAndKeepsTheSession() throws {
        let (terminal, _) = try start(["--length", "100000000"])
        let mark = terminal.screen.count
        terminal.type("The\r")
        #expect(terminal.waitFor("\u{1B}[36m", after: mark))
        // Ctrl-C once the continuation is well under way: 30 characters after the colour starts.
        #expect(terminal.waitUntil { screen in
            guard let start = screen.dropFirst(mark).range(of: "\u{1B}[36m") else { return false }
            return screen[start.upperBound...].count >= 30
        })
        terminal.type("\u{3}")
        #expect(terminal.waitFor("stopped", after: mark), "\(terminal.screen.suffix(300).debugDescription)")
        #expect(terminal.waitFor("» ", after: mark))
        terminal.type(":show\r")
        #expect(terminal.waitFor("temperature 0.8", after: mark))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func ctrlCAtThePromptClearsTheLine() throws {
        let (terminal, _) = try start()
        let mark = terminal.screen.count
        terminal.type("half a thought")
        #expect(terminal.waitFor("half a thought", after: mark))
        terminal.type("\u{3}")
        #expect(terminal.waitFor("^C", after: mark))
        let afterInterrupt = terminal.screen.count
        terminal.type(":show\r")
        #expect(terminal.waitFor("temperature 0.8", after: afterInterrupt), "\(terminal.screen.dropFirst(afterInterrupt).debugDescription)")
        #expect(!terminal.screen.dropFirst(afterInterrupt).contains("unknown command"))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func tabCompletesCommands() throws {
        let (terminal, _) = try start()
        let mark = terminal.screen.count
        terminal.type(":sh\t\r")
        #expect(terminal.waitFor("temperature 0.8", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func historyIsSavedOnCtrlDAndRecalledNextTime() throws {
        let (first, history) = try start()
        let mark0 = first.screen.count
        first.type(":temp 0.7\r")
        #expect(first.waitFor("» ", after: mark0 + 5))
        first.type("\u{4}")
        #expect(first.waitForExit() == 0)
        #expect(try String(contentsOfFile: history, encoding: .utf8).contains(":temp 0.7"))

        let (second, _) = try start(history: history)
        var mark = second.screen.count
        second.type("\u{1B}[A\r")   // Up arrow recalls ":temp 0.7"
        #expect(second.waitFor(":temp 0.7", after: mark))
        #expect(second.waitFor("» ", after: second.screen.count - 2))
        mark = second.screen.count
        second.type(":show\r")
        #expect(second.waitFor("temperature 0.7", after: mark), "\(second.screen.dropFirst(mark).debugDescription)")
        #expect(second.waitFor("» ", after: second.screen.count - 2))
        second.type("\u{4}")
        #expect(second.waitForExit() == 0)
    }

    /// Pressing Up after a continuation redraws the recalled line exactly after the prompt, with nothing left over
    /// from what the line held before. (Under the C locale readline counted "» " as three columns, not two.)
    @Test func upArrowRedrawsHistoryExactlyAfterAContinuation() throws {
        let (terminal, _) = try start(environment: ["LC_ALL": "C", "LANG": ""])
        var mark = terminal.screen.count
        terminal.type(":len 50\r")
        #expect(terminal.waitFor("» ", after: mark + 8))
        converse(terminal, "The lamp")
        mark = terminal.screen.count
        terminal.type("\u{1B}[A")
        #expect(terminal.waitFor("The lamp", after: mark))
        terminal.type("\u{1B}[A")
        #expect(terminal.waitUntil { VirtualScreen($0).cursorLine == "» :len 50" },
                "\(terminal.screen.dropFirst(mark).debugDescription)")
        terminal.type("\u{1B}[B")
        #expect(terminal.waitUntil { VirtualScreen($0).cursorLine == "» The lamp" },
                "\(terminal.screen.dropFirst(mark).debugDescription)")
        terminal.type("\u{3}\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    /// Backspace, Ctrl-W and the cursor keys move over characters, not bytes, in text of 2-, 3- and 4-byte
    /// characters — even when the user's locale is plain C. The line as submitted is read back from the history.
    @Test func editingWorksPerCharacterOnUTF8Text() throws {
        let (terminal, history) = try start(environment: ["LC_ALL": "C", "LANG": ""])
        let mark = terminal.screen.count
        // "ab漢字🙂é", Backspace (drops é), Ctrl-B twice (before 字), Backspace (drops 漢), "ß", Ctrl-E, " x y",
        // Ctrl-W (drops "y"): "abß字🙂 x ".
        terminal.type("ab漢字🙂é\u{7F}\u{2}\u{2}\u{7F}ß\u{5} x y\u{17}")
        #expect(terminal.waitUntil { VirtualScreen($0).cursorLine.trimmingCharacters(in: .whitespaces) == "» abß字🙂 x" },
                "\(terminal.screen.dropFirst(mark).debugDescription)")
        terminal.type("\r")
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 1))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
        let lines = try String(contentsOfFile: history, encoding: .utf8).split(separator: "\n")
        #expect(lines.last == "abß字🙂 x ", "\(lines)")
    }

    /// Without --history the file is $HOME/.charlstm_history, whatever the account database says.
    @Test func historyFollowsHOME() throws {
        let home = try CLI.temporaryFolder()
        let terminal = try PseudoTerminal(["repl", Self.checkpoint, "--seed", "3"], environment: ["HOME": home])
        #expect(terminal.waitFor("» "))
        let mark = terminal.screen.count
        terminal.type(":len 7\r")
        #expect(terminal.waitFor("» ", after: mark + 6))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
        #expect(try String(contentsOfFile: home + "/.charlstm_history", encoding: .utf8).contains(":len 7"))
    }

    /// :surprise colours typed text and the continuation per character; :cell colours by a unit; :why and :cells
    /// answer; completion knows the commands.
    @Test func watchingTheMemoryInColour() throws {
        let (terminal, _) = try start()
        var mark = terminal.screen.count
        terminal.type(":sur\t on\r")
        #expect(terminal.waitFor("» ", after: mark + 10))
        var shown = converse(terminal, "The lamp")
        #expect(shown.contains("\u{1B}[30;48;2;"), "no per-character colour: \(shown.debugDescription)")
        #expect(!shown.contains("\u{1B}[36m"))
        mark = terminal.screen.count
        terminal.type(":why\r")
        #expect(terminal.waitFor("was drawn from", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        #expect(terminal.waitFor("← drawn", after: mark))
        mark = terminal.screen.count
        terminal.type(":surprise off\r")
        #expect(terminal.waitFor("» ", after: mark + 10))
        terminal.type(":cell 2 3 f\r")
        #expect(terminal.waitFor("coloured by layer 2 unit 3 f, forget gate", after: mark))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        shown = converse(terminal, "The kettle")
        #expect(shown.contains("\u{1B}[30;48;2;"), "\(shown.debugDescription)")
        mark = terminal.screen.count
        terminal.type(":cells\r")
        #expect(terminal.waitFor("moved most", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        #expect(terminal.waitFor("layer ", after: mark))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    /// Without colour the same information comes as numbers.
    @Test func watchingTheMemoryWithoutColour() throws {
        let (terminal, _) = try start(["--length", "20"], environment: ["NO_COLOR": "1"])
        var mark = terminal.screen.count
        terminal.type(":surprise on\r")
        #expect(terminal.waitFor("» ", after: mark + 10))
        mark = terminal.screen.count
        terminal.type("The lamp\r")
        #expect(terminal.waitFor("surprise (bits): T", after: mark), "\(terminal.screen.dropFirst(mark).debugDescription)")
        #expect(terminal.waitFor("confidence: ", after: mark))
        #expect(!terminal.screen.dropFirst(mark).contains("\u{1B}[30;48;2;"))
        #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    /// The workbench at a terminal: :undo and :again, a memory kept and restored, a """ block (with its own
    /// prompt) and a bracketed paste each read as one text, and :stats on after every exchange.
    @Test func theWorkbenchAtATerminal() throws {
        let (terminal, _) = try start()
        func command(_ line: String, answers text: String) {
            let mark = terminal.screen.count
            terminal.type(line + "\r")
            #expect(terminal.waitFor(text, after: mark), "\(line): \(terminal.screen.dropFirst(mark).debugDescription)")
            #expect(terminal.waitFor("» ", after: terminal.screen.count - 2))
        }
        converse(terminal, "The lamp")
        command(":undo", answers: "took back the last exchange; nothing more to undo")
        converse(terminal, "The lamp")
        let again = converse(terminal, ":again")
        #expect(again.contains("The lamp"), "\(again.debugDescription)")
        command(":save lamp", answers: "kept the memory as lamp: ")
        converse(terminal, "the kettle")
        command(":restore lamp", answers: "memory back to lamp: ")
        command(":stats on", answers: "figures after every exchange: on")

        var mark = terminal.screen.count
        terminal.type("\"\"\"\r")
        #expect(terminal.waitFor("… ", after: mark), "no block prompt: \(terminal.screen.dropFirst(mark).debugDescription)")
        mark = terminal.screen.count
        terminal.type("was lit\r")
        #expect(terminal.waitFor("… ", after: mark))
        let block = converse(terminal, "\"\"\"")
        #expect(block.contains("was lit"), "\(block.debugDescription)")
        #expect(terminal.screen.dropFirst(mark).contains("charlstm: stats: read 8 characters"))

        let pasted = converse(terminal, "\u{1B}[200~a kettle\nsang late\u{1B}[201~")
        #expect(pasted.contains("sang late"), "\(pasted.debugDescription)")
        let file = try CLI.temporaryFolder() + "/transcript.txt"
        command(":transcript \(file)", answers: "wrote \(file)")
        let transcript = try String(contentsOfFile: file, encoding: .utf8)
        #expect(transcript.contains("was lit\n"), "\(transcript.debugDescription)")
        #expect(transcript.contains("a kettle\nsang late\n"), "the paste was not one input: \(transcript.debugDescription)")
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func noHistoryFileIsWrittenForAnEmptySession() throws {
        let (terminal, history) = try start()
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: history))
    }
}

@Suite(.enabled(if: PseudoTerminal.isAvailable, PseudoTerminal.unavailable))
struct ReplHistoryProblemTests {
    func session(history: String) throws -> PseudoTerminal {
        let terminal = try PseudoTerminal(["repl", ReplTerminalTests.checkpoint, "--seed", "3", "--history", history])
        #expect(terminal.waitFor("» "))
        let mark = terminal.screen.count
        terminal.type(":len 5\r")
        #expect(terminal.waitFor("» ", after: mark + 6))
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
        return terminal
    }

    @Test func aHistoryFileInAMissingFolderOnlyWarns() throws {
        let terminal = try session(history: try CLI.temporaryFolder() + "/no/such/folder/history")
        #expect(terminal.screen.contains("cannot save history"), "\(terminal.screen.debugDescription)")
    }

    @Test func devNullKeepsNoHistoryAndSaysNothingAboutIt() throws {
        let terminal = try session(history: "/dev/null")
        #expect(!terminal.screen.contains("history"), "\(terminal.screen.debugDescription)")
    }

    @Test func aHistoryPathThatIsAFolderOnlyWarns() throws {
        let terminal = try session(history: try CLI.temporaryFolder())
        #expect(terminal.screen.contains("cannot read history") || terminal.screen.contains("cannot save history"),
                "\(terminal.screen.debugDescription)")
    }
}
