import Foundation
import SupportDomain

/// Ranks policy sections for a query with BM25, nudged towards the document that governs the intent.
public struct PolicyRetriever: Sendable {
    public struct Hit: Sendable, Hashable {
        public var section: PolicySection
        public var score: Double
    }

    private let library: PolicyLibrary
    private let documents: [[String: Int]]
    private let lengths: [Double]
    private let averageLength: Double
    private let documentFrequency: [String: Int]

    public init(library: PolicyLibrary) {
        self.library = library
        documents = library.sections.map { section in
            var counts: [String: Int] = [:]
            // The heading and title say what a section is about: count them twice.
            let text = "\(section.title) \(section.heading) \(section.heading) \(section.body)"
            for term in Self.terms(text) { counts[term, default: 0] += 1 }
            return counts
        }
        lengths = documents.map { Double($0.values.reduce(0, +)) }
        averageLength = max(1, lengths.reduce(0, +) / Double(max(1, lengths.count)))
        var df: [String: Int] = [:]
        for document in documents { for term in document.keys { df[term, default: 0] += 1 } }
        documentFrequency = df
    }

    static let governingDocument: [Intent: String] = [
        .refund: "refunds.md", .cancel: "cancellations.md", .replacement: "replacements.md",
        .status: "shipping.md", .escalate: "escalation.md",
    ]

    /// The `limit` best sections for `query`; `intent` boosts its governing document.
    public func retrieve(_ query: String, intent: Intent? = nil, limit: Int = 3) -> [Hit] {
        let queryTerms = Set(Self.terms(query))
        let n = Double(documents.count)
        let boosted = intent.flatMap { Self.governingDocument[$0] }
        var hits: [Hit] = []
        for (index, document) in documents.enumerated() {
            var score = 0.0
            for term in queryTerms {
                guard let tf = document[term].map(Double.init) else { continue }
                let df = Double(documentFrequency[term] ?? 0)
                let idf = log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * lengths[index] / averageLength))
            }
            if library.sections[index].source == boosted { score = score * 1.5 + 2 }
            if score > 0 { hits.append(Hit(section: library.sections[index], score: score)) }
        }
        return Array(hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.section.heading < $1.section.heading) }
            .prefix(limit))
    }

    static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are",
        "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "i", "me", "my", "we", "our", "you",
        "your", "he", "she", "they", "them", "do", "does", "did", "have", "has", "had", "can", "could", "would", "will",
        "please", "hi", "hello", "thanks", "thank", "so", "as", "am", "not", "no", "what", "how", "when", "which", "who",
    ]

    /// Lower-cased words without stopwords, lightly stemmed so "refunds", "refunded" and "refund" meet.
    static func terms(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).compactMap { word in
            let token = String(word)
            guard token.count > 1, !stopwords.contains(token) else { return nil }
            return stem(token)
        }
    }

    static func stem(_ word: String) -> String {
        for suffix in ["ations", "ation", "ments", "ment", "ing", "ied", "ies", "ed", "es", "ly", "s"]
            where word.count > suffix.count + 3 && word.hasSuffix(suffix) {
            let base = String(word.dropLast(suffix.count))
            return suffix == "ied" || suffix == "ies" ? base + "y" : base
        }
        return word
    }
}
