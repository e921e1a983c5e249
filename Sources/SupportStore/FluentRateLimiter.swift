public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Rate-limit counters in the database, for several instances on one PostgreSQL: one row per bucket and window,
/// incremented by one upsert that returns the new count, so concurrent requests on any instance are counted exactly.
/// (On SQLite, which one instance serves, the server counts in memory: a counter commit per request would cost an fsync.)
public struct FluentRateLimiter: RateLimiter {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func hit(_ bucket: String, limit: Int, window: Int, now: Date) async throws -> RateDecision {
        let (start, remaining) = Self.window(of: now, length: window)
        let row = try await HotPath.sql(database).raw("""
            INSERT INTO rate_counters (bucket, window_start, hits) VALUES (\(bind: bucket), \(bind: start), 1)
            ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_counters.hits + 1
            RETURNING hits
            """).first()
        let hits = try row?.decode(column: "hits", as: Int.self) ?? 1
        return RateDecision(allowed: hits <= limit, retryAfterSeconds: hits <= limit ? 0 : max(1, remaining))
    }

    public func purge(before date: Date) async throws {
        try await HotPath.sql(database).raw("""
            DELETE FROM rate_counters WHERE window_start < \(bind: Int64(date.timeIntervalSince1970))
            """).run()
    }
}

/// Counters that may be lost in a crash without harm: on PostgreSQL an unlogged table (no WAL).
struct CreateRateCounters: AsyncMigration {
    var name: String { "SupportOps.CreateRateCounters.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        let unlogged = sql.dialect.name == "postgresql" ? "UNLOGGED " : ""
        try await sql.raw("""
            CREATE \(unsafeRaw: unlogged)TABLE rate_counters (
                bucket TEXT NOT NULL, window_start BIGINT NOT NULL, hits BIGINT NOT NULL,
                PRIMARY KEY (bucket, window_start))
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_counters").delete()
    }
}
