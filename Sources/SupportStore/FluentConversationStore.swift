public import FluentKit
import Foundation
import SQLKit
public import SupportDomain

/// Conversation state in the database, so any instance can continue a conversation. Plain SQL: one read and one upsert
/// per turn, on the hot path of every message.
public struct FluentConversationStore: ConversationStore {
    let source: DatabaseSource
    /// When set, turns kept for review are written in batches (see `TurnBuffer`); otherwise one INSERT per turn.
    let turnBuffer: TurnBuffer?
    var database: any Database { source.database }

    public init(database: any Database) { self.init(source: .fixed(database)) }
    public init(source: DatabaseSource, turnBuffer: TurnBuffer? = nil) {
        self.source = source
        self.turnBuffer = turnBuffer
    }

    /// The state is JSON in the conversation row's `pending` column (a row written before the dialogue state existed
    /// reads as a fresh state).
    public func fetchState(conversationID: String, customer: CustomerID) async throws -> DialogueState? {
        guard let row = try await source.reader().raw("""
                SELECT pending FROM conversations WHERE id = \(bind: conversationID) AND customer_id = \(bind: customer.rawValue)
                """).first() else { return nil }
        guard let json = try row.decode(column: "pending", as: String?.self),
              let state = try? JSONDecoder().decode(DialogueState.self, from: Data(json.utf8)) else {
            return DialogueState()
        }
        return state
    }

    /// Inserts the conversation or updates it; another customer's conversation id is never continued or overwritten.
    public func saveState(_ state: DialogueState, conversationID: String, customer: CustomerID, now: Date) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await source.write { sql in
            try await sql.raw("""
                INSERT INTO conversations (id, customer_id, pending, turns, updated_at)
                VALUES (\(bind: conversationID), \(bind: customer.rawValue), \(bind: encoded), 1, \(bind: now))
                ON CONFLICT (id) DO UPDATE SET pending = excluded.pending, turns = conversations.turns + 1,
                    updated_at = excluded.updated_at
                WHERE conversations.customer_id = excluded.customer_id
                """).run()
        }
    }
}
