public import FluentKit
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

    /// Registers the database as the default one of `databases`.
    public func register(on databases: Databases) throws {
        switch self {
        case let .sqlite(path):
            // SQL logging is off: bound values are customer data and must never reach a log.
            // SQLite has one writer at a time: a request waits for a connection rather than failing after the default
            // 10 s when many queue up behind the writer (seen as 500s under a loaded test suite).
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: nil), as: .sqlite)
        case let .postgres(url):
            // One connection per event loop (the default) queued 24 concurrent requests of one test long enough to pass
            // the default 10 s pool timeout on a loaded 2-core machine: 4 per loop, and a 30 s wait before a 500.
            databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: url), maxConnectionsPerEventLoop: 4,
                                    connectionPoolTimeout: .seconds(30), sqlLogLevel: .trace), as: .psql)
        }
    }

    /// Per-database tuning done once at start: WAL journal for SQLite (persistent in the file), so that readers
    /// do not block the writer.
    public func prepare(_ database: any Database) async throws {
        guard case .sqlite = self, let sql = database as? any SQLDatabase else { return }
        try await sql.raw("PRAGMA journal_mode=WAL").run()
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
