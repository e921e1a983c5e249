import FluentKit
import Foundation
import NIOCore
import SQLKit
@testable import SupportStore
import Testing

extension StoreTier {
    /// `Database.guardedTransaction`: one transaction (all or nothing), and on PostgreSQL a connection that dies between
    /// two statements fails the transaction instead of hanging the request.
    @Suite("Guarded transactions on SQLite and PostgreSQL")
    struct GuardedTransactionTests {
        struct Planned: Error {}

        static func attempts(_ email: String, on database: any Database) async throws -> Int {
            let sql = try #require(database as? any SQLDatabase)
            let row = try #require(try await sql.raw("SELECT COUNT(*) AS n FROM login_attempts WHERE email = \(bind: email)").first())
            return try row.decode(column: "n", as: Int.self)
        }

        static func insertAttempt(_ email: String, on database: any Database) async throws {
            let sql = try #require(database as? any SQLDatabase)
            try await sql.raw("""
                INSERT INTO login_attempts (email, succeeded, created_at) VALUES (\(bind: email), \(bind: false), \(bind: StoreHarness.now))
                """).run()
        }

        @Test("a body that throws after writing leaves nothing; one that returns keeps both writes", arguments: Backend.available)
        func allOrNothing(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let database = h.database()
                await #expect(throws: Planned.self) {
                    try await database.guardedTransaction { tx in
                        try await Self.insertAttempt("rolled@example.com", on: tx)
                        try await Self.insertAttempt("rolled@example.com", on: tx)
                        throw Planned()
                    }
                }
                #expect(try await Self.attempts("rolled@example.com", on: database) == 0)
                let kept = try await database.guardedTransaction { tx in
                    try await Self.insertAttempt("kept@example.com", on: tx)
                    try await Self.insertAttempt("kept@example.com", on: tx)
                    return try await Self.attempts("kept@example.com", on: tx)
                }
                #expect(kept == 2)
                #expect(try await Self.attempts("kept@example.com", on: database) == 2)
            }
        }

        /// PostgresNIO 1.33 loses a statement written to a connection that has already closed: without the guard, the
        /// statement after the termination never returns. A liveness guard (60 s) turns a regression into a failure
        /// instead of a hung test run; the assertion is on the outcome, not on the time.
        @Test("PostgreSQL: a backend terminated between two statements fails the transaction, which wrote nothing",
              .enabled(if: Backend.available.contains(.postgres)))
        func terminatedBackend() async throws {
            try await StoreHarness.with(.postgres, seed: false) { h in
                let database = h.database()
                // Whichever finishes first answers (a second answer to a NIO promise is ignored); a hung attempt is
                // left behind instead of being waited for.
                let answer = h.group.any().makePromise(of: String.self)
                Task {
                    do {
                        try await database.guardedTransaction { tx in
                            try await Self.insertAttempt("terminated@example.com", on: tx)
                            let sql = try #require(tx as? any SQLDatabase)
                            let pid = try #require(try await sql.raw("SELECT pg_backend_pid() AS pid").first()).decode(column: "pid", as: Int.self)
                            // Another pooled connection ends this transaction's backend, as a server restart does.
                            let other = try #require(database as? any SQLDatabase)
                            try await other.raw("SELECT pg_terminate_backend(\(bind: pid)::int)").run()
                            try await Task.sleep(for: .milliseconds(300))
                            try await sql.raw("SELECT 1").run()
                        }
                        answer.succeed("committed")
                    } catch is ConnectionLostError {
                        answer.succeed("connection lost")
                    } catch {
                        answer.succeed(DatabaseAvailability.isUnavailable(error) ? "database unavailable" : "other error: \(String(reflecting: error))")
                    }
                }
                Task {
                    try await Task.sleep(for: .seconds(60))
                    answer.succeed("hung")
                }
                let outcome = try await answer.futureResult.get()
                #expect(outcome == "connection lost" || outcome == "database unavailable", "\(outcome)")
                #expect(try await Self.attempts("terminated@example.com", on: database) == 0)
                // The pool dropped the dead connection: the next transaction works.
                try await database.guardedTransaction { tx in try await Self.insertAttempt("after@example.com", on: tx) }
                #expect(try await Self.attempts("after@example.com", on: database) == 1)
            }
        }
    }
}
