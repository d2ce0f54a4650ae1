import CharLSTM
import Foundation
import Testing

/// Plain `charlstm` opens the REPL on the model that ships in `checkpoints/`, wherever it is started from.
@Suite struct BundledModelTests {
    @Test func theBundledModelIsSmallEnoughAndLoads() throws {
        let path = CLI.repository + "/checkpoints/default.safetensors"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size <= 8_000_000)
        let checkpoint = try Checkpoint.load(path: path)
        #expect(checkpoint.training?.progress.bestValidationBPC != nil, "the bundled model records its validation bpc")
        let controls = checkpoint.model.vocabulary.characters.filter {
            $0 != "\n" && $0 != "\t" && $0.properties.generalCategory == .control
        }
        #expect(controls.isEmpty, "a control character in the vocabulary could be sampled (a BEL beeps): \(controls)")
    }

    @Test func plainCharlstmFromAnotherFolderTalksWithTheBundledModel() throws {
        let result = try CLI.run(["--seed", "1", "--length", "40"], input: "Q: What is the meaning of life?\n",
                                 directory: try CLI.temporaryFolder())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderrLines.contains { $0.hasPrefix("charlstm · fortunes model") }, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }

    @Test func charlstmModelNamesAnotherDefault() throws {
        let result = try CLI.run(["repl", "--seed", "1", "--length", "10"], input: "The\n",
                                 environment: ["CHARLSTM_MODEL": ReplTerminalTests.checkpoint])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderrLines.contains { $0.hasPrefix("charlstm · model model") }, "\(result.stderr)")
    }
}
