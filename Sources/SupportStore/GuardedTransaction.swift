import FluentKit
import Logging
import NIOCore
import PostgresNIO
import SQLKit

/// The connection a transaction ran on closed before the transaction finished (PostgreSQL restarted, a backend was
/// terminated). Nothing of the transaction was committed: the server rolls back a transaction whose connection is gone.
public struct ConnectionLostError: Error, CustomStringConvertible {
    public var description: String { "The database connection closed in the middle of a transaction." }
}

extension Database {
    /// Fluent's `transaction`, made safe against a connection that dies between two of its statements.
    ///
    /// PostgresNIO 1.33 (the newest available here) hands a statement to its channel with `write(_:promise: nil)`. When
    /// the channel has already closed, because the server was restarted or the backend terminated while the transaction
    /// was between two statements, the write fails silently and the statement's promise is never completed: in a
    /// release build the request hangs for ever and the pooled connection is never given back (four such requests
    /// starve one event loop's pool; `scripts/pg_restart_probe.py` reproduced 1–6 hung refunds in every run of 300),
    /// and in a debug build NIO stops the process ("leaking promise").
    ///
    /// So on PostgreSQL the body gets the connection wrapped in `LiveConnectionDatabase`, which sends each statement
    /// (BEGIN, COMMIT and ROLLBACK included) from the connection's event loop, in the same turn of the loop in which it
    /// checked that the channel is still open, and fails it with `ConnectionLostError` (503 with `Retry-After`)
    /// otherwise. The connection then goes back to the pool, which drops it because it is closed, and the next request
    /// opens a fresh one. SQLite has no such failure and uses Fluent's transaction as it is.
    func guardedTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard self is any PostgresDatabase, !self.inTransaction else {
            return try await self.transaction(body)
        }
        return try await self.withConnection { connection in
            // Fluent's PostgreSQL `withConnection` marks the leased connection as already in a transaction (its
            // `transaction` would run the body without BEGIN), so BEGIN, COMMIT and ROLLBACK are sent here.
            guard let postgres = connection as? any PostgresDatabase, let sql = connection as? any SQLDatabase else {
                throw StoreError.notSQL
            }
            let channel = try await postgres.withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
            let live = LiveConnectionDatabase(base: connection, sql: sql, connection: channel)
            return try await live.explicitTransaction(begin: "BEGIN") { try await body(live) }
        }
    }
}

extension SQLDatabase {
    /// `begin`, the body, COMMIT; ROLLBACK and the error again when the body or the commit fails. For a session that
    /// holds one connection (a leased PostgreSQL connection, SQLite's writer).
    func explicitTransaction<T>(begin: SQLQueryString, _ body: () async throws -> T) async throws -> T {
        try await raw(begin).run()
        do {
            let value = try await body()
            try await raw("COMMIT").run()
            return value
        } catch {
            try? await raw("ROLLBACK").run()
            throw error
        }
    }
}

/// A leased PostgreSQL connection, inside a transaction, that never writes a statement to a closed channel (see
/// `guardedTransaction`). Everything else is the wrapped Fluent database's.
struct LiveConnectionDatabase: Database, SQLDatabase {
    let base: any Database
    let sql: any SQLDatabase
    let connection: PostgresConnection

    /// Runs `send` on the connection's event loop if, in that same turn, the channel is still open.
    private func whileOpen<T: Sendable>(_ send: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let connection = self.connection
        return connection.eventLoop.flatSubmit {
            connection.isClosed ? connection.eventLoop.makeFailedFuture(ConnectionLostError()) : send()
        }
    }

    var context: DatabaseContext { base.context }
    var inTransaction: Bool { true }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        let base = self.base
        return whileOpen { base.execute(query: query, onOutput: onOutput) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        let base = self.base
        return whileOpen { base.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        let base = self.base
        return whileOpen { base.execute(enum: `enum`) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    var logger: Logger { sql.logger }
    var eventLoop: any EventLoop { sql.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let sql = self.sql
        return whileOpen { sql.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await execute(sql: query, onRow).get()
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}
