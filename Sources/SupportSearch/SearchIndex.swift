import Foundation

/// A document the retrieval service can return: a policy section or a help article.
public struct SearchDocument: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case policy, article }

    /// Stable id: `policy:refunds.md#refund-window` or `kb:reset-your-password`.
    public var id: String
    public var kind: Kind
    public var title: String
    /// For policies: the document title; for articles: the summary.
    public var summary: String
    public var body: String
    public var category: String
    public var tags: [String]
    public var articleID: Int64?
    /// For policies: the file name (`refunds.md`).
    public var source: String

    public init(id: String, kind: Kind, title: String, summary: String, body: String, category: String, tags: [String],
                articleID: Int64? = nil, source: String) {
        self.id = id
        self.kind = kind
        self.title = title
        self.summary = summary
        self.body = body
        self.category = category
        self.tags = tags
        self.articleID = articleID
        self.source = source
    }
}

/// A ranked full-text index (BM25 over weighted fields: title ×3, tags ×2, summary ×1.5, body ×1), with light
/// stemming, tolerance for one typo per word (through a symmetric-delete dictionary) and a small synonym table
/// for paraphrases. Built in memory from the database, so SQLite and PostgreSQL rank identically.
public struct SearchIndex: Sendable {
    public struct Hit: Sendable {
        public var document: SearchDocument
        public var score: Double
        /// The share of the query's terms that the document contains (0...1): how confident the match is.
        public var coverage: Double
        /// The query's terms as indexed, with typo corrections and synonyms (for highlighting).
        public var matchedTerms: Set<String>
        /// The query's own terms (for choosing the passage that answers).
        public var queryTerms: Set<String>
        /// How many of the query's terms no document mentions at all (even after typo correction and synonyms): a
        /// question about a "sofa" in a store whose texts never mention one has no answer here, however well the
        /// rest of its words match.
        public var unknownTerms = 0
        /// How many terms the query has (after stop words).
        public var termCount = 0

        public init(document: SearchDocument, score: Double, coverage: Double, matchedTerms: Set<String> = [],
                    queryTerms: Set<String> = []) {
            self.document = document
            self.score = score
            self.coverage = coverage
            self.matchedTerms = matchedTerms
            self.queryTerms = queryTerms
        }

        /// The best sentence of the body, HTML-escaped, with matching words in `<mark>`.
        public var snippet: String { SearchIndex.snippet(document, stems: matchedTerms) }
        /// Up to two plain sentences that answer the query.
        public var passage: String { SearchIndex.bestPassage(document, stems: queryTerms, related: matchedTerms) }
    }

    public let documents: [SearchDocument]
    private var termIDs: [String: Int32] = [:]
    private var terms: [String] = []
    private var postings: [[(doc: Int32, tf: Float)]] = []
    private var lengths: [Float] = []
    private var averageLength: Float = 1
    private var deletes: [String: [Int32]] = [:]
    private var kinds: [SearchDocument.Kind] = []
    private var categories: [String] = []

    public static let k1: Float = 1.2
    public static let b: Float = 0.75
    public static let maxQueryTerms = 32
    public static let synonymWeight: Float = 0.2

    public init(documents: [SearchDocument]) {
        self.documents = documents
        lengths.reserveCapacity(documents.count)
        kinds = documents.map(\.kind)
        categories = documents.map(\.category)
        for (index, document) in documents.enumerated() {
            var weights: [String: Float] = [:]
            for (text, weight) in [(document.title, Float(3)), (document.tags.joined(separator: " "), 3), (document.summary, 1.5),
                                   (document.body, 1)] {
                for term in TextAnalysis.terms(text) { weights[term, default: 0] += weight }
            }
            lengths.append(weights.values.reduce(0, +))
            for (term, weight) in weights {
                let id = termID(term)
                postings[Int(id)].append((Int32(index), weight))
            }
        }
        averageLength = max(1, lengths.reduce(0, +) / Float(max(1, lengths.count)))
        for (id, term) in terms.enumerated() where term.count >= 4 {
            for variant in Self.deletions(term) { deletes[variant, default: []].append(Int32(id)) }
        }
    }

    private mutating func termID(_ term: String) -> Int32 {
        if let id = termIDs[term] { return id }
        let id = Int32(terms.count)
        termIDs[term] = id
        terms.append(term)
        postings.append([])
        return id
    }

    public static func deletions(_ term: String) -> Set<String> {
        let characters = Array(term)
        var result: Set<String> = [term]
        for index in characters.indices {
            var copy = characters
            copy.remove(at: index)
            result.insert(String(copy))
        }
        return result
    }

    /// The analysed terms of a query, at most `maxQueryTerms`.
    public static func queryTerms(_ query: String) -> [String] {
        Array(TextAnalysis.terms(query, limit: Self.maxQueryTerms * 4).prefix(Self.maxQueryTerms))
    }

    /// Index terms for the query's terms with their weights: exact terms 1, one-typo corrections 0.7, synonyms
    /// `synonymWeight`. `group` is the position of the query term each came from.
    func expand(_ queryTerms: [String]) -> [(term: Int32, weight: Float, group: Int)] {
        var expanded: [(Int32, Float, Int)] = []
        var seen: Set<Int32> = []
        for (group, term) in queryTerms.enumerated() {
            if let id = termIDs[term] {
                if seen.insert(id).inserted { expanded.append((id, 1, group)) }
            } else if term.count >= 4 {
                let candidates = Self.deletions(term).flatMap { deletes[$0] ?? [] }
                let chars = Array(term)
                for id in Set(candidates) where TextAnalysis.withinOneEdit(chars, Array(terms[Int(id)])) {
                    if seen.insert(id).inserted { expanded.append((id, 0.7, group)) }
                }
            }
            for synonym in Synonyms.table[term] ?? [] {
                for synonymTerm in TextAnalysis.terms(synonym) {
                    if let id = termIDs[synonymTerm], seen.insert(id).inserted { expanded.append((id, Self.synonymWeight, group)) }
                }
            }
        }
        return expanded
    }

    /// Ranked documents for `query`, optionally only of one kind or category.
    public func search(_ query: String, kind: SearchDocument.Kind? = nil, category: String? = nil, limit: Int = 10,
                       offset: Int = 0, boost: ((SearchDocument) -> Double)? = nil) -> (hits: [Hit], total: Int) {
        let queryTerms = Self.queryTerms(query)
        let expanded = expand(queryTerms)
        let groups = queryTerms.count
        guard !expanded.isEmpty, groups > 0 else { return ([], 0) }
        var scores = [Float](repeating: 0, count: documents.count)
        var matchedGroups = [UInt64](repeating: 0, count: documents.count)
        var touched: [Int32] = []
        var knownGroups: UInt64 = 0
        let n = Float(documents.count)
        for (term, weight, group) in expanded {
            let list = postings[Int(term)]
            if !list.isEmpty { knownGroups |= 1 << UInt64(min(group, 63)) }
            let df = Float(list.count)
            let idf = log(1 + (n - df + 0.5) / (df + 0.5))
            for (doc, tf) in list {
                let d = Int(doc)
                if scores[d] == 0 { touched.append(doc) }
                let norm = tf + Self.k1 * (1 - Self.b + Self.b * lengths[d] / averageLength)
                scores[d] += weight * idf * tf * (Self.k1 + 1) / norm
                matchedGroups[d] |= 1 << UInt64(min(group, 63))
            }
        }
        // Filter, then keep only the best `offset + limit` in a small heap: no full sort of every match.
        let wanted = offset + limit
        var total = 0
        var heap = TopK(capacity: wanted)
        for doc in touched {
            let d = Int(doc)
            if let kind, kinds[d] != kind { continue }
            if let category, categories[d] != category { continue }
            total += 1
            let score = Double(scores[d]) * (boost.map { $0(documents[d]) } ?? 1)
            heap.insert(score: score, doc: d)
        }
        let ordered = heap.sorted()
        guard offset < ordered.count else { return ([], total) }
        let page = ordered[offset...].map { entry in
            (entry.doc, entry.score, Double(matchedGroups[entry.doc].nonzeroBitCount) / Double(groups))
        }
        let queryStems = Set(expanded.map { terms[Int($0.term)] })
        let direct = Set(expanded.filter { $0.weight == 1 }.map { terms[Int($0.term)] })
        let unknown = max(0, groups - knownGroups.nonzeroBitCount)
        return (page.map {
            var hit = Hit(document: documents[$0.0], score: $0.1, coverage: $0.2, matchedTerms: queryStems, queryTerms: direct)
            hit.unknownTerms = unknown
            hit.termCount = groups
            return hit
        }, total)
    }

    /// The body's sentences, in order.
    static func sentences(_ body: String) -> [String] {
        body.split(whereSeparator: { $0 == "\n" }).flatMap { line -> [String] in
            var parts: [String] = []
            var current = ""
            for character in line {
                current.append(character)
                if ".!?".contains(character) {
                    parts.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                }
            }
            if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current.trimmingCharacters(in: .whitespaces)) }
            return parts
        }
    }

    /// The plain-text passage (up to two sentences) of the body that matches the query best: an answer to quote.
    public static func bestPassage(_ document: SearchDocument, stems: Set<String>, related: Set<String> = [],
                                   maxLength: Int = 320) -> String {
        let all = sentences(document.body)
        guard !all.isEmpty else { return document.summary }
        // Distinct query terms per sentence; a sentence repeating one word does not beat one that answers.
        let scores = all.map { sentence -> Double in
            let terms = Set(TextAnalysis.terms(sentence))
            return Double(terms.intersection(stems).count) + 0.1 * Double(terms.intersection(related).count)
        }
        let best = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) } ?? 0
        var passage = all[best]
        if best + 1 < all.count, passage.count + all[best + 1].count < maxLength { passage += " " + all[best + 1] }
        return passage.count > maxLength ? String(passage.prefix(maxLength)) + "…" : passage
    }

    /// The body sentence with the most matching words, escaped, with matches marked.
    public static func snippet(_ document: SearchDocument, stems: Set<String>, maxLength: Int = 220) -> String {
        let candidates = sentences(document.body)
        let best = candidates.max { a, b in
            Set(TextAnalysis.terms(a)).intersection(stems).count < Set(TextAnalysis.terms(b)).intersection(stems).count
        } ?? document.summary
        var text = best.count > maxLength ? String(best.prefix(maxLength)) + "…" : best
        if text.isEmpty { text = document.summary }
        var output = ""
        var word = ""
        func flushWord() {
            guard !word.isEmpty else { return }
            let escaped = HTMLEscape.escape(word)
            let normalized = word.lowercased().filter { $0.isLetter || $0.isNumber }
            output += !normalized.isEmpty && stems.contains(TextAnalysis.stem(normalized)) ? "<mark>\(escaped)</mark>" : escaped
            word = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "'" { word.append(character) } else {
                flushWord()
                output += HTMLEscape.escape(String(character))
            }
        }
        flushWord()
        return output
    }
}

/// The `capacity` best (score, document) pairs; ties go to the lower document index, so results are stable.
struct TopK {
    struct Entry { var score: Double; var doc: Int }
    let capacity: Int
    private var entries: [Entry] = []

    init(capacity: Int) { self.capacity = max(0, capacity) }

    private static func worse(_ a: Entry, _ b: Entry) -> Bool { a.score < b.score || (a.score == b.score && a.doc > b.doc) }

    mutating func insert(score: Double, doc: Int) {
        guard capacity > 0 else { return }
        let entry = Entry(score: score, doc: doc)
        if entries.count < capacity {
            entries.append(entry)
            siftUp(entries.count - 1)
        } else if Self.worse(entries[0], entry) {
            entries[0] = entry
            siftDown(0)
        }
    }

    func sorted() -> [Entry] { entries.sorted { Self.worse($1, $0) } }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(entries[child], entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var worst = parent
            if left < entries.count, Self.worse(entries[left], entries[worst]) { worst = left }
            if right < entries.count, Self.worse(entries[right], entries[worst]) { worst = right }
            guard worst != parent else { return }
            entries.swapAt(parent, worst)
            parent = worst
        }
    }
}

public enum HTMLEscape {
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}

/// Everyday words customers use for the store's terms (paraphrases that share few words with an article).
public enum Synonyms {
    public static let table: [String: [String]] = {
        let groups: [[String]] = [
            ["refund", "money back", "reimburse", "reimbursement", "compensation", "repay", "rebate", "pay back"],
            ["parcel", "package", "shipment", "delivery", "shipping", "stuff"],
            ["ship", "send", "sent", "deliver", "dispatch", "dispatched", "shipped"],
            ["password", "login", "sign in", "log in", "credentials", "locked out"],
            ["create", "make", "open", "register", "sign up", "signup", "new account"],
            ["guest", "without account", "no account", "without signing"],
            ["broken", "damaged", "cracked", "smashed", "defective", "faulty", "chipped"],
            ["cancel", "cancellation", "call off", "stop"],
            ["replace", "replacement", "exchange", "swap", "new one"],
            ["invoice", "receipt", "bill", "vat"],
            ["late", "delayed", "slow", "overdue"],
            ["quick", "quicker", "faster", "fast", "express", "urgent", "sooner", "expedite"],
            ["track", "tracking", "where", "status"],
            ["card", "payment", "pay", "charge", "charged"],
            ["address", "street", "postcode", "zip", "house"],
            ["delete", "remove", "erase", "close"],
            ["add", "edit", "change", "modify", "amend", "update"],
            ["data", "personal", "information", "privacy", "gdpr", "records", "logs", "stored", "keep"],
            ["clearance", "final sale", "sale"],
            ["country", "countries", "abroad", "international", "overseas", "canada", "uk", "europe", "ireland", "france",
             "germany", "spain", "italy"],
            ["clean", "wash", "care", "descale", "maintain"],
            ["warranty", "guarantee", "repair"],
            ["human", "person", "agent", "someone", "somebody", "representative"],
            ["email", "mail", "newsletter", "unsubscribe"],
            ["missing", "incomplete", "short"],
            ["scam", "phishing", "pretending", "fake", "fraud", "suspicious"],
            ["save", "multiple", "several", "saved", "book"],
        ]
        var table: [String: [String]] = [:]
        for group in groups {
            for word in group {
                let key = TextAnalysis.terms(word).joined(separator: " ")
                guard !key.isEmpty, !key.contains(" ") else { continue }
                table[key, default: []] += group.filter { $0 != word }
            }
        }
        return table
    }()
}
