import Foundation

/// A parsed and validated safetensors file.
///
/// Everything is checked before any tensor data is touched: the header length against the file size, the header
/// as UTF-8 JSON, every tensor's dtype, shape (with overflow-checked element counts) and byte range, and that the
/// ranges tile the data region exactly with no overlap and no gap. Loading never executes anything from the file.
public struct SafeTensorsFile {
    /// One tensor's description.
    public struct TensorInfo: Sendable, Equatable {
        /// The element type as safetensors names it (`F32`, `F16`).
        public let dtype: String
        /// The tensor's dimensions, outermost first.
        public let shape: [Int]
        /// Byte range within the data region.
        public let byteRange: Range<Int>
    }

    /// Largest header accepted; the format itself caps headers at 100 MB.
    static let maximumHeaderLength = 100_000_000

    /// The file it was read from, for messages.
    public let path: String
    /// Every tensor in the file, by name.
    public let tensors: [String: TensorInfo]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let bytes: [UInt8]
    private let dataStart: Int

    /// Reads and validates the file at `path`.
    public init(path: String) throws {
        try self.init(path: path, bytes: FileBytes.read(path))
    }

    /// Validates a file already in memory; `path` is used in messages.
    public init(path: String, bytes: [UInt8]) throws {
        func fail(_ reason: SettingMessage) -> CharLSTMError { .invalidCheckpoint(path: path, reason: reason) }
        guard bytes.count >= 8 else {
            throw fail("the file is \(bytes.count) bytes, too short to hold a safetensors header")
        }
        let declared = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard declared <= UInt64(bytes.count - 8) else {
            throw fail("header length \(declared) exceeds the \(bytes.count - 8) bytes after it (truncated or not safetensors)")
        }
        guard declared <= UInt64(Self.maximumHeaderLength) else { throw fail("header length \(declared) is over the 100 MB limit") }
        let headerLength = Int(declared)
        let headerBytes = Array(bytes[8..<(8 + headerLength)])
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw fail("header is not valid UTF-8") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else { throw fail("header is not a JSON object") }

        let dataLength = bytes.count - 8 - headerLength
        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, field) in fields {
                    guard let text = field as? String else { throw fail("metadata \"\(key)\" is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("tensor \"\(name)\" is not described by an object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("tensor \"\(name)\" has no dtype") }
            guard let elementSize = Self.elementSize(of: dtype) else { throw fail("tensor \"\(name)\" has unknown dtype \"\(dtype)\"") }
            guard let shapeValues = entry["shape"] as? [Any] else { throw fail("tensor \"\(name)\" has no shape") }
            var shape: [Int] = []
            var elements = 1
            for dimension in shapeValues {
                guard let size = Self.integer(dimension), size >= 0 else {
                    throw fail("tensor \"\(name)\" has an invalid dimension in its shape")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow, product <= dataLength else {
                    throw fail("tensor \"\(name)\" has shape \(shapeValues.map { "\($0)" }) larger than the file's data")
                }
                shape.append(size)
                elements = product
            }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                  let start = Self.integer(offsets[0]), let end = Self.integer(offsets[1]) else {
                throw fail("tensor \"\(name)\" has no valid data_offsets")
            }
            guard start >= 0, start <= end, end <= dataLength else {
                throw fail("tensor \"\(name)\" has data_offsets [\(start), \(end)] outside the \(dataLength) data bytes")
            }
            guard end - start == elements * elementSize else {
                throw fail("tensor \"\(name)\" has \(end - start) data bytes but shape \(shape) of \(dtype) needs \(elements * elementSize)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: start..<end)
        }
        // The ranges must tile [0, dataLength): no overlap (one byte read as two tensors) and no hole.
        var covered = 0
        for (name, info) in tensors.sorted(by: { ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound) < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound) }) {
            guard info.byteRange.lowerBound == covered else {
                throw fail(info.byteRange.lowerBound < covered
                    ? "tensor \"\(name)\" overlaps another tensor's data"
                    : "there is a gap in the data before tensor \"\(name)\"")
            }
            covered = info.byteRange.upperBound
        }
        guard covered == dataLength else { throw fail("\(dataLength - covered) bytes of data after the last tensor belong to no tensor") }

        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.bytes = bytes
        dataStart = 8 + headerLength
    }

    /// The values of an `F32` or `F16` tensor, as floats in `destination` (which must hold the tensor's element
    /// count).
    public func copyFloats(_ name: String, into destination: UnsafeMutablePointer<Float>) {
        guard let info = tensors[name], info.dtype == "F32" || info.dtype == "F16" else {
            preconditionFailure("no F32 or F16 tensor \(name)")
        }
        bytes.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataStart + info.byteRange.lowerBound
            if info.dtype == "F16" {
                for j in 0..<info.byteRange.count / 2 {
                    destination[j] = HalfPrecision.float(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)))
                }
                return
            }
            let count = info.byteRange.count / 4
            #if _endian(little)
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            #else
            for j in 0..<count { destination[j] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: j * 4, as: UInt32.self))) }
            #endif
        }
    }

    /// The values of an `F32` or `F16` tensor as an array.
    public func floats(_ name: String) -> [Float] {
        let count = tensors[name].map { $0.byteRange.count / (Self.elementSize(of: $0.dtype) ?? 4) } ?? 0
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { copyFloats(name, into: buffer.baseAddress!) }
            initialized = count
        }
    }

    static func elementSize(of dtype: String) -> Int? {
        switch dtype {
        case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2": return 1
        case "I16", "U16", "F16", "BF16": return 2
        case "I32", "U32", "F32": return 4
        case "I64", "U64", "F64": return 8
        default: return nil
        }
    }

    /// A JSON number that is an exact integer, or nil (fractions, booleans, strings, out-of-range values).
    static func integer(_ value: Any) -> Int? {
        // Foundation hands JSON numbers and booleans back as NSNumber; booleans are the ones of type "c".
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return value as? Int
    }
}
