public import Foundation
public import SupportSearch
public import SupportDomain

/// A reply in its parts. `text` is what the API sends.
public struct ComposedReply: Sendable, Hashable {
    public var body: String
    /// "Policy: Refund window — …": the cited passage behind an outcome, in the customer's language.
    public var policyNote: String?

    public init(body: String, policyNote: String? = nil) {
        self.body = body
        self.policyNote = policyNote
    }

    public var text: String { policyNote.map { body + "\n\n" + $0 } ?? body }
}

/// Writes the customer's reply from the tool result and the cited policy. Deterministic and grounded:
/// every number in a reply comes from the tool result or the policy configuration.
public struct ReplyComposer: Sendable {
    public var policy: SupportPolicy
    public var currency: String
    /// The customer's language: every sentence comes from its pack.
    public var language: LanguagePack

    public init(policy: SupportPolicy = .standard, currency: String = "USD", language: LanguagePack = LanguageCatalog.english) {
        self.policy = policy
        self.currency = currency
        self.language = language
    }

    /// The same composer writing in another language.
    public func speaking(_ pack: LanguagePack) -> ReplyComposer {
        var copy = self
        copy.language = pack
        return copy
    }

    func t(_ key: String, _ values: [String: String] = [:]) -> String { language.text(key, values) }

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
            case .status: !(order.status == .cancelled || order.status == .returned)
            default: true
            }
        }
        .sorted { $0.createdAt > $1.createdAt }
    }

    public func clarificationPrompt(for intent: Intent, eligible: [OrderSnapshot]) -> String {
        guard !eligible.isEmpty else { return t("ask.no_eligible", ["participle": participle(intent)]) }
        let list = eligible.prefix(5).map(describe).joined(separator: "; ")
        let more = eligible.count > 5 ? t("order.list_more", ["count": String(eligible.count - 5)]) : ""
        return t("ask.which_order", ["verb": verb(intent), "list": list, "more": more])
    }

    /// "Do you mean order #1042 (Desk lamp)?" when the message names a product of exactly one order.
    public func confirmPrompt(for intent: Intent, order: OrderSnapshot) -> String {
        t("ask.confirm_order", ["order": describe(order), "verb": verb(intent)])
    }

    /// The orders among `orders` whose product names share a distinctive word with the message ("the lamp I bought").
    public func ordersNamingProduct(in text: String, among orders: [OrderSnapshot]) -> [OrderSnapshot] {
        let words = Set(LanguageText.fold(text).split(whereSeparator: { !$0.isLetter }).map { Self.singular(String($0)) })
        return orders.filter { order in
            order.lines.contains { line in
                line.productName.lowercased().split(whereSeparator: { !$0.isLetter })
                    .map { Self.singular(String($0)) }
                    .contains { word in word.count >= 4 && words.contains { Self.cognate($0, word) } }
            }
        }
    }

    /// The same product word across plurals and other languages' cognates ("lamps", "Lampe" → "lamp").
    static func cognate(_ a: String, _ b: String) -> Bool {
        let x = singular(a), y = singular(b)
        if x == y { return true }
        let (short, long) = x.count <= y.count ? (x, y) : (y, x)
        return short.count >= 4 && long.hasPrefix(short) && long.count - short.count <= 2
    }

    static func singular(_ word: String) -> String {
        word.count > 4 && word.hasSuffix("s") && !word.hasSuffix("ss") ? String(word.dropLast()) : word
    }

    /// When the model is unsure: name the likeliest readings and offer a person.
    public func unsurePrompt(_ alternatives: [Intent]) -> String {
        let options = alternatives.filter { $0 != .other }.prefix(2).map { t("option.\($0.rawValue)") }
        let list = options.isEmpty ? "" : t("ask.unsure_options", ["options": options.joined(separator: t("ask.or"))])
        return t("ask.unsure", ["options": list])
    }

    func describe(_ order: OrderSnapshot) -> String {
        let items = order.lines.map(\.productName).prefix(2).joined(separator: ", ")
        return t("order.described", ["id": order.id.description, "items": items.isEmpty ? "-" : items,
                                     "status": t("status.\(order.status.rawValue)"), "total": order.total.decimalString,
                                     "currency": currency])
    }

    // MARK: Retrieval

    /// Retrieval words for an outcome remembered by its code (`refund_limit_exceeded`, `pending_review`, …).
    public func retrievalHints(intent: Intent, outcome: String) -> String {
        switch outcome {
        case "refund_limit_exceeded": "refund limit rolling period refunds in days"
        case "pending_review": "what happens during a review person contact hours"
        case "outside_refund_window": "refund window days after delivery"
        case "final_sale": "final sale items replacement"
        case "already_refunded": "refunded only once"
        case "already_replaced": "one remedy per order replaced"
        case "invalid_state": intent == .cancel ? "orders that have already shipped" : "refund window delivered"
        case "order_not_found": "order number account"
        case "approved": "how long a refund takes original payment method business days"
        case "status_shipped", "status_processing", "status_pending": "delivery times business days standard delivery"
        case "status_delivered": "order statuses delivered"
        default: ""
        }
    }

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
        case .getOrderStatus:
            // A parcel on its way: how long delivery takes; otherwise what the status means.
            return result.orderStatus == .shipped ? "delivery times business days standard delivery" : "order statuses \(result.orderStatus?.rawValue ?? "")"
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
        let excerpt = document.kind == .article ? document.summary : PolicySection.excerpt(document.body)
        return Citation(source: document.source, section: document.title, excerpt: excerpt)
    }

    // MARK: Reply

    public func reply(intent: Intent, understanding: Understanding, result: ToolResult?, clarification: String?,
                      citations: [Citation], answer: SearchIndex.Hit? = nil, proposed: Bool = false) -> String {
        composeReply(intent: intent, understanding: understanding, result: result, clarification: clarification,
                     citations: citations, answer: answer, proposed: proposed).text
    }

    /// The reply in parts: what happened or the answer, and the policy sentence behind an outcome (kept apart so that
    /// a page listing the citations can leave it out, and a language model restyles only the body).
    public func composeReply(intent: Intent, understanding: Understanding, result: ToolResult?, clarification: String?,
                             citations: [Citation], answer: SearchIndex.Hit? = nil, proposed: Bool = false) -> ComposedReply {
        var parts: [String] = []
        if let clarification {
            parts.append(clarification)
        } else if let result, proposed {
            parts.append(describeProposal(result))
        } else if let result {
            parts.append(describe(result))
            if result.action == .issueRefund, result.success, !understanding.mentionedAmounts.isEmpty {
                parts.append(t("amount_note"))
            }
        } else if let article = answer, let id = article.document.articleID {
            parts.append(article.passage + "\n\n" + t("article_link", ["title": article.document.title, "url": PortalPath.article(id).path]))
        } else if let passage = answer {
            parts.append(passage.passage)
        } else {
            parts.append(t("help"))
        }
        if !understanding.secondaryIntents.isEmpty {
            let others = understanding.secondaryIntents.map { verb($0) }.joined(separator: t("ask.or"))
            parts.append(t("secondary", ["others": others]))
        }
        // The policy behind an outcome, as one complete sentence under its human title; a question cites nothing.
        var note: String?
        if answer == nil, clarification == nil, result != nil, let citation = citations.first,
           let sentence = Self.firstSentence(citation.excerpt) {
            note = t("policy_quote", ["title": citation.section, "sentence": sentence])
        }
        return ComposedReply(body: parts.joined(separator: "\n\n"), policyNote: note)
    }

    /// The first complete sentence of a passage (never cut mid-word), or nil.
    static func firstSentence(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var end = trimmed.endIndex
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            let next = trimmed.index(after: index)
            if ".!?".contains(trimmed[index]), next == trimmed.endIndex || trimmed[next] == " " || trimmed[next] == "\n" {
                end = next
                break
            }
            index = next
        }
        let sentence = String(trimmed[..<end])
        return sentence.hasSuffix("…") ? nil : sentence
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
        let values = ["id": result.orderID?.description ?? "", "amount": result.amount?.decimalString ?? "", "currency": currency]
        let confirm = t("proposal.confirm")
        switch result.action {
        case .issueRefund:
            return t(result.refundStatus == .pendingReview ? "proposal.refund_review" : "proposal.refund", values) + " " + confirm
        case .cancelOrder: return t("proposal.cancel", values) + " " + confirm
        case .requestReplacement: return t("proposal.replacement", values) + " " + confirm
        case .escalateCase: return t("proposal.escalate", values) + " " + confirm
        case .getOrderStatus, .listOrders: return describe(result)
        }
    }

    /// What happened, in the customer's language.
    public func describe(_ result: ToolResult) -> String {
        let id = result.orderID?.description ?? result.order?.id.description ?? ""
        if let error = result.error { return explain(error, action: result.action, orderID: id, status: result.orderStatus) }
        let values = ["id": id, "amount": result.amount?.decimalString ?? "", "currency": currency]
        switch result.action {
        case .issueRefund:
            return t(result.refundStatus == .pendingReview ? "done.refund_review" : "done.refund", values)
        case .cancelOrder: return t("done.cancel", values)
        case .requestReplacement: return t("done.replacement", values)
        case .getOrderStatus:
            guard let snapshot = result.order else { return t("status.line", ["id": id, "status": ""]) }
            return statusSentence(snapshot)
        case .escalateCase:
            return t("done.escalate", ["case": result.escalationID.map { t("done.escalate_case", ["id": $0.description]) } ?? ""])
        case .listOrders:
            return t("done.list_orders", ["count": String(result.orders?.count ?? 0)])
        }
    }

    /// "Order #7003 is shipped. It shipped on 3 November 2026."
    public func statusSentence(_ order: OrderSnapshot) -> String {
        var text = t("status.line", ["id": order.id.description, "status": t("status.\(order.status.rawValue)")])
        if let shipped = order.shippedAt { text += " " + t("status.shipped_on", ["date": day(shipped)]) }
        else if order.status == .pending || order.status == .processing { text += " " + t("status.not_yet_shipped") }
        if let delivered = order.deliveredAt { text += " " + t("status.delivered_on", ["date": day(delivered)]) }
        return text
    }

    /// Why a tool refused, with what the customer can do instead.
    public func explain(_ error: ToolError, action: ToolAction, orderID: String, status: OrderStatus?) -> String {
        var values = ["id": orderID, "window": String(policy.returnWindowDays)]
        switch error {
        case .orderNotFound: return t("error.order_not_found")
        case let .invalidState(status, action):
            values["status"] = t("status.\(status.rawValue)")
            let key = action == .cancelOrder ? "cancel" : action == .requestReplacement ? "replacement" : "refund"
            return t("error.invalid_state.\(key)", values)
        case .outsideRefundWindow: return t("error.outside_refund_window", values)
        case .finalSale: return t("error.final_sale", values)
        case .alreadyRefunded: return t("error.already_refunded", values)
        case .alreadyReplaced: return t("error.already_replaced", values)
        case let .refundLimitExceeded(limit, days):
            values["limit"] = String(limit)
            values["days"] = String(days)
            return t("error.refund_limit_exceeded", values)
        case .duplicateRequest: return t("error.duplicate_request")
        }
    }

    func day(_ date: Date) -> String { DayFormatters.shared.string(from: date, locale: language.locale) }

    func verb(_ intent: Intent) -> String { t("verb.\(intent == .other || intent == .escalate ? "status" : intent.rawValue)") }

    func participle(_ intent: Intent) -> String {
        t("participle.\(intent == .other || intent == .escalate ? "status" : intent.rawValue)")
    }
}

/// "3 November 2026" in each language: one formatter per locale, made once (a formatter per sentence cost a locale
/// lookup each time), used under a lock.
final class DayFormatters: @unchecked Sendable {
    static let shared = DayFormatters()
    private let lock = NSLock()
    private var formatters: [String: DateFormatter] = [:]

    func string(from date: Date, locale: String) -> String {
        lock.withLock {
            let formatter = formatters[locale] ?? {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: locale)
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.setLocalizedDateFormatFromTemplate("d MMMM yyyy")
                formatters[locale] = formatter
                return formatter
            }()
            return formatter.string(from: date)
        }
    }
}
