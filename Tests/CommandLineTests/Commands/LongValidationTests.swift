import CharLSTM
import Foundation
import Testing

/// Ctrl-C and `--minutes` keep their promises while a validation runs that would take far longer than either
/// allows: half of a 2 MB text held out and all of it sampled, read by a 2×256 model.
@Suite struct LongValidationTests {
    static let corpus: String = {
        let folder = try! CLI.temporaryFolder()
        let text = try! String(contentsOfFile: CLI.repository + "/corpora/lighthouse.txt", encoding: .utf8)
        return try! CLI.file("long.txt", in: folder, contents: Array(String(repeating: text, count: 300).utf8))
    }()
    static let settings = ["--hidden", "256", "--embedding", "16", "--batch", "8", "--seq", "32", "--threads", "1",
                           "--val-fraction", "0.5", "--val-chars", "1000000"]

    /// On a terminal, as a person sees it: the validation's progress line, then Ctrl-C typed into it.
    @Test(.enabled(if: PseudoTerminal.isAvailable, PseudoTerminal.unavailable))
    func ctrlCDuringAValidationSavesTheLastStepAndExits130() throws {
        let out = try CLI.temporaryFolder()
        let terminal = try PseudoTerminal(["train", Self.corpus, "--out", out, "--steps", "1000", "--eval-every", "4"] + Self.settings)
        #expect(terminal.waitFor("validating:", timeout: 120), "\(terminal.screen)")
        let signalled = ContinuousClock.now
        terminal.type("\u{3}")
        let status = terminal.waitForExit(timeout: 120)
        print("Ctrl-C during a validation: the run ended \(ContinuousClock.now - signalled) after the key")
        #expect(status == 130, "\(terminal.screen)")
        #expect(terminal.screen.contains("Interrupted at step 4"), "\(terminal.screen)")
        // The validation was abandoned, not finished: nothing was logged, and latest holds step 4 without a figure.
        #expect(!FileManager.default.fileExists(atPath: out + "/log.jsonl"))
        let saved = try Checkpoint.load(path: out + "/latest.safetensors").training?.progress
        #expect(saved?.step == 4)
        #expect(saved?.lastValidationBPC == nil)
    }

    /// With 9 seconds, training stops as soon as the closing validation is seen not to fit; the validation is
    /// abandoned when only the save's time is left, and the run ends within the limit's allowance (5 s).
    @Test func minutesCountsTheValidationAndTheSave() throws {
        let out = try CLI.temporaryFolder()
        let started = ContinuousClock.now
        let result = try CLI.run(["train", Self.corpus, "--out", out, "--steps", "100000", "--minutes", "0.15"] + Self.settings)
        let seconds = (ContinuousClock.now - started).seconds
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Time limit reached"), "\(result.stdout)")
        #expect(seconds < 9 + 5, "the run took \(seconds) s of its 9")
        let saved = try Checkpoint.load(path: out + "/latest.safetensors").training?.progress
        #expect((saved?.step ?? 0) >= 1)
    }
}
