public import Foundation

/// A help article: written in Markdown, stored in the database, searched by the retrieval service.
public struct KnowledgeArticle: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var title: String
    public var summary: String
    public var body: String
    public var category: String
    public var tags: [String]
    public var views: Int
    public var helpful: Int
    public var notHelpful: Int
    public var updatedAt: Date

    public init(id: Int64, slug: String, title: String, summary: String, body: String, category: String, tags: [String],
                views: Int = 0, helpful: Int = 0, notHelpful: Int = 0, updatedAt: Date = Date(timeIntervalSince1970: 0)) {
        self.id = id
        self.slug = slug
        self.title = title
        self.summary = summary
        self.body = body
        self.category = category
        self.tags = tags
        self.views = views
        self.helpful = helpful
        self.notHelpful = notHelpful
        self.updatedAt = updatedAt
    }

    /// The categories of the knowledge base, in display order.
    public static let categories: [(slug: String, name: String)] = [
        ("account", "Account and password"), ("payments", "Payments and invoices"), ("shipping", "Shipping"),
        ("returns", "Returns"), ("orders", "Orders"), ("product-care", "Product care"), ("privacy", "Privacy"),
    ]
}

/// Articles in the database. The search index reads them all and rebuilds when `fingerprint` changes.
public protocol ArticleStore: Sendable {
    func fetchAllArticles() async throws -> [KnowledgeArticle]
    func fetchArticle(id: Int64) async throws -> KnowledgeArticle?
    /// Changes whenever an article is added, edited or removed (cheap to ask).
    func fingerprint() async throws -> String
    /// Counts a view; false when there is no such article.
    func recordView(id: Int64) async throws -> Bool
    /// Counts a "did this help?" answer; false when there is no such article.
    func recordFeedback(id: Int64, helpful: Bool) async throws -> Bool
    /// Saves an article: by `id` when it is not 0 (its slug may change), otherwise by slug (counters are kept).
    /// Throws `ArticleError.slugTaken` when another article has the slug.
    @discardableResult
    func saveArticle(_ article: KnowledgeArticle, now: Date) async throws -> Int64
    /// Counts a help-center search that found nothing (a content gap), by its text, lower-cased and with personal data
    /// already masked by the caller.
    func recordSearchMiss(_ query: String, at now: Date) async throws
    /// A customer writing a ticket opened an article the page suggested (see `DeflectionFacts`).
    func recordSuggestionOpened(articleID: Int64, user: UserID, at now: Date) async throws
    /// A customer opened a ticket: the suggestions they opened in the `DeflectionFacts.window` before did not deflect it.
    func recordTicketOpened(user: UserID, at now: Date) async throws
    /// Passage vectors embedded earlier (by any instance), by key; keys not stored are left out.
    func storedVectors(keys: [String]) async throws -> [String: [Float]]
    /// Keeps passage vectors for the next start (a key already stored is left as it is).
    func storeVectors(_ vectors: [String: [Float]], at now: Date) async throws
}

/// Why an article could not be saved.
public enum ArticleError: Error, Sendable, Equatable {
    case slugTaken
}
