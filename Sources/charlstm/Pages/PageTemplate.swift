import CharLSTM
import Foundation

/// A self-contained HTML page: a template from `Pages/` (readable source, which opens in a browser as it is) with
/// the page's data as JSON in its data element.
enum PageTemplate: String {
    case inspect = "inspect.html"
    case report = "report.html"

    /// Where the data goes, in every template.
    static let dataSlot = #"<script id="data" type="application/json">{}</script>"#

    /// `value` as JSON that is safe inside a script element: "<" written as \u003c, so no "</script>" or "<!--"
    /// in a text can end the element (the pages put text on screen with textContent, never as markup).
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// The page, with `data` in it.
    func html<T: Encodable>(_ data: T) throws -> String {
        let name = rawValue, checkoutPath = "Sources/charlstm/Pages/" + rawValue
        guard let path = ShippedFile.locate(name, checkoutPath: checkoutPath) else {
            throw CharLSTMError.fileAccess(path: name, reason: "the page template was not found (looked in \(ShippedFile.candidates(name, checkoutPath: checkoutPath).joined(separator: ", "))); install it beside the bundled model")
        }
        let template = try String(contentsOfFile: path, encoding: .utf8)
        guard template.contains(Self.dataSlot) else {
            throw CharLSTMError.fileAccess(path: path, reason: "the page template has no data element (\(Self.dataSlot))")
        }
        return template.replacingOccurrences(of: Self.dataSlot,
                                             with: Self.dataSlot.replacingOccurrences(of: "{}", with: try Self.json(data)))
    }
}
