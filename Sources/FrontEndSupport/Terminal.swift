import Foundation

/// An output stream of the process, written without buffering surprises: text appears when written.
public struct Terminal: Sendable {
    public static let standardOutput = Terminal(descriptor: STDOUT_FILENO)
    public static let standardError = Terminal(descriptor: STDERR_FILENO)

    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    /// Whether the stream is an interactive terminal (progress displays and colour only make sense there).
    public var isInteractive: Bool { isatty(descriptor) == 1 }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    public func writeLine(_ text: String) { write(text + "\n") }
}
