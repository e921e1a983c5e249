import Foundation
import SupportSearch
public import Logging
public import SupportDomain

/// The agent: redact → read the message against the conversation → decide → act (at most one tool) → reply in the
/// customer's language, citing the policy.
public struct SupportPipeline: Sendable {
    public var toolbox: any SupportToolbox
    public var conversations: any ConversationStore
    public var understanding: any IntentUnderstanding
    public var knowledge: KnowledgeBase
    public var composer: ReplyComposer
    public var clock: any WallClock
    public var logger: Logger
    /// Below this confidence the agent asks instead of acting.
    public var confidenceThreshold: Double
    /// Restyles the template reply (a language model), or keeps it.
    public var replyWriter: any ReplyWriter
    /// New conversation ids.
    public var ids: any IDGenerator
    let redactor = Redactor()
    let reader = MessageReader()
    let translations: PolicyTranslations

    public init(toolbox: any SupportToolbox, conversations: any ConversationStore, understanding: any IntentUnderstanding,
                knowledge: KnowledgeBase, composer: ReplyComposer = ReplyComposer(), clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "supportops.agent"), confidenceThreshold: Double = 0.6,
                replyWriter: any ReplyWriter = TemplateReplyWriter(), translations: PolicyTranslations? = nil,
                ids: any IDGenerator = RandomIDs()) {
        self.replyWriter = replyWriter
        self.ids = ids
        self.confidenceThreshold = confidenceThreshold
        self.toolbox = toolbox
        self.conversations = conversations
        self.understanding = understanding
        self.knowledge = knowledge
        self.composer = composer
        self.clock = clock
        self.logger = logger
        self.translations = translations
            ?? (try? PolicyLibrary.bundled(policy: composer.policy)).map(PolicyTranslations.bundled(english:))
            ?? PolicyTranslations(english: PolicyLibrary(sections: []), directory: nil)
    }

    /// The customer's orders, read from the store at most once per turn (several steps of a turn look at them).
    final class OrdersOnce: @unchecked Sendable {
        private let load: @Sendable () async throws -> [OrderSnapshot]
        private var loaded: [OrderSnapshot]?

        init(_ load: @escaping @Sendable () async throws -> [OrderSnapshot]) { self.load = load }

        /// Used only within the one task that resolves the turn.
        func get() async throws -> [OrderSnapshot] {
            if let loaded { return loaded }
            let orders = try await load()
            loaded = orders
            return orders
        }
    }

    /// One turn's working state while it is decided.
    struct Turn {
        var input: ResolveInput
        var customer: CustomerSnapshot
        var conversationID: String
        var redacted: String
        var understood: Understanding
        var reading: Reading
        var state: DialogueState
        var composer: ReplyComposer
        var orders: OrdersOnce
        var trace: [TraceStep] = []
        var result: ToolResult?
        /// Further requests of the same message carried out after the first ("cancel 7022 and refund 7020").
        var extraResults: [ToolResult] = []
        var proposal: ToolInvocation?
        var clarification: String?
        var asked = false
        var unsure = false
        /// A sentence written instead of the usual outcome text (answers to questions, acknowledgements).
        var message: String?
        var answer: SearchIndex.Hit?
        var policyQuestion = false
    }

    public func resolve(_ input: ResolveInput) async throws -> Resolution {
        guard let customer = try await toolbox.fetchCustomer(input.customerID) else {
            throw AgentError.customerNotFound(input.customerID)
        }
        let conversationID = input.conversationID ?? ids.newID()

        // 1. Redact before any model, log or store sees the text.
        let redacted = redactor.redact(input.userInput, knownNames: [customer.name])
        var trace = [TraceStep(step: .redact, detail: redacted.counts.isEmpty ? "no personal data found" :
            redacted.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue.lowercased()): \($0.value)" }
                .joined(separator: ", "))]

        // 2. Read the message against the conversation so far.
        let previous = input.conversationID == nil ? nil
            : try await conversations.fetchState(conversationID: conversationID, customer: customer.id)
        let understood = await understanding.understand(redacted.text, context: previous)
        let reading = reader.read(redacted.text, state: previous, understood: understood)
        var state = previous ?? DialogueState()
        state.language = reading.language
        if let reason = understood.fallbackReason {
            trace.append(TraceStep(step: .llm, detail: "language model not used (\(reason)); the offline model answered"))
        }
        trace.append(TraceStep(step: .understand, detail: "language \(reading.language), act \(reading.act.rawValue), intent "
            + "\(reading.intent.rawValue) (model: \(understood.intent.rawValue) \(understood.confidence))"
            + (reading.orderID.map { ", order \($0)" } ?? "") + (understood.reason.map { ", reason \($0.rawValue)" } ?? "")
            + (reading.negated.isEmpty ? "" : ", called off: " + reading.negated.map(\.rawValue).sorted().joined(separator: ", "))
            + (understood.mentionedAmounts.isEmpty ? "" : ", amounts named in text ignored: \(understood.mentionedAmounts.count)")))

        let toolbox = self.toolbox
        let orders = OrdersOnce { try await toolbox.fetchOrders(of: customer.id) }
        var turn = Turn(input: input, customer: customer, conversationID: conversationID, redacted: redacted.text,
                        understood: understood, reading: reading, state: state,
                        composer: composer.speaking(LanguageCatalog.shared.pack(reading.language)), orders: orders,
                        trace: trace)
        if reading.orderID == nil, let number = try await ownOrderNumber(in: redacted.text, orders: orders) {
            // "cancel 7012", "and 7081 too": a bare number that is one of the customer's own orders.
            turn.reading.orderID = number
            if case .product? = turn.reading.reference { turn.reading.reference = nil }
            if case .pronoun? = turn.reading.reference { turn.reading.reference = nil }
        }
        turn.understood.orderID = turn.reading.orderID ?? understood.orderID
        turn.state.lastOutcome = nil // this turn's outcome, if any, replaces the last one
        // "I did not ask for a replacement. Please cancel 1002": a request the message calls off is not still to do.
        turn.understood.secondaryIntents = understood.secondaryIntents.filter { !reading.negated.contains($0) && $0 != reading.intent }

        // 3-4. Decide and act.
        try await decide(&turn)

        // 5. Retrieve the policy that governs what happened, and reply citing it.
        let intent = turn.understood.intent
        var cited: [Citation] = []
        var hits: [SearchIndex.Hit] = []
        if turn.message == nil || turn.policyQuestion {
            if turn.policyQuestion, let outcome = previous?.lastOutcome {
                // A question about what just happened ("how does that limit work?", "how long does the review take?"):
                // the passage about that outcome.
                let hints = composer.retrievalHints(intent: previous?.lastIntent ?? .other, outcome: outcome) + " " + reading.topicQuery
                // A help article that answers the question itself ("isn't there a warranty?") comes first.
                let question = Self.questionSentences(redacted.text)
                let aboutOutcome = Set(LanguageText.words(hints)).intersection(LanguageText.words(LanguageText.fold(redacted.text)))
                    .contains { $0.count >= 4 }
                if reading.language == "en", !aboutOutcome, !question.isEmpty, let article = try await knowledge.answer(question),
                   article.document.kind == .article, article.coverage >= 0.8 {
                    turn.answer = article
                } else {
                    turn.answer = try await knowledge.policyPassages(redacted.text + " " + hints, governing: nil, limit: 1).first
                }
            } else if turn.policyQuestion, reading.cued, let governing = Self.governingDocument[reading.intent],
                      let passage = try await knowledge.policyPassages(redacted.text, governing: governing, limit: 1).first,
                      passage.coverage >= 0.5, passage.document.source == governing {
                // "how many days do I have to return something for a refund?": the governing policy first.
                turn.answer = passage
            }
            if turn.answer == nil, turn.policyQuestion || (intent == .other && !turn.unsure && turn.result == nil && !turn.asked) {
                // The question itself first ("do you ship to Canada?"), without the story around it.
                let question = Self.questionSentences(redacted.text)
                if !question.isEmpty, question != redacted.text { turn.answer = try await knowledge.answer(question) }
                if turn.answer == nil { turn.answer = try await knowledge.answer(redacted.text) }
                if turn.answer == nil, reading.language != "en", turn.policyQuestion {
                    // The index is English: a question in another language is looked up by its topic.
                    let topic = reading.topicQuery.isEmpty ? Self.topicQuery(reading) : reading.topicQuery
                    turn.answer = try await knowledge.policyPassages(topic, governing: Self.governingDocument[reading.intent],
                                                                     limit: 1).first
                }
            }
            if let answer = turn.answer {
                hits = [answer]
            } else if turn.result != nil, !turn.asked {
                // A long story's words would outweigh the outcome's: past a few sentences the outcome alone is the query.
                let words = redacted.text.count <= 300 ? redacted.text : ""
                hits = try await knowledge.policyPassages(words + " " + composer.retrievalHints(intent: intent, result: turn.result),
                                                          governing: Self.governingDocument[intent], limit: 2)
            }
            cited = turn.composer.chooseCitations(hits, intent: intent).map { translations.translate($0, to: reading.language) }
        }
        trace = turn.trace
        trace.append(TraceStep(step: .retrieve, detail: cited.isEmpty ? "nothing cited"
            : cited.map { "\($0.source) › \($0.section)" }.joined(separator: "; ")))
        var draft: String
        var policyNote: String?
        if turn.policyQuestion, turn.answer == nil {
            draft = turn.composer.t("no_answer")
        } else if let message = turn.message, !turn.policyQuestion, turn.answer == nil {
            draft = message
        } else if turn.policyQuestion, let answer = turn.answer, answer.document.kind == .policy {
            // A policy answer, quoted in the customer's language.
            let citation = cited.first ?? ReplyComposer.citation(answer)
            draft = turn.composer.t("policy_quote", ["title": citation.section, "sentence": citation.excerpt])
        } else {
            let composed = turn.composer.composeReply(intent: intent, understanding: turn.understood, result: turn.result,
                                                      clarification: turn.clarification, citations: cited,
                                                      answer: turn.answer, proposed: turn.proposal != nil)
            draft = composed.body
            policyNote = composed.policyNote
        }
        if let message = turn.message, turn.answer != nil, !turn.policyQuestion { draft = message + "\n\n" + draft }
        if !turn.extraResults.isEmpty {
            draft = ([draft.components(separatedBy: "\n\n").first ?? draft] + turn.extraResults.map(turn.composer.describe)
                + draft.components(separatedBy: "\n\n").dropFirst()).joined(separator: "\n\n")
        }
        // A writer restyles the body; the policy sentence stays as the passage says it.
        let (body, writtenBy) = await replyWriter.write(draft: draft, passages: hits.map { $0.document.body })
        if writtenBy != "template" { trace.append(TraceStep(step: .reply, detail: "restyled by \(writtenBy), numbers checked")) }
        let reply = ComposedReply(body: body, policyNote: policyNote)

        if let result = turn.result, result.action != .listOrders {
            turn.state.lastOutcome = result.error?.code ?? result.refundStatus?.rawValue
                ?? (result.action == .getOrderStatus ? result.orderStatus.map { "status_\($0.rawValue)" } : nil)
        }
        if input.mode != .dryRun {
            try await conversations.saveState(turn.state, conversationID: conversationID, customer: customer.id, now: clock.now())
        }
        let result = turn.result
        let escalated = turn.proposal == nil && result?.handsOverToPerson == true
        if input.mode != .dryRun {
            // Kept for the leads' review (redacted text, reply, trace). The answer does not depend on it: a failure here
            // is logged, not passed on to a customer whose request was carried out.
            do {
                try await conversations.recordTurn(ConversationTurn(
                    conversationID: conversationID, customerID: customer.id, requestID: input.requestID,
                    channel: input.mode == .propose ? .portal : .api, language: reading.language, intent: intent,
                    confidence: turn.understood.confidence, orderID: turn.understood.orderID ?? result?.orderID,
                    action: result?.action, success: result?.success, errorCode: result?.error?.code,
                    needsClarification: turn.asked, escalated: escalated, text: redacted.text, reply: reply.text,
                    trace: trace, createdAt: clock.now()))
            } catch {
                logger.warning("turn not kept for review", metadata: ["request_id": .string(input.requestID)])
            }
        }
        logger.info("resolved", metadata: [
            "request_id": .string(input.requestID), "intent": .string(intent.rawValue), "language": .string(reading.language),
            "action": .string(result?.action.rawValue ?? "none"), "success": .string(result.map { String($0.success) } ?? "-"),
        ])
        AgentMetrics.resolution(intent: intent, asked: turn.asked, proposed: turn.proposal != nil, escalated: escalated,
                                result: result, mode: input.mode)
        // Counted where a tool ran: the API's calls and the portal's reads (a proposal runs when it is confirmed).
        if let result, input.mode == .execute || (input.mode == .propose && turn.proposal == nil && !result.action.isWrite) {
            AgentMetrics.toolCall(result)
        }
        return Resolution(
            requestID: input.requestID, conversationID: conversationID, intent: intent,
            confidence: turn.understood.confidence, orderID: turn.understood.orderID ?? result?.orderID, actionResult: result,
            reply: reply.text, replyParts: reply, citations: cited, needsClarification: turn.asked,
            clarificationPrompt: turn.asked ? turn.clarification : nil, escalated: escalated,
            understoodBy: understood.understoodBy, writtenBy: writtenBy, redactedInput: redacted.text, trace: trace,
            proposal: turn.proposal.flatMap { invocation in
                result.map { Proposal(invocation: invocation, label: turn.composer.proposalLabel($0)) }
            }, language: reading.language)
    }

    /// The first number of three or more digits in the text that is one of the customer's orders (a number that is
    /// not, such as "3 weeks" or "2 plates", is never taken for an order).
    func ownOrderNumber(in text: String, orders: OrdersOnce) async throws -> OrderID? {
        let numbers = text.split(whereSeparator: { !$0.isNumber }).filter { (3...12).contains($0.count) }.compactMap { Int64($0) }
        guard !numbers.isEmpty else { return nil }
        let own = Set(try await orders.get().map(\.id.rawValue))
        return numbers.first(where: own.contains).map { OrderID(rawValue: $0) }
    }

    /// The sentences of a message that end with a question mark.
    static func questionSentences(_ text: String) -> String {
        var sentences: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?\n".contains(character) {
                if character == "?" { sentences.append(current.trimmingCharacters(in: .whitespacesAndNewlines)) }
                current = ""
            }
        }
        return sentences.joined(separator: " ")
    }

    /// The policy document that governs each intent, preferred when citing.
    static let governingDocument: [Intent: String] = [
        .refund: "refunds.md", .cancel: "cancellations.md", .replacement: "replacements.md",
        .status: "shipping.md", .escalate: "escalation.md",
    ]

    /// English words for the topic of a question asked in another language (the index is English).
    static func topicQuery(_ reading: Reading) -> String {
        switch reading.intent {
        case .refund: "how refunds work refund limit window how long"
        case .cancel: "cancel order before it ships"
        case .replacement: "replacement damaged item"
        case .status: "delivery shipping times"
        case .escalate: "talk to a person reply hours"
        case .other: "help"
        }
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
