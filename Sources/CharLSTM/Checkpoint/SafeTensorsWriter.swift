/// Builds a safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the raw little-endian tensor data. Only `F32` tensors are written.
public struct SafeTensorsWriter {
    private var header: [String] = []
    private var data: [UInt8] = []

    public init() {}

    /// Appends a tensor; `values.count` must equal the product of `shape`.
    public mutating func add(_ name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        let start = data.count
        #if _endian(little)
        data.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
        let dims = shape.map(String.init).joined(separator: ",")
        header.append("\(JSONText.quote(name)):{\"dtype\":\"F32\",\"shape\":[\(dims)],\"data_offsets\":[\(start),\(data.count)]}")
    }

    /// Appends a tensor from an array.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        values.withUnsafeBufferPointer { add(name, shape: shape, values: $0) }
    }

    /// The complete file, with `metadata` as the header's `__metadata__` object.
    public func bytes(metadata: [String: String]) -> [UInt8] {
        let meta = metadata.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(metadata[$0]!))" }
        var json = Array("{\"__metadata__\":{\(meta.joined(separator: ","))}\(header.isEmpty ? "" : ",")\(header.joined(separator: ","))}".utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
        while json.count % 8 != 0 { json.append(0x20) }
        var file: [UInt8] = []
        file.reserveCapacity(8 + json.count + data.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: json)
        file.append(contentsOf: data)
        return file
    }
}

/// Minimal JSON string quoting, so headers are written byte-for-byte deterministically.
enum JSONText {
    static func quote(_ text: String) -> String {
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
