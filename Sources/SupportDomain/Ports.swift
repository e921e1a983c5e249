import Foundation

/// The guarded tools. Implementations run each invocation in one transaction, enforce `SupportRules` on what they
/// read inside it, and write one audit record with the effect. Business refusals come back as a failed
/// `ToolResult`, never as a thrown error; thrown errors mean the infrastructure failed.
public protocol SupportToolbox: Sendable {
    func run(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult
    /// What `run` would do now, checked by the same rules on the same data, without any effect: nothing is written,
    /// not even an audit entry. Ids of records the call would create are absent.
    func preview(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult
    /// The customer, or nil when there is none with this id.
    func fetchCustomer(_ id: CustomerID) async throws -> CustomerSnapshot?
}

/// What the agent remembers between two messages of one conversation (a question it asked).
public struct PendingClarification: Sendable, Hashable, Codable {
    public var intent: Intent
    public var reason: ReturnReason?
    public var candidateOrderIDs: [OrderID]

    public init(intent: Intent, reason: ReturnReason?, candidateOrderIDs: [OrderID]) {
        self.intent = intent
        self.reason = reason
        self.candidateOrderIDs = candidateOrderIDs
    }
}

/// Conversation state, kept in the database so that any instance can continue a conversation.
public protocol ConversationStore: Sendable {
    /// The pending question of this conversation, only if it belongs to `customer`.
    func fetchPending(conversationID: String, customer: CustomerID) async throws -> PendingClarification?
    /// Records the turn; `pending` nil clears the question.
    func savePending(_ pending: PendingClarification?, conversationID: String, customer: CustomerID, now: Date) async throws
}

/// The time, injected so that "within 30 days" is tested with a fixed clock.
public struct WallClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = WallClock { Date() }
    public static func fixed(_ date: Date) -> WallClock { WallClock { date } }
}
