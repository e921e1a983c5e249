import Foundation
public import SupportDomain

/// A request to the agent: the raw message (redacted before anything else sees it) and who sent it.
public struct ResolveInput: Sendable {
    public var userInput: String
    public var customerID: CustomerID
    public var conversationID: String?
    public var requestID: String
    public var mode: ExecutionMode

    public init(userInput: String, customerID: CustomerID, conversationID: String?, requestID: String,
                mode: ExecutionMode = .execute) {
        self.userInput = userInput
        self.customerID = customerID
        self.conversationID = conversationID
        self.requestID = requestID
        self.mode = mode
    }
}

/// Whether the agent's decision is carried out.
public enum ExecutionMode: Sendable, Hashable {
    /// The API: the decided tool runs.
    case execute
    /// The portal: reads run; a write is checked against the rules and proposed, and runs only when the customer
    /// confirms it.
    case propose
    /// The agents' playground: every tool is checked without effect, and the conversation is not stored.
    case dryRun
}

/// Everything the agent decided and did for one message.
public struct Resolution: Sendable {
    public var requestID: String
    public var conversationID: String
    public var intent: Intent
    public var confidence: Double
    public var orderID: OrderID?
    public var actionResult: ToolResult?
    /// The whole reply as sent (body and policy note).
    public var reply: String
    /// The reply in parts, for a page that shows the citations itself.
    public var replyParts: ComposedReply
    public var citations: [Citation]
    public var needsClarification: Bool
    public var clarificationPrompt: String?
    public var escalated: Bool
    public var understoodBy: Understander
    /// `template`, or the language model that restyled the reply.
    public var writtenBy: String
    public var redactedInput: String
    public var trace: [TraceStep]
    /// In `propose` mode: the write the rules allow, waiting for the customer's confirmation.
    public var proposal: Proposal? = nil
    /// The language the customer wrote in, and the reply is in ("en", "es", …).
    public var language: String = "en"
}

/// Why the agent could not handle a request at all (as opposed to a refused action).
public enum AgentError: Error, Sendable, Equatable {
    case customerNotFound(CustomerID)
}
