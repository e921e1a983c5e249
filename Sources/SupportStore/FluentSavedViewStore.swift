public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Saved views of the all-tickets list, one row per person and name.
public struct FluentSavedViewStore: SavedViewStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func fetchViews(of user: UserID) async throws -> [SavedView] {
        try await HotPath.sql(database).raw("""
            SELECT id, name, query FROM saved_views WHERE user_id = \(bind: user.rawValue) ORDER BY name
            """).all().map { row in
            SavedView(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                      query: try row.decode(column: "query", as: String.self))
        }
    }

    public func saveView(name: String, query: String, of user: UserID, at date: Date) async throws {
        try await HotPath.sql(database).raw("""
            INSERT INTO saved_views (user_id, name, query, updated_at)
            VALUES (\(bind: user.rawValue), \(bind: name), \(bind: query), \(bind: date))
            ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, updated_at = excluded.updated_at
            """).run()
    }

    public func deleteView(_ id: Int64, of user: UserID) async throws {
        try await HotPath.sql(database).raw("""
            DELETE FROM saved_views WHERE id = \(bind: id) AND user_id = \(bind: user.rawValue)
            """).run()
    }
}

struct CreateSavedViews: AsyncMigration {
    var name: String { "SupportOps.CreateSavedViews.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("saved_views")
            .field("id", .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", "id"))
            .field("name", .string, .required)
            .field("query", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "user_id", "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("saved_views").delete()
    }
}
