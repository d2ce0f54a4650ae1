import CharLSTM
import Foundation

/// The self-contained HTML page of an inspection: the template `Pages/inspect.html` (readable source, which opens
/// in a browser as it is) with the report as JSON in its data element.
enum InspectPage {
    static let templateName = "inspect.html"
    /// Where the template sits in the data element, in the template.
    static let dataSlot = #"<script id="data" type="application/json">{}</script>"#

    /// The report as JSON that is safe inside a script element: "<" written as \u003c, so no "</script>" or "<!--"
    /// in the inspected text can end the element (the page puts every character on screen with textContent).
    static func json(_ report: InspectionReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    static func html(_ report: InspectionReport) throws -> String {
        guard let path = ShippedFile.locate(templateName, checkoutPath: "Sources/charlstm/Pages/" + templateName) else {
            throw CharLSTMError.fileAccess(path: templateName, reason: "the page template was not found (looked in \(ShippedFile.candidates(templateName, checkoutPath: "Sources/charlstm/Pages/" + templateName).joined(separator: ", "))); install it beside the bundled model")
        }
        let template = try String(contentsOfFile: path, encoding: .utf8)
        guard template.contains(dataSlot) else {
            throw CharLSTMError.fileAccess(path: path, reason: "the page template has no data element (\(dataSlot))")
        }
        return template.replacingOccurrences(of: dataSlot,
                                             with: dataSlot.replacingOccurrences(of: "{}", with: try json(report)))
    }
}
