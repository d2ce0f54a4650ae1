import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm info`: what is in a checkpoint.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a checkpoint: architecture, vocabulary, training progress, and the BLAS in use.",
        discussion: """
            Example:
              charlstm info runs/lighthouse/latest.safetensors
            """
    )

    @Argument(help: "Checkpoint to describe (.safetensors).")
    var checkpoint: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let loaded = try Checkpoint.load(path: checkpoint)
        let model = loaded.model
        let c = model.config
        let training = loaded.training
        if json {
            var object: [String: Any] = [
                "checkpoint": checkpoint, "cell": c.cell.rawValue, "layers": c.layers, "hidden": c.hidden,
                "embedding": c.embedding,
                "vocabulary_size": c.vocabularySize, "parameters": model.parameterCount,
                "vocabulary": model.vocabulary.characters.map { String($0) }, "blas": BLAS.backend.description,
                "weights": model.weightFormat.rawValue,
            ]
            if let training {
                let p = training.progress
                object["step"] = p.step
                object["epoch"] = p.epoch
                object["best_val_bpc"] = p.bestValidationBPC ?? NSNull()
                object["last_val_bpc"] = p.lastValidationBPC ?? NSNull()
                object["training_seconds"] = p.trainingSeconds
                object["corpus"] = training.corpus.path
                object["corpus_files"] = training.corpus.files?.count ?? 1
                object["corpus_found"] = training.corpus.whereabouts()
                // The recipe and goal under the keys the checkpoint stores them with (their Codable forms), so a
                // script can rerun the recipe elsewhere (Benchmarks/quality_sitting.sh hands it to PyTorch).
                func encoded(_ value: some Encodable) throws -> Any {
                    try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
                }
                object["options"] = try encoded(training.options)
                object["goal"] = training.goal.isOpenEnded ? NSNull() : try encoded(training.goal)
            }
            object["resumable"] = training?.resumeState != nil
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for line in CheckpointDescription.lines(loaded) { print(line) }
    }
}
