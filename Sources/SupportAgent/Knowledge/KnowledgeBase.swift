import Foundation
import Synchronization
public import SupportSearch
public import SupportDomain

/// The one retrieval service over policy sections and help articles, used by the agent (citations, answers to
/// questions), the API (search, deflection) and the portal. The article index is rebuilt when the database's
/// articles change, so several instances stay consistent.
public actor KnowledgeBase {
    private let policyDocuments: [SearchDocument]
    /// The configured numbers articles write as `{{placeholders}}` (the policies' values).
    public nonisolated let placeholders: [String: String]
    private let store: (any ArticleStore)?
    private let embedder: (any TextEmbedder)?
    private var retriever: HybridRetriever
    private var vectorCache: [String: [Float]] = [:]
    private var fingerprint: String?
    private var lastCheck: ContinuousClock.Instant?
    private nonisolated let recheckInterval: Duration
    /// The retriever and when it was last confirmed current, readable without entering the actor: a search takes it
    /// from here and runs on the caller's thread (before, every search of every request ran inside the actor, one at a
    /// time, two executor hops away). Nil until the first check, and after `invalidate()`.
    private nonisolated let confirmed = Mutex<(retriever: HybridRetriever, at: ContinuousClock.Instant)?>(nil)

    /// With an `embedder`, searches fuse BM25 with sentence embeddings (see `HybridRetriever`).
    public init(policies: PolicyLibrary, store: (any ArticleStore)?, embedder: (any TextEmbedder)? = nil,
                recheckInterval: Duration = .seconds(2)) {
        policyDocuments = policies.sections.map(Self.document)
        placeholders = policies.values
        self.store = store
        self.embedder = embedder
        self.recheckInterval = recheckInterval
        // With a store the first `currentRetriever()` builds the whole index, with the vectors the store kept from an
        // earlier start; embedding the policies here as well would cost a start several seconds.
        retriever = HybridRetriever.build(index: SearchIndex(documents: policyDocuments), embedder: store == nil ? embedder : nil,
                                          cache: &vectorCache)
    }

    /// The article as readers see it: configured numbers filled in (the stored text keeps the placeholders, so a
    /// configuration change shows everywhere at once).
    public nonisolated func filled(_ article: KnowledgeArticle) -> KnowledgeArticle {
        Self.fill(article, values: placeholders)
    }

    /// Title, summary and body with the `values` placeholders filled in (others stay as written).
    public static func fill(_ article: KnowledgeArticle, values: [String: String]) -> KnowledgeArticle {
        var article = article
        article.title = PolicyLibrary.fillKnown(article.title, values: values)
        article.summary = PolicyLibrary.fillKnown(article.summary, values: values)
        article.body = PolicyLibrary.fillKnown(article.body, values: values)
        return article
    }

    /// Whether searches use embeddings as well as words.
    public nonisolated var isHybrid: Bool { embedder != nil }

    /// A policy section as a search document; its id is `policy:FILE#heading-slug`.
    public static func document(_ section: PolicySection) -> SearchDocument {
        SearchDocument(id: "policy:\(section.source)#\(slug(section.heading))", kind: .policy, title: section.heading,
                       summary: section.title, body: section.body, category: "policy", tags: [], source: section.source)
    }

    public static func document(_ article: KnowledgeArticle) -> SearchDocument {
        SearchDocument(id: "kb:\(article.slug)", kind: .article, title: article.title, summary: article.summary,
                       body: ArticleMarkdown.plainText(article.body), category: article.category, tags: article.tags,
                       articleID: article.id, source: "kb/\(article.slug)")
    }

    public static func slug(_ heading: String) -> String {
        var output = ""
        var dash = false
        for character in heading.lowercased() {
            if character.isLetter || character.isNumber {
                output.append(character)
                dash = false
            } else if !dash, !output.isEmpty {
                output.append("-")
                dash = true
            }
        }
        while output.hasSuffix("-") { output.removeLast() }
        return output
    }

    /// The index, rebuilt when the articles changed since the last look (checked at most every `recheckInterval`).
    public nonisolated func currentIndex() async throws -> SearchIndex {
        try await retrieverNow().index
    }

    /// The retriever confirmed current within `recheckInterval`, without entering the actor; otherwise the actor checks.
    private nonisolated func retrieverNow() async throws -> HybridRetriever {
        if let confirmed = confirmed.withLock({ $0 }), ContinuousClock.now - confirmed.at < recheckInterval {
            return confirmed.retriever
        }
        return try await currentRetriever()
    }

    /// The retriever, rebuilt (and changed passages re-embedded) when the articles changed.
    public func currentRetriever() async throws -> HybridRetriever {
        let now = ContinuousClock.now
        guard let store else {
            let fixed = retriever
            confirmed.withLock { $0 = (fixed, now) }
            return retriever
        }
        if let lastCheck, now - lastCheck < recheckInterval, fingerprint != nil { return retriever }
        lastCheck = now
        let current = try await store.fingerprint()
        if current != fingerprint {
            let articles = try await store.fetchAllArticles()
            let index = SearchIndex(documents: policyDocuments + articles.map { Self.document(filled($0)) })
            if let embedder {
                // Vectors another start (or instance) already embedded come from the store; new ones go back to it.
                // Passages not in memory, by their key in the store (each hashed once).
                var missing: [String: String] = [:]
                for document in index.documents {
                    let key = HybridRetriever.cacheKey(document)
                    if vectorCache[key] == nil { missing[Self.storedKey(key, embedder)] = key }
                }
                let stored = missing.isEmpty ? [:] : ((try? await store.storedVectors(keys: Array(missing.keys))) ?? [:])
                for (storedKey, vector) in stored { if let key = missing[storedKey] { vectorCache[key] = vector } }
                retriever = HybridRetriever.build(index: index, embedder: embedder, cache: &vectorCache)
                let fresh = missing.filter { stored[$0.key] == nil }.compactMapValues { vectorCache[$0] }
                if !fresh.isEmpty { try? await store.storeVectors(fresh, at: Date()) }
            } else {
                retriever = HybridRetriever.build(index: index, embedder: nil, cache: &vectorCache)
            }
            fingerprint = current
        }
        let confirmedRetriever = retriever
        confirmed.withLock { $0 = (confirmedRetriever, now) }
        return retriever
    }

    /// A passage's key in the store: the model's identity and the passage (id and embedded text), hashed (FNV-1a, 64 bits
    /// twice with two seeds), so keys have one short length whatever the passage.
    static func storedKey(_ cacheKey: String, _ embedder: any TextEmbedder) -> String {
        func fnv(_ seed: UInt64) -> String {
            var hash = seed
            for byte in (embedder.identity + "\u{1}" + cacheKey).utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        return fnv(0xcbf2_9ce4_8422_2325) + fnv(0x84222325cbf29ce4)
    }

    /// Forces the next search to re-read the articles (after an edit in this instance).
    public func invalidate() {
        fingerprint = nil
        lastCheck = nil
        confirmed.withLock { $0 = nil }
    }

    /// Ranked help articles for the search page and API.
    public nonisolated func searchArticles(_ query: String, category: String?, limit: Int, offset: Int) async throws
        -> (hits: [SearchIndex.Hit], total: Int) {
        try await retrieverNow().search(query, kind: .article, category: category, limit: limit, offset: offset)
    }

    /// Cosine a passage found only by meaning must reach to be suggested while a ticket is written.
    public static let suggestionFloor: Float = 0.45

    /// The articles most relevant to a ticket being written (deflection): clear word matches, or (with embeddings)
    /// close in meaning.
    public nonisolated func suggest(_ text: String, limit: Int = 3) async throws -> [SearchIndex.Hit] {
        let retriever = try await retrieverNow()
        return retriever.search(text, kind: .article, limit: limit, denseFloor: Self.suggestionFloor).hits
            .filter { $0.coverage >= 0.25 || ($0.coverage == 0 && retriever.isHybrid) }
    }

    /// Policy sections for a reply, the intent's governing document first when relevant.
    public nonisolated func policyPassages(_ query: String, governing: String?, limit: Int = 2) async throws -> [SearchIndex.Hit] {
        try await currentIndex().search(query, kind: .policy, limit: limit) { document in
            document.source == governing ? 2.0 : 1.0
        }.hits
    }

    /// An answer to a general question, only when the best passage covers most of the question.
    public nonisolated func answer(_ question: String) async throws -> SearchIndex.Hit? {
        guard let best = try await currentIndex().search(question, limit: 1).hits.first else { return nil }
        // A short question is about its words: one the texts never mention (a "sofa") means the question is not
        // covered; a long one carries incidental words, so up to a third of them may be unknown.
        let unknownAllowed = best.unknownTerms * 3 < best.termCount
        return best.coverage >= 0.6 && best.score >= 3 && (best.unknownTerms == 0 || unknownAllowed) ? best : nil
    }
}
