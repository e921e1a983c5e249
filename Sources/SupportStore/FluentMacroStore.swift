public import FluentKit
import FluentSQL
import Foundation
public import SupportDomain
import SQLKit

/// Macros in the database; the language variants are one JSON column, the tags one comma-separated column.
public struct FluentMacroStore: MacroStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func fetchMacros() async throws -> [Macro] {
        try await HotPath.sql(database).raw("\(unsafeRaw: Self.select) ORDER BY name, id").all().map(Self.macro)
    }

    public func fetchMacro(_ id: MacroID) async throws -> Macro? {
        try await HotPath.sql(database).raw("\(unsafeRaw: Self.select) WHERE id = \(bind: id.rawValue)").first().map(Self.macro)
    }

    public func saveMacro(_ macro: Macro) async throws -> Macro {
        let translations = String(decoding: try JSONEncoder().encode(macro.translations), as: UTF8.self)
        let tags = macro.addTags.joined(separator: ",")
        let sql = try HotPath.sql(database)
        let row = if let id = macro.id {
            try await sql.raw("""
                UPDATE macros SET name = \(bind: macro.name), body = \(bind: macro.body), translations = \(bind: translations),
                    set_status = \(bind: macro.setStatus?.rawValue), set_priority = \(bind: macro.setPriority?.rawValue),
                    add_tags = \(bind: tags), updated_at = \(bind: macro.updatedAt)
                WHERE id = \(bind: id.rawValue) RETURNING id
                """).first()
        } else {
            try await sql.raw("""
                INSERT INTO macros (name, body, translations, set_status, set_priority, add_tags, updated_at)
                VALUES (\(bind: macro.name), \(bind: macro.body), \(bind: translations), \(bind: macro.setStatus?.rawValue),
                        \(bind: macro.setPriority?.rawValue), \(bind: tags), \(bind: macro.updatedAt))
                RETURNING id
                """).first()
        }
        guard let row else { throw StoreError.notFound }
        var saved = macro
        saved.id = MacroID(try row.decode(column: "id", as: Int64.self))
        return saved
    }

    public func deleteMacro(_ id: MacroID) async throws {
        try await HotPath.sql(database).raw("DELETE FROM macros WHERE id = \(bind: id.rawValue)").run()
    }

    static let select = "SELECT id, name, body, translations, set_status, set_priority, add_tags, updated_at FROM macros"

    static func macro(_ row: any SQLRow) throws -> Macro {
        let translations = try row.decode(column: "translations", as: String.self)
        return Macro(id: MacroID(try row.decode(column: "id", as: Int64.self)), name: try row.decode(column: "name", as: String.self),
                     body: try row.decode(column: "body", as: String.self),
                     translations: (try? JSONDecoder().decode([String: String].self, from: Data(translations.utf8))) ?? [:],
                     setStatus: try row.decode(column: "set_status", as: String?.self).flatMap(TicketStatus.init(rawValue:)),
                     setPriority: try row.decode(column: "set_priority", as: String?.self).flatMap(TicketPriority.init(rawValue:)),
                     addTags: try row.decode(column: "add_tags", as: String.self).split(separator: ",").map(String.init),
                     updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}

/// Tags on tickets (one row per tag, indexed by tag for the list filter), the team's macros, and who of the team has
/// a ticket open (for "someone else is replying").
struct CreateTagsAndMacros: AsyncMigration {
    var name: String { "SupportOps.CreateTagsAndMacros.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("ticket_tags")
            .field("id", .int, .identifier(auto: true))
            .field("ticket_id", .int, .required, .references("tickets", "id"))
            .field("tag", .string, .required)
            .unique(on: "ticket_id", "tag")
            .create()
        try await database.schema("macros")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("body", .string, .required)
            .field("translations", .string, .required)
            .field("set_status", .string)
            .field("set_priority", .string)
            .field("add_tags", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("ticket_presence")
            .field("id", .int, .identifier(auto: true))
            .field("ticket_id", .int, .required, .references("tickets", "id"))
            .field("user_id", .int, .required, .references("users", "id"))
            .field("state", .string, .required)
            .field("seen_at", .datetime, .required)
            .unique(on: "ticket_id", "user_id")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "ticket_tags_tag").on("ticket_tags").column("tag").column("ticket_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("ticket_presence").delete()
        try await database.schema("macros").delete()
        try await database.schema("ticket_tags").delete()
    }
}
