@testable import charlstm
import Testing

/// The page templates are compiled into the binary; each must have the element the data goes into, since
/// ``PageTemplate/html(_:)`` treats a template without it as a build mistake.
@Suite struct PageTemplateTests {
    @Test(arguments: [PageTemplate.inspect, .report])
    func everyTemplateHasItsDataSlotAndIsAWholePage(_ page: PageTemplate) throws {
        let template = page.template
        #expect(template.components(separatedBy: PageTemplate.dataSlot).count == 2, "\(page.rawValue)")
        #expect(template.hasPrefix("<!DOCTYPE html>") && template.contains("</html>"), "\(page.rawValue)")
        let filled = try page.html(["answer": 42])
        #expect(filled.contains(#"<script id="data" type="application/json">{"answer":42}</script>"#))
    }
}
