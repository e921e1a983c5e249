public import FluentKit
import Foundation
import SQLKit
public import SupportDomain

public final class ArticleModel: Model, @unchecked Sendable {
    public static let schema = "kb_articles"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "slug") public var slug: String
    @Field(key: "title") public var title: String
    @Field(key: "summary") public var summary: String
    @Field(key: "body") public var body: String
    @Field(key: "category") public var category: String
    /// Comma-separated.
    @Field(key: "tags") public var tags: String
    @Field(key: "views") public var views: Int
    @Field(key: "helpful") public var helpful: Int
    @Field(key: "not_helpful") public var notHelpful: Int
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    var article: KnowledgeArticle {
        KnowledgeArticle(id: Int64(id ?? 0), slug: slug, title: title, summary: summary, body: body, category: category,
                         tags: tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                         views: views, helpful: helpful, notHelpful: notHelpful, updatedAt: updatedAt)
    }
}

struct CreateKnowledgeBase: AsyncMigration {
    var name: String { "SupportOps.CreateKnowledgeBase.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("kb_articles")
            .field("id", .int, .identifier(auto: true))
            .field("slug", .string, .required)
            .field("title", .string, .required)
            .field("summary", .string, .required)
            .field("body", .string, .required)
            .field("category", .string, .required)
            .field("tags", .string, .required)
            .field("views", .int, .required)
            .field("helpful", .int, .required)
            .field("not_helpful", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "slug")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("kb_articles").delete()
    }
}

/// Help articles in the database.
public struct FluentArticleStore: ArticleStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func recordSearchMiss(_ query: String, at now: Date) async throws {
        try await HotPath.sql(database).raw("""
            INSERT INTO search_misses (query, count, last_at) VALUES (\(bind: query), 1, \(bind: now))
            ON CONFLICT (query) DO UPDATE SET count = search_misses.count + 1, last_at = \(bind: now)
            """).run()
    }

    public func recordSuggestionOpened(articleID: Int64, user: UserID, at now: Date) async throws {
        try await HotPath.sql(database).raw("""
            INSERT INTO suggestion_opens (article_id, user_id, opened_at) VALUES (\(bind: articleID), \(bind: user.rawValue), \(bind: now))
            """).run()
    }

    public func recordTicketOpened(user: UserID, at now: Date) async throws {
        try await HotPath.sql(database).raw("""
            UPDATE suggestion_opens SET ticket_opened_at = \(bind: now)
            WHERE user_id = \(bind: user.rawValue) AND ticket_opened_at IS NULL
              AND opened_at >= \(bind: now.addingTimeInterval(-DeflectionFacts.window)) AND opened_at <= \(bind: now)
            """).run()
    }

    public func storedVectors(keys: [String]) async throws -> [String: [Float]] {
        guard !keys.isEmpty else { return [:] }
        var found: [String: [Float]] = [:]
        // In slices, so that no statement carries more binds than a database takes.
        for start in stride(from: 0, to: keys.count, by: 500) {
            let slice = Array(keys[start..<min(start + 500, keys.count)])
            let rows = try await HotPath.sql(database).select().columns("key", "vector").from("passage_vectors")
                .where("key", .in, slice).all()
            for row in rows {
                found[try row.decode(column: "key", as: String.self)] = Self.floats(try row.decode(column: "vector", as: Data.self))
            }
        }
        return found
    }

    public func storeVectors(_ vectors: [String: [Float]], at now: Date) async throws {
        let sql = try HotPath.sql(database)
        let sorted = vectors.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: sorted.count, by: 200) {
            let slice = sorted[start..<min(start + 200, sorted.count)]
            let insert = sql.insert(into: "passage_vectors").columns("key", "vector", "created_at")
            for (key, vector) in slice { insert.values(SQLBind(key), SQLBind(Self.bytes(vector)), SQLBind(now)) }
            try await insert.ignoringConflicts(with: "key").run()
        }
    }

    /// 32-bit floats, little-endian, as stored.
    static func bytes(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func floats(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - bytes.count % 4, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    public func fetchAllArticles() async throws -> [KnowledgeArticle] {
        try await ArticleModel.query(on: database).sort(\.$id).all().map(\.article)
    }

    public func fetchArticle(id: Int64) async throws -> KnowledgeArticle? {
        guard let id = Int(exactly: id) else { return nil }
        return try await ArticleModel.find(id, on: database)?.article
    }

    public func fingerprint() async throws -> String {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        let row = try await sql.raw("SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM kb_articles").first()
        let count = try row?.decode(column: "n", as: Int.self) ?? 0
        let latest = try? row?.decode(column: "latest", as: Date?.self)
        return "\(count)-\(latest.flatMap { $0 }?.timeIntervalSince1970 ?? 0)"
    }

    /// Counts a view; false when there is no such article.
    public func recordView(id: Int64) async throws -> Bool {
        try await increment("views", id: id)
    }

    public func recordFeedback(id: Int64, helpful: Bool) async throws -> Bool {
        try await increment(helpful ? "helpful" : "not_helpful", id: id)
    }

    private func increment(_ column: String, id: Int64) async throws -> Bool {
        guard let sql = database as? any SQLDatabase, let rawID = Int(exactly: id) else { return false }
        guard try await ArticleModel.find(rawID, on: database) != nil else { return false }
        try await sql.raw("UPDATE kb_articles SET \(unsafeRaw: column) = \(unsafeRaw: column) + 1 WHERE id = \(bind: rawID)").run()
        return true
    }

    @discardableResult
    public func saveArticle(_ article: KnowledgeArticle, now: Date) async throws -> Int64 {
        try await database.guardedTransaction { tx in
            let holder = try await ArticleModel.query(on: tx).filter(\.$slug == article.slug).first()
            if let holder, holder.id.map(Int64.init) != article.id { throw ArticleError.slugTaken }
            var row = holder
            if row == nil, article.id != 0, let rawID = Int(exactly: article.id) { row = try await ArticleModel.find(rawID, on: tx) }
            let target = row ?? {
                let fresh = ArticleModel()
                fresh.views = 0
                fresh.helpful = 0
                fresh.notHelpful = 0
                return fresh
            }()
            target.slug = article.slug
            target.title = article.title
            target.summary = article.summary
            target.body = article.body
            target.category = article.category
            target.tags = article.tags.joined(separator: ", ")
            target.updatedAt = now
            try await target.save(on: tx)
            return Int64(try target.requireID())
        }
    }

    /// Adds the shipped articles whose slugs the database does not have yet; edited articles are left alone.
    public func seedMissing(_ articles: [KnowledgeArticle], now: Date) async throws -> Int {
        let existing = Set(try await ArticleModel.query(on: database).all(\.$slug))
        var added = 0
        for article in articles where !existing.contains(article.slug) {
            try await saveArticle(article, now: now)
            added += 1
        }
        return added
    }
}

/// Help-center searches that found nothing, counted per text: the content gaps the dashboard lists.
/// Passage vectors by key (the model and the passage's text, hashed): a start embeds only passages it has not seen.
struct CreatePassageVectors: AsyncMigration {
    var name: String { "SupportOps.CreatePassageVectors.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("passage_vectors")
            .field("key", .string, .identifier(auto: false))
            .field("vector", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("passage_vectors").delete()
    }
}

/// Suggested articles a customer opened while writing a ticket, and whether a ticket followed (deflection).
struct CreateSuggestionOpens: AsyncMigration {
    var name: String { "SupportOps.CreateSuggestionOpens.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("suggestion_opens")
            .field("id", .int64, .identifier(auto: true))
            .field("article_id", .int64, .required)
            .field("user_id", .int64, .required)
            .field("opened_at", .datetime, .required)
            .field("ticket_opened_at", .datetime)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX idx_suggestion_opens_user ON suggestion_opens (user_id, opened_at)").run()
            try await sql.raw("CREATE INDEX idx_suggestion_opens_opened ON suggestion_opens (opened_at)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("suggestion_opens").delete()
    }
}

struct CreateSearchMisses: AsyncMigration {
    var name: String { "SupportOps.CreateSearchMisses.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("search_misses")
            .field("id", .int, .identifier(auto: true))
            .field("query", .string, .required)
            .field("count", .int, .required)
            .field("last_at", .datetime, .required)
            .unique(on: "query")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("search_misses").delete()
    }
}
