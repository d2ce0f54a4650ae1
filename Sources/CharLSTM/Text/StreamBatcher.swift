/// Serves a token sequence as consecutive chunks of `streams` parallel streams, the char-rnn way.
///
/// The text is cut into `streams` contiguous pieces of `streamLength` tokens. Chunk `j` holds, for every stream
/// `b` and time `t < steps`, input `text[b·streamLength + j·steps + t]` and target the token after it. Because chunk
/// `j + 1` continues exactly where chunk `j` stopped in every stream, the LSTM's `h` and `c` can be carried from one
/// chunk to the next, which is what makes truncated backpropagation through time see dependencies longer than a
/// chunk. Chunks are laid out time-major: row `t·streams + b`, so the rows of one time step are contiguous.
public struct StreamBatcher: Sendable {
    /// Number of parallel streams (the batch size).
    public let streams: Int
    /// Time steps per chunk.
    public let steps: Int
    /// Tokens in each stream.
    public let streamLength: Int
    /// Chunks in one pass over the text (an epoch, for training text).
    public let chunksPerPass: Int
    private let tokens: [Int32]

    /// Lays out `tokens`; fails when they cannot fill even one chunk.
    /// - Parameter describe: names the text in the error (for example "the training text of corpus.txt").
    public init(tokens: [Int32], streams: Int, steps: Int, path: String, describe: String) throws {
        precondition(streams > 0 && steps > 0)
        let streamLength = tokens.count / streams
        guard streamLength >= steps + 1 else {
            let needed = streams * (steps + 1)
            throw CharLSTMError.textTooShort(
                path: path,
                detail: "\(describe) has \(tokens.count) characters, but \(streams) streams × \(steps + 1) characters "
                    + "need at least \(needed); use a smaller --batch or --seq, or a longer text")
        }
        self.streams = streams
        self.steps = steps
        self.streamLength = streamLength
        chunksPerPass = (streamLength - 1) / steps
        self.tokens = tokens
    }

    /// Writes chunk `index` (0 ≤ index < ``chunksPerPass``) into `inputs` and `targets`, each `steps × streams`.
    public func fill(chunk index: Int, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        precondition(index >= 0 && index < chunksPerPass)
        tokens.withUnsafeBufferPointer { text in
            for b in 0..<streams {
                let start = b * streamLength + index * steps
                for t in 0..<steps {
                    inputs[t * streams + b] = text[start + t]
                    targets[t * streams + b] = text[start + t + 1]
                }
            }
        }
    }
}
