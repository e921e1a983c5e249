public import FluentKit
import Foundation
public import Logging
public import NIOCore
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
    public let sessions: SQLSessionStore

    public init(database: any Database, policy: SupportPolicy, clock: any WallClock, actionLog: ActionLog?, logger: Logger) {
        self.init(source: .fixed(database), policy: policy, clock: clock, actionLog: actionLog, logger: logger)
    }

    /// With `turnBuffer`, the turns kept for review are written in batches (the server); without, one by one.
    public init(source: DatabaseSource, policy: SupportPolicy, clock: any WallClock, actionLog: ActionLog?,
                turnBuffer: TurnBuffer? = nil, logger: Logger) {
        toolbox = FluentToolbox(source: source, policy: policy, clock: clock, actionLog: actionLog, logger: logger)
        conversations = FluentConversationStore(source: source, turnBuffer: turnBuffer)
        tickets = FluentTicketStore(source: source)
        accounts = FluentAccountStore(source: source)
        articles = FluentArticleStore(source: source)
        outbox = FluentMailOutbox(source: source)
        health = FluentHealth(source: source)
        scheduledWork = FluentScheduledWork(source: source)
        surveys = FluentSurveyStore(source: source)
        macros = FluentMacroStore(source: source)
        savedViews = FluentSavedViewStore(source: source)
        idempotency = FluentIdempotencyStore(source: source)
        rateLimiter = FluentRateLimiter(source: source)
        attachments = FluentAttachmentStore(source: source)
        personalData = FluentPersonalDataStore(source: source, turnBuffer: turnBuffer)
        insight = FluentInsightStore(source: source)
        sessions = SQLSessionStore(source: source)
    }
}

/// Where a store's statements go. The service picks, for every statement, the database of the event loop the caller runs
/// on (each loop has its own connection pool: SQLite one connection, PostgreSQL several), so requests on different loops
/// neither share one connection nor hop to another loop for every answer. Measured on the status benchmark: with one
/// database picked at start every statement of every request went through one loop's single SQLite connection.
public struct DatabaseSource: Sendable {
    private let pick: @Sendable () -> any Database
    /// SQLite's one writer (see `SQLiteWriter`), when the service runs on SQLite; nil on PostgreSQL and in tests that
    /// hand a store one database.
    public let writer: SQLiteWriter?
    /// SQLite's read connections for the hot reads (see `SQLiteReaders`), with the writer.
    public let readers: SQLiteReaders?

    /// Always this database (tests, commands), and SQLite's writer and readers if given.
    public static func fixed(_ database: any Database, writer: SQLiteWriter? = nil, readers: SQLiteReaders? = nil) -> DatabaseSource {
        DatabaseSource(pick: { database }, writer: writer, readers: readers)
    }

    /// The database of the current event loop (any loop of `group` when the caller is on none); the hot writes go to
    /// `writer` and the hot reads to `readers` when there are.
    public static func perEventLoop(_ databases: Databases, group: any EventLoopGroup, logger: Logger,
                                    writer: SQLiteWriter? = nil, readers: SQLiteReaders? = nil) -> DatabaseSource {
        // Each loop's database made once: `Databases.database(logger:on:)` takes a lock and builds a new driver object
        // per call (about 4% of a status question's CPU on PostgreSQL, measured); the objects hold no state of a request.
        var byLoop: [ObjectIdentifier: any Database] = [:]
        for loop in group.makeIterator() { byLoop[ObjectIdentifier(loop)] = databases.database(logger: logger, on: loop) }
        let made = byLoop
        return DatabaseSource(pick: {
            let loop = group.any()
            return made[ObjectIdentifier(loop)] ?? databases.database(logger: logger, on: loop)!
        }, writer: writer, readers: readers)
    }

    public var database: any Database { pick() }

    /// Where a hot read goes: SQLite's readers when there are, otherwise `database`.
    func reader() throws -> any SQLDatabase {
        if let readers { return readers.database }
        return try HotPath.sql(database)
    }

    /// One write transaction: on SQLite's writer when there is one, otherwise a transaction on `database` (`durable`:
    /// on disk when it returns, see `SQLiteTuning`).
    func writeTransaction<T: Sendable>(durable: Bool,
                                       _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let writer { return try await writer.transaction(durable: durable, body) }
        let run: @Sendable (any Database) async throws -> T = { tx in try await body(try HotPath.sql(tx)) }
        return durable ? try await SQLiteTuning.durableTransaction(on: database, run) : try await database.guardedTransaction(run)
    }

    /// Statements that commit one by one (a single INSERT or upsert): on SQLite's writer when there is one.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let writer { return try await writer.write(body) }
        return try await body(try HotPath.sql(database))
    }
}

/// `SELECT 1` on the database.
public struct FluentHealth: StoreHealth {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func ping() async throws {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        try await sql.raw("SELECT 1").run()
    }

    public func appliedMigrations() async throws -> Set<String> {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        return Set(try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) })
    }
}
