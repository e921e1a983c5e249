public import Foundation

/// What the leads' dashboard counts, and the one definition of an automatically resolved ticket:
/// no person took part (it was never escalated and no person answered), and either the customer marked the answer
/// satisfying (resolved, then perhaps closed) or did not come back for `quietDays` after the last message.
/// A ticket a person took part in is escalated, whatever happened before (a satisfied ticket later escalated counts
/// as escalated). A ticket neither resolved nor quiet long enough is pending.
public enum TicketOutcome: String, Sendable, Hashable, CaseIterable {
    case automatic, escalated, pending
}

/// The facts of one ticket the dashboard needs.
public struct TicketFacts: Sendable, Hashable {
    public var createdAt: Date
    /// The last change (a message, a status).
    public var updatedAt: Date
    public var status: TicketStatus
    public var intent: Intent?
    /// When a person had to handle it (an escalation, or a person taking part); nil when none ever had to.
    public var personStartedAt: Date?
    public var firstRespondedAt: Date?
    /// When a person resolved or closed it.
    public var personCompletedAt: Date?

    public init(createdAt: Date, updatedAt: Date, status: TicketStatus, intent: Intent?, personStartedAt: Date?,
                firstRespondedAt: Date?, personCompletedAt: Date?) {
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
        self.intent = intent
        self.personStartedAt = personStartedAt
        self.firstRespondedAt = firstRespondedAt
        self.personCompletedAt = personCompletedAt
    }

    public static let quietDays = 7

    public func outcome(asOf now: Date) -> TicketOutcome {
        if personStartedAt != nil { return .escalated }
        if status == .resolved || status == .closed { return .automatic }
        return updatedAt <= now.addingTimeInterval(-Double(Self.quietDays) * 86_400) ? .automatic : .pending
    }

    /// When it counts as resolved: by the customer's "satisfying" (its last change), after the quiet days, or by a person.
    public func resolvedAt(asOf now: Date) -> Date? {
        switch outcome(asOf: now) {
        case .automatic:
            status == .resolved || status == .closed ? updatedAt : updatedAt.addingTimeInterval(Double(Self.quietDays) * 86_400)
        case .escalated: personCompletedAt
        case .pending: nil
        }
    }
}

/// Money the tools moved in a period.
public struct MoneyFacts: Sendable, Hashable {
    public var refundsPaid = 0
    public var refundsPaidCents: Int64 = 0
    public var refundsHeld = 0
    public var refundsHeldCents: Int64 = 0
    public var refundsRefused = 0
    public var replacements = 0
    public var cancellations = 0
    /// Fraud signals on refunds held for review, by kind.
    public var fraudSignals: [String: Int] = [:]

    public init() {}
}

/// A rule exception a lead or an admin made (a goodwill refund), from the audit trail.
public struct OverrideFact: Sendable, Hashable {
    public var at: Date
    public var agentID: Int64?
    public var orderID: Int64?
    public var amount: String?

    public init(at: Date, agentID: Int64?, orderID: Int64?, amount: String?) {
        self.at = at
        self.agentID = agentID
        self.orderID = orderID
        self.amount = amount
    }
}

/// What the dashboard reads; every figure is computed from these.
public protocol InsightStore: Sendable {
    /// Tickets opened in [from, to), not merged into another, optionally of one intent.
    func ticketFacts(from: Date, to: Date, intent: Intent?) async throws -> [TicketFacts]
    /// Survey answers given in [from, to): the ticket's intent and the rating.
    func ratings(from: Date, to: Date) async throws -> [(intent: Intent?, rating: Int)]
    func money(from: Date, to: Date) async throws -> MoneyFacts
    func overrides(from: Date, to: Date, limit: Int) async throws -> [OverrideFact]
    /// Help-center searches that found nothing, last made in [from, to), most frequent first.
    func searchMisses(from: Date, to: Date, limit: Int) async throws -> [(query: String, count: Int)]
    /// The tickets opened in [from, to) and not merged (optionally of one intent), counted as `TicketFigures` defines.
    func ticketFigures(from: Date, to: Date, intent: Intent?, now: Date) async throws -> TicketFigures
    /// Suggested articles opened in [from, to), with the `limit` articles opened most.
    func deflection(from: Date, to: Date, now: Date, limit: Int) async throws -> DeflectionFacts
}

/// Ticket deflection, counted on the suggestions a customer opened while writing a ticket: a suggestion opened
/// **deflected** a ticket when that customer opened no ticket in the `window` after it; it was **followed by a ticket**
/// when they did; one opened less than `window` ago has no verdict yet (**pending**).
public struct DeflectionFacts: Sendable, Hashable {
    public static let window: TimeInterval = 3_600

    public struct Article: Sendable, Hashable {
        public var title: String
        public var opened: Int
        public var deflected: Int

        public init(title: String, opened: Int, deflected: Int) {
            self.title = title
            self.opened = opened
            self.deflected = deflected
        }
    }

    public var opened = 0
    public var deflected = 0
    public var followedByTicket = 0
    public var pending = 0
    public var articles: [Article] = []

    public init(opened: Int = 0, deflected: Int = 0, followedByTicket: Int = 0, pending: Int = 0, articles: [Article] = []) {
        self.opened = opened
        self.deflected = deflected
        self.followedByTicket = followedByTicket
        self.pending = pending
        self.articles = articles
    }

    /// Deflected among the suggestions with a verdict.
    public var deflectionRate: Double? {
        deflected + followedByTicket == 0 ? nil : Double(deflected) / Double(deflected + followedByTicket)
    }
}

/// The dashboard's figures for one period.
public struct InsightReport: Sendable {
    public struct Day: Sendable, Hashable {
        public var date: String
        public var opened = 0
        public var resolvedAutomatically = 0
        public var resolvedByPeople = 0
    }

    public struct IntentRow: Sendable, Hashable {
        public var intent: String
        public var opened = 0
        public var automatic = 0
        public var escalated = 0
        public var pending = 0
        public var surveys = 0
        public var ratingTotal = 0

        public var averageRating: Double? { surveys == 0 ? nil : Double(ratingTotal) / Double(surveys) }
    }

    /// Median and 90th percentile, in minutes.
    public struct Spread: Sendable, Hashable {
        public var count: Int
        public var median: Double?
        public var p90: Double?

        public init(count: Int, median: Double?, p90: Double?) {
            self.count = count
            self.median = median
            self.p90 = p90
        }

        public init(minutes values: [Double]) {
            let sorted = values.sorted()
            count = sorted.count
            median = Self.quantile(0.5, count: sorted.count) { sorted[$0] }
            p90 = Self.quantile(0.9, count: sorted.count) { sorted[$0] }
        }

        /// The q-quantile of `count` values in order, `value(rank)` giving the value at a 0-based rank: linear
        /// interpolation between the closest ranks around q × (count − 1) (the median of two values is their mean; as
        /// PostgreSQL's `percentile_cont`). Nil when there are none, or when `value` lacks a rank it needs.
        public static func quantile(_ q: Double, count: Int, value: (Int) -> Double?) -> Double? {
            guard count > 0 else { return nil }
            let position = q * Double(count - 1)
            let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
            guard let low = value(lower), let high = value(upper) else { return nil }
            return low + (high - low) * (position - Double(lower))
        }
    }

    public var opened = 0
    public var automatic = 0
    public var escalated = 0
    public var pending = 0
    public var days: [Day] = []
    public var intents: [IntentRow] = []
    public var automaticResolution = Spread(minutes: [])
    public var humanResolution = Spread(minutes: [])
    public var firstResponse = Spread(minutes: [])
    public var money = MoneyFacts()
    public var overrides: [OverrideFact] = []

    /// Automatically resolved, escalated and pending as shares of the tickets opened (nil when none was).
    public var automaticRate: Double? { opened == 0 ? nil : Double(automatic) / Double(opened) }
    public var escalationRate: Double? { opened == 0 ? nil : Double(escalated) / Double(opened) }

    public init() {}

    /// The figures of tickets opened in [from, to), as of `now`, by day (UTC).
    public static func compute(tickets: [TicketFacts], ratings: [(intent: Intent?, rating: Int)], money: MoneyFacts,
                               overrides: [OverrideFact], from: Date, to: Date, now: Date) -> InsightReport {
        compute(figures: TicketFigures(tickets: tickets, now: now), ratings: ratings, money: money, overrides: overrides,
                from: from, to: to)
    }

    /// The figures from the tickets counted by day, intent and verdict (what the store sums up in SQL).
    public static func compute(figures: TicketFigures, ratings: [(intent: Intent?, rating: Int)], money: MoneyFacts,
                               overrides: [OverrideFact], from: Date, to: Date) -> InsightReport {
        var report = InsightReport()
        report.money = money
        report.overrides = overrides
        let days = Date.utcDays(from: from, to: to)
        let dayIndex = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        report.days = days.map { Day(date: $0.utcString("yyyy-MM-dd")) }
        var intents: [String: IntentRow] = [:]
        for cell in figures.opened {
            report.opened += cell.count
            var row = intents[cell.intent] ?? IntentRow(intent: cell.intent)
            row.opened += cell.count
            switch cell.outcome {
            case .automatic: report.automatic += cell.count; row.automatic += cell.count
            case .escalated: report.escalated += cell.count; row.escalated += cell.count
            case .pending: report.pending += cell.count; row.pending += cell.count
            }
            intents[cell.intent] = row
            if let index = dayIndex[cell.day] { report.days[index].opened += cell.count }
        }
        for cell in figures.resolved {
            guard let index = dayIndex[cell.day] else { continue }
            if cell.automatic { report.days[index].resolvedAutomatically += cell.count } else { report.days[index].resolvedByPeople += cell.count }
        }
        for rating in ratings {
            let name = rating.intent?.rawValue ?? "unknown"
            var row = intents[name] ?? IntentRow(intent: name)
            row.surveys += 1
            row.ratingTotal += rating.rating
            intents[name] = row
        }
        report.intents = intents.values.sorted { ($0.opened, $0.intent) > ($1.opened, $1.intent) }
        report.automaticResolution = figures.automaticResolution
        report.humanResolution = figures.humanResolution
        report.firstResponse = figures.firstResponse
        return report
    }
}

/// Tickets counted by the day they were opened (UTC), intent (`unknown` when none) and verdict.
public struct TicketCell: Sendable, Hashable, Comparable {
    public var day: Date
    public var intent: String
    public var outcome: TicketOutcome
    public var count: Int

    public init(day: Date, intent: String, outcome: TicketOutcome, count: Int) {
        self.day = day
        self.intent = intent
        self.outcome = outcome
        self.count = count
    }

    public static func < (lhs: TicketCell, rhs: TicketCell) -> Bool {
        (lhs.day, lhs.intent, lhs.outcome.rawValue) < (rhs.day, rhs.intent, rhs.outcome.rawValue)
    }
}

/// Tickets resolved on a day (UTC), automatically or by people.
public struct ResolvedCell: Sendable, Hashable, Comparable {
    public var day: Date
    public var automatic: Bool
    public var count: Int

    public init(day: Date, automatic: Bool, count: Int) {
        self.day = day
        self.automatic = automatic
        self.count = count
    }

    public static func < (lhs: ResolvedCell, rhs: ResolvedCell) -> Bool {
        (lhs.day, lhs.automatic ? 1 : 0) < (rhs.day, rhs.automatic ? 1 : 0)
    }
}

/// The ticket figures of a period before they are laid out: what `InsightStore.ticketFigures` counts in SQL, and
/// `init(tickets:now:)` defines from each ticket's facts.
public struct TicketFigures: Sendable, Hashable {
    public var opened: [TicketCell]
    public var resolved: [ResolvedCell]
    public var automaticResolution: InsightReport.Spread
    public var humanResolution: InsightReport.Spread
    public var firstResponse: InsightReport.Spread

    public init(opened: [TicketCell], resolved: [ResolvedCell], automaticResolution: InsightReport.Spread,
                humanResolution: InsightReport.Spread, firstResponse: InsightReport.Spread) {
        self.opened = opened.sorted()
        self.resolved = resolved.sorted()
        self.automaticResolution = automaticResolution
        self.humanResolution = humanResolution
        self.firstResponse = firstResponse
    }

    /// The definition: each ticket's verdict as of `now` (`TicketFacts.outcome`), counted on the day it was opened; a
    /// resolution (`TicketFacts.resolvedAt`) no later than `now` counted on its day, with its time from the opening; a
    /// person's first response timed from when a person had to handle it.
    public init(tickets: [TicketFacts], now: Date) {
        var opened: [TicketCell: Int] = [:]
        var resolved: [ResolvedCell: Int] = [:]
        var automaticMinutes: [Double] = [], humanMinutes: [Double] = [], firstResponseMinutes: [Double] = []
        for ticket in tickets {
            let outcome = ticket.outcome(asOf: now)
            opened[TicketCell(day: ticket.createdAt.utcDayStart, intent: ticket.intent?.rawValue ?? "unknown", outcome: outcome,
                              count: 0), default: 0] += 1
            if let at = ticket.resolvedAt(asOf: now), at <= now {
                resolved[ResolvedCell(day: at.utcDayStart, automatic: outcome == .automatic, count: 0), default: 0] += 1
                let minutes = at.timeIntervalSince(ticket.createdAt) / 60
                if outcome == .automatic { automaticMinutes.append(minutes) } else { humanMinutes.append(minutes) }
            }
            if let started = ticket.personStartedAt, let answered = ticket.firstRespondedAt {
                firstResponseMinutes.append(max(0, answered.timeIntervalSince(started) / 60))
            }
        }
        self.init(opened: opened.map { var cell = $0.key; cell.count = $0.value; return cell },
                  resolved: resolved.map { var cell = $0.key; cell.count = $0.value; return cell },
                  automaticResolution: .init(minutes: automaticMinutes), humanResolution: .init(minutes: humanMinutes),
                  firstResponse: .init(minutes: firstResponseMinutes))
    }
}
