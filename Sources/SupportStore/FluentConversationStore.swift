public import FluentKit
import Foundation
public import SupportDomain

/// Conversation state in the database, so any instance can continue a conversation.
public struct FluentConversationStore: ConversationStore {
    let database: any Database

    public init(database: any Database) { self.database = database }

    /// The state is JSON in the conversation row's `pending` column (a row written before the dialogue state existed
    /// reads as a fresh state).
    public func fetchState(conversationID: String, customer: CustomerID) async throws -> DialogueState? {
        guard let row = try await ConversationModel.find(conversationID, on: database),
              row.customerID == Int(customer.rawValue) else { return nil }
        guard let json = row.pending, let state = try? JSONDecoder().decode(DialogueState.self, from: Data(json.utf8)) else {
            return DialogueState()
        }
        return state
    }

    public func saveState(_ state: DialogueState, conversationID: String, customer: CustomerID, now: Date) async throws {
        let encoded: String? = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        if let row = try await ConversationModel.find(conversationID, on: database) {
            // Another customer's conversation id is never continued or overwritten.
            guard row.customerID == Int(customer.rawValue) else { return }
            row.pending = encoded
            row.turns += 1
            row.updatedAt = now
            try await row.save(on: database)
        } else {
            let row = ConversationModel()
            row.id = conversationID
            row.customerID = Int(customer.rawValue)
            row.pending = encoded
            row.turns = 1
            row.updatedAt = now
            try await row.create(on: database)
        }
    }
}
