import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Sessions in the table Fluent's session driver created and used before (`_fluent_sessions`: a UUID id, the key, the
/// values as JSON), read and written in plain SQL. Values are bound and decoded the way Fluent's driver did (the same
/// SQLKit encoders), so sessions written by either are read by the other. On SQLite, the reads go to the read-only
/// connections and the writes to the one writer, like the hot path's. Fluent's driver built and reflected over a model
/// on every portal request: its read, and the write of unchanged values, were about a tenth of a ticket's opening.
public struct SQLSessionStore: SessionStore {
    let source: DatabaseSource

    public init(source: DatabaseSource) { self.source = source }

    public func readSession(key: String) async throws -> [String: String]? {
        let row = try await source.reader().raw("SELECT data FROM _fluent_sessions WHERE key = \(bind: key)").first()
        return try row?.decode(column: "data", as: [String: String].self)
    }

    public func createSession(key: String, data: [String: String]) async throws {
        let id = UUID()
        try await source.write { sql in
            try await sql.raw("INSERT INTO _fluent_sessions (id, key, data) VALUES (\(bind: id), \(bind: key), \(bind: data))").run()
        }
    }

    public func updateSession(key: String, data: [String: String]) async throws {
        try await source.write { sql in
            try await sql.raw("UPDATE _fluent_sessions SET data = \(bind: data) WHERE key = \(bind: key)").run()
        }
    }

    public func deleteSession(key: String) async throws {
        try await source.write { sql in
            try await sql.raw("DELETE FROM _fluent_sessions WHERE key = \(bind: key)").run()
        }
    }
}
