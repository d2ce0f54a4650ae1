import Foundation

/// How well a model predicts a text: bits per character over one stream, state carried from start to end.
public struct TextEvaluation: Sendable {
    /// Mean −log₂ p(next character), over every predicted character.
    public let bitsPerCharacter: Double
    /// Number of characters predicted (the text's in-vocabulary characters, less the first).
    public let predicted: Int
    /// Characters of the text that are not in the vocabulary, with counts; they are skipped.
    public let unknown: [Unicode.Scalar: Int]
    /// Whether the whole text was read (false when `progress` stopped it; the figures cover what was read).
    public let isComplete: Bool

    /// Whether the products were int8 ones, as priming and sampling this model multiply (``Int8Weights``: a model
    /// whose matrices lie on int8 grids, on a CPU with the kernel); otherwise they were float.
    public let usedInt8Weights: Bool

    /// Evaluates `text`, streaming it through the network in chunks of `chunk` characters (a file is never
    /// held as an array of ids), reporting to `progress` after each chunk. The products are those a sampler of the
    /// model runs: int8 where it has int8 copies, so the figure is the one priming and sampling achieve; F16
    /// copies hold the float weights' very values, so floats stand in for them.
    public init<S: Sequence>(model: CharLSTMModel, text: S, chunk: Int = 256, progress: ReadingProgress? = nil)
    where S.Element == Unicode.Scalar {
        let int8 = Int8Weights(model: model)
        usedInt8Weights = int8 != nil
        let workspace = ChunkWorkspace(config: model.config, batch: 1, steps: chunk, keepsLayerGates: false,
                                       halfWeights: nil, int8Weights: int8)
        var predicted = 0
        var total = 0.0
        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true)
        let outcome = reader.read(text, progress: progress) { rows in
            model.forward(workspace, batch: 1, steps: rows)
            total += model.loss(workspace, batch: 1, steps: rows)
            workspace.carryState(batch: 1, steps: rows)
            predicted += rows
            return true
        }
        isComplete = outcome.isComplete
        let unknown = outcome.unknown
        self.unknown = unknown
        self.predicted = predicted
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
    }

    /// Evaluates `file` read as `streams` streams at once: the text cut into that many contiguous pieces (the last
    /// also takes the characters left over), each read from zero state with its memory carried from chunk to
    /// chunk, all of them batched through the network `chunk` characters at a time — as training's validation
    /// reads its text. Every character is read; each piece's first known character is predicted by none, so the
    /// figure covers `streams − 1` fewer characters than one stream's, and each piece starts with an empty
    /// memory: slightly more bits than one stream, much sooner on a long text. The products are as in
    /// ``init(model:text:chunk:progress:)``; int8 sums are exact, so each piece's figures do not depend on the
    /// batch.
    public init(model: CharLSTMModel, file: TextFile, streams: Int, chunk: Int = 64, progress: ReadingProgress? = nil) {
        precondition(streams >= 1 && chunk >= 1)
        let int8 = Int8Weights(model: model)
        usedInt8Weights = int8 != nil
        let b = streams, t = chunk
        let workspace = ChunkWorkspace(config: model.config, batch: b, steps: t, keepsLayerGates: false,
                                       halfWeights: nil, int8Weights: int8)
        let vocabulary = model.vocabulary
        let n = file.characterCount
        let length = n / b
        // Each stream: the next character to read, where it ends, and the last known id read (the next input).
        var cursor = (0..<b).map { $0 * length }
        let end = (0..<b).map { $0 == b - 1 ? n : ($0 + 1) * length }
        var previous = [Int32?](repeating: nil, count: b)
        var unknown: [Unicode.Scalar: Int] = [:]
        var valid = [Bool](repeating: false, count: b * t)
        var rowLosses = [Double](repeating: 0, count: b * t)
        var predicted = 0, total = 0.0, read = 0
        var complete = true
        while cursor.indices.contains(where: { cursor[$0] < end[$0] }) {
            for s in 0..<b {
                var filled = 0
                while filled < t && cursor[s] < end[s] {
                    let take = min(t - filled, end[s] - cursor[s])
                    file.forEachCharacter(from: cursor[s], count: take) { character in
                        if vocabulary.id(of: character) == nil { unknown[character, default: 0] += 1 }
                        guard let id = vocabulary.readingID(of: character) else { return }
                        if let before = previous[s] {
                            workspace.inputs[filled * b + s] = before
                            workspace.targets[filled * b + s] = id
                            valid[filled * b + s] = true
                            filled += 1
                        }
                        previous[s] = id
                    }
                    cursor[s] += take
                    read += take
                }
                for row in filled..<t {
                    workspace.inputs[row * b + s] = 0
                    workspace.targets[row * b + s] = 0
                    valid[row * b + s] = false
                }
            }
            model.forward(workspace, batch: b, steps: t)
            rowLosses.withUnsafeMutableBufferPointer { losses in
                _ = model.loss(workspace, batch: b, steps: t, rowLosses: losses.baseAddress)
            }
            for row in 0..<(b * t) where valid[row] {
                total += rowLosses[row]
                predicted += 1
            }
            workspace.carryState(batch: b, steps: t)
            if let progress, !progress(read) {
                complete = false
                break
            }
        }
        isComplete = complete
        self.unknown = unknown
        self.predicted = predicted
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
    }
}
