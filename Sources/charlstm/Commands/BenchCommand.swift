import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm bench`: how fast this machine trains and samples, on synthetic data.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training, sampling and priming speed, peak memory and GFLOP/s on synthetic data.",
        discussion: """
            Random text over --vocab characters is generated in memory (no disk I/O). Training is timed over \
            --steps optimiser steps after two warm-up steps; sampling generates characters one at a time at \
            batch 1, as the REPL does; priming runs a 10,000-character text through the batched forward pass. \
            Both are measured with the trained weights as floats, rounded to halves (what export --half writes) and \
            put on int8 grids (export --int8), each where the CPU has the kernels. So is serving: 16 \
            conversations writing at once, in batched steps as charlstm serve takes them; its int8 figure is set \
            beside the CPU's peak rate of int8 products: the kernel's own instructions from registers, timed on one \
            thread, times the threads. GFLOP/s counts 2 FLOPs per multiply-add of the forward pass and twice that again for the backward pass. \
            The REPL's workbench is timed too: keeping the memory before an exchange and taking it back (:undo), \
            and putting back a kept memory (:restore), averaged over 10,000 of each. So is learning: reading a \
            100-character line with :learn on (dynamic evaluation's rms rule, its default segments), against \
            reading it without, each the median of 21.

            Example:
              charlstm bench --hidden 512 --threads 2 --json
            """
    )

    @Option(help: "Recurrent cell: lstm, gru or rnn.") var cell = ModelConfig.defaults.cell
    @Option(help: "Stacked recurrent layers.") var layers = ModelConfig.defaults.layers
    @Option(help: "Units per layer.") var hidden = ModelConfig.defaults.hidden
    @Option(help: "Embedding width.") var embedding = ModelConfig.defaults.embedding
    @Option(help: "Vocabulary size of the synthetic text (65 is tinyshakespeare's; past 94 printable ASCII characters, CJK ideographs).") var vocab = 65
    @Option(help: "Parallel streams per training step.") var batch = TrainingOptions().batch
    @Option(help: "Characters per stream per step.") var seq = TrainingOptions().seq
    @Option(help: "Timed training steps.") var steps = 20
    @OptionGroup var precision: PrecisionOption
    @Option(name: .customLong("sample-chars"), help: "Characters generated for the sampling figure.") var sampleCharacters = 5000
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if vocab < 2 || vocab > SyntheticText.maximumVocabulary {
            throw ValidationError("--vocab must be between 2 and \(SyntheticText.maximumVocabulary) (got \(vocab))")
        }
        if sampleCharacters < 1 { throw ValidationError("--sample-chars must be at least 1") }
    }

    func run() throws {
        try threading.apply()
        let config = ModelConfig(vocabularySize: vocab, embedding: embedding, hidden: hidden, layers: layers, cell: cell)
        let decision = try precision.decide(config: config, batch: batch)
        ThreadOptions.noteFallbackBackend()
        let (trainRate, model) = try TrainingThroughput.measure(layers: layers, hidden: hidden, cell: cell,
                                                                embedding: embedding,
                                                                vocabulary: vocab, batch: batch, seq: seq,
                                                                precision: decision.precision, warmUp: 2, steps: steps)
        let flopsPerCharacter = 3 * 2 * Double(model.config.forwardMultiplyAdds)
        var random = RandomSource(seed: 1)

        let prime = (0..<10_000).map { _ in SyntheticText.character(Int(random.next() % UInt64(vocab))) }
        let (primeRate, sampleRate) = measureBatchOne(Sampler(model: model), prime: prime)
        // The same model with its weights rounded to halves, which batch-1 steps then read as F16 (where the CPU can).
        let halfSampler = Sampler(model: try model.roundedToHalf())
        let half = halfSampler.usesHalfWeights ? measureBatchOne(halfSampler, prime: prime) : nil
        // And on int8 grids, which batch-1 steps then multiply in int8 (where the CPU has the kernel).
        let int8Sampler = Sampler(model: try model.roundedToInt8())
        let int8 = int8Sampler.usesInt8Weights ? measureBatchOne(int8Sampler, prime: prime) : nil
        let serving = (float: measureBatchedWriting(Sampler(model: model), prime: prime),
                       half: halfSampler.usesHalfWeights ? measureBatchedWriting(halfSampler, prime: prime) : nil,
                       int8: int8Sampler.usesInt8Weights ? measureBatchedWriting(int8Sampler, prime: prime) : nil)
        let workbench = measureWorkbench(Sampler(model: model), prime: prime)
        let learning = try measureLearning(model, prime: prime)

        // The int8 serving figure beside what the CPU's integer multiply-adds allow: every character of every
        // conversation costs the model's forward multiply-adds, on every thread's peak.
        let int8Peak = serving.int8 != nil ? Sampler.int8PeakProductsPerSecond() : nil
        let int8PeakShare: Double? = if let rate = serving.int8, let int8Peak {
            rate * Double(model.config.forwardMultiplyAdds) / (int8Peak * Double(EngineThreads.count))
        } else { nil }
        let peakMegabytes = Double(Platform.peakResidentBytes()) / 1_048_576  // MiB
        let gflops = trainRate * flopsPerCharacter / 1e9
        if json {
            let object: [String: Any] = [
                "cell": cell.rawValue, "layers": layers, "hidden": hidden, "embedding": embedding, "vocab": vocab, "batch": batch, "seq": seq,
                "threads": EngineThreads.count, "train_chars_per_s": trainRate.rounded(), "sample_chars_per_s": sampleRate.rounded(),
                "prime_chars_per_s": primeRate.rounded(), "peak_rss_mb": (peakMegabytes * 10).rounded() / 10,
                "sample_half_chars_per_s": half.map { $0.sample.rounded() } ?? NSNull(),
                "prime_half_chars_per_s": half.map { $0.prime.rounded() } ?? NSNull(),
                "sample_int8_chars_per_s": int8.map { $0.sample.rounded() } ?? NSNull(),
                "prime_int8_chars_per_s": int8.map { $0.prime.rounded() } ?? NSNull(),
                "gflops": (gflops * 10).rounded() / 10, "blas": BLAS.backend.description,
                "precision": decision.precision.rawValue, "precision_reason": decision.reason,
                "keep_undo_us": (workbench.undo * 1e7).rounded() / 10, "restore_undo_us": (workbench.restore * 1e7).rounded() / 10,
                "read_line_ms": (learning.read * 1e5).rounded() / 100, "learn_line_ms": (learning.learn * 1e5).rounded() / 100,
                "serve_\(Self.servedConversations)_chars_per_s": serving.float.rounded(),
                "serve_\(Self.servedConversations)_half_chars_per_s": serving.half.map { $0.rounded() } ?? NSNull(),
                "serve_\(Self.servedConversations)_int8_chars_per_s": serving.int8.map { $0.rounded() } ?? NSNull(),
                "serve_\(Self.servedConversations)_int8_peak_share": int8PeakShare.map { ($0 * 1000).rounded() / 1000 } ?? NSNull(),
                "int8_peak_products_per_s": int8Peak.map { ($0 / 1e6).rounded() * 1e6 } ?? NSNull(),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("model     \(layers)×\(hidden) \(cell.displayName), embedding \(embedding), vocabulary \(vocab); batch \(batch) × seq \(seq); \(EngineThreads.count) thread\(EngineThreads.count == 1 ? "" : "s"), \(BLAS.backend)")
        print("train     \(HumanReadable.count(Int(trainRate))) chars/s  (\(HumanReadable.decimal(gflops, 1)) GFLOP/s, \(HumanReadable.decimal(flopsPerCharacter / 1e6, 1)) MFLOP per character) with \(decision.precision) products (\(decision.reason))")
        print("sample    \(HumanReadable.count(Int(sampleRate))) chars/s at batch 1")
        print("prime     \(HumanReadable.count(Int(primeRate))) chars/s (10,000-character text)")
        if let half {
            print("F16       sample \(HumanReadable.count(Int(half.sample))) chars/s, prime \(HumanReadable.count(Int(half.prime))) chars/s with the weights as halves (\(Sampler.halfKernels ?? "") kernels)")
        } else {
            print("F16       not measured: this CPU cannot widen halves (an x86-64 without F16C, AVX2 and FMA), so F16 weights are widened to floats when loaded")
        }
        if let int8 {
            print("int8      sample \(HumanReadable.count(Int(int8.sample))) chars/s, prime \(HumanReadable.count(Int(int8.prime))) chars/s with the weights on int8 grids (\(Sampler.int8Kernel ?? "") kernel)")
        } else {
            print("int8      not measured: this CPU has no int8 kernel (an x86-64 without AVX2), so int8-grid weights multiply as floats")
        }
        let servedHalf = serving.half.map { ", \(HumanReadable.count(Int($0))) with the weights as halves" } ?? ""
        let servedInt8 = serving.int8.map { rate in
            let share = int8PeakShare.map { " (\(HumanReadable.decimal($0 * 100, 0))% of the int8 peak: \(HumanReadable.decimal(int8Peak! / 1e9, 0)) G products/s a thread, measured)" } ?? ""
            return ", \(HumanReadable.count(Int(rate))) in int8\(share)"
        } ?? ""
        print("serving   \(Self.servedConversations) conversations writing at once: \(HumanReadable.count(Int(serving.float))) chars/s together\(servedHalf)\(servedInt8) (charlstm serve's batched steps)")
        print("workbench keep + undo \(HumanReadable.decimal(workbench.undo * 1e6, 2)) µs, restore + undo \(HumanReadable.decimal(workbench.restore * 1e6, 2)) µs (the memory is \(HumanReadable.count(workbench.bytes)) bytes)")
        print("learning  a 100-character line read in \(HumanReadable.milliseconds(learning.read)), read and learned from in \(HumanReadable.milliseconds(learning.learn)) (:learn on)")
        print("peak RSS  \(HumanReadable.decimal(peakMegabytes, 1)) MiB")
    }

    /// Seconds to keep the memory before an exchange and take the exchange back (`:undo`), and to put back a kept
    /// memory and undo that (`:restore` keeps the memory before it too), after the undo ring has gone round once;
    /// and the memory's size.
    private func measureWorkbench(_ sampler: Sampler, prime: [Unicode.Scalar]) -> (undo: Double, restore: Double, bytes: Int) {
        let clock = ContinuousClock()
        let conversation = Conversation(sampler: sampler, random: RandomSource(seed: 3))
        conversation.read(prime.prefix(1000))
        let input = Array(prime.prefix(100))
        let rounds = 10_000
        for _ in 0..<Conversation.undoLevels {
            conversation.beginExchange(reading: input)
            conversation.undo()
        }
        let undoStart = clock.now
        for _ in 0..<rounds {
            conversation.beginExchange(reading: input)
            conversation.undo()
        }
        let undo = (clock.now - undoStart).seconds / Double(rounds)
        let kept = conversation.state()
        let restoreStart = clock.now
        for _ in 0..<rounds {
            conversation.restore(kept)
            conversation.undo()
        }
        let restore = (clock.now - restoreStart).seconds / Double(rounds)
        let m = kept.memory
        return (undo, restore, 4 * (m.h.count + m.c.count + m.nextLogits.count + m.lastDraw.count))
    }

    /// Seconds to read a 100-character line into a conversation's memory, without and with learning from it (the
    /// rms rule with statistics from the rest of the text): medians of 21, each read taken back before the next.
    private func measureLearning(_ model: CharLSTMModel, prime: [Unicode.Scalar]) throws -> (read: Double, learn: Double) {
        let clock = ContinuousClock()
        let settings = DynamicEvaluationSettings.defaults(for: .rms)
        let statistics = try GradientStatistics.measure(model: model, text: prime.dropFirst(1000).prefix(2000),
                                                        segment: settings.segment, describing: "the benchmark text")
        let conversation = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 3))
        conversation.read(prime.prefix(1000))
        let line = Array(prime.prefix(100))
        func median() -> Double {
            let times = (0..<21).map { _ in
                conversation.beginExchange(reading: line)
                let start = clock.now
                conversation.read(line)
                let seconds = (clock.now - start).seconds
                conversation.undo()
                return seconds
            }
            return times.sorted()[times.count / 2]
        }
        let read = median()
        conversation.startLearning(with: try DynamicLearner(model: model, settings: settings, statistics: statistics))
        let learn = median()
        conversation.stopLearning()
        return (read, learn)
    }

    /// Conversations that write at once in the serving figure.
    static let servedConversations = 16

    /// Characters per second that ``servedConversations`` conversations write together, one batched step per
    /// character each (``ConversationBatch``, as `charlstm serve` steps its sessions), after 20 warm-up steps.
    private func measureBatchedWriting(_ sampler: Sampler, prime: [Unicode.Scalar]) -> Double {
        let clock = ContinuousClock()
        let conversations = (0..<Self.servedConversations).map { k in
            let conversation = Conversation(sampler: Sampler(sharingWeightsWith: sampler), random: RandomSource(seed: UInt64(k)))
            conversation.read(prime.prefix(100 + k))
            return conversation
        }
        let batch = ConversationBatch(sharingWeightsWith: sampler, capacity: conversations.count)
        let settings = [SamplingSettings](repeating: SamplingSettings(), count: conversations.count)
        var written: [ConversationBatch.WrittenCharacter] = []
        for _ in 0..<20 { batch.writeNext(conversations, settings: settings, into: &written) }
        let steps = max(20, sampleCharacters / conversations.count)
        let start = clock.now
        for _ in 0..<steps { batch.writeNext(conversations, settings: settings, into: &written) }
        return Double(steps * conversations.count) / (clock.now - start).seconds
    }

    /// Priming and sampling speed at batch 1: a 10,000-character text read after a warm-up read, then
    /// `sampleCharacters` generated after 200 warm-up characters.
    private func measureBatchOne(_ sampler: Sampler, prime: [Unicode.Scalar]) -> (prime: Double, sample: Double) {
        let clock = ContinuousClock()
        sampler.prime(prime)  // warm-up
        sampler.reset()
        let primeStart = clock.now
        sampler.prime(prime)
        let primeRate = Double(prime.count) / (clock.now - primeStart).seconds
        var sampleRandom = RandomSource(seed: 2)
        sampler.generate(count: 200, settings: SamplingSettings(), random: &sampleRandom) { _ in true }
        let sampleStart = clock.now
        sampler.generate(count: sampleCharacters, settings: SamplingSettings(), random: &sampleRandom) { _ in true }
        return (primeRate, Double(sampleCharacters) / (clock.now - sampleStart).seconds)
    }
}
