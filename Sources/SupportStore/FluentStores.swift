public import FluentKit
import Foundation
import Logging
import SQLKit
public import SupportDomain

/// Every store over one Fluent database (SQLite or PostgreSQL): the one implementation of the storage ports.
public struct FluentStores: Sendable {
    public let toolbox: FluentToolbox
    public let conversations: FluentConversationStore
    public let tickets: FluentTicketStore
    public let accounts: FluentAccountStore
    public let articles: FluentArticleStore
    public let outbox: FluentMailOutbox
    public let health: FluentHealth
    public let scheduledWork: FluentScheduledWork
    public let surveys: FluentSurveyStore
    public let macros: FluentMacroStore
    public let savedViews: FluentSavedViewStore
    public let idempotency: FluentIdempotencyStore
    public let rateLimiter: FluentRateLimiter
    public let attachments: FluentAttachmentStore
    public let personalData: FluentPersonalDataStore
    public let insight: FluentInsightStore

    public init(database: any Database, policy: SupportPolicy, clock: any WallClock, actionLog: ActionLog?, logger: Logger) {
        toolbox = FluentToolbox(database: database, policy: policy, clock: clock, actionLog: actionLog, logger: logger)
        conversations = FluentConversationStore(database: database)
        tickets = FluentTicketStore(database: database)
        accounts = FluentAccountStore(database: database)
        articles = FluentArticleStore(database: database)
        outbox = FluentMailOutbox(database: database)
        health = FluentHealth(database: database)
        scheduledWork = FluentScheduledWork(database: database)
        surveys = FluentSurveyStore(database: database)
        macros = FluentMacroStore(database: database)
        savedViews = FluentSavedViewStore(database: database)
        idempotency = FluentIdempotencyStore(database: database)
        rateLimiter = FluentRateLimiter(database: database)
        attachments = FluentAttachmentStore(database: database)
        personalData = FluentPersonalDataStore(database: database)
        insight = FluentInsightStore(database: database)
    }
}

/// `SELECT 1` on the database.
public struct FluentHealth: StoreHealth {
    let database: any Database

    public init(database: any Database) { self.database = database }

    public func ping() async throws {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        try await sql.raw("SELECT 1").run()
    }

    public func appliedMigrations() async throws -> Set<String> {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        return Set(try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) })
    }
}
