import Foundation
import SupportDomain
import Vapor

/// Conversation review (staff): the conversations the agent handled, filtered by outcome, intent, language, channel,
/// confidence, questions asked back and escalation; one conversation's redacted transcript with the decision trace and
/// tool result of every turn; a lead's verdict on a turn (right, or wrong with the right intent and action); and the
/// reviewed conversations exported in the conversation-test format of `CONVERSATIONS.md`, so a mistake seen in
/// production becomes a regression test.
struct ReviewController {
    let review: any ConversationReviewStore
    let toolbox: any SupportToolbox
    let clock: any WallClock

    func register(on routes: any RoutesBuilder) {
        routes.get(.review, use: list)
        routes.get(.reviewConversation, use: conversation)
        routes.post(.reviewTurn(0), use: mark)
        routes.get(.reviewExport, use: export)
    }

    /// A filter drop-down.
    struct Select: Encodable {
        var name: String
        var label: String
        var options: [TicketPages.Option]
    }

    /// The most turns a list reads: beyond, the page says it shows the newest.
    /// The newest conversations the list filters (summed up by the database).
    static let conversationLimit = 20_000

    struct Filters {
        var filter: ReviewFilter
        var from: String
        var to: String
        var items: [(String, String)]

        init(_ request: Request, now: Date) throws {
            let formatter = DashboardController.Query.formatter
            func text(_ name: String) -> String? {
                guard let value = request.query[String.self, at: name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty
                else { return nil }
                return value
            }
            func day(_ name: String) throws -> Date? {
                guard let value = text(name) else { return nil }
                guard let date = formatter.date(from: value) else {
                    throw Abort(.badRequest, reason: "The \(name) date must look like 2026-11-30.")
                }
                return date
            }
            func choice<T: RawRepresentable>(_ name: String, _: T.Type) throws -> T? where T.RawValue == String {
                guard let value = text(name) else { return nil }
                guard let parsed = T(rawValue: value) else { throw Abort(.badRequest, reason: "Unknown \(name) \(value).") }
                return parsed
            }
            func flag(_ name: String) throws -> Bool? {
                switch text(name) {
                case nil: return nil
                case "yes": return true
                case "no": return false
                case let other?: throw Abort(.badRequest, reason: "The \(name) filter is yes or no, not \(other).")
                }
            }
            let today = formatter.date(from: formatter.string(from: now)) ?? now
            let last = try day("to") ?? today
            let first = try day("from") ?? last.addingTimeInterval(-6 * 86_400)
            guard first <= last else { throw Abort(.badRequest, reason: "The from date must not be after the to date.") }
            var confidence: Double?
            if let raw = text("confidence_below") {
                guard let value = Double(raw), (0...1).contains(value) else {
                    throw Abort(.badRequest, reason: "The confidence must be a number from 0 to 1, such as 0.6.")
                }
                confidence = value
            }
            let language = text("language")
            if let language, language.count > 8 || !language.allSatisfy(\.isLetter) {
                throw Abort(.badRequest, reason: "The language is a code such as en or es.")
            }
            filter = ReviewFilter(from: first, to: last.addingTimeInterval(86_400), intent: try choice("intent", Intent.self),
                                  language: language?.lowercased(), channel: try choice("channel", ConversationTurn.Channel.self),
                                  outcome: try choice("outcome", ConversationTurn.Outcome.self), confidenceBelow: confidence,
                                  askedBack: try flag("asked"), escalated: try flag("escalated"),
                                  reviewedOnly: try flag("reviewed") == true)
            from = formatter.string(from: first)
            to = formatter.string(from: last)
            items = [("from", from), ("to", to)]
            for name in ["intent", "language", "channel", "outcome", "confidence_below", "asked", "escalated", "reviewed"] {
                if let value = text(name) { items.append((name, value)) }
            }
        }
    }

    struct ListContext: Encodable {
        struct Row: Encodable {
            var link: String; var id: String; var customer: Int64; var channel: String; var languages: String
            var intents: String; var turns: Int; var last: String; var confidence: String; var asked: Bool
            var escalated: Bool; var outcome: String; var reviewed: String
        }
        var from: String
        var to: String
        var selects: [Select]
        var confidence: String
        var language: String
        var rows: [Row]
        var total: Int
        var truncated: Bool
        var exportLink: String
    }

    func list(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let filters = try Filters(request, now: clock.now())
        let all = try await review.summaries(from: filters.filter.from, to: filters.filter.to, limit: Self.conversationLimit)
        let summaries = all.filter(filters.filter.admits)
        func options<T: RawRepresentable & CaseIterable>(_: T.Type, _ name: String, all: String) -> Select
            where T.RawValue == String {
            let chosen = request.query[String.self, at: name] ?? ""
            return Select(name: name, label: name.replacingOccurrences(of: "_", with: " ").capitalized,
                                      options: [TicketPages.Option(value: "", label: all, selected: chosen.isEmpty)]
                                        + T.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == chosen) })
        }
        func yesNo(_ name: String, _ label: String) -> Select {
            let chosen = request.query[String.self, at: name] ?? ""
            return Select(name: name, label: label, options: [
                .init(value: "", label: "either", selected: chosen.isEmpty),
                .init(value: "yes", label: "yes", selected: chosen == "yes"),
                .init(value: "no", label: "no", selected: chosen == "no")])
        }
        let rows = summaries.prefix(200).map { summary in
            ListContext.Row(
                link: PortalPath.reviewConversation.with(["id": summary.conversationID]), id: String(summary.conversationID.prefix(8)),
                customer: summary.customerID.rawValue, channel: summary.channel.rawValue,
                languages: summary.languages.joined(separator: ", "), intents: summary.intents.map(\.rawValue).joined(separator: ", "),
                turns: summary.turns, last: PortalPage.timestamp(summary.lastAt),
                confidence: String(format: "%.2f", summary.lowestConfidence), asked: summary.askedBack,
                escalated: summary.escalated, outcome: summary.outcome.rawValue,
                reviewed: summary.reviewed == 0 ? "–" : "\(summary.reviewed) (\(summary.wrong) wrong)")
        }
        return try await PortalPage.render(request, "review", title: "Conversation review", context: ListContext(
            from: filters.from, to: filters.to,
            selects: [options(Intent.self, "intent", all: "all intents"),
                      options(ConversationTurn.Channel.self, "channel", all: "portal and API"),
                      options(ConversationTurn.Outcome.self, "outcome", all: "any outcome"),
                      yesNo("asked", "Asked back"), yesNo("escalated", "Escalated"), yesNo("reviewed", "Reviewed")],
            confidence: request.query[String.self, at: "confidence_below"] ?? "",
            language: request.query[String.self, at: "language"] ?? "",
            rows: Array(rows), total: summaries.count, truncated: all.count >= Self.conversationLimit || summaries.count > rows.count,
            exportLink: PortalPath.reviewExport.path))
    }

    struct ConversationContext: Encodable {
        struct Step: Encodable { var step: String; var detail: String }
        struct Turn: Encodable {
            var id: Int64; var number: Int; var at: String; var channel: String; var language: String; var intent: String
            var confidence: String; var order: String; var action: String; var outcome: String; var text: String
            var reply: String; var trace: [Step]; var verdict: String; var reviewNote: String; var markPath: String
        }
        var conversation: String
        var customer: Int64
        var turns: [Turn]
        var intents: [TicketPages.Option]
        var actions: [TicketPages.Option]
        var backLink: String
    }

    func conversation(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        guard let id = request.query[String.self, at: "id"], !id.isEmpty, id.count <= 100 else {
            throw Abort(.badRequest, reason: "Which conversation? The link names it (id=…).")
        }
        let turns = try await review.turns(conversationID: id)
        guard let first = turns.first else { throw Abort(.notFound, reason: "There is no conversation \(id).") }
        return try await PortalPage.render(request, "review-conversation", title: "Conversation review",
                                           notice: request.query[String.self, at: "saved"] == "1" ? "Verdict saved." : nil,
                                           context: ConversationContext(
            conversation: id, customer: first.customerID.rawValue,
            turns: turns.enumerated().map { index, turn in
                let review = turn.review
                return ConversationContext.Turn(
                    id: turn.id ?? 0, number: index + 1, at: PortalPage.timestamp(turn.createdAt), channel: turn.channel.rawValue,
                    language: turn.language, intent: turn.intent.rawValue, confidence: String(format: "%.2f", turn.confidence),
                    order: turn.orderID.map { "#\($0.rawValue)" } ?? "–",
                    action: turn.action.map { "\($0.rawValue) (\(turn.success == true ? "done" : "refused" + (turn.errorCode.map { ": \($0)" } ?? "")))" } ?? "none",
                    outcome: turn.outcome.rawValue, text: turn.text, reply: turn.reply,
                    trace: turn.trace.map { .init(step: $0.step.rawValue, detail: $0.detail) },
                    verdict: review?.verdict.rawValue ?? "",
                    reviewNote: review.map { review in
                        review.verdict == .right ? "right (\(review.reviewer), \(PortalPage.timestamp(review.at)))"
                            : "wrong: should be \(review.intent?.rawValue ?? turn.intent.rawValue), \(review.action?.rawValue ?? "no write") (\(review.reviewer), \(PortalPage.timestamp(review.at)))"
                    } ?? "not reviewed",
                    markPath: PortalPath.reviewTurn(turn.id ?? 0).path)
            },
            intents: Intent.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: false) },
            actions: [.init(value: "", label: "no write", selected: true)]
                + ToolAction.allCases.filter(\.isWrite).map { .init(value: $0.rawValue, label: $0.rawValue, selected: false) },
            backLink: PortalPath.review.path))
    }

    struct MarkForm: Content {
        var verdict: String
        var intent: String?
        var action: String?
        var conversation: String
    }

    func mark(_ request: Request) async throws -> Response {
        let user = try request.requireStaff()
        guard let turnID = request.parameters.get("id", as: Int64.self) else { throw Abort(.notFound) }
        let form = try request.content.decode(MarkForm.self)
        let review: TurnReview?
        switch form.verdict {
        case "clear":
            review = nil
        case "right":
            review = TurnReview(verdict: .right, intent: nil, action: nil, reviewer: user.name, at: clock.now())
        case "wrong":
            let intentText = (form.intent ?? "").trimmingCharacters(in: .whitespaces)
            guard let intent = Intent(rawValue: intentText) else {
                throw Abort(.badRequest, reason: "Choose the intent the message had.")
            }
            let actionText = (form.action ?? "").trimmingCharacters(in: .whitespaces)
            var action: ToolAction?
            if !actionText.isEmpty {
                guard let chosen = ToolAction(rawValue: actionText), chosen.isWrite else {
                    throw Abort(.badRequest, reason: "Choose a write action (refund, cancel, replacement, escalation) or none.")
                }
                action = chosen
            }
            review = TurnReview(verdict: .wrong, intent: intent, action: action, reviewer: user.name, at: clock.now())
        default:
            throw Abort(.badRequest, reason: "The verdict is right, wrong or clear.")
        }
        guard try await self.review.review(turnID: turnID, review) else { throw Abort(.notFound, reason: "There is no such turn.") }
        return request.redirect(to: PortalPath.reviewConversation.with(["id": form.conversation, "saved": "1"]) + "#turn-\(turnID)")
    }

    /// The reviewed conversations as a conversation-test file (`CONVERSATIONS.md`), with the customers' store as fixture.
    func export(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let conversations = try await review.reviewedConversations(limit: 500)
        var stores: [CustomerID: ReviewExport.CustomerStore] = [:]
        for customer in Set(conversations.compactMap { $0.first?.customerID }) {
            stores[customer] = ReviewExport.CustomerStore(createdAt: try await toolbox.fetchCustomer(customer)?.createdAt,
                                                          orders: try await toolbox.fetchOrders(of: customer),
                                                          history: try await toolbox.fetchHistory(of: customer))
        }
        let document = ReviewExport.document(conversations: conversations, stores: stores, now: clock.now())
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: "attachment; filename=\"supportops-reviewed-conversations.json\"")
        return response
    }
}
