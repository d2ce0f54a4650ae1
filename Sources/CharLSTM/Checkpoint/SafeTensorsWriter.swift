/// Writes a safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the raw little-endian tensor data. Tensors are written as `F32`, or as `F16` (rounded
/// to nearest, see `HalfPrecision`) when added with `half: true`.
///
/// Tensors are recorded by reference and their bytes are streamed straight from the model's buffers to the
/// output when the file is written, so saving a checkpoint needs no copy of it in memory.
public struct SafeTensorsWriter {
    /// Where a tensor's values are.
    private enum Source {
        case buffer(FloatBuffer, offset: Int)
        case array([Float])
    }

    private var entries: [(name: String, shape: [Int], count: Int, source: Source, half: Bool)] = []

    /// An empty file, to which tensors and metadata are added.
    public init() {}

    /// Adds `shape.product` values of `buffer` starting at `offset`, stored as `F16` when `half`.
    public mutating func add(_ name: String, shape: [Int], from buffer: FloatBuffer, offset: Int = 0, half: Bool = false) {
        let count = shape.reduce(1, *)
        precondition(offset + count <= buffer.count, "tensor \(name) runs past its buffer")
        entries.append((name, shape, count, .buffer(buffer, offset: offset), half))
    }

    /// Adds a tensor from an array; `values.count` must equal the product of `shape`.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        entries.append((name, shape, values.count, .array(values), false))
    }

    /// Streams the file, with `metadata` as the header's `__metadata__` object, to `sink` in pieces.
    public func write(metadata: [String: String], to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var offset = 0
        var described: [String] = []
        for entry in entries {
            let end = offset + entry.count * (entry.half ? 2 : 4)
            let dims = entry.shape.map(String.init).joined(separator: ",")
            described.append("\(JSONText.quote(entry.name)):{\"dtype\":\"\(entry.half ? "F16" : "F32")\",\"shape\":[\(dims)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        let meta = metadata.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(metadata[$0]!))" }
        var json = Array("{\"__metadata__\":{\(meta.joined(separator: ","))}\(described.isEmpty ? "" : ",")\(described.joined(separator: ","))}".utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
        while json.count % 8 != 0 { json.append(0x20) }
        try withUnsafeBytes(of: UInt64(json.count).littleEndian) { try sink($0) }
        try json.withUnsafeBytes { try sink($0) }
        for entry in entries {
            switch entry.source {
            case .buffer(let buffer, let start) where entry.half:
                try writeHalves(UnsafeBufferPointer(start: buffer.pointer + start, count: entry.count), to: sink)
            case .buffer(let buffer, let start):
                try writeLittleEndian(UnsafeBufferPointer(start: buffer.pointer + start, count: entry.count), to: sink)
            case .array(let values):
                try values.withUnsafeBufferPointer { try writeLittleEndian($0, to: sink) }
            }
        }
    }

    /// The complete file in memory (for tests and small files).
    public func bytes(metadata: [String: String]) -> [UInt8] {
        var file: [UInt8] = []
        write(metadata: metadata) { file.append(contentsOf: $0) }
        return file
    }

    /// Converts to halves a block at a time, so the file streams without a copy of the tensor.
    private func writeHalves(_ values: UnsafeBufferPointer<Float>, to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var block = [UInt16](repeating: 0, count: 4096)
        for start in stride(from: 0, to: values.count, by: block.count) {
            let n = min(block.count, values.count - start)
            for j in 0..<n { block[j] = HalfPrecision.bits(values[start + j]).littleEndian }
            try block.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) }
        }
    }

    private func writeLittleEndian(_ values: UnsafeBufferPointer<Float>, to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        #if _endian(little)
        try sink(UnsafeRawBufferPointer(values))
        #else
        for value in values { try withUnsafeBytes(of: value.bitPattern.littleEndian) { try sink($0) } }
        #endif
    }
}

/// Minimal JSON string quoting, so headers are written byte-for-byte deterministically.
public enum JSONText {
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
