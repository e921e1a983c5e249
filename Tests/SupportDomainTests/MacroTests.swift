import Foundation
import Testing
@testable import SupportDomain

@Suite("Tags and macro templates")
struct MacroTests {
    @Test("tags are normalized, de-duplicated and capped")
    func tags() {
        #expect(TagNames.normalize("  VIP Customer ") == "vip-customer")
        #expect(TagNames.normalize("Café!") == "caf")
        #expect(TagNames.normalize("!!!") == nil)
        #expect(TagNames.normalize(String(repeating: "a", count: 50))?.count == 32)
        #expect(TagNames.parse("vip, VIP, late delivery,, damaged") == ["vip", "late-delivery", "damaged"])
        #expect(TagNames.parse((1...20).map { "t\($0)" }.joined(separator: ",")).count == 10)
    }

    @Test("variables are found, unknown ones named, and missing values left as visible blanks")
    func templates() {
        let text = "Hi {{customer.first_name}}, order #{{ order.id }} is refunded within {{policy.return_window_days}} days. {{oops}}"
        #expect(MacroTemplate.variables(in: text) == ["customer.first_name", "order.id", "policy.return_window_days", "oops"])
        #expect(MacroTemplate.unknownVariables(in: text) == ["oops"])
        let filled = MacroTemplate.render("Hi {{customer.first_name}}, about order #{{order.id}}.",
                                          values: ["customer.first_name": "Alice"])
        #expect(filled == "Hi Alice, about order #[order.id].")
        #expect(MacroTemplate.render("no variables {{ unclosed", values: [:]) == "no variables {{ unclosed")
        let macro = Macro(name: "m", body: "Hello", translations: ["es": "Hola", "fr": ""], updatedAt: Date())
        #expect(macro.body(for: "es") == "Hola")
        #expect(macro.body(for: "fr") == "Hello") // an empty variant falls back
        #expect(macro.body(for: "de") == "Hello")
    }
}
