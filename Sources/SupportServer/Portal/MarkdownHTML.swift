import Foundation
import Ink
import SupportSearch

/// Help-article Markdown as HTML, by Ink (headings, lists — numbered too —, links, emphasis, code, tables), made safe
/// for text that people type: raw HTML is shown as text, links keep only http(s), mailto and same-site targets, and
/// images from another host become plain links (a page never makes the browser fetch from elsewhere).
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        // A parser per call: Ink's modifiers are not Sendable, and building one costs next to nothing.
        makeParser().html(from: normalizedLineEndings(markdown))
    }

    /// Stored text may predate the portal's line-ending normalisation; Ink (like all Swift string code) needs `\n`.
    static func normalizedLineEndings(_ text: String) -> String {
        text.contains("\r") ? text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") : text
    }

    private static func makeParser() -> MarkdownParser {
        MarkdownParser(modifiers: [
            Modifier(target: .html) { input in HTMLEscape.escape(String(input.markdown)) },
            Modifier(target: .links) { input in safeLink(input.html) },
            Modifier(target: .images) { input in safeImage(input.html) },
        ])
    }

    /// `<a href="URL">title</a>` from Ink: the URL is checked and attribute-escaped; the title is already escaped.
    static func safeLink(_ html: String) -> String {
        guard html.hasPrefix("<a href=\""), html.hasSuffix("</a>"), let close = html.range(of: "\">") else {
            return HTMLEscape.escape(html)
        }
        let url = String(html[html.index(html.startIndex, offsetBy: 9)..<close.lowerBound])
        let title = String(html[close.upperBound..<html.index(html.endIndex, offsetBy: -4)])
        guard let target = allowedTarget(url) else { return title }
        let external = target.hasPrefix("http")
        return "<a href=\"\(attribute(target))\"\(external ? " rel=\"nofollow noopener\"" : "")>\(title)</a>"
    }

    /// `<img src="URL" alt="ALT"/>` from Ink: same-site images stay, anything else is a link to it.
    static func safeImage(_ html: String) -> String {
        func value(_ name: String) -> String? {
            guard let start = html.range(of: "\(name)=\"") else { return nil }
            let rest = html[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { return nil }
            return String(rest[..<end])
        }
        guard let source = value("src") else { return "" }
        let alt = HTMLEscape.escape(value("alt") ?? "image")
        if source.hasPrefix("/"), !source.hasPrefix("//") {
            return "<img src=\"\(attribute(source))\" alt=\"\(alt)\">"
        }
        guard let target = allowedTarget(source) else { return alt }
        return "<a href=\"\(attribute(target))\" rel=\"nofollow noopener\">\(alt)</a>"
    }

    /// http(s), mailto, a same-site path or a fragment; nil for anything else (`javascript:`, `data:`, `//host`).
    static func allowedTarget(_ raw: String) -> String? {
        let url = raw.trimmingCharacters(in: .whitespaces)
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return url }
        if (url.hasPrefix("/") && !url.hasPrefix("//")) || url.hasPrefix("#") { return url }
        return nil
    }

    private static func attribute(_ text: String) -> String {
        HTMLEscape.escape(text)
    }
}
