import Foundation
import SupportSearch
import SupportDomain

/// Writes the customer's reply from the tool result and the cited policy. Deterministic and grounded:
/// every number in a reply comes from the tool result or the policy configuration.
public struct ReplyComposer: Sendable {
    public var policy: SupportPolicy
    public var currency: String

    public init(policy: SupportPolicy = .standard, currency: String = "USD") {
        self.policy = policy
        self.currency = currency
    }

    // MARK: Clarification

    /// The customer's orders that the intent could apply to, newest first.
    public func eligibleOrders(_ orders: [OrderSnapshot], for intent: Intent, now: Date) -> [OrderSnapshot] {
        let window = TimeInterval(policy.returnWindowDays) * 86_400
        return orders.filter { order in
            switch intent {
            case .cancel: order.status.isCancellable
            case .refund: order.status == .delivered && !order.containsFinalSaleItem
                && (order.deliveredAt.map { now.timeIntervalSince($0) <= window } ?? false)
            case .replacement: order.status == .delivered && (order.deliveredAt.map { now.timeIntervalSince($0) <= window } ?? false)
            default: true
            }
        }
        .sorted { $0.createdAt > $1.createdAt }
    }

    public func clarificationPrompt(for intent: Intent, eligible: [OrderSnapshot]) -> String {
        let verb = Self.verb(intent)
        guard !eligible.isEmpty else {
            return "I could not find an order on your account that can be \(Self.participle(intent)) right now."
        }
        let list = eligible.prefix(5).map(describe).joined(separator: "; ")
        let more = eligible.count > 5 ? " (and \(eligible.count - 5) more)" : ""
        return "Which order would you like to \(verb)? Orders that qualify: \(list)\(more). Reply with the order number."
    }

    /// "Do you mean order #1042 (Desk lamp)?" when the message names a product of exactly one order.
    public func confirmPrompt(for intent: Intent, order: OrderSnapshot) -> String {
        "Do you mean order \(describe(order))? Reply yes to \(Self.verb(intent)) it, or give another order number."
    }

    /// The orders among `orders` whose product names share a distinctive word with the message ("the lamp I bought").
    public func ordersNamingProduct(in text: String, among orders: [OrderSnapshot]) -> [OrderSnapshot] {
        let words = Set(text.lowercased().split(whereSeparator: { !$0.isLetter }).map { Self.singular(String($0)) })
        return orders.filter { order in
            order.lines.contains { line in
                line.productName.lowercased().split(whereSeparator: { !$0.isLetter })
                    .map { Self.singular(String($0)) }
                    .contains { $0.count >= 4 && words.contains($0) }
            }
        }
    }

    static func singular(_ word: String) -> String {
        word.count > 4 && word.hasSuffix("s") && !word.hasSuffix("ss") ? String(word.dropLast()) : word
    }

    /// When the model is unsure: name the likeliest readings and offer a person.
    public func unsurePrompt(_ alternatives: [Intent]) -> String {
        let options = alternatives.filter { $0 != .other }.prefix(2).map(Self.option)
        let list = options.isEmpty ? "" : " Do you want to \(options.joined(separator: ", or "))?"
        return "I am not sure I understood your request.\(list) Tell me in a few words, or ask for a person and we will "
            + "get back to you within 24 hours."
    }

    static func option(_ intent: Intent) -> String {
        switch intent {
        case .refund: "get a refund"
        case .cancel: "cancel an order"
        case .replacement: "get a replacement"
        case .status: "know where your order is"
        case .escalate: "talk to a person"
        case .other: "ask something else"
        }
    }

    func describe(_ order: OrderSnapshot) -> String {
        let items = order.lines.map(\.productName).prefix(2).joined(separator: ", ")
        return "#\(order.id) (\(items.isEmpty ? "order" : items), \(order.status.rawValue), \(order.total.decimalString) \(currency))"
    }

    // MARK: Retrieval

    /// Words added to the retrieval query so that the passage explaining the outcome is found.
    public func retrievalHints(intent: Intent, result: ToolResult?) -> String {
        guard let result else { return "" }
        if let error = result.error {
            switch error {
            case .orderNotFound: return "order number account"
            case .invalidState: return intent == .cancel ? "already shipped cancel" : "delivered status"
            case .outsideRefundWindow: return "refund window days after delivery"
            case .finalSale: return "final sale items"
            case .alreadyRefunded: return "refunded only once"
            case .alreadyReplaced: return "replaced order refund one remedy"
            case .refundLimitExceeded: return "refund limit rolling period"
            case .duplicateRequest: return ""
            }
        }
        switch result.refundStatus {
        case .pendingReview: return "review person fraud checks pending"
        case .approved: return "how long refund takes original payment method"
        default: break
        }
        switch result.action {
        case .cancelOrder: return "refund after cancelling"
        case .requestReplacement: return "replacement cost ships"
        case .getOrderStatus: return "order statuses \(result.orderStatus?.rawValue ?? "")"
        case .escalateCase: return "person reply hours"
        default: return ""
        }
    }

    public func chooseCitations(_ hits: [SearchIndex.Hit], intent: Intent) -> [Citation] {
        guard let top = hits.first else { return [] }
        var chosen = [top]
        // A second passage only when it is nearly as relevant and from another document (e.g. fraud review).
        if hits.count > 1, hits[1].document.source != top.document.source, hits[1].score >= top.score * 0.8 {
            chosen.append(hits[1])
        }
        return chosen.map(Self.citation)
    }

    static func citation(_ hit: SearchIndex.Hit) -> Citation {
        let document = hit.document
        let excerpt = document.kind == .article ? document.summary
            : (document.body.count <= 280 ? document.body : String(document.body.prefix(277)).trimmingCharacters(in: .whitespaces) + "…")
        return Citation(source: document.source, section: document.title, excerpt: excerpt)
    }

    // MARK: Reply

    public func reply(intent: Intent, understanding: Understanding, result: ToolResult?, clarification: String?,
                      citations: [Citation], answer: SearchIndex.Hit? = nil, proposed: Bool = false) -> String {
        var parts: [String] = []
        if let clarification {
            parts.append(clarification)
        } else if let result, proposed {
            parts.append(describeProposal(result))
        } else if let result {
            parts.append(describe(result))
            if result.action == .issueRefund, result.success, !understanding.mentionedAmounts.isEmpty {
                parts.append("The amount is always the order total on record, not an amount named in a message.")
            }
        } else if let article = answer, let id = article.document.articleID {
            parts.append("\(article.passage)\n\nMore in \"\(article.document.title)\": /kb/articles/\(id)")
        } else if let passage = answer {
            parts.append(passage.passage + " (\(passage.document.title), \(passage.document.source))")
        } else {
            parts.append("I can help with refunds, cancellations, replacements and order status. "
                + "Tell me what you need and your order number, or ask for a person and we will get back to you within 24 hours.")
        }
        if !understanding.secondaryIntents.isEmpty {
            let others = understanding.secondaryIntents.map(\.rawValue).joined(separator: " and ")
            parts.append("You also asked about a \(others); please send that as a separate request so I can handle it properly.")
        }
        if answer == nil, let citation = citations.first {
            parts.append("Policy: \(citation.section) (\(citation.source)) — \(citation.excerpt)")
        }
        return parts.joined(separator: "\n\n")
    }

    /// A short label for a proposed write, for the confirm button's context: "Refund 49.99 USD for order #1042".
    public func proposalLabel(_ result: ToolResult) -> String {
        let order = result.orderID.map { "order #\($0)" } ?? "your request"
        switch result.action {
        case .issueRefund:
            return "Refund \(result.amount?.decimalString ?? "") \(currency) for \(order)"
                + (result.refundStatus == .pendingReview ? " (reviewed by a person before anything is paid)" : "")
        case .cancelOrder: return "Cancel \(order)" + (result.amount.map { " (\($0.decimalString) \(currency) back)" } ?? "")
        case .requestReplacement: return "Send a replacement for \(order) at no cost"
        case .escalateCase: return "Pass \(result.orderID == nil ? "this request" : order) to a person"
        case .getOrderStatus, .listOrders: return "Look up \(order)"
        }
    }

    /// What the agent offers to do, before the customer confirms it.
    func describeProposal(_ result: ToolResult) -> String {
        let order = result.orderID.map { "order #\($0)" } ?? "your order"
        let confirm = "Confirm below and I will go ahead; nothing happens until you do."
        switch result.action {
        case .issueRefund:
            let amount = "\(result.amount?.decimalString ?? "") \(currency)"
            if result.refundStatus == .pendingReview {
                return "I can request a refund of \(amount) for \(order). It needs a quick review by a person before "
                    + "anything is paid; a person will contact you within 24 hours. " + confirm
            }
            return "I can refund \(amount) for \(order) to your original payment method; it usually appears within "
                + "5–10 business days. " + confirm
        case .cancelOrder:
            return "I can cancel \(order); the full amount goes back to your original payment method. " + confirm
        case .requestReplacement:
            return "I can send a replacement for \(order) at no cost to you. " + confirm
        case .escalateCase:
            return "I can pass this to a person, who will contact you within 24 hours. " + confirm
        case .getOrderStatus, .listOrders:
            return describe(result)
        }
    }

    /// What happened, in a sentence for the customer.
    public func describe(_ result: ToolResult) -> String {
        if let error = result.error {
            let suffix: String
            switch error {
            case .orderNotFound: suffix = "Please check the order number; you can ask me to list your orders."
            case .invalidState where result.action == .cancelOrder:
                suffix = "Once it is delivered you can ask for a refund or a replacement within \(policy.returnWindowDays) days."
            case .finalSale: suffix = "If the item arrived damaged or defective, you can ask for a replacement instead."
            case .refundLimitExceeded, .outsideRefundWindow: suffix = "If you think this is wrong, ask for a person and we will look into it."
            default: suffix = ""
            }
            return ([error.message, suffix].filter { !$0.isEmpty }).joined(separator: " ")
        }
        let order = result.orderID.map { "order #\($0)" } ?? "your order"
        switch result.action {
        case .issueRefund:
            let amount = "\(result.amount?.decimalString ?? "") \(currency)"
            if result.refundStatus == .pendingReview {
                return "Your refund request for \(order) (\(amount)) needs a quick review by a person before anything is paid. "
                    + "A person will contact you within 24 hours."
            }
            return "Done: I have refunded \(amount) for \(order) to your original payment method. "
                + "It usually appears within 5–10 business days."
        case .cancelOrder:
            return "Done: \(order) is cancelled, and the full amount goes back to your original payment method."
        case .requestReplacement:
            return "Done: a replacement for \(order) is on its way at no cost to you"
                + (result.replacementID.map { " (replacement #\($0))" } ?? "") + "."
        case .getOrderStatus:
            guard let snapshot = result.order else { return "Here is the status of \(order)." }
            var text = "Order #\(snapshot.id) is \(snapshot.status.rawValue)."
            if let shipped = snapshot.shippedAt { text += " Shipped on \(Self.day(shipped))." }
            if let delivered = snapshot.deliveredAt { text += " Delivered on \(Self.day(delivered))." }
            return text
        case .escalateCase:
            return "I have passed this to a person" + (result.escalationID.map { " (case #\($0))" } ?? "")
                + ". Someone will contact you within 24 hours."
        case .listOrders:
            let count = result.orders?.count ?? 0
            return "You have \(count) order\(count == 1 ? "" : "s") with us."
        }
    }

    static func day(_ date: Date) -> String { date.utcString("d MMMM yyyy") }

    static func verb(_ intent: Intent) -> String {
        switch intent {
        case .refund: "get refunded"
        case .cancel: "cancel"
        case .replacement: "get a replacement for"
        default: "check"
        }
    }

    static func participle(_ intent: Intent) -> String {
        switch intent {
        case .refund: "refunded"
        case .cancel: "cancelled"
        case .replacement: "replaced"
        default: "looked up"
        }
    }
}
