public import Foundation

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
    /// The first customers by id (the agents' playground offers them to pick from).
    func fetchCustomers(limit: Int) async throws -> [CustomerSnapshot]
    /// The customer's own orders, newest first (a read for understanding references: "the lamp", "7012"; no audit).
    func fetchOrders(of customer: CustomerID) async throws -> [OrderSnapshot]
    /// The customer's past refunds and replacements, newest first (the support team's customer panel).
    func fetchHistory(of customer: CustomerID) async throws -> CustomerHistory
}

/// What the agent remembers between two messages of one conversation: the customer's language, the order being
/// discussed, the orders it last listed (for "the second one"), the question it asked and what is still to do.
/// Stored redacted (ids, closed sets and product names only), so any instance can continue the conversation.
public struct DialogueState: Sendable, Hashable, Codable {
    /// The question the agent's last reply asked, which the next message may answer.
    public enum Question: String, Sendable, Hashable, Codable {
        /// "Which order?": answered by an id, an ordinal, a product name.
        case whichOrder
        /// "Do you mean order #N?": answered by yes/no.
        case confirmOrder
        /// "Yes, I can cancel it. Shall I?" after a question about an order: answered by yes/no ("do it").
        case offerAction
        /// "Money back, or a replacement?"
        case refundOrReplacement
    }

    /// An order as the agent named it in a reply, in the order it was listed.
    public struct ListedOrder: Sendable, Hashable, Codable {
        public var id: OrderID
        public var products: [String]

        public init(id: OrderID, products: [String]) {
            self.id = id
            self.products = products
        }
    }

    public var language: String
    public var focusOrder: OrderID?
    public var listedOrders: [ListedOrder]
    public var question: Question?
    /// The action the open question is about.
    public var questionIntent: Intent?
    public var reason: ReturnReason?
    /// The orders the open question offered (one for `confirmOrder` and `offerAction`).
    public var candidateOrderIDs: [OrderID]
    /// The last request the customer made, for "and what about 7005?".
    public var lastIntent: Intent?
    /// Requests of an earlier message not handled yet ("…and cancel the other one"), for "and the other thing?".
    public var pendingIntents: [Intent]
    /// What the last tool call came to (an error code such as `refund_limit_exceeded`, or `pending_review`), so that
    /// "how does that limit work?" is answered from the passage about it.
    public var lastOutcome: String?

    public init(language: String = "en", focusOrder: OrderID? = nil, listedOrders: [ListedOrder] = [],
                question: Question? = nil, questionIntent: Intent? = nil, reason: ReturnReason? = nil,
                candidateOrderIDs: [OrderID] = [], lastIntent: Intent? = nil, pendingIntents: [Intent] = []) {
        self.language = language
        self.focusOrder = focusOrder
        self.listedOrders = listedOrders
        self.question = question
        self.questionIntent = questionIntent
        self.reason = reason
        self.candidateOrderIDs = candidateOrderIDs
        self.lastIntent = lastIntent
        self.pendingIntents = pendingIntents
        self.lastOutcome = nil
    }

    /// Forgets the open question (it was answered, declined or overtaken by a new request).
    public mutating func closeQuestion() {
        question = nil
        questionIntent = nil
        candidateOrderIDs = []
    }
}

/// Conversation state, kept in the database so that any instance can continue a conversation.
public protocol ConversationStore: Sendable {
    /// The state of this conversation, only if it belongs to `customer`; nil for a new conversation.
    func fetchState(conversationID: String, customer: CustomerID) async throws -> DialogueState?
    /// Records the turn and the state after it.
    func saveState(_ state: DialogueState, conversationID: String, customer: CustomerID, now: Date) async throws
    /// Keeps the turn for review (redacted text, reply, decision trace).
    func recordTurn(_ turn: ConversationTurn) async throws
}

/// Whether the database answers (for `/health`).
public protocol StoreHealth: Sendable {
    func ping() async throws
    /// The names of the migrations applied to the database.
    func appliedMigrations() async throws -> Set<String>
}

/// What was already done for a customer: refunds (paid, held for review or rejected) and replacements.
public struct CustomerHistory: Sendable, Hashable {
    public struct Refund: Sendable, Hashable {
        public var id: RefundID
        public var orderID: OrderID
        public var amount: Money
        public var status: RefundStatus
        public var createdAt: Date

        public init(id: RefundID, orderID: OrderID, amount: Money, status: RefundStatus, createdAt: Date) {
            self.id = id
            self.orderID = orderID
            self.amount = amount
            self.status = status
            self.createdAt = createdAt
        }
    }

    public struct Replacement: Sendable, Hashable {
        public var id: ReplacementID
        public var orderID: OrderID
        public var createdAt: Date

        public init(id: ReplacementID, orderID: OrderID, createdAt: Date) {
            self.id = id
            self.orderID = orderID
            self.createdAt = createdAt
        }
    }

    public var refunds: [Refund]
    public var replacements: [Replacement]

    public init(refunds: [Refund] = [], replacements: [Replacement] = []) {
        self.refunds = refunds
        self.replacements = replacements
    }
}

/// What a request carrying an `Idempotency-Key` should do.
public enum IdempotencyStart: Sendable, Equatable {
    /// The key is new (or expired): carry the request out, then `complete` it.
    case proceed
    /// The same request was answered before: send this answer again, act on nothing.
    case replay(status: Int, body: String, contentType: String)
    /// The key was used with another request.
    case mismatch
    /// The same request is being carried out right now.
    case inProgress
}

/// Idempotency keys of API requests, shared by every instance: the first request with a key claims it (a unique row),
/// and its answer is kept for the key's lifetime.
public protocol IdempotencyStore: Sendable {
    func begin(key: String, scope: String, requestHash: String, now: Date, lifetime: TimeInterval) async throws -> IdempotencyStart
    func complete(key: String, scope: String, status: Int, body: String, contentType: String) async throws
    /// Forgets a claim whose request failed (a 5xx): a retry with the key may run.
    func abandon(key: String, scope: String) async throws
    /// Deletes keys created before `date`.
    func purge(before date: Date) async throws
}

/// Whether a request may go on under its rate limit, and if not, how many seconds until it may.
public struct RateDecision: Sendable, Equatable {
    public var allowed: Bool
    public var retryAfterSeconds: Int

    public init(allowed: Bool, retryAfterSeconds: Int) {
        self.allowed = allowed
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Counts requests per bucket (an API key, a client address) in fixed windows.
public protocol RateLimiter: Sendable {
    /// Counts one request in `bucket`'s current window and says whether it is within `limit`.
    func hit(_ bucket: String, limit: Int, window: Int, now: Date) async throws -> RateDecision
    /// Forgets windows that started before `date` (pass a moment at least one window ago).
    func purge(before date: Date) async throws
}

extension RateLimiter {
    /// The window a moment falls in (whole seconds since 1970, a multiple of `window`), and the seconds left in it.
    public static func window(of now: Date, length: Int) -> (start: Int64, remaining: Int) {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let start = seconds - seconds % Int64(length)
        return (start, Int(start + Int64(length) - seconds))
    }
}
