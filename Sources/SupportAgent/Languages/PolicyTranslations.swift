public import Foundation
public import SupportDomain

/// The policy documents in the other languages (`Resources/policies-i18n/LANG/FILE.md`, same sections in the same
/// order as the English file). Retrieval runs on the English text; a citation is then shown in the customer's
/// language: same document, same section, translated title and sentences, placeholders filled from configuration.
public struct PolicyTranslations: Sendable {
    /// language → file → sections in file order.
    let sections: [String: [String: [PolicySection]]]
    /// file → English headings in file order.
    let englishHeadings: [String: [String]]

    public init(english: PolicyLibrary, directory: URL?) {
        var headings: [String: [String]] = [:]
        for section in english.sections { headings[section.source, default: []].append(section.heading) }
        englishHeadings = headings
        var loaded: [String: [String: [PolicySection]]] = [:]
        let manager = FileManager.default
        if let directory, let languages = try? manager.contentsOfDirectory(atPath: directory.path) {
            for language in languages {
                let folder = directory.appendingPathComponent(language)
                guard let files = try? manager.contentsOfDirectory(atPath: folder.path) else { continue }
                for file in files where file.hasSuffix(".md") {
                    guard let raw = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8),
                          let filled = try? PolicyLibrary.fill(raw, values: english.values, file: file) else { continue }
                    loaded[language, default: [:]][file] = PolicyLibrary.parse(markdown: filled, source: file)
                }
            }
        }
        sections = loaded
    }

    public static func bundled(english: PolicyLibrary) -> PolicyTranslations {
        PolicyTranslations(english: english, directory: Bundle.module.url(forResource: "policies-i18n", withExtension: nil))
    }

    public var languages: [String] { sections.keys.sorted() }

    /// The citation in `language`, or unchanged when there is no translation of its section.
    public func translate(_ citation: Citation, to language: String) -> Citation {
        guard language != "en", let index = englishHeadings[citation.source]?.firstIndex(of: citation.section),
              let translated = sections[language]?[citation.source], index < translated.count,
              translated.count == englishHeadings[citation.source]?.count else { return citation }
        let section = translated[index]
        return Citation(source: citation.source, section: section.heading, excerpt: section.excerpt)
    }
}
