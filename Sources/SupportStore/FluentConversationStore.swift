import FluentKit
import Foundation
import SupportDomain

/// Conversation state in the database, so any instance can continue a conversation.
public struct FluentConversationStore: ConversationStore {
    let database: any Database

    public init(database: any Database) { self.database = database }

    public func fetchPending(conversationID: String, customer: CustomerID) async throws -> PendingClarification? {
        guard let row = try await ConversationModel.find(conversationID, on: database),
              row.customerID == Int(customer.rawValue), let pending = row.pending else { return nil }
        return try? JSONDecoder().decode(PendingClarification.self, from: Data(pending.utf8))
    }

    public func savePending(_ pending: PendingClarification?, conversationID: String, customer: CustomerID,
                            now: Date) async throws {
        let encoded = try pending.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
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
