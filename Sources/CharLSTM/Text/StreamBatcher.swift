/// Serves a text as consecutive chunks of `streams` parallel streams, the char-rnn way.
///
/// The text is cut into `streams` contiguous pieces of `streamLength` characters. Chunk `j` holds, for every
/// stream `b` and time `t < steps`, input `text[b·streamLength + j·steps + t]` and target the character after it.
/// Because chunk `j + 1` continues exactly where chunk `j` stopped in every stream, the LSTM's `h` and `c` can be
/// carried from one chunk to the next, which is what makes truncated backpropagation through time see
/// dependencies longer than a chunk. Chunks are laid out time-major: row `t·streams + b`, so the rows of one time
/// step are contiguous.
public final class StreamBatcher {
    /// Number of parallel streams (the batch size).
    public let streams: Int
    /// Time steps per chunk.
    public let steps: Int
    /// Characters in each stream.
    public let streamLength: Int
    /// Chunks in one pass over the text (an epoch, for training text).
    public let chunksPerPass: Int
    private let source: any TokenSource
    /// One stream's stretch of a chunk (`steps + 1` ids), read from the source before being interleaved.
    private let stretch: UnsafeMutablePointer<Int32>

    /// Lays out `source`; fails when it cannot fill even one chunk.
    /// - Parameters:
    ///   - source: the text, as vocabulary ids.
    ///   - streams: the batch: contiguous streams the text is cut into.
    ///   - steps: characters of each stream per chunk.
    ///   - path: the file the text came from, for the error.
    ///   - describe: names the text in the error (for example "the training text (first 90%)").
    public init(source: any TokenSource, streams: Int, steps: Int, path: String, describe: String) throws {
        precondition(streams > 0 && steps > 0)
        let streamLength = source.count / streams
        guard streamLength >= steps + 1 else {
            let needed = streams * (steps + 1)
            throw CharLSTMError.textTooShort(
                path: path,
                detail: "\(describe) has \(source.count) characters, but \(streams) streams × \(steps + 1) characters need at least \(needed); use a smaller \(Setting.batch) or \(Setting.seq), or a longer text")
        }
        self.streams = streams
        self.steps = steps
        self.streamLength = streamLength
        chunksPerPass = (streamLength - 1) / steps
        self.source = source
        stretch = .allocate(capacity: steps + 1)
    }

    deinit { stretch.deallocate() }

    /// Writes chunk `index` (0 ≤ index < ``chunksPerPass``) into `inputs` and `targets`, each `steps × streams`.
    public func fill(chunk index: Int, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        precondition(index >= 0 && index < chunksPerPass)
        for b in 0..<streams {
            source.read(from: b * streamLength + index * steps, count: steps + 1, into: stretch)
            for t in 0..<steps {
                inputs[t * streams + b] = stretch[t]
                targets[t * streams + b] = stretch[t + 1]
            }
        }
    }
}
