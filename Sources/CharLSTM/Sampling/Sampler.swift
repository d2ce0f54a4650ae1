import Foundation

/// Runs a model one stream at a time to read text into its memory and write text out of it.
///
/// ``prime(_:progress:)`` feeds text through the network as a batched-over-time forward pass (chunks of up to
/// `primeChunk` characters), leaving every layer's `h` (and the LSTM's `c`) where the text left them and the
/// distribution of the next character ready. ``next(_:random:)`` draws one character from that distribution and
/// feeds it back, so generation continues from — and extends — the same memory. Nothing is allocated per character.
/// When the model's matrices all lie on int8 grids (an `export --int8` checkpoint), its batch-1 products read
/// integer copies of them (`Int8Weights`); otherwise, when its weights are all exactly halves (an F16 checkpoint),
/// F16 copies (`HalfWeights`) — each where the CPU has the kernels.
public final class Sampler {
    /// The model sampled from (its weights are read, never changed).
    public let model: CharLSTMModel
    let workspace: ChunkWorkspace
    /// Logits of the next character, given everything fed so far.
    let nextLogits: FloatBuffer
    /// Scratch for temperature-scaled logits and for top-k selection.
    private let scaled: FloatBuffer
    private let selection: FloatBuffer
    var hasDistribution = false
    /// The distribution the last generated character was drawn from, and its id (−1: none yet).
    let lastDraw: FloatBuffer
    var lastDrawn: Int32 = -1
    /// Time steps of the last forward pass: its last step's gates are in row `lastSteps − 1`.
    private var lastSteps = 1
    /// int8 or F16 copies of the model's weights as they were when the sampler was made (nil where they would not
    /// do; at most one of the two).
    private let int8Copy: Int8Weights?
    private let halfCopy: HalfWeights?

    /// - Parameters:
    ///   - model: the model to sample from.
    ///   - primeChunk: time steps per forward pass when priming.
    public convenience init(model: CharLSTMModel, primeChunk: Int = 256) {
        self.init(model: model, primeChunk: primeChunk, allowsNarrowWeights: true)
    }

    /// A sampler of `other`'s model with a memory of its own that shares `other`'s int8 or F16 copies of the
    /// weights: many conversations with one model (a server's sessions) hold one copy.
    public convenience init(sharingWeightsWith other: Sampler, primeChunk: Int = 256) {
        self.init(model: other.model, primeChunk: primeChunk, int8Copy: other.int8Copy, halfCopy: other.halfCopy)
    }

    /// With `allowsNarrowWeights` false the batch-1 products read the float weights even where int8 or halves
    /// would do.
    convenience init(model: CharLSTMModel, primeChunk: Int = 256, allowsNarrowWeights: Bool) {
        let int8 = allowsNarrowWeights ? Int8Weights(model: model) : nil
        self.init(model: model, primeChunk: primeChunk, int8Copy: int8,
                  halfCopy: allowsNarrowWeights && int8 == nil ? HalfWeights(model: model) : nil)
    }

    private init(model: CharLSTMModel, primeChunk: Int, int8Copy: Int8Weights?, halfCopy: HalfWeights?) {
        self.model = model
        self.int8Copy = int8Copy
        self.halfCopy = halfCopy
        workspace = ChunkWorkspace(config: model.config, batch: 1, steps: max(1, primeChunk), keepsLayerGates: true,
                                   halfWeights: halfCopy, int8Weights: int8Copy)
        nextLogits = FloatBuffer(count: model.config.vocabularySize)
        scaled = FloatBuffer(count: model.config.vocabularySize)
        selection = FloatBuffer(count: model.config.vocabularySize)
        lastDraw = FloatBuffer(count: model.config.vocabularySize)
    }

    /// Whether batch-1 steps read F16 copies of the weight matrices.
    public var usesHalfWeights: Bool { workspace.halfWeights != nil }

    /// Whether batch-1 steps read int8 copies of the weight matrices (and round each layer's `h` for them).
    public var usesInt8Weights: Bool { workspace.int8Weights != nil }

    /// The F16 kernels this CPU runs ("AVX-512", "AVX2", "NEON"), nil where there are none.
    public static var halfKernels: String? { HalfGEMV.kernelName }

    /// The int8 kernel this process runs ("AVX2", "AVX512_VNNI", "AVX-VNNI", "NEON", "NEON SDOT"), nil where there
    /// is none.
    public static var int8Kernel: String? { Int8GEMM.kernelName }

    /// The most int8 products a second one thread makes with that kernel's instructions (``Int8GEMM/peakProductsPerSecond()``).
    public static func int8PeakProductsPerSecond() -> Double? { Int8GEMM.peakProductsPerSecond() }

    /// Says whether the model's weights are still the ones the sampler was made with: while they are not (a
    /// ``DynamicLearner`` moved them), steps read the float weights instead of the copies of the old ones.
    func weightsAreOriginal(_ original: Bool) {
        workspace.halfWeights = original ? halfCopy : nil
        workspace.int8Weights = original ? int8Copy : nil
    }

    /// Forgets everything: the state back to zero.
    public func reset() {
        workspace.resetState()
        hasDistribution = false
    }

    /// Runs one full priming chunk through the network and then forgets everything, as ``reset()`` does. The
    /// first text fed after it then answers as fast as any later one: the engine's threads have started, the
    /// buffers are paged in and the BLAS library has set itself up. (Measured in the REPL with a 2×224 model and
    /// a 1,000-character line: the first answer took 20–34 ms without it, 17 ms with it, like the later ones.)
    public func warmUp() {
        workspace.inputs.update(repeating: 0, count: workspace.steps)
        run(steps: workspace.steps)
        run(steps: 1)
        reset()
    }

    /// Whether anything has been fed since the last reset, so that a next-character distribution exists.
    public var isPrimed: Bool { hasDistribution }

    /// Feeds `text` through the network, streaming it in chunks, until its end or until `progress` says stop.
    /// Characters outside the vocabulary are skipped and returned with counts.
    @discardableResult
    public func prime<S: Sequence>(_ text: S, progress: ReadingProgress? = nil) -> [Unicode.Scalar: Int]
    where S.Element == Unicode.Scalar {
        prime(text, progress: progress, each: nil)
    }

    /// ``prime(_:progress:)``, handing each character it takes in to `each`, as its id.
    func prime<S: Sequence>(_ text: S, progress: ReadingProgress?, each: ((Int32) -> Void)?) -> [Unicode.Scalar: Int]
    where S.Element == Unicode.Scalar {
        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: false)
        return reader.read(text, progress: progress, each: each) { rows in
            run(steps: rows)
            return true
        }.unknown
    }

    /// Feeds one character id (the generation path: a one-step forward pass).
    public func feed(_ id: Int32) {
        workspace.inputs[0] = id
        run(steps: 1)
    }

    private func run(steps: Int) {
        lastSteps = steps
        model.forward(workspace, batch: 1, steps: steps, logitsOfLastStepOnly: true)
        nextLogits.pointer.update(from: workspace.logits.pointer, count: model.config.vocabularySize)
        workspace.carryState(batch: 1, steps: steps)
        hasDistribution = true
    }

    /// Makes sure a distribution exists: with nothing fed yet, feeds a newline (the usual start of a text) when the
    /// vocabulary has one, otherwise its first character.
    func ensureDistribution() {
        if hasDistribution { return }
        feed(model.vocabulary.id(of: "\n") ?? 0)
    }

    /// Draws the next character, feeds it back, and returns it.
    public func next(_ settings: SamplingSettings, random: inout RandomSource) -> Unicode.Scalar {
        let id = draw(settings, random: &random)
        feed(id)
        return model.vocabulary.character(id)
    }

    /// Draws the next character's id from the distribution the memory holds, without feeding it (a
    /// ``ConversationBatch`` feeds several samplers' draws in one step).
    func draw(_ settings: SamplingSettings, random: inout RandomSource) -> Int32 {
        ensureDistribution()
        let id = choose(settings, from: nextLogits.pointer, random: &random)
        rememberDraw(id, settings: settings)
        return id
    }

    /// Takes the next-character logits of a step a ``ConversationBatch`` ran for this sampler's memory. (The
    /// gates ``unitValue(layer:unit:_:)`` shows stay those of the sampler's own last pass.)
    func tookBatchedStep(logits: UnsafePointer<Float>) {
        nextLogits.pointer.update(from: logits, count: model.config.vocabularySize)
        hasDistribution = true
    }

    /// Why ``generate(count:stop:settings:random:onCharacter:)`` ended.
    public enum GenerationEnd: Sendable, Equatable {
        /// `count` characters were produced.
        case length
        /// The generated text ended with the stop string.
        case stop
        /// `onCharacter` returned false.
        case cancelled
    }

    /// Draws up to `count` characters, handing each to `onCharacter` as soon as it exists (return false to stop),
    /// and stops early once the generated text ends with `stop` (ignored when empty). Every generated character
    /// is fed back, so the memory reflects the text up to the last one delivered.
    @discardableResult
    public func generate(count: Int, stop: [Unicode.Scalar] = [], settings: SamplingSettings,
                         random: inout RandomSource, onCharacter: (Unicode.Scalar) -> Bool) -> GenerationEnd {
        // The last stop.count characters, as a ring buffer.
        var recent = [Unicode.Scalar](repeating: "\u{0}", count: stop.count)
        var produced = 0
        while produced < count {
            let character = next(settings, random: &random)
            produced += 1
            if !onCharacter(character) { return .cancelled }
            if !stop.isEmpty {
                recent[(produced - 1) % stop.count] = character
                if produced >= stop.count
                    && stop.indices.allSatisfy({ recent[(produced - stop.count + $0) % stop.count] == stop[$0] }) {
                    return .stop
                }
            }
        }
        return .length
    }

    /// The `count` most likely next characters with their probabilities (temperature 1), most likely first.
    public func mostLikely(_ count: Int) -> [(character: Unicode.Scalar, probability: Float)] {
        ensureDistribution()
        let v = model.config.vocabularySize
        softmax(from: nextLogits.pointer, temperature: 1, into: scaled.pointer)
        let order = (0..<v).sorted { scaled.pointer[$0] > scaled.pointer[$1] }
        return order.prefix(count).map { (model.vocabulary.character(Int32($0)), scaled.pointer[$0]) }
    }

    /// Keeps the distribution `id` was just drawn from: after ``choose(_:from:random:)`` that is `scaled` (after
    /// temperature, top-k and top-p, not yet renormalised); for greedy decoding, the plain softmax.
    private func rememberDraw(_ id: Int32, settings: SamplingSettings) {
        let v = model.config.vocabularySize
        if settings.argmax { softmax(from: nextLogits.pointer, temperature: 1, into: scaled.pointer) }
        var total: Float = 0
        for j in 0..<v { total += scaled.pointer[j] }
        for j in 0..<v { lastDraw.pointer[j] = scaled.pointer[j] / total }
        lastDrawn = id
    }

    /// The last generated character and the `count` likeliest candidates it was drawn from (after temperature,
    /// top-k and top-p), most likely first — and the drawn one after them if it was not among them; nil before
    /// anything was generated.
    public func lastDrawCandidates(_ count: Int) -> (drawn: Unicode.Scalar, candidates: [(character: Unicode.Scalar, probability: Float)])? {
        guard lastDrawn >= 0 else { return nil }
        let order = (0..<model.config.vocabularySize).sorted { lastDraw.pointer[$0] > lastDraw.pointer[$1] }
        var shown = Array(order.prefix(count).filter { lastDraw.pointer[$0] > 0 })
        if !shown.contains(Int(lastDrawn)) { shown.append(Int(lastDrawn)) }
        return (model.vocabulary.character(lastDrawn), shown.map { (model.vocabulary.character(Int32($0)), lastDraw.pointer[$0]) })
    }

    /// The probability the last generated character had in the distribution it was drawn from (its confidence).
    public var lastDrawProbability: Float? { lastDrawn >= 0 ? lastDraw.pointer[Int(lastDrawn)] : nil }

    /// Feeds `text` one character at a time, returning every character with its surprisal, −log₂ p, under the
    /// distribution the memory gave before it arrived (nil for the first character fed after a reset, which had no
    /// distribution, and for unknown characters). Slower than ``prime(_:progress:)`` (one step per character), for
    /// the short lines whose surprise the REPL shows. As there, unknown characters are skipped and returned with
    /// counts.
    public func feedMeasuringSurprise(_ text: String.UnicodeScalarView)
        -> (measured: [(character: Unicode.Scalar, bits: Double?)], unknown: [Unicode.Scalar: Int]) {
        var measured: [(Unicode.Scalar, Double?)] = []
        var unknown: [Unicode.Scalar: Int] = [:]
        for character in text {
            guard let id = model.vocabulary.id(of: character) else {
                measured.append((character, nil))
                unknown[character, default: 0] += 1
                continue
            }
            let bits = surprisal(of: id)
            feed(id)
            measured.append((character, bits))
        }
        return (measured, unknown)
    }

    /// −log₂ p(`id`) under the next-character distribution, nil when there is none yet.
    func surprisal(of id: Int32) -> Double? {
        guard hasDistribution else { return nil }
        softmax(from: nextLogits.pointer, temperature: 1, into: scaled.pointer)
        return -log2(Double(scaled.pointer[Int(id)]))
    }

    /// One unit's value now: its state after the last character fed, or its gate at that step. Only a quantity
    /// the model's cell shows (``InspectedQuantity/isAvailable(in:)``).
    public func unitValue(layer: Int, unit: Int, _ quantity: InspectedQuantity) -> Float {
        // After a pass the state is carried into row 0; the gates are those of the pass's last step.
        workspace.layers[layer].values(quantity, stateRow: 0, gateStep: lastSteps - 1, hidden: model.config.hidden)[unit]
    }

    /// Appends every unit's long-term memory now (layer-major) to `states`: `c` for the LSTM, `h` for cells that
    /// only have that — for finding the units a stretch of text moved. Allocates nothing while `states` has room.
    public func appendMemoryStates(to states: inout [Float]) {
        let h = model.config.hidden
        for layer in workspace.layers {
            states.append(contentsOf: UnsafeBufferPointer(start: layer.hasCellState ? layer.c.pointer : layer.h.pointer,
                                                          count: h))
        }
    }

    /// Draws a character id from `logits` (one row of V) as `settings` say.
    func choose(_ settings: SamplingSettings, from logits: UnsafePointer<Float>, random: inout RandomSource) -> Int32 {
        let v = model.config.vocabularySize
        // A capped vocabulary's unknown symbol stands for characters the model was not given; it is never written.
        let unknown = model.vocabulary.unknownID.map(Int.init) ?? -1
        if settings.argmax {
            var best = unknown == 0 ? 1 : 0
            for j in 1..<max(v, 1) where j != unknown && logits[j] > logits[best] { best = j }
            return Int32(best)
        }
        let p = scaled.pointer
        softmax(from: logits, temperature: settings.temperature, into: p)
        if unknown >= 0 { p[unknown] = 0 }
        if settings.topK > 0 && settings.topK < v {
            let threshold = kthLargest(p, count: v, k: settings.topK)
            for j in 0..<v where p[j] < threshold { p[j] = 0 }
        }
        if settings.topP < 1 {
            let threshold = nucleusThreshold(p, count: v, mass: settings.topP)
            for j in 0..<v where p[j] < threshold { p[j] = 0 }
        }
        var total: Float = 0
        for j in 0..<v { total += p[j] }
        let u = random.nextUnitFloat() * total
        var cumulative: Float = 0
        var lastPositive = 0
        for j in 0..<v where p[j] > 0 {
            cumulative += p[j]
            lastPositive = j
            if u < cumulative { return Int32(j) }
        }
        return Int32(lastPositive)  // rounding left u just past the sum
    }

    /// p = softmax(logits / τ).
    private func softmax(from logits: UnsafePointer<Float>, temperature: Float, into p: UnsafeMutablePointer<Float>) {
        Softmax.probabilities(logits, count: model.config.vocabularySize, temperature: temperature, into: p)
    }

    /// The smallest probability t such that the characters with p ≥ t carry at least `mass` of the (possibly
    /// unnormalised, after top-k) total: the cut of nucleus sampling. Bisection on t, as f(t) = Σ_{p ≥ t} p only
    /// falls as t rises; 40 halvings leave t within 2⁻⁴⁰ of the largest probability, so the kept set is exact
    /// up to ties. No sort, so nothing is allocated.
    private func nucleusThreshold(_ p: UnsafePointer<Float>, count: Int, mass: Float) -> Float {
        var total: Float = 0, largest: Float = 0
        for j in 0..<count {
            total += p[j]
            largest = max(largest, p[j])
        }
        let target = mass * total
        func kept(_ t: Float) -> Float {
            var sum: Float = 0
            for j in 0..<count where p[j] >= t { sum += p[j] }
            return sum
        }
        var (low, high) = (Float(0), largest)   // kept(low) ≥ target always; raise it as far as that holds
        if kept(high) >= target { return high }
        for _ in 0..<40 {
            let middle = (low + high) / 2
            if kept(middle) >= target { low = middle } else { high = middle }
        }
        return low
    }

    /// The k-th largest of `values[0..<count]`, by quickselect on a copy (Hoare partition, middle pivot).
    private func kthLargest(_ values: UnsafePointer<Float>, count: Int, k: Int) -> Float {
        let a = selection.pointer
        a.update(from: values, count: count)
        var (low, high) = (0, count - 1)
        let target = k - 1  // index in descending order
        while low < high {
            let pivot = a[(low + high) / 2]
            var (i, j) = (low, high)
            while i <= j {
                while a[i] > pivot { i += 1 }
                while a[j] < pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if target <= j { high = j } else if target >= i { low = i } else { break }
        }
        return a[target]
    }
}

private extension UnsafeMutablePointer where Pointee == Float {
    func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
