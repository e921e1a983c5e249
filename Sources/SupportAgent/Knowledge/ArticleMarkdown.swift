import Foundation
public import SupportDomain

/// Reads an article file: a `---` front-matter block (title, summary, category, tags) and a Markdown body.
public enum ArticleMarkdown {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    public static func parse(_ text: String, slug: String) throws -> KnowledgeArticle {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            throw ParseError(file: slug, problem: "missing the --- front matter block")
        }
        var fields: [String: String] = [:]
        for line in lines[1..<end] {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        for required in ["title", "summary", "category"] where (fields[required] ?? "").isEmpty {
            throw ParseError(file: slug, problem: "front matter has no \(required)")
        }
        let category = fields["category"]!
        guard KnowledgeArticle.categories.contains(where: { $0.slug == category }) else {
            throw ParseError(file: slug, problem: "unknown category \(category)")
        }
        let body = lines[(end + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw ParseError(file: slug, problem: "the body is empty") }
        let tags = (fields["tags"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return KnowledgeArticle(id: 0, slug: slug, title: fields["title"]!, summary: fields["summary"]!, body: body,
                                category: category, tags: tags)
    }

    /// The articles shipped with SupportOps (ids unset: the database assigns them).
    public static func bundled() throws -> [KnowledgeArticle] {
        guard let directory = Bundle.module.url(forResource: "kb", withExtension: nil) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".md") }.sorted()
        return try names.map { name in
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            return try parse(text, slug: String(name.dropLast(3)))
        }
    }

    /// Markdown body to plain text for indexing and snippets (markers removed).
    /// Line endings are normalised first: text typed in a browser arrives with CRLF, which Swift counts as one
    /// character, so splitting on "\n" alone would leave the whole body as one line.
    public static func plainText(_ markdown: String) -> String {
        let text = markdown.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return text.split(separator: "\n").map { line -> String in
            var text = line.trimmingCharacters(in: .whitespaces)
            var heading = false
            while text.hasPrefix("#") { text.removeFirst(); heading = true }
            // A heading ends its own sentence, so a passage never runs a heading into the sentence before it.
            if heading, let last = text.last, !".:!?".contains(last) { text += ":" }
            if text.hasPrefix("- ") || text.hasPrefix("* ") || text.hasPrefix("+ ") { text.removeFirst(2) }
            if let marker = text.range(of: #"^[0-9]{1,3}[.)] "#, options: .regularExpression) { text.removeSubrange(marker) }
            // [title](url) and ![alt](url) read as their words.
            text = text.replacingOccurrences(of: #"!?\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
            return text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")
                .trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
