import Foundation

/// Access to the process environment, for the few knobs the engine honours (`CHARLSTM_BLAS`) and sets.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }

    /// Runs `body` with the variable `name` set to `value`, then puts back what was there before.
    static func with<T>(_ name: String, setTo value: String, _ body: () -> T) -> T {
        let previous = getenv(name).map { String(cString: $0) }
        setenv(name, value, 1)
        defer {
            if let previous { setenv(name, previous, 1) } else { unsetenv(name) }
        }
        return body()
    }
}
