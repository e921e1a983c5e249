import Foundation
import SupportDomain
import Vapor

/// The leads' morning page: how many tickets the agent resolved on its own (the definition is on the page), how many
/// went to people and how fast, the intent mix, money and rule exceptions, for a date range and an intent; every table
/// behind a chart downloads as CSV. Staff only.
struct DashboardController {
    let insight: any InsightStore
    let articles: any ArticleStore
    let review: any ConversationReviewStore
    let clock: any WallClock

    func register(on routes: any RoutesBuilder) {
        routes.get(.dashboard, use: page)
        routes.get(.dashboardCSV, use: csv)
    }

    /// The period and filter a request asks for: `from` and `to` as dates (both included), last 30 days by default.
    struct Query {
        var from: Date
        var to: Date
        var intent: Intent?
        /// Narrow the conversation figures (tickets are all portal, and have no language).
        var channel: ConversationTurn.Channel?
        var language: String?
        var fromText: String
        var toText: String

        init(_ request: Request, now: Date) throws {
            let formatter = Query.formatter
            func day(_ name: String) throws -> Date? {
                guard let text = request.query[String.self, at: name], !text.isEmpty else { return nil }
                guard let date = formatter.date(from: text) else {
                    throw Abort(.badRequest, reason: "The \(name) date must look like 2026-11-30.")
                }
                return date
            }
            let today = formatter.date(from: formatter.string(from: now)) ?? now
            let last = try day("to") ?? today
            let first = try day("from") ?? last.addingTimeInterval(-29 * 86_400)
            guard first <= last else { throw Abort(.badRequest, reason: "The from date must not be after the to date.") }
            guard last.timeIntervalSince(first) <= 366 * 86_400 else {
                throw Abort(.badRequest, reason: "Choose a period of at most a year.")
            }
            from = first
            to = last.addingTimeInterval(86_400)
            fromText = formatter.string(from: first)
            toText = formatter.string(from: last)
            let requested = request.query[String.self, at: "intent"] ?? ""
            guard requested.isEmpty || Intent(rawValue: requested) != nil else {
                throw Abort(.badRequest, reason: "Unknown intent \(requested).")
            }
            intent = Intent(rawValue: requested)
            let channelText = request.query[String.self, at: "channel"] ?? ""
            guard channelText.isEmpty || ConversationTurn.Channel(rawValue: channelText) != nil else {
                throw Abort(.badRequest, reason: "Unknown channel \(channelText): choose api or portal.")
            }
            channel = ConversationTurn.Channel(rawValue: channelText)
            let languageText = (request.query[String.self, at: "language"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard languageText.count <= 8, languageText.allSatisfy(\.isLetter) else {
                throw Abort(.badRequest, reason: "The language is a code such as en or es.")
            }
            language = languageText.isEmpty ? nil : languageText
        }

        static let formatter: DateFormatter = {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter
        }()

        var queryItems: [(String, String)] {
            [("from", fromText), ("to", toText)] + (intent.map { [("intent", $0.rawValue)] } ?? [])
                + (channel.map { [("channel", $0.rawValue)] } ?? []) + (language.map { [("language", $0)] } ?? [])
        }
    }

    func report(_ query: Query) async throws -> InsightReport {
        let now = clock.now()
        async let tickets = insight.ticketFigures(from: query.from, to: query.to, intent: query.intent, now: now)
        async let ratings = insight.ratings(from: query.from, to: query.to)
        async let money = insight.money(from: query.from, to: query.to)
        async let overrides = insight.overrides(from: query.from, to: query.to, limit: 50)
        return InsightReport.compute(figures: try await tickets, ratings: try await ratings, money: try await money,
                                     overrides: try await overrides, from: query.from, to: query.to)
    }

    /// The conversations (API and portal turns) of the period, by the same definition as tickets.
    func conversations(_ query: Query) async throws -> ConversationInsight {
        // Turns up to the quiet period after the end of the period decide whether its conversations came back.
        let buckets = try await review.buckets(from: query.from, to: query.to, now: clock.now(), intent: query.intent,
                                               language: query.language, channel: query.channel)
        return ConversationInsight.compute(buckets: buckets, from: query.from, to: query.to)
    }

    struct Context: Encodable {
        struct Figure: Encodable { var id: String; var label: String; var value: String; var detail: String }
        struct IntentRow: Encodable {
            var intent: String; var opened: Int; var automatic: Int; var escalated: Int; var pending: Int; var rating: String
        }
        struct Row: Encodable { var label: String; var value: String }
        var from: String
        var to: String
        var intents: [TicketPages.Option]
        var channels: [TicketPages.Option]
        var language: String
        var figures: [Figure]
        var conversationFigures: [Figure]
        var conversationChart: String
        var conversationIntentChart: String
        var dailyChart: String
        var intentChart: String
        var intentRows: [IntentRow]
        var times: [Row]
        var money: [Row]
        var overrides: [Row]
        var topArticles: [Row]
        var gaps: [Row]
        var deflection: [Row]
        var deflectionArticles: [Row]
        var csvBase: String
        var quietDays: Int
    }

    func page(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let query = try Query(request, now: clock.now())
        let report = try await report(query)
        let talks = try await conversations(query)
        func percent(_ share: Double?) -> String { share.map { String(format: "%.0f %%", $0 * 100) } ?? "–" }
        func minutes(_ value: Double?) -> String {
            guard let value else { return "–" }
            return value < 90 ? String(format: "%.0f min", value) : value < 48 * 60 ? String(format: "%.1f h", value / 60)
                : String(format: "%.1f days", value / 1440)
        }
        func money(_ cents: Int64) -> String { String(format: "%.2f", Double(cents) / 100) }
        let dayLabels = report.days.map { String($0.date.suffix(5)) }
        let gaps = try await insight.searchMisses(from: query.from, to: query.to, limit: 10)
        let deflection = try await insight.deflection(from: query.from, to: query.to, now: clock.now(), limit: 5)
        // Most read articles (all time: the counters are not dated), with how many readers said they helped.
        let top = try await articles.fetchAllArticles().sorted { ($0.views, $1.title) > ($1.views, $0.title) }.prefix(5)
        return try await PortalPage.render(request, "dashboard", title: "Dashboard", context: Context(
            from: query.fromText, to: query.toText,
            intents: [TicketPages.Option(value: "", label: "all intents", selected: query.intent == nil)]
                + Intent.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == query.intent) },
            channels: [TicketPages.Option(value: "", label: "portal and API", selected: query.channel == nil)]
                + ConversationTurn.Channel.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == query.channel) },
            language: query.language ?? "",
            figures: [
                .init(id: "figure-automatic", label: "Resolved automatically", value: percent(report.automaticRate),
                      detail: "\(report.automatic) of \(report.opened) tickets"),
                .init(id: "figure-escalated", label: "Escalated to a person", value: percent(report.escalationRate),
                      detail: "\(report.escalated) of \(report.opened) tickets"),
                .init(id: "figure-pending", label: "Still open to the customer", value: String(report.pending),
                      detail: "no verdict yet (fewer than \(TicketFacts.quietDays) quiet days)"),
                .init(id: "figure-opened", label: "Tickets opened", value: String(report.opened),
                      detail: "\(query.fromText) to \(query.toText)"),
            ],
            conversationFigures: [
                .init(id: "figure-conversations-automatic", label: "Conversations resolved automatically",
                      value: percent(talks.automaticRate), detail: "\(talks.automatic) of \(talks.conversations) conversations"),
                .init(id: "figure-conversations-escalated", label: "Conversations escalated", value: percent(talks.escalationRate),
                      detail: "\(talks.escalated) of \(talks.conversations) conversations"),
                .init(id: "figure-clarification", label: "Clarification rate", value: percent(talks.clarificationRate),
                      detail: "the agent asked back in \(talks.askedBack) of \(talks.conversations)"),
                .init(id: "figure-conversations", label: "Conversations started", value: String(talks.conversations),
                      detail: "\(talks.pending) still without a verdict"),
            ],
            conversationChart: SVGChart.lines(
                id: "chart-conversations", title: "Conversations per day",
                description: "Per day from \(query.fromText) to \(query.toText): conversations started, of them resolved automatically and escalated.",
                categories: talks.days.map { String($0.date.suffix(5)) },
                series: [.init(name: "started", values: talks.days.map { Double($0.opened) }, style: "series-0"),
                         .init(name: "resolved automatically", values: talks.days.map { Double($0.automatic) }, style: "series-1"),
                         .init(name: "escalated", values: talks.days.map { Double($0.escalated) }, style: "series-2")],
                yLabel: "conversations"),
            conversationIntentChart: SVGChart.stacked(
                id: "chart-conversation-intents", title: "Conversations by intent and outcome",
                description: "For each intent: conversations resolved automatically, escalated and pending, stacked.",
                categories: talks.intents.map(\.intent),
                series: [.init(name: "automatic", values: talks.intents.map { Double($0.automatic) }, style: "series-1"),
                         .init(name: "escalated", values: talks.intents.map { Double($0.escalated) }, style: "series-2"),
                         .init(name: "pending", values: talks.intents.map { Double($0.pending) }, style: "series-3")],
                yLabel: "conversations"),
            dailyChart: SVGChart.bars(
                id: "chart-daily", title: "Tickets opened and resolved per day",
                description: "Per day from \(query.fromText) to \(query.toText): tickets opened, resolved automatically, resolved by people.",
                categories: dayLabels,
                series: [.init(name: "opened", values: report.days.map { Double($0.opened) }, style: "series-0"),
                         .init(name: "resolved automatically", values: report.days.map { Double($0.resolvedAutomatically) }, style: "series-1"),
                         .init(name: "resolved by people", values: report.days.map { Double($0.resolvedByPeople) }, style: "series-2")],
                yLabel: "tickets"),
            intentChart: SVGChart.bars(
                id: "chart-intents", title: "Outcome by intent",
                description: "For each intent: tickets resolved automatically, escalated, pending.",
                categories: report.intents.map(\.intent),
                series: [.init(name: "automatic", values: report.intents.map { Double($0.automatic) }, style: "series-1"),
                         .init(name: "escalated", values: report.intents.map { Double($0.escalated) }, style: "series-2"),
                         .init(name: "pending", values: report.intents.map { Double($0.pending) }, style: "series-3")],
                yLabel: "tickets"),
            intentRows: report.intents.map { row in
                .init(intent: row.intent, opened: row.opened, automatic: row.automatic, escalated: row.escalated,
                      pending: row.pending,
                      rating: row.averageRating.map { String(format: "%.1f of 5 (%d answers)", $0, row.surveys) } ?? "no answers")
            },
            times: [
                .init(label: "Time to an automatic resolution (median · p90)",
                      value: "\(minutes(report.automaticResolution.median)) · \(minutes(report.automaticResolution.p90)) (\(report.automaticResolution.count) tickets)"),
                .init(label: "Time to a resolution by people (median · p90)",
                      value: "\(minutes(report.humanResolution.median)) · \(minutes(report.humanResolution.p90)) (\(report.humanResolution.count) tickets)"),
                .init(label: "People's first response on escalations (median · p90)",
                      value: "\(minutes(report.firstResponse.median)) · \(minutes(report.firstResponse.p90)) (\(report.firstResponse.count) tickets)"),
            ],
            money: [
                .init(label: "Refunds paid", value: "\(report.money.refundsPaid) · \(money(report.money.refundsPaidCents))"),
                .init(label: "Refunds held for review", value: "\(report.money.refundsHeld) · \(money(report.money.refundsHeldCents))"),
                .init(label: "Refunds refused by the rules", value: String(report.money.refundsRefused)),
                .init(label: "Replacements", value: String(report.money.replacements)),
                .init(label: "Cancellations", value: String(report.money.cancellations)),
                .init(label: "Fraud signals on held refunds",
                      value: report.money.fraudSignals.isEmpty ? "none"
                        : report.money.fraudSignals.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "_", with: " ")) \($0.value)" }
                            .joined(separator: " · ")),
            ],
            overrides: report.overrides.map {
                .init(label: PortalPage.timestamp($0.at),
                      value: "goodwill refund of \($0.amount ?? "?") for order #\($0.orderID.map(String.init) ?? "?") by staff #\($0.agentID.map(String.init) ?? "?")")
            },
            topArticles: top.map { article in
                let answers = article.helpful + article.notHelpful
                return .init(label: article.title, value: "\(article.views) views · "
                    + (answers == 0 ? "no feedback" : "\(article.helpful * 100 / answers) % of \(answers) found it helpful"))
            },
            gaps: gaps.map { .init(label: $0.query, value: "\($0.count) searches") },
            deflection: deflection.opened == 0 ? [] : [
                .init(label: "Suggested articles opened while writing a ticket", value: String(deflection.opened)),
                .init(label: "Deflected (no ticket from that customer within an hour)",
                      value: "\(deflection.deflected) · \(percent(deflection.deflectionRate)) of those decided"),
                .init(label: "Followed by a ticket", value: String(deflection.followedByTicket)),
                .init(label: "Opened within the last hour (no verdict yet)", value: String(deflection.pending)),
            ],
            deflectionArticles: deflection.articles.map {
                .init(label: $0.title, value: "opened \($0.opened) times from a suggestion, deflected \($0.deflected)")
            },
            csvBase: PortalPath.dashboardCSV.with(query: query.queryItems), quietDays: TicketFacts.quietDays))
    }

    /// The table behind a chart, as CSV: `table` = days, intents, money, overrides or gaps.
    func csv(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let query = try Query(request, now: clock.now())
        let report = try await report(query)
        let table = request.query[String.self, at: "table"] ?? "days"
        var lines: [[String]]
        switch table {
        case "days":
            lines = [["date", "opened", "resolved_automatically", "resolved_by_people"]]
                + report.days.map { [$0.date, String($0.opened), String($0.resolvedAutomatically), String($0.resolvedByPeople)] }
        case "intents":
            lines = [["intent", "opened", "automatic", "escalated", "pending", "surveys", "average_rating"]]
                + report.intents.map { [$0.intent, String($0.opened), String($0.automatic), String($0.escalated), String($0.pending),
                                        String($0.surveys), $0.averageRating.map { String(format: "%.2f", $0) } ?? ""] }
        case "money":
            let money = report.money
            lines = [["measure", "count", "amount_cents"],
                     ["refunds_paid", String(money.refundsPaid), String(money.refundsPaidCents)],
                     ["refunds_held", String(money.refundsHeld), String(money.refundsHeldCents)],
                     ["refunds_refused", String(money.refundsRefused), ""],
                     ["replacements", String(money.replacements), ""],
                     ["cancellations", String(money.cancellations), ""]]
                + money.fraudSignals.sorted { $0.key < $1.key }.map { ["fraud_signal_\($0.key)", String($0.value), ""] }
        case "overrides":
            lines = [["time", "staff_id", "order_id", "amount"]]
                + report.overrides.map { [ISO8601DateFormatter().string(from: $0.at), $0.agentID.map(String.init) ?? "",
                                          $0.orderID.map(String.init) ?? "", $0.amount ?? ""] }
        case "conversations":
            let talks = try await conversations(query)
            lines = [["date", "started", "resolved_automatically", "escalated"]]
                + talks.days.map { [$0.date, String($0.opened), String($0.automatic), String($0.escalated)] }
        case "conversation_intents":
            let talks = try await conversations(query)
            lines = [["intent", "conversations", "automatic", "escalated", "pending", "asked_back"]]
                + talks.intents.map { [$0.intent, String($0.conversations), String($0.automatic), String($0.escalated),
                                       String($0.pending), String($0.askedBack)] }
        case "deflection":
            let facts = try await insight.deflection(from: query.from, to: query.to, now: clock.now(), limit: 1000)
            lines = [["article", "suggestions_opened", "deflected"]]
                + facts.articles.map { [$0.title, String($0.opened), String($0.deflected)] }
        case "gaps":
            lines = [["search", "count"]]
                + (try await insight.searchMisses(from: query.from, to: query.to, limit: 1000)).map { [$0.query, String($0.count)] }
        default:
            throw Abort(.badRequest, reason: "Unknown table \(table): choose days, intents, conversations, conversation_intents, money, overrides, deflection or gaps.")
        }
        let body = lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        let response = Response(status: .ok, body: .init(string: body))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: "attachment; filename=\"supportops-\(table)-\(query.fromText)-\(query.toText).csv\"")
        return response
    }

    /// RFC 4180 quoting; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula.
    static func csvField(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
