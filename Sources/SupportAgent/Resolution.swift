import Foundation
import SupportDomain

/// A request to the agent: the raw message (redacted before anything else sees it) and who sent it.
public struct ResolveInput: Sendable {
    public var userInput: String
    public var customerID: CustomerID
    public var conversationID: String?
    public var requestID: String

    public init(userInput: String, customerID: CustomerID, conversationID: String?, requestID: String) {
        self.userInput = userInput
        self.customerID = customerID
        self.conversationID = conversationID
        self.requestID = requestID
    }
}

/// A passage the reply relies on.
public struct Citation: Sendable, Hashable, Codable {
    public var source: String
    public var section: String
    public var excerpt: String
}

/// One step of the decision trace, for audits and the agents' playground.
public struct TraceStep: Sendable, Hashable, Codable {
    public var step: String
    public var detail: String
}

/// Everything the agent decided and did for one message.
public struct Resolution: Sendable {
    public var requestID: String
    public var conversationID: String
    public var intent: Intent
    public var confidence: Double
    public var orderID: OrderID?
    public var actionResult: ToolResult?
    public var reply: String
    public var citations: [Citation]
    public var needsClarification: Bool
    public var clarificationPrompt: String?
    public var escalated: Bool
    public var understoodBy: String
    /// `template`, or the language model that restyled the reply.
    public var writtenBy: String
    public var redactedInput: String
    public var trace: [TraceStep]
}

/// Why the agent could not handle a request at all (as opposed to a refused action).
public enum AgentError: Error, Sendable, Equatable {
    case customerNotFound(CustomerID)
}
