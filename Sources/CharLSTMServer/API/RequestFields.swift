import Foundation

/// A request's JSON object, read field by field: each getter checks its field's type and says, naming the
/// field, what was expected. Fields a request does not know are ignored, as OpenAI-style clients send extras.
struct RequestFields {
    private let object: [String: Any]

    /// Parses `bytes` (empty: no fields).
    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else {
            object = [:]
            return
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw APIError.badJSON(Self.reason(error))
        }
        guard let object = value as? [String: Any] else { throw APIError.badJSON("expected an object {…} at the top") }
        self.object = object
    }

    private static func reason(_ error: any Error) -> String {
        let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return description.map { $0.prefix(200).description } ?? "it could not be parsed (is it UTF-8?)"
    }

    /// Whether the field is there and not null.
    func has(_ name: String) -> Bool { object[name].map { !($0 is NSNull) } ?? false }

    func string(_ name: String) throws -> String? {
        guard has(name) else { return nil }
        guard let text = object[name] as? String else { throw APIError.invalid(name, "expected a string") }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard has(name) else { return nil }
        guard let number = object[name] as? NSNumber, Self.isBoolean(number) else {
            throw APIError.invalid(name, "expected true or false")
        }
        return number.boolValue
    }

    /// A number that is not true or false (JSON's booleans arrive as NSNumbers of type "c", numbers never do).
    private func numeric(_ name: String) -> NSNumber? {
        guard let number = object[name] as? NSNumber, !Self.isBoolean(number) else { return nil }
        return number
    }

    private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// A whole number in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(name) else { return nil }
        guard let number = numeric(name), let value = Int(exactly: number.doubleValue) else {
            throw APIError.invalid(name, "expected a whole number")
        }
        guard range.contains(value) else {
            throw APIError.invalid(name, "must be from \(range.lowerBound) to \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// A seed: a whole number from 0 to 2⁶⁴ − 1.
    func seed(_ name: String) throws -> UInt64? {
        guard has(name) else { return nil }
        guard let number = numeric(name), let value = UInt64(number.stringValue) ?? UInt64(exactly: number.doubleValue) else {
            throw APIError.invalid(name, "expected a whole number from 0 to 18446744073709551615")
        }
        return value
    }

    func number(_ name: String) throws -> Double? {
        guard has(name) else { return nil }
        guard let number = numeric(name), number.doubleValue.isFinite else { throw APIError.invalid(name, "expected a number") }
        return number.doubleValue
    }

    /// A string or an array of strings (OpenAI's `stop` and `prompt` take both).
    func strings(_ name: String) throws -> [String]? {
        guard has(name) else { return nil }
        if let text = object[name] as? String { return [text] }
        guard let array = object[name] as? [Any], let texts = array as? [String] else {
            throw APIError.invalid(name, "expected a string or an array of strings")
        }
        return texts
    }
}
