import Foundation
public import SupportDomain
public import SupportSearch
import Logging

extension SupportPipeline {
    /// What carrying out a confirmed proposal came to.
    public struct Confirmation: Sendable {
        public var result: ToolResult
        /// What happened, in the conversation's language.
        public var reply: String

        /// The same confirmation was carried out before (a double submit); nothing new happened.
        public var wasDuplicate: Bool { result.error == .duplicateRequest }
        /// Whether a person takes the case over now (an escalation, or a refund held for review).
        public var handsOver: Bool { result.handsOverToPerson }
    }

    /// Runs the write the customer confirmed, exactly as it was previewed: the stored invocation, not one rebuilt.
    /// The context's idempotency key makes a second submit a `duplicate_request` that does nothing.
    public func confirm(_ proposal: Proposal, conversationID: String, context: ToolContext) async throws -> Confirmation {
        let result = try await toolbox.run(proposal.invocation, context: context)
        AgentMetrics.toolCall(result)
        let state = try await conversations.fetchState(conversationID: conversationID, customer: context.customerID)
        let speaker = composer.speaking(LanguageCatalog.shared.pack(state?.language ?? "en"))
        logger.info("confirmed", metadata: [
            "request_id": .string(context.requestID), "action": .string(result.action.rawValue),
            "success": .string(String(result.success)),
        ])
        return Confirmation(result: result, reply: speaker.describe(result))
    }

    /// Customers to run the agent as (the playground's list), and one by id.
    public func customers(limit: Int) async throws -> [CustomerSnapshot] { try await toolbox.fetchCustomers(limit: limit) }

    public func customer(_ id: CustomerID) async throws -> CustomerSnapshot? { try await toolbox.fetchCustomer(id) }

    /// What a tool would do now, checked by the rules without effect (a support agent's preview).
    public func check(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        try await toolbox.preview(invocation, context: context)
    }

    /// The sentence a customer reads about a proposed or refused action, and the short label of an action.
    public func label(_ result: ToolResult) -> String { composer.proposalLabel(result) }

    /// Why the rules refuse, in English for the support team.
    public func explainForStaff(_ result: ToolResult) -> String { composer.describe(result) }

    /// Hands a case to a person through the guarded tool (audited), at the customer's request.
    public func escalate(orderID: OrderID?, summary: String, context: ToolContext) async throws -> ToolResult {
        let result = try await toolbox.run(.escalateCase(orderID, summary: summary), context: context)
        AgentMetrics.toolCall(result)
        return result
    }

    /// Help articles for a message the agent cannot act on (no orders to look at).
    public func suggestArticles(_ text: String, limit: Int = 3) async throws -> [SearchIndex.Hit] {
        try await knowledge.suggest(text, limit: limit)
    }
}
