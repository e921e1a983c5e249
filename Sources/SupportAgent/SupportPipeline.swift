import Foundation
import SupportSearch
import Logging
import SupportDomain

/// The agent: redact → understand → retrieve → decide → act (at most one tool) → reply.
public struct SupportPipeline: Sendable {
    public var toolbox: any SupportToolbox
    public var conversations: any ConversationStore
    public var understanding: any IntentUnderstanding
    public var knowledge: KnowledgeBase
    public var composer: ReplyComposer
    public var clock: WallClock
    public var logger: Logger
    /// Below this confidence the agent asks instead of acting.
    public var confidenceThreshold: Double
    /// Restyles the template reply (a language model), or keeps it.
    public var replyWriter: any ReplyWriter
    private let redactor = Redactor()
    private let extractor = EntityExtractor()

    public init(toolbox: any SupportToolbox, conversations: any ConversationStore, understanding: any IntentUnderstanding,
                knowledge: KnowledgeBase, composer: ReplyComposer = ReplyComposer(), clock: WallClock = .system,
                logger: Logger = Logger(label: "supportops.agent"), confidenceThreshold: Double = 0.6,
                replyWriter: any ReplyWriter = TemplateReplyWriter()) {
        self.replyWriter = replyWriter
        self.confidenceThreshold = confidenceThreshold
        self.toolbox = toolbox
        self.conversations = conversations
        self.understanding = understanding
        self.knowledge = knowledge
        self.composer = composer
        self.clock = clock
        self.logger = logger
    }

    public func resolve(_ input: ResolveInput) async throws -> Resolution {
        guard let customer = try await toolbox.fetchCustomer(input.customerID) else {
            throw AgentError.customerNotFound(input.customerID)
        }
        var trace: [TraceStep] = []
        let conversationID = input.conversationID ?? UUID().uuidString.lowercased()

        // 1. Redact before any model, log or store sees the text.
        let redacted = redactor.redact(input.userInput, knownNames: [customer.name])
        trace.append(TraceStep(step: "redact", detail: redacted.counts.isEmpty ? "no personal data found" :
            redacted.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue.lowercased()): \($0.value)" }
                .joined(separator: ", ")))

        // 2. Understand, continuing an open question of this conversation when the message answers it.
        var understood = await understanding.understand(redacted.text)
        let pending = input.conversationID == nil ? nil :
            try await conversations.fetchPending(conversationID: conversationID, customer: customer.id)
        if let pending {
            // An answer to the question: an order number in a short reply, or "yes" to a single proposed order.
            let words = redacted.text.split(whereSeparator: { $0.isWhitespace }).count
            var answer = understood.orderID ?? extractor.bareOrderNumber(in: redacted.text)
            if answer != nil, words > 8, understood.intent != .other, understood.intent != pending.intent,
               understood.confidence >= confidenceThreshold {
                answer = nil // a new, different request that happens to name an order
            }
            if answer == nil, pending.candidateOrderIDs.count == 1, Self.isAffirmative(redacted.text) {
                answer = pending.candidateOrderIDs[0]
            }
            if let answer {
                understood.intent = pending.intent
                understood.orderID = answer
                understood.reason = understood.reason ?? pending.reason
                understood.confidence = max(understood.confidence, 0.9)
                understood.secondaryIntents = []
                trace.append(TraceStep(step: "continue", detail: "answer to the pending question about \(pending.intent.rawValue)"))
            }
        }
        if let reason = understood.fallbackReason {
            trace.append(TraceStep(step: "llm", detail: "language model not used (\(reason)); the offline model answered"))
        }
        trace.append(TraceStep(step: "understand", detail: "intent \(understood.intent.rawValue) (\(understood.confidence))"
            + (understood.orderID.map { ", order \($0)" } ?? "") + (understood.reason.map { ", reason \($0.rawValue)" } ?? "")
            + (understood.mentionedAmounts.isEmpty ? "" : ", amounts named in text ignored: \(understood.mentionedAmounts.count)")))

        // 3-4. Decide which single tool the intent needs, and call it.
        let context = ToolContext(requestID: input.requestID, customerID: customer.id)
        var proposal: ToolInvocation?
        func call(_ invocation: ToolInvocation) async throws -> ToolResult {
            let write = invocation.action.isWrite
            // The API executes; the portal executes reads only; the playground executes nothing.
            if input.mode == .execute || (input.mode == .propose && !write) {
                return try await toolbox.run(invocation, context: context)
            }
            let checked = try await toolbox.preview(invocation, context: context)
            if write, checked.success { proposal = invocation }
            var outcome = checked.success ? "allowed" : "refused (\(checked.error?.code ?? "unknown"))"
            if let status = checked.refundStatus { outcome += ", refund would be \(status.rawValue)" }
            if !checked.fraudSignals.isEmpty { outcome += ", fraud signals: " + checked.fraudSignals.map(\.rawValue).joined(separator: ", ") }
            trace.append(TraceStep(step: "check", detail: "\(invocation.action.rawValue) checked by the rules without effect: \(outcome)"))
            return checked
        }
        var result: ToolResult?
        var clarification: String?
        var nextPending: PendingClarification?
        let unsure = understood.intent != .other && understood.confidence < confidenceThreshold
        switch understood.intent {
        case _ where unsure:
            clarification = composer.unsurePrompt(understood.alternatives.isEmpty ? [understood.intent] : understood.alternatives)
            trace.append(TraceStep(step: "decide", detail: "\(understood.intent.rawValue) at confidence \(understood.confidence) "
                + "is below \(confidenceThreshold): asking instead of acting"))
            understood.intent = .other
        case .refund, .cancel, .replacement, .status:
            if let orderID = understood.orderID {
                let invocation = Self.invocation(for: understood.intent, orderID: orderID, reason: understood.reason ?? .notGiven)
                result = try await call(invocation)
            } else {
                let listing = try await call(.listOrders)
                let eligible = composer.eligibleOrders(listing.orders ?? [], for: understood.intent, now: clock.now())
                result = listing
                clarification = composer.clarificationPrompt(for: understood.intent, eligible: eligible)
                let named = composer.ordersNamingProduct(in: redacted.text, among: eligible)
                if named.count == 1 {
                    clarification = composer.confirmPrompt(for: understood.intent, order: named[0])
                    nextPending = PendingClarification(intent: understood.intent, reason: understood.reason,
                                                       candidateOrderIDs: [named[0].id])
                } else if !eligible.isEmpty {
                    nextPending = PendingClarification(intent: understood.intent, reason: understood.reason,
                                                       candidateOrderIDs: eligible.map(\.id))
                }
            }
        case .escalate:
            result = try await call(.escalateCase(understood.orderID, summary: redacted.text))
        case .other:
            break
        }
        if let result {
            if proposal != nil {
                trace.append(TraceStep(step: "act", detail: "\(result.action.rawValue): " + (input.mode == .dryRun
                    ? "not carried out (dry run)" : "proposed, waiting for the customer's confirmation")))
            } else {
                trace.append(TraceStep(step: "act", detail: "\(result.action.rawValue): "
                    + (result.success ? "success" : "refused (\(result.error?.code ?? "unknown"))")))
            }
        } else {
            trace.append(TraceStep(step: "act", detail: "no tool called"))
        }

        // 5. Retrieve the policy that governs what happened, and reply citing it.
        let query = redacted.text + " " + composer.retrievalHints(intent: understood.intent, result: result)
        // A general question is answered from the knowledge base when a passage clearly covers it.
        var answer: SearchIndex.Hit?
        if understood.intent == .other, !unsure { answer = try await knowledge.answer(redacted.text) }
        let hits: [SearchIndex.Hit]
        if let answer {
            hits = [answer]
        } else {
            hits = try await knowledge.policyPassages(query, governing: Self.governingDocument[understood.intent], limit: 2)
        }
        let cited = composer.chooseCitations(hits, intent: understood.intent)
        trace.append(TraceStep(step: "retrieve", detail: cited.map { "\($0.source) › \($0.section)" }.joined(separator: "; ")))
        let draft = composer.reply(intent: understood.intent, understanding: understood, result: result,
                                   clarification: clarification, citations: cited, answer: answer, proposed: proposal != nil)
        let (reply, writtenBy) = await replyWriter.write(draft: draft, passages: hits.map { $0.document.body })
        if writtenBy != "template" { trace.append(TraceStep(step: "reply", detail: "restyled by \(writtenBy), numbers checked")) }

        if input.mode != .dryRun {
            try await conversations.savePending(nextPending, conversationID: conversationID, customer: customer.id, now: clock.now())
        }

        let escalated = proposal == nil
            && ((result?.action == .escalateCase && result?.success == true) || result?.refundStatus == .pendingReview)
        logger.info("resolved", metadata: [
            "request_id": .string(input.requestID), "intent": .string(understood.intent.rawValue),
            "action": .string(result?.action.rawValue ?? "none"), "success": .string(result.map { String($0.success) } ?? "-"),
        ])
        return Resolution(
            requestID: input.requestID, conversationID: conversationID, intent: understood.intent,
            confidence: understood.confidence, orderID: understood.orderID, actionResult: result, reply: reply,
            citations: cited, needsClarification: unsure || (clarification != nil && nextPending != nil),
            clarificationPrompt: unsure || nextPending != nil ? clarification : nil, escalated: escalated, understoodBy: understood.understoodBy, writtenBy: writtenBy,
            redactedInput: redacted.text, trace: trace, proposal: proposal)
    }

    /// The policy document that governs each intent, preferred when citing.
    static let governingDocument: [Intent: String] = [
        .refund: "refunds.md", .cancel: "cancellations.md", .replacement: "replacements.md",
        .status: "shipping.md", .escalate: "escalation.md",
    ]

    static func isAffirmative(_ text: String) -> Bool {
        let normalized = text.lowercased().trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        return ["yes", "yes please", "yep", "yeah", "correct", "right", "that one", "that's the one", "that's it", "exactly",
                "y", "sure", "ok", "okay", "yes that one", "yes, that one", "confirm"].contains(normalized)
    }

    static func invocation(for intent: Intent, orderID: OrderID, reason: ReturnReason) -> ToolInvocation {
        switch intent {
        case .refund: .issueRefund(orderID, reason: reason)
        case .cancel: .cancelOrder(orderID)
        case .replacement: .requestReplacement(orderID, reason: reason)
        default: .getOrderStatus(orderID)
        }
    }
}
