/// How fast this machine trains a given shape: a freshly initialised model trained on random text, timed after
/// a warm-up. `charlstm bench` reports it; a time-limited run with no size given uses it to choose one.
public enum TrainingThroughput {
    /// Trains `warmUp` + `steps` steps of a `layers`×`hidden` model of `cell`s (embedding `embedding`) with `batch` × `seq`
    /// chunks of random text over `vocabulary` characters (``SyntheticText``), its products in `precision`;
    /// returns the characters per second of the timed steps, and the trained model.
    public static func measure(layers: Int, hidden: Int, cell: RecurrentCell, embedding: Int, vocabulary: Int,
                               batch: Int, seq: Int, precision: ProductPrecision = .fp32,
                               warmUp: Int, steps: Int) throws -> (charactersPerSecond: Double, model: CharLSTMModel) {
        let trainer = try syntheticTrainer(layers: layers, hidden: hidden, cell: cell, embedding: embedding,
                                           vocabulary: vocabulary, batch: batch, seq: seq, precision: precision,
                                           steps: warmUp + steps)
        for _ in 0..<warmUp { try trainer.step() }
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<steps { try trainer.step() }
        return (Double(steps * batch * seq) / (clock.now - start).seconds, trainer.model)
    }

    /// The speed a run should expect, for choosing its size: after one warm-up step, steps are timed one by one
    /// until `minimumSteps` and `seconds` are both reached (or `maximumSteps`), and the median step gives the
    /// rate. A shared machine's speed moves from moment to moment: two steps once caught a moment 1.5× faster
    /// than the run that followed, which then got a model too wide for its time. The median of several steps over a
    /// few seconds is what the run will see, a brief burst or stall aside.
    public static func probe(layers: Int, hidden: Int, cell: RecurrentCell, embedding: Int, vocabulary: Int,
                             batch: Int, seq: Int, precision: ProductPrecision = .fp32, minimumSteps: Int = 5,
                             maximumSteps: Int = 15, seconds: Double = 3) throws -> Double {
        precondition(minimumSteps >= 1 && maximumSteps >= minimumSteps)
        let trainer = try syntheticTrainer(layers: layers, hidden: hidden, cell: cell, embedding: embedding,
                                           vocabulary: vocabulary, batch: batch, seq: seq, precision: precision,
                                           steps: 1 + maximumSteps)
        try trainer.step()
        let clock = ContinuousClock()
        let start = clock.now
        var times: [Double] = []
        while times.count < maximumSteps && (times.count < minimumSteps || (clock.now - start).seconds < seconds) {
            let stepStart = clock.now
            try trainer.step()
            times.append((clock.now - stepStart).seconds)
        }
        let median = times.sorted()[times.count / 2]
        return Double(batch * seq) / median
    }

    /// A trainer of a freshly initialised model on random text over `vocabulary` characters (``SyntheticText``),
    /// with room for `steps` steps.
    private static func syntheticTrainer(layers: Int, hidden: Int, cell: RecurrentCell, embedding: Int, vocabulary: Int,
                                         batch: Int, seq: Int, precision: ProductPrecision, steps: Int) throws -> Trainer {
        precondition((2...SyntheticText.maximumVocabulary).contains(vocabulary) && steps >= 1)
        var options = TrainingOptions()
        options.batch = batch
        options.seq = seq
        options.validationFraction = 0.01
        options.precision = precision
        var random = RandomSource(seed: 1)
        // Enough for the steps, with the 1% held out for validation holding two streams of a chunk.
        let characters = (steps + 1) * batch * (seq + 1) * 101 / 100 + 200 * (seq + 1) + vocabulary
        let text = SyntheticText.utf8(count: characters, vocabulary: vocabulary, random: &random)
        return try Trainer(corpus: TextFile(path: "synthetic", bytes: text), embedding: embedding, hidden: hidden,
                           layers: layers, cell: cell, options: options, goal: .steps(steps))
    }
}
