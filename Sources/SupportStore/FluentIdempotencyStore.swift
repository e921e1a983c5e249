public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Idempotency keys in the database: `(scope, key)` is unique, so of two identical requests arriving at once on two
/// instances exactly one claims the key; the other waits for its answer.
public struct FluentIdempotencyStore: IdempotencyStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func begin(key: String, scope: String, requestHash: String, now: Date,
                      lifetime: TimeInterval) async throws -> IdempotencyStart {
        let sql = try HotPath.sql(database)
        try await sql.raw("""
            DELETE FROM idempotency_keys WHERE scope = \(bind: scope) AND request_key = \(bind: key)
              AND created_at < \(bind: now.addingTimeInterval(-lifetime))
            """).run()
        let claimed = try await sql.raw("""
            INSERT INTO idempotency_keys (scope, request_key, request_hash, state, created_at)
            VALUES (\(bind: scope), \(bind: key), \(bind: requestHash), 'pending', \(bind: now))
            ON CONFLICT (scope, request_key) DO NOTHING
            RETURNING id
            """).first()
        if claimed != nil { return .proceed }
        guard let row = try await sql.raw("""
            SELECT request_hash, state, status, body, content_type FROM idempotency_keys
            WHERE scope = \(bind: scope) AND request_key = \(bind: key)
            """).first() else { return .inProgress } // deleted meanwhile (abandoned): the caller asks again
        guard try row.decode(column: "request_hash", as: String.self) == requestHash else { return .mismatch }
        guard try row.decode(column: "state", as: String.self) == "done",
              let status = try row.decode(column: "status", as: Int?.self) else { return .inProgress }
        return .replay(status: status, body: try row.decode(column: "body", as: String?.self) ?? "",
                       contentType: try row.decode(column: "content_type", as: String?.self) ?? "application/json")
    }

    public func complete(key: String, scope: String, status: Int, body: String, contentType: String) async throws {
        try await HotPath.sql(database).raw("""
            UPDATE idempotency_keys SET state = 'done', status = \(bind: status), body = \(bind: body),
                content_type = \(bind: contentType)
            WHERE scope = \(bind: scope) AND request_key = \(bind: key)
            """).run()
    }

    public func abandon(key: String, scope: String) async throws {
        try await HotPath.sql(database).raw("""
            DELETE FROM idempotency_keys WHERE scope = \(bind: scope) AND request_key = \(bind: key) AND state = 'pending'
            """).run()
    }

    public func purge(before date: Date) async throws {
        try await HotPath.sql(database).raw("DELETE FROM idempotency_keys WHERE created_at < \(bind: date)").run()
    }
}

struct CreateIdempotencyKeys: AsyncMigration {
    var name: String { "SupportOps.CreateIdempotencyKeys.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("idempotency_keys")
            .field("id", .int, .identifier(auto: true))
            .field("scope", .string, .required)
            .field("request_key", .string, .required)
            .field("request_hash", .string, .required)
            .field("state", .string, .required)
            .field("status", .int)
            .field("body", .string)
            .field("content_type", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "scope", "request_key")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "idempotency_keys_created").on("idempotency_keys").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("idempotency_keys").delete()
    }
}
