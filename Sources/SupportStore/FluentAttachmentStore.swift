public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Attachments in the database (BLOB on SQLite, bytea on PostgreSQL): outside any web root, on every instance.
public struct FluentAttachmentStore: AttachmentStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func saveAttachment(ticket: TicketID, uploader: UserID, filename: String, contentType: String, data: [UInt8],
                               at date: Date) async throws -> TicketAttachment {
        let row = try await HotPath.sql(database).raw("""
            INSERT INTO attachments (ticket_id, uploader_id, filename, content_type, size, data, created_at)
            VALUES (\(bind: ticket.rawValue), \(bind: uploader.rawValue), \(bind: filename), \(bind: contentType),
                    \(bind: data.count), \(bind: Data(data)), \(bind: date))
            RETURNING id
            """).first()
        guard let row else { throw StoreError.notFound }
        return TicketAttachment(id: try row.decode(column: "id", as: Int64.self), ticketID: ticket, uploaderID: uploader,
                                filename: filename, contentType: contentType, size: data.count, createdAt: date)
    }

    public func fetchAttachments(of ticket: TicketID) async throws -> [TicketAttachment] {
        try await HotPath.sql(database).raw("""
            SELECT id, ticket_id, uploader_id, filename, content_type, size, created_at FROM attachments
            WHERE ticket_id = \(bind: ticket.rawValue) ORDER BY id
            """).all().map(Self.attachment)
    }

    public func fetchAttachment(_ id: Int64) async throws -> (TicketAttachment, [UInt8])? {
        guard let row = try await HotPath.sql(database).raw("""
            SELECT id, ticket_id, uploader_id, filename, content_type, size, created_at, data FROM attachments
            WHERE id = \(bind: id)
            """).first() else { return nil }
        return (try Self.attachment(row), [UInt8](try row.decode(column: "data", as: Data.self)))
    }

    static func attachment(_ row: any SQLRow) throws -> TicketAttachment {
        TicketAttachment(id: try row.decode(column: "id", as: Int64.self),
                         ticketID: TicketID(try row.decode(column: "ticket_id", as: Int64.self)),
                         uploaderID: UserID(try row.decode(column: "uploader_id", as: Int64.self)),
                         filename: try row.decode(column: "filename", as: String.self),
                         contentType: try row.decode(column: "content_type", as: String.self),
                         size: try row.decode(column: "size", as: Int.self),
                         createdAt: try row.decode(column: "created_at", as: Date.self))
    }
}

struct CreateAttachments: AsyncMigration {
    var name: String { "SupportOps.CreateAttachments.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("attachments")
            .field("id", .int, .identifier(auto: true))
            .field("ticket_id", .int, .required, .references("tickets", "id"))
            .field("uploader_id", .int, .required, .references("users", "id"))
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "attachments_ticket").on("attachments").column("ticket_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("attachments").delete()
    }
}
