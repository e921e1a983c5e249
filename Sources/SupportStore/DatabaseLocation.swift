public import FluentKit
public import Logging
public import NIOCore
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit

/// Where the data lives, parsed from `DATABASE_URL`: `sqlite://PATH` or `postgres://USER:PASS@HOST:PORT/DB`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public static let defaultURL = "sqlite://supportops.sqlite"

    public init(url raw: String) throws {
        let url = raw.trimmingCharacters(in: .whitespaces)
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw StoreError.unsupportedDatabaseURL("DATABASE_URL sqlite:// needs a file path, e.g. sqlite://supportops.sqlite") }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard (try? SQLPostgresConfiguration(url: url)) != nil else {
                throw StoreError.unsupportedDatabaseURL("DATABASE_URL is not a valid postgres:// URL (postgres://USER:PASS@HOST:PORT/DB).")
            }
            self = .postgres(url: url)
        } else {
            throw StoreError.unsupportedDatabaseURL("DATABASE_URL must start with sqlite:// or postgres:// (got a value with another scheme).")
        }
    }

    /// A description without the password, safe for logs.
    public var description: String {
        switch self {
        case let .sqlite(path): "sqlite://\(path)"
        case let .postgres(url):
            if let components = URLComponents(string: url) {
                "postgres://\(components.host ?? "?"):\(components.port ?? 5432)\(components.path)"
            } else {
                "postgres://(unparsable)"
            }
        }
    }

    public var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    /// Registers the database as the default one of `databases`. `connectionWaitSeconds` bounds how long a request
    /// waits for a PostgreSQL connection before it fails with 503 (`DatabaseAvailability`): it must end before the
    /// server's read timeout closes the client's connection, or a client behind a proxy gets a 502 instead (seen with
    /// requests queued while PostgreSQL restarted).
    public func register(on databases: Databases, connectionWaitSeconds: Int64 = 30) throws {
        switch self {
        case let .sqlite(path):
            // SQL logging is off: bound values are customer data and must never reach a log.
            // SQLite has one writer at a time: a request waits for a connection rather than failing after the default
            // 10 s when many queue up behind the writer (seen as 500s under a loaded test suite).
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: nil), as: .sqlite)
        case let .postgres(url):
            // One connection per event loop (the default) queued 24 concurrent requests of one test long enough to pass
            // the default 10 s pool timeout on a loaded 2-core machine: 4 per loop (the stores use every loop's pool).
            databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: url), maxConnectionsPerEventLoop: 4,
                                    connectionPoolTimeout: .seconds(connectionWaitSeconds), sqlLogLevel: .trace), as: .psql)
        }
    }

    /// Per-database tuning done once at start. SQLite: the WAL journal (persistent in the file), so that readers do
    /// not block the writer; then each connection's settings (see `SQLiteTuning`). The SQLite driver keeps exactly one
    /// connection per event loop (its pool size cannot be set), so setting them once on each loop's database reaches
    /// every connection the service uses.
    public func prepare(_ databases: Databases, eventLoops: any EventLoopGroup, logger: Logger) async throws {
        guard case .sqlite = self else { return }
        guard let first = databases.database(logger: logger, on: eventLoops.any()) as? any SQLDatabase else { return }
        try await first.raw("PRAGMA journal_mode=WAL").run()
        for loop in eventLoops.makeIterator() {
            guard let database = databases.database(logger: logger, on: loop) as? any SQLDatabase else { continue }
            for statement in SQLiteTuning.connectionStatements { try await database.raw(SQLQueryString(statement)).run() }
        }
    }
}

/// How SQLite commits (the durability choice for money).
///
/// In WAL mode `synchronous=NORMAL` appends a commit to the log without waiting for the disk: it survives the process
/// being killed (the crash check's `kill -9` phase) but the last commits before a power loss or an OS crash may be
/// rolled back. `FULL` waits for the disk on every commit. The service runs NORMAL for everything that is not money
/// (conversation state, the audit row of a status lookup, tickets, sessions) and FULL for the transaction of a write
/// tool (refund, cancel, replacement, escalation): an acknowledged refund is on disk before the customer hears of it.
/// In the service, SQLite's one writer (`SQLiteWriter`) sets the level its next transaction needs; elsewhere (commands,
/// store tests) `durableTransaction` switches a connection to FULL for one transaction. A FULL commit also flushes
/// every NORMAL commit logged before it, so nothing is kept out of order.
///
/// `busy_timeout` replaces the driver's busy handler, which retried at once and forever on a pool thread, with
/// SQLite's own, which sleeps between tries and gives up (`SQLITE_BUSY`) after the timeout.
public enum SQLiteTuning {
    static let busyTimeoutMilliseconds = 10_000
    static let connectionStatements = ["PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", "PRAGMA synchronous = NORMAL"]

    /// Runs `body` in one transaction that is on disk when it returns (SQLite: FULL for this transaction only;
    /// PostgreSQL commits durably anyway).
    public static func durableTransaction<T: Sendable>(on database: any Database,
                                                       _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else {
            return try await database.guardedTransaction(body)
        }
        return try await database.withConnection { connection in
            guard let conn = connection as? any SQLDatabase else { throw StoreError.notSQL }
            try await conn.raw("PRAGMA synchronous = FULL").run()
            do {
                let value = try await connection.transaction(body)
                try await conn.raw("PRAGMA synchronous = NORMAL").run()
                return value
            } catch {
                try? await conn.raw("PRAGMA synchronous = NORMAL").run()
                throw error
            }
        }
    }
}

/// After rows were inserted with explicit ids, PostgreSQL's identity sequences must move past them
/// (SQLite needs nothing: its rowid follows the largest id).
func resetIdentitySequences(_ sql: any SQLDatabase, tables: [String]) async throws {
    guard sql.dialect.name == "postgresql" else { return }
    for table in tables {
        try await sql.raw("""
            SELECT setval(pg_get_serial_sequence('\(unsafeRaw: table)', 'id'), COALESCE((SELECT MAX(id) FROM \(unsafeRaw: table)), 0) + 1, false)
            """).run()
    }
}

/// The tables whose ids the seeder and the importer may set explicitly.
let explicitIDTables = ["customers", "products", "orders", "order_items", "refunds"]
