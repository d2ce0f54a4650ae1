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

    /// The template's text, compiled into the binary (Package.swift embeds `Pages/*.html`), so an installed
    /// `charlstm` needs no file beside it to write a page.
    var template: String {
        switch self {
        case .inspect: String(decoding: PackageResources.inspect_html, as: UTF8.self)
        case .report: String(decoding: PackageResources.report_html, as: UTF8.self)
        }
    }

    /// The page, with `data` in it.
    func html<T: Encodable>(_ data: T) throws -> String {
        let template = self.template
        // Checked by PageTests for every template; a template without the slot is a build mistake, not bad input.
        precondition(template.contains(Self.dataSlot), "\(rawValue) has no data element \(Self.dataSlot)")
        return template.replacingOccurrences(of: Self.dataSlot,
                                             with: Self.dataSlot.replacingOccurrences(of: "{}", with: try Self.json(data)))
    }
}
