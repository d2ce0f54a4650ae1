/// Decoding UTF-8 one scalar at a time at a byte offset, strictly (for validation) or trusting that the bytes
/// were validated already (for reading).
enum UTF8Decoding {
    /// The scalar starting at `offset` and its length in bytes, or nil if the bytes there are not well-formed
    /// UTF-8: an invalid lead byte, a missing or bad continuation byte, an overlong form, a surrogate, or a value
    /// past U+10FFFF.
    @inline(__always)
    static func validatedScalar(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[offset]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let width: Int, minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (width, minimum, value) = (2, 0x80, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (width, minimum, value) = (3, 0x800, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (width, minimum, value) = (4, 0x10000, UInt32(lead & 0x07))
        default: return nil
        }
        guard offset + width <= bytes.count else { return nil }
        for k in 1..<width {
            let continuation = bytes[offset + k]
            guard continuation & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(continuation & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, width)
    }

    /// The scalar at `offset` of bytes already validated by ``validatedScalar(in:at:)``. Should the bytes have
    /// changed since (a mapped file written to), it still reads nothing past the end and never traps: a
    /// sequence cut short or decoding to no scalar gives U+FFFD, and reading at the end gives U+0000.
    @inline(__always)
    static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (Unicode.Scalar, Int) {
        guard offset < bytes.count else { return (Unicode.Scalar(0), 1) }
        let lead = bytes[offset]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let width = self.width(of: lead)
        guard offset + width <= bytes.count else { return ("\u{FFFD}", 1) }
        var value = UInt32(lead) & (0x7F >> UInt32(width))
        for k in 1..<width { value = value << 6 | UInt32(bytes[offset + k] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
    }

    /// Length of the sequence a lead byte starts.
    @inline(__always)
    static func width(of lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
