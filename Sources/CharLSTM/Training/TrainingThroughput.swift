/// How fast this machine trains a given shape: a freshly initialised model trained on random text, timed after
/// a warm-up. `charlstm bench` reports it; a time-limited run with no size given uses it to choose one.
public enum TrainingThroughput {
    /// Trains `warmUp` + `steps` steps of a `layers`×`hidden` model of `cell`s (embedding `embedding`) with `batch` × `seq`
    /// chunks of random text over `vocabulary` printable ASCII characters (2…94), its products in `precision`;
    /// returns the characters per second of the timed steps, and the trained model.
    public static func measure(layers: Int, hidden: Int, cell: RecurrentCell, embedding: Int, vocabulary: Int,
                               batch: Int, seq: Int, precision: ProductPrecision = .fp32,
                               warmUp: Int, steps: Int) throws -> (charactersPerSecond: Double, model: CharLSTMModel) {
        precondition((2...94).contains(vocabulary) && steps >= 1)
        var options = TrainingOptions()
        options.batch = batch
        options.seq = seq
        options.validationFraction = 0.01
        options.precision = precision
        var random = RandomSource(seed: 1)
        // Enough for the steps, with the 1% held out for validation holding two streams of a chunk.
        let characters = (warmUp + steps + 1) * batch * (seq + 1) * 101 / 100 + 200 * (seq + 1)
        let text = (0..<characters).map { _ in UInt8(33 + random.next() % UInt64(vocabulary)) }
        let trainer = try Trainer(corpus: TextFile(path: "synthetic", bytes: text), embedding: embedding,
                                  hidden: hidden, layers: layers, cell: cell, options: options,
                                  goal: .steps(warmUp + steps))
        for _ in 0..<warmUp { try trainer.step() }
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<steps { try trainer.step() }
        return (Double(steps * batch * seq) / (clock.now - start).seconds, trainer.model)
    }
}
