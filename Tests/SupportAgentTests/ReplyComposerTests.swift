import Foundation
import SupportSearch
import Testing
import SupportDomain
@testable import SupportAgent

@Suite("ReplyComposer")
struct ReplyComposerTests {
    let composer = ReplyComposer()
    let now = AgentFixture.now

    private func understanding(_ intent: Intent, amounts: [String] = [], secondary: [Intent] = []) -> Understanding {
        Understanding(intent: intent, confidence: 0.9, orderID: nil, reason: nil, mentionedAmounts: amounts,
                      secondaryIntents: secondary)
    }

    private func reply(_ intent: Intent, _ result: ToolResult?, amounts: [String] = [], secondary: [Intent] = [],
                       clarification: String? = nil, citations: [Citation] = [], composer: ReplyComposer? = nil) -> String {
        (composer ?? self.composer).reply(intent: intent, understanding: understanding(intent, amounts: amounts, secondary: secondary),
                                          result: result, clarification: clarification, citations: citations)
    }

    // MARK: Replies to tool results

    @Test("an approved refund states the amount, currency and order")
    func approvedRefund() {
        let result = ToolResult(action: .issueRefund, orderID: OrderID(1042), amount: Money(minorUnits: 49_99),
                                refundID: RefundID(3), refundStatus: .approved)
        let text = reply(.refund, result)
        #expect(text.contains("49.99 USD"))
        #expect(text.contains("#1042"))
        #expect(text.contains("refunded"))
        #expect(!text.contains("review"))

        let euros = reply(.refund, result, composer: ReplyComposer(currency: "EUR"))
        #expect(euros.contains("49.99 EUR"))
        #expect(!euros.contains("USD"))
    }

    @Test("a refund held for review says a person will review it")
    func pendingReview() {
        let result = ToolResult(action: .issueRefund, orderID: OrderID(77), amount: Money(minorUnits: 600_00),
                                refundID: RefundID(4), refundStatus: .pendingReview, fraudSignals: [.highValue])
        let text = reply(.refund, result)
        #expect(text.contains("review by a person"))
        #expect(text.contains("A person will contact you"))
        #expect(text.contains("600.00 USD"))
        #expect(text.contains("#77"))
        #expect(!text.hasPrefix("Done"))
    }

    @Test("amounts named in the message are never paid: the reply says so")
    func mentionedAmounts() {
        let result = ToolResult(action: .issueRefund, orderID: OrderID(1), amount: Money(minorUnits: 10_00), refundStatus: .approved)
        #expect(reply(.refund, result, amounts: ["$5000"]).contains("not an amount named in a message"))
        #expect(!reply(.refund, result).contains("not an amount named in a message"))
        let failed = ToolResult.failure(.issueRefund, orderID: OrderID(1), .finalSale)
        #expect(!reply(.refund, failed, amounts: ["$5000"]).contains("not an amount named in a message"))
    }

    @Test("error replies contain the tool error's message",
          arguments: [ToolError.orderNotFound, .invalidState(.shipped, action: .issueRefund),
                      .invalidState(.delivered, action: .cancelOrder), .outsideRefundWindow(days: 30), .finalSale,
                      .alreadyRefunded, .refundLimitExceeded(limit: 2, days: 30)])
    func errorReplies(error: ToolError) {
        let action: ToolAction = if case let .invalidState(_, action) = error { action } else { .issueRefund }
        let result = ToolResult.failure(action, orderID: OrderID(5), error)
        let text = reply(action == .cancelOrder ? .cancel : .refund, result)
        let fact: [String: String] = ["order_not_found": "could not find that order", "outside_refund_window": "outside the return window",
                                      "final_sale": "final-sale item", "already_refunded": "already been refunded",
                                      "refund_limit_exceeded": "limit of 2 refunds in 30 days"]
        let expected = fact[error.code] ?? (action == .cancelOrder ? "can no longer be cancelled" : "cannot be refunded yet")
        #expect(text.contains(expected), "\(text)")
        #expect(text.contains("#5") || error == .orderNotFound, "the reply names the order")
        #expect(!text.hasPrefix("Done"))
    }

    @Test("error replies add the right next step")
    func errorNextSteps() {
        let notFound = reply(.refund, ToolResult.failure(.issueRefund, orderID: OrderID(5), .orderNotFound))
        #expect(notFound.contains("check the order number"))
        let shipped = reply(.cancel, ToolResult.failure(.cancelOrder, orderID: OrderID(5), .invalidState(.shipped, action: .cancelOrder)))
        #expect(shipped.contains("within 30 days"))
        let custom = reply(.cancel, ToolResult.failure(.cancelOrder, orderID: OrderID(5), .invalidState(.shipped, action: .cancelOrder)),
                           composer: ReplyComposer(policy: SupportPolicy(returnWindowDays: 45)))
        #expect(custom.contains("within 45 days"))
        let finalSale = reply(.refund, ToolResult.failure(.issueRefund, orderID: OrderID(5), .finalSale))
        #expect(finalSale.contains("replacement instead"))
        let limit = reply(.refund, ToolResult.failure(.issueRefund, orderID: OrderID(5), .refundLimitExceeded(limit: 2, days: 30)))
        #expect(limit.contains("ask for a person"))
    }

    @Test("successful cancel, replacement, escalation and listing replies")
    func otherSuccesses() {
        let cancel = reply(.cancel, ToolResult(action: .cancelOrder, orderID: OrderID(12), orderStatus: .cancelled))
        #expect(cancel.contains("order #12 is cancelled"))
        let replacement = reply(.replacement, ToolResult(action: .requestReplacement, orderID: OrderID(13),
                                                         replacementID: ReplacementID(99)))
        #expect(replacement.contains("replacement for order #13"))
        let escalation = reply(.escalate, ToolResult(action: .escalateCase, escalationID: EscalationID(8)))
        #expect(escalation.contains("case #8"))
        #expect(escalation.contains("24 hours"))
        let one = reply(.status, ToolResult(action: .listOrders, orders: [AgentFixture.order(1, status: .pending, createdDaysAgo: 1)]))
        #expect(one.contains("Orders on your account: 1."))
        let none = reply(.status, ToolResult(action: .listOrders, orders: []))
        #expect(none.contains("Orders on your account: 0."))
    }

    @Test("status reply states the status and dates in UTC")
    func statusReply() {
        let order = AgentFixture.order(1042, status: .delivered, deliveredDaysAgo: 0, createdDaysAgo: 10)
        let text = reply(.status, ToolResult(action: .getOrderStatus, orderID: OrderID(1042), orderStatus: .delivered, order: order))
        #expect(text.contains("Order #1042 is delivered."))
        #expect(text.contains("It shipped on 13 June 2026."))
        #expect(text.contains("It was delivered on 15 June 2026."))
        let pending = AgentFixture.order(7, status: .pending, createdDaysAgo: 1)
        let pendingText = reply(.status, ToolResult(action: .getOrderStatus, orderID: OrderID(7), orderStatus: .pending, order: pending))
        #expect(pendingText.contains("Order #7 is pending."))
        #expect(!pendingText.contains("shipped on"))
        #expect(pendingText.contains("It has not shipped yet."))
    }

    @Test("no result: a generic offer of help")
    func noResult() {
        let text = reply(.other, nil)
        #expect(text.contains("I can help with refunds"))
    }

    @Test("secondary intents are mentioned")
    func secondary() {
        let result = ToolResult(action: .cancelOrder, orderID: OrderID(5))
        let text = reply(.cancel, result, secondary: [.refund])
        #expect(text.contains("You also asked me to refund"))
        #expect(!reply(.cancel, result).contains("You also asked"))
    }

    @Test("the first citation is quoted")
    func citation() {
        let citations = [Citation(source: "refunds.md", section: "Refund window", excerpt: "You can request a refund..."),
                         Citation(source: "privacy.md", section: "Card numbers", excerpt: "We will never ask...")]
        let refunded = ToolResult(action: .issueRefund, orderID: OrderID(5), amount: Money(minorUnits: 4999), refundStatus: .approved)
        let text = reply(.refund, refunded, citations: citations)
        #expect(text.contains("From our policy \"Refund window\": You can request a refund..."))
        #expect(!text.contains("refunds.md") && !text.contains("privacy.md"), "no file names in replies")
        #expect(!reply(.refund, nil, citations: citations).contains("From our policy"), "nothing to cite without an outcome")
    }

    @Test("a clarification replaces the result description")
    func clarificationFirst() {
        let text = reply(.refund, ToolResult(action: .listOrders, orders: []), clarification: "Which order?")
        #expect(text.hasPrefix("Which order?"))
        #expect(!text.contains("You have 0 orders"))
    }

    // MARK: Clarification

    var orders: [OrderSnapshot] {
        [
            AgentFixture.order(101, status: .delivered, deliveredDaysAgo: 5, createdDaysAgo: 12),            // refundable
            AgentFixture.order(102, status: .delivered, deliveredDaysAgo: 40, createdDaysAgo: 50),           // too old
            AgentFixture.order(103, status: .delivered, deliveredDaysAgo: 3, createdDaysAgo: 8, finalSale: true), // final sale
            AgentFixture.order(104, status: .shipped, createdDaysAgo: 4),
            AgentFixture.order(105, status: .pending, createdDaysAgo: 1),
            AgentFixture.order(106, status: .processing, createdDaysAgo: 2),
            AgentFixture.order(107, status: .cancelled, createdDaysAgo: 20),
            AgentFixture.order(108, status: .delivered, deliveredDaysAgo: 30, createdDaysAgo: 35),           // day 30: still in
            AgentFixture.order(109, status: .returned, createdDaysAgo: 60),
        ]
    }

    private func ids(_ orders: [OrderSnapshot]) -> [Int64] { orders.map(\.id.rawValue) }

    @Test("eligible orders per intent, newest first")
    func eligibleOrders() {
        #expect(ids(composer.eligibleOrders(orders, for: .refund, now: now)) == [101, 108])
        #expect(ids(composer.eligibleOrders(orders, for: .replacement, now: now)) == [103, 101, 108])
        #expect(ids(composer.eligibleOrders(orders, for: .cancel, now: now)) == [105, 106])
        // Status: every order still on its way or delivered; cancelled and returned ones are not asked about.
        #expect(ids(composer.eligibleOrders(orders, for: .status, now: now)) == [105, 106, 104, 103, 101, 108, 102])
    }

    @Test("eligibility follows the clock and the configured window")
    func eligibilityWindow() {
        let later = now.addingTimeInterval(10 * 86_400)
        #expect(ids(composer.eligibleOrders(orders, for: .refund, now: later)) == [101])
        let generous = ReplyComposer(policy: SupportPolicy(returnWindowDays: 45))
        #expect(ids(generous.eligibleOrders(orders, for: .refund, now: now)) == [101, 108, 102])
    }

    @Test("the clarification prompt lists eligible order numbers only")
    func clarificationPrompt() {
        let eligible = composer.eligibleOrders(orders, for: .refund, now: now)
        let prompt = composer.clarificationPrompt(for: .refund, eligible: eligible)
        #expect(prompt.contains("#101"))
        #expect(prompt.contains("#108"))
        for excluded in [102, 103, 104, 105, 106, 107, 109] {
            #expect(!prompt.contains("#\(excluded)"), "#\(excluded) is not refundable")
        }
        #expect(prompt.contains("like me to refund"))
        #expect(prompt.contains("49.99 USD"))
        #expect(prompt.contains("Blender"))
        #expect(prompt.contains("Reply with the order number"))
        #expect(prompt.range(of: "#101")!.lowerBound < prompt.range(of: "#108")!.lowerBound)
    }

    @Test("cancel prompt lists cancellable orders only")
    func cancelPrompt() {
        let prompt = composer.clarificationPrompt(for: .cancel, eligible: composer.eligibleOrders(orders, for: .cancel, now: now))
        #expect(prompt.contains("#105"))
        #expect(prompt.contains("#106"))
        #expect(!prompt.contains("#101"))
        #expect(!prompt.contains("#104"))
        #expect(prompt.contains("like me to cancel"))
    }

    @Test("no eligible orders: a clear explanation instead of a question")
    func noEligible() {
        let prompt = composer.clarificationPrompt(for: .refund, eligible: [])
        #expect(prompt.contains("could not find an order"))
        #expect(prompt.contains("refunded"))
        #expect(!prompt.contains("#"))
        #expect(composer.clarificationPrompt(for: .cancel, eligible: []).contains("cancelled"))
    }

    @Test("at most five orders are listed")
    func atMostFive() {
        let many = (1...8).map { AgentFixture.order(Int64(200 + $0), status: .pending, createdDaysAgo: Double($0)) }
        let prompt = composer.clarificationPrompt(for: .cancel, eligible: many)
        for listed in 201...205 { #expect(prompt.contains("#\(listed)")) }
        for hidden in 206...208 { #expect(!prompt.contains("#\(hidden)")) }
        #expect(prompt.contains("(and 3 more)"))
    }

    // MARK: Retrieval hints and citations

    @Test("retrieval hints follow the outcome")
    func retrievalHints() {
        #expect(composer.retrievalHints(intent: .refund, result: nil) == "")
        #expect(composer.retrievalHints(intent: .cancel, result: .failure(.cancelOrder, orderID: OrderID(1),
                                                                            .invalidState(.shipped, action: .cancelOrder))) ==
            "already shipped cancel")
        #expect(composer.retrievalHints(intent: .refund, result: .failure(.issueRefund, orderID: OrderID(1),
                                                                            .invalidState(.shipped, action: .issueRefund))) ==
            "delivered status")
        #expect(composer.retrievalHints(intent: .refund, result: .failure(.issueRefund, orderID: nil, .finalSale)) ==
            "final sale items")
        #expect(composer.retrievalHints(intent: .refund, result: ToolResult(action: .issueRefund, refundStatus: .pendingReview))
            .contains("fraud"))
        #expect(composer.retrievalHints(intent: .refund, result: ToolResult(action: .issueRefund, refundStatus: .approved))
            .contains("original payment method"))
        #expect(composer.retrievalHints(intent: .status, result: ToolResult(action: .getOrderStatus, orderStatus: .shipped)) ==
            "delivery times business days standard delivery")
    }

    @Test("the hint for a pending refund leads the retriever to the fraud-review policy")
    func hintLeadsToPolicy() throws {
        let library = try PolicyLibrary.bundled(policy: .standard)
        let index = SearchIndex(documents: library.sections.map(KnowledgeBase.document))
        let hint = composer.retrievalHints(intent: .refund, result: ToolResult(action: .issueRefund, refundStatus: .pendingReview))
        let hits = index.search(hint, limit: 1).hits
        #expect(hits.first?.document.source == "fraud-and-limits.md")
    }

    private func hit(_ source: String, _ heading: String, _ score: Double) -> SearchIndex.Hit {
        SearchIndex.Hit(document: KnowledgeBase.document(PolicySection(source: source, title: "T", heading: heading,
                                                                       body: "Body of \(heading).")),
                        score: score, coverage: 1)
    }

    @Test("a second citation only when nearly as relevant and from another document")
    func chooseCitations() {
        #expect(composer.chooseCitations([], intent: .refund).isEmpty)
        let one = composer.chooseCitations([hit("refunds.md", "A", 10)], intent: .refund)
        #expect(one == [Citation(source: "refunds.md", section: "A", excerpt: "Body of A.")])
        #expect(composer.chooseCitations([hit("refunds.md", "A", 10), hit("fraud-and-limits.md", "B", 8)], intent: .refund)
            .map(\.section) == ["A", "B"])
        #expect(composer.chooseCitations([hit("refunds.md", "A", 10), hit("fraud-and-limits.md", "B", 7.9)], intent: .refund)
            .map(\.section) == ["A"])
        #expect(composer.chooseCitations([hit("refunds.md", "A", 10), hit("refunds.md", "B", 9.9)], intent: .refund)
            .map(\.section) == ["A"])
    }
}
