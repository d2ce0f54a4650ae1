/// A fixed-size, 64-byte aligned, zero-initialised block of `Float`s.
///
/// Every array the engine touches in a training or sampling step is one of these, allocated once when the
/// model or workspace is built and reused afterwards, so the steps themselves never allocate.
public final class FloatBuffer {
    /// Number of `Float`s in the buffer.
    public let count: Int
    /// The first element. Valid for the lifetime of the buffer.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` zeroed floats.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must not be negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The whole buffer as a buffer pointer.
    public var elements: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// A copy of the contents, for tests and for writing checkpoints.
    public var array: [Float] { Array(elements) }
}
