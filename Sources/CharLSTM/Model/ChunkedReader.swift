/// The loop that priming, evaluation and inspection share: a text read through a model at batch 1, one chunk at a
/// time, each chunk filling the workspace's rows before the caller's `run` takes them through the network and
/// carries the state on to the next chunk. The text streams: no array of its ids is ever built.
///
/// Reading in pairs, a chunk's rows are (character, next character) — the inputs and targets of evaluation and
/// inspection — so the text's last character is the input of no row, and is handed back. Otherwise each row is
/// one character, as priming reads them.
struct ChunkedReader {
    let vocabulary: Vocabulary
    let workspace: ChunkWorkspace
    /// Whether rows are (character, next) pairs.
    let pairs: Bool

    struct Outcome {
        /// Characters the vocabulary lacks, with counts; they are skipped.
        let unknown: [Unicode.Scalar: Int]
        /// False when `run` or the progress stopped the read.
        let isComplete: Bool
        /// Reading in pairs, the last character read, which no row has as its input.
        let last: Int32?
    }

    /// Reads `text`'s known characters, handing each one's id to `each` as it is taken: `run(rows)` gets every
    /// full chunk and then the rest, and returns whether to go on; after each, `progress` hears how many characters
    /// have been read, and may stop the read too. What was read stays read.
    func read<S: Sequence>(_ text: S, progress: ReadingProgress?, each: ((Int32) -> Void)? = nil,
                           run: (_ rows: Int) -> Bool) -> Outcome where S.Element == Unicode.Scalar {
        var filled = 0, consumed = 0
        var goOn = true
        var previous: Int32?
        func flush() {
            goOn = run(filled)
            filled = 0
            if goOn { goOn = progress?(consumed) ?? true }
        }
        let unknown = vocabulary.forEachID(in: text) { id in
            consumed += 1
            each?(id)
            if pairs {
                defer { previous = id }
                guard let before = previous else { return true }
                workspace.inputs[filled] = before
                workspace.targets[filled] = id
            } else {
                workspace.inputs[filled] = id
            }
            filled += 1
            if filled == workspace.steps { flush() }
            return goOn
        }
        if goOn && filled > 0 { flush() }
        return Outcome(unknown: unknown, isComplete: goOn, last: pairs ? previous : nil)
    }
}
