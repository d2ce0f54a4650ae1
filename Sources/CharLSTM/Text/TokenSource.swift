/// A sequence of character ids that can be read at any position: what a ``StreamBatcher`` cuts into streams.
public protocol TokenSource {
    /// Number of ids.
    var count: Int { get }
    /// Writes ids `start ..< start + length` to `destination`.
    func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>)
}

/// Ids held in memory (tests, small texts).
extension Array: TokenSource where Element == Int32 {
    public func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>) {
        withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + start, count: length) }
    }
}
