import Foundation
import SupportSearch

/// The small Markdown subset help articles use — paragraphs, `- ` lists, `###` headings, `**bold**` — as HTML.
/// Everything is escaped first, so article text can never inject markup.
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        var html: [String] = []
        var paragraph: [String] = []
        var list: [String] = []
        func flushParagraph() {
            if !paragraph.isEmpty { html.append("<p>\(inline(paragraph.joined(separator: " ")))</p>") }
            paragraph = []
        }
        func flushList() {
            if !list.isEmpty { html.append("<ul>" + list.map { "<li>\(inline($0))</li>" }.joined() + "</ul>") }
            list = []
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flushParagraph()
                flushList()
            } else if line.hasPrefix("#") {
                flushParagraph()
                flushList()
                let text = line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
                html.append("<h2>\(inline(text))</h2>")
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flushParagraph()
                list.append(String(line.dropFirst(2)))
            } else {
                flushList()
                paragraph.append(line)
            }
        }
        flushParagraph()
        flushList()
        return html.joined(separator: "\n")
    }

    /// Escapes, then turns `**x**` into `<strong>x</strong>`.
    static func inline(_ text: String) -> String {
        let parts = HTMLEscape.escape(text).components(separatedBy: "**")
        guard parts.count >= 3 else { return parts.joined(separator: "**") }
        var output = ""
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 && index % 2 == 1 { output += "**" + part; continue }
            output += index % 2 == 1 ? "<strong>\(part)</strong>" : part
        }
        return output
    }
}
