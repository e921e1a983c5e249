import Foundation
import NIOCore
import Testing
import Vapor
@testable import SupportServer
@testable import SupportAgent
import VaporTestUtils
import VaporTesting
import Fluent

/// Articles typed in a browser (CRLF line endings) render as written; article HTML can never carry markup of its own.
@Suite struct MarkdownAndFormTests {
    static let article = "Intro line.\r\n\r\n- first item\r\n- second item\r\n\r\n### A heading\r\n\r\n1. one\r\n2. two\r\n"

    @Test func crlfTextKeepsListsHeadingsAndNumberedLists() {
        let html = MarkdownHTML.render(Self.article)
        #expect(html.contains("<ul><li>first item</li><li>second item</li></ul>"))
        #expect(html.contains("<h3>A heading</h3>"))
        #expect(html.contains("<ol><li>one</li><li>two</li></ol>"))
        #expect(!html.contains("- first") && !html.contains("###"))
    }

    @Test func plainTextForSearchDropsMarkersAfterCRLF() {
        let text = ArticleMarkdown.plainText(Self.article + "See [the policy](/kb/articles/3) for more.\r\n")
        #expect(text.split(separator: "\n").count == 7)
        #expect(!text.contains("###") && !text.contains("- ") && !text.contains("1. ") && !text.contains("]("))
        #expect(text.contains("See the policy for more."))
    }

    @Test func rawHTMLIsShownAsText() {
        let html = MarkdownHTML.render("Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;"))
    }

    @Test func linksKeepOnlySafeTargets() {
        #expect(MarkdownHTML.render("[help](/kb)").contains("<a href=\"/kb\">help</a>"))
        #expect(MarkdownHTML.render("[site](https://example.com/a?b=1&c=2)")
            .contains("<a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener\">site</a>"))
        let script = MarkdownHTML.render("[click](javascript:alert(1))")
        #expect(!script.contains("href") && script.contains("click"))
        let quoted = MarkdownHTML.render("[x](https://a.example/\" onmouseover=\"alert(1))")
        #expect(!quoted.contains("\" onmouseover"))
        let image = MarkdownHTML.render("![a chart](https://tracker.example/pixel.png)")
        #expect(!image.contains("<img"), "an image from another host would make every reader's browser fetch it")
        #expect(MarkdownHTML.render("![logo](/favicon.svg)").contains("<img src=\"/favicon.svg\" alt=\"logo\">"))
    }

    @Test func formDecoderTurnsCRLFIntoLF() throws {
        struct Form: Decodable { var body: String; var title: String }
        let encoded = "title=A%20b&body=line%20one%0D%0Aline%20two%0d%0a%0D%0Athird%0Dfourth"
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        let form = try LineEndingNormalizingFormDecoder().decode(Form.self, from: ByteBuffer(string: encoded), headers: headers)
        #expect(form.body == "line one\nline two\n\nthird\nfourth")
        #expect(form.title == "A b")
        #expect(LineEndingNormalizingFormDecoder.normalize(encodedForm: "a=%0A") == "a=%0A")
    }

    @Test func oneVersionFromTheSpec() async throws {
        #expect(SupportOpsVersion.current != "unknown")
        #expect(SupportOpsVersion.version(inSpec: "openapi: 3.1.0\ninfo:\n  title: x\n  version: \"2.3.4\"\npaths: {}\n") == "2.3.4")
        try await TestHarness.with { h in
            let tester = try h.app.testing()
            let spec = try h.json(try await tester.sendRequest(.GET, "openapi.json"))
            let health = try h.json(try await tester.sendRequest(.GET, "health"))
            #expect((spec["info"] as? [String: Any])?["version"] as? String == SupportOpsVersion.current)
            #expect(health["version"] as? String == SupportOpsVersion.current)
            let icon = try await tester.sendRequest(.GET, "favicon.ico")
            #expect(icon.status == .ok)
            #expect(icon.headers.contentType?.description.contains("icon") == true)
        }
    }
}
