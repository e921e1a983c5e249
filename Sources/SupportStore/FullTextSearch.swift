public import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Full-text search over ticket messages (the redacted text, notes included), kept by the database itself: on SQLite an
/// FTS5 table filled by triggers (a message inserted, moved by a merge, or deleted), on PostgreSQL a GIN index over
/// `to_tsvector('simple', body)`. 'simple' and unicode61 without stemming treat every language alike.
enum FullTextSearch {
    /// The words of `text` as an FTS5 query in which every word must occur (each quoted, so no user text is syntax).
    static func sqliteQuery(_ text: String) -> String {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.prefix(12)
        guard !words.isEmpty else { return "\"\"" }
        return words.map { "\"" + $0 + "\"" }.joined(separator: " ")
    }
}

struct AddFullTextSearch: AsyncMigration {
    var name: String { "SupportOps.AddFullTextSearch.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("CREATE INDEX ticket_messages_fts ON ticket_messages USING GIN (to_tsvector('simple', body))").run()
            return
        }
        try await sql.raw("""
            CREATE VIRTUAL TABLE message_search USING fts5(body, ticket_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')
            """).run()
        try await sql.raw("INSERT INTO message_search (rowid, body, ticket_id) SELECT id, body, ticket_id FROM ticket_messages").run()
        try await sql.raw("""
            CREATE TRIGGER message_search_insert AFTER INSERT ON ticket_messages BEGIN
                INSERT INTO message_search (rowid, body, ticket_id) VALUES (new.id, new.body, new.ticket_id);
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER message_search_update AFTER UPDATE OF ticket_id, body ON ticket_messages BEGIN
                UPDATE message_search SET ticket_id = new.ticket_id, body = new.body WHERE rowid = new.id;
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER message_search_delete AFTER DELETE ON ticket_messages BEGIN
                DELETE FROM message_search WHERE rowid = old.id;
            END
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP INDEX IF EXISTS ticket_messages_fts").run()
            return
        }
        for trigger in ["message_search_insert", "message_search_update", "message_search_delete"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger)").run()
        }
        try await sql.raw("DROP TABLE IF EXISTS message_search").run()
    }
}
