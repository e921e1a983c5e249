public import Foundation

/// One turn of a conversation as the agent handled it, kept for review: the redacted message, the reply, what was
/// understood and done, and the decision trace. Written in the same request as the conversation state; never the raw
/// text (the redactor ran first).
public struct ConversationTurn: Sendable, Hashable, Codable {
    /// Where the message came from.
    public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
        case api, portal
    }

    /// What the turn came to, for filters and the review list.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// A write tool ran and succeeded.
        case acted
        /// A write tool ran and the rules refused it.
        case refused
        /// The agent asked the customer a question back.
        case asked
        /// Handed to a person (asked for, or a refund held for review).
        case escalated
        /// Anything else: an answer, a status, a proposal waiting for confirmation.
        case answered
    }

    public var id: Int64?
    public var conversationID: String
    public var customerID: CustomerID
    public var requestID: String
    public var channel: Channel
    public var language: String
    public var intent: Intent
    public var confidence: Double
    public var orderID: OrderID?
    public var action: ToolAction?
    public var success: Bool?
    public var errorCode: String?
    public var needsClarification: Bool
    public var escalated: Bool
    /// The customer's message, redacted.
    public var text: String
    public var reply: String
    public var trace: [TraceStep]
    public var createdAt: Date
    public var review: TurnReview?

    public init(id: Int64? = nil, conversationID: String, customerID: CustomerID, requestID: String, channel: Channel,
                language: String, intent: Intent, confidence: Double, orderID: OrderID?, action: ToolAction?, success: Bool?,
                errorCode: String?, needsClarification: Bool, escalated: Bool, text: String, reply: String,
                trace: [TraceStep], createdAt: Date, review: TurnReview? = nil) {
        self.id = id
        self.conversationID = conversationID
        self.customerID = customerID
        self.requestID = requestID
        self.channel = channel
        self.language = language
        self.intent = intent
        self.confidence = confidence
        self.orderID = orderID
        self.action = action
        self.success = success
        self.errorCode = errorCode
        self.needsClarification = needsClarification
        self.escalated = escalated
        self.text = text
        self.reply = reply
        self.trace = trace
        self.createdAt = createdAt
        self.review = review
    }

    public var outcome: Outcome {
        Self.outcome(escalated: escalated, needsClarification: needsClarification, action: action, success: success)
    }

    /// What a turn with these facts came to.
    public static func outcome(escalated: Bool, needsClarification: Bool, action: ToolAction?, success: Bool?) -> Outcome {
        if escalated { return .escalated }
        if needsClarification { return .asked }
        if let action, action.isWrite { return success == true ? .acted : .refused }
        return .answered
    }

    /// The write this turn carried out or tried (nil: none; reads do not count).
    public var write: ToolAction? { action.flatMap { $0.isWrite ? $0 : nil } }
}

/// A lead's verdict on one turn: right as it was, or wrong, with what the agent should have understood and done.
public struct TurnReview: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
        case right, wrong
    }

    public var verdict: Verdict
    /// For `wrong`: the intent the message had.
    public var intent: Intent?
    /// For `wrong`: the write the agent should have carried out (nil: none).
    public var action: ToolAction?
    public var reviewer: String
    public var at: Date

    public init(verdict: Verdict, intent: Intent?, action: ToolAction?, reviewer: String, at: Date) {
        self.verdict = verdict
        self.intent = intent
        self.action = action
        self.reviewer = reviewer
        self.at = at
    }
}

/// One conversation in the review list.
public struct ConversationSummary: Sendable, Hashable {
    public var conversationID: String
    public var customerID: CustomerID
    public var channel: ConversationTurn.Channel
    public var languages: [String]
    public var intents: [Intent]
    public var turns: Int
    public var firstAt: Date
    public var lastAt: Date
    public var lowestConfidence: Double
    public var askedBack: Bool
    public var escalated: Bool
    public var outcome: ConversationTurn.Outcome
    public var reviewed: Int
    public var wrong: Int

    public init(conversationID: String, customerID: CustomerID, channel: ConversationTurn.Channel, languages: [String],
                intents: [Intent], turns: Int, firstAt: Date, lastAt: Date, lowestConfidence: Double, askedBack: Bool,
                escalated: Bool, outcome: ConversationTurn.Outcome, reviewed: Int, wrong: Int) {
        self.conversationID = conversationID
        self.customerID = customerID
        self.channel = channel
        self.languages = languages
        self.intents = intents
        self.turns = turns
        self.firstAt = firstAt
        self.lastAt = lastAt
        self.lowestConfidence = lowestConfidence
        self.askedBack = askedBack
        self.escalated = escalated
        self.outcome = outcome
        self.reviewed = reviewed
        self.wrong = wrong
    }

    /// The conversation's main intent: that of its first turn understood as something other than `other`.
    public var intent: Intent { intents.first ?? .other }

    /// The conversations of these turns (any order), newest first: the definition the store's SQL summary follows
    /// (`intents` starts with the main intent and `languages` with the first turn's, the rest in alphabetical order).
    public static func summarize(_ turns: [ConversationTurn]) -> [ConversationSummary] {
        let byConversation = Dictionary(grouping: turns, by: \.conversationID)
        return byConversation.compactMap { id, unsorted -> ConversationSummary? in
            let turns = unsorted.sorted { ($0.createdAt, $0.id ?? 0) < ($1.createdAt, $1.id ?? 0) }
            guard let first = turns.first, let last = turns.last else { return nil }
            let main = turns.first { $0.intent != .other }?.intent ?? first.intent
            let intents = [main] + Set(turns.map(\.intent)).subtracting([main]).sorted { $0.rawValue < $1.rawValue }
            let languages = [first.language] + Set(turns.map(\.language)).subtracting([first.language]).sorted()
            let escalated = turns.contains(where: \.escalated)
            return ConversationSummary(
                conversationID: id, customerID: first.customerID, channel: first.channel, languages: languages,
                intents: intents, turns: turns.count, firstAt: first.createdAt, lastAt: last.createdAt,
                lowestConfidence: turns.map(\.confidence).min() ?? 0, askedBack: turns.contains(where: \.needsClarification),
                escalated: escalated, outcome: escalated ? .escalated : last.outcome,
                reviewed: turns.filter { $0.review != nil }.count,
                wrong: turns.filter { $0.review?.verdict == .wrong }.count)
        }.sorted { ($0.lastAt, $0.conversationID) > ($1.lastAt, $1.conversationID) }
    }
}

/// What the review list shows: conversations whose turns fall in [from, to), narrowed by the rest.
public struct ReviewFilter: Sendable, Hashable {
    public var from: Date
    public var to: Date
    public var intent: Intent?
    public var language: String?
    public var channel: ConversationTurn.Channel?
    public var outcome: ConversationTurn.Outcome?
    /// Only conversations with a turn understood with less confidence than this.
    public var confidenceBelow: Double?
    public var askedBack: Bool?
    public var escalated: Bool?
    public var reviewedOnly: Bool

    public init(from: Date, to: Date, intent: Intent? = nil, language: String? = nil, channel: ConversationTurn.Channel? = nil,
                outcome: ConversationTurn.Outcome? = nil, confidenceBelow: Double? = nil, askedBack: Bool? = nil,
                escalated: Bool? = nil, reviewedOnly: Bool = false) {
        self.from = from
        self.to = to
        self.intent = intent
        self.language = language
        self.channel = channel
        self.outcome = outcome
        self.confidenceBelow = confidenceBelow
        self.askedBack = askedBack
        self.escalated = escalated
        self.reviewedOnly = reviewedOnly
    }

    public func admits(_ summary: ConversationSummary) -> Bool {
        if let intent, !summary.intents.contains(intent) { return false }
        if let language, !summary.languages.contains(language) { return false }
        if let channel, summary.channel != channel { return false }
        if let outcome, summary.outcome != outcome { return false }
        if let confidenceBelow, summary.lowestConfidence >= confidenceBelow { return false }
        if let askedBack, summary.askedBack != askedBack { return false }
        if let escalated, summary.escalated != escalated { return false }
        if reviewedOnly, summary.reviewed == 0 { return false }
        return true
    }
}

/// The review side of conversation turns (the pipeline records them through `ConversationStore.recordTurn`).
public protocol ConversationReviewStore: Sendable {
    /// The conversations with turns written in [from, to), as `ConversationSummary.summarize` sums up those turns,
    /// newest last turn first (at most `limit`); the caller filters them.
    func summaries(from: Date, to: Date, limit: Int) async throws -> [ConversationSummary]
    /// Every turn of one conversation, in order.
    func turns(conversationID: String) async throws -> [ConversationTurn]
    /// Sets (or, with nil, clears) a turn's review; false when there is no such turn.
    func review(turnID: Int64, _ review: TurnReview?) async throws -> Bool
    /// Every turn of the conversations with at least one reviewed turn, conversation by conversation, in order.
    func reviewedConversations(limit: Int) async throws -> [[ConversationTurn]]
    /// The dashboard's cells: `ConversationBucket.buckets` of the conversations with turns in [from, to + quiet days)
    /// that `ReviewFilter(from:to:intent:language:channel:)` admits, summed up by the database.
    func buckets(from: Date, to: Date, now: Date, intent: Intent?, language: String?,
                 channel: ConversationTurn.Channel?) async throws -> [ConversationBucket]
}

/// The dashboard's conversation figures (API and portal turns, from `conversation_turns`), by the same definition as
/// tickets: a conversation is **resolved automatically** when no person was asked for or took over (no turn escalated)
/// and the customer did not come back for `TicketFacts.quietDays` days after its last turn; **escalated** when a turn
/// handed it to a person; **pending** otherwise. The **clarification rate** is the share of conversations in which the
/// agent asked the customer a question back.
public struct ConversationInsight: Sendable, Hashable {
    public struct Day: Sendable, Hashable {
        public var date: String
        public var opened = 0
        public var automatic = 0
        public var escalated = 0
    }

    public struct IntentRow: Sendable, Hashable {
        public var intent: String
        public var conversations = 0
        public var automatic = 0
        public var escalated = 0
        public var pending = 0
        public var askedBack = 0
    }

    public var conversations = 0
    public var automatic = 0
    public var escalated = 0
    public var pending = 0
    public var askedBack = 0
    public var days: [Day] = []
    public var intents: [IntentRow] = []

    public var automaticRate: Double? { share(automatic) }
    public var escalationRate: Double? { share(escalated) }
    public var clarificationRate: Double? { share(askedBack) }

    func share(_ count: Int) -> Double? { conversations == 0 ? nil : Double(count) / Double(conversations) }

    /// Conversations that started in [from, to), day by day (UTC).
    public static func compute(_ summaries: [ConversationSummary], from: Date, to: Date, now: Date) -> ConversationInsight {
        compute(buckets: ConversationBucket.buckets(summaries, from: from, to: to, now: now), from: from, to: to)
    }

    /// The figures from the conversations counted by day, intent, outcome and whether the agent asked back (what the
    /// store sums up in SQL).
    public static func compute(buckets: [ConversationBucket], from: Date, to: Date) -> ConversationInsight {
        var insight = ConversationInsight()
        let days = Date.utcDays(from: from, to: to, limit: .max)
        let dayIndex = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        insight.days = days.map { Day(date: $0.utcString("yyyy-MM-dd")) }
        var byIntent: [String: IntentRow] = [:]
        for bucket in buckets {
            let intent = bucket.intent.rawValue
            var row = byIntent[intent] ?? IntentRow(intent: intent)
            let count = bucket.count
            insight.conversations += count
            row.conversations += count
            if bucket.askedBack { insight.askedBack += count; row.askedBack += count }
            let index = dayIndex[bucket.day]
            if let index { insight.days[index].opened += count }
            switch bucket.outcome {
            case .automatic:
                insight.automatic += count; row.automatic += count
                if let index { insight.days[index].automatic += count }
            case .escalated:
                insight.escalated += count; row.escalated += count
                if let index { insight.days[index].escalated += count }
            case .pending:
                insight.pending += count; row.pending += count
            }
            byIntent[intent] = row
        }
        insight.intents = byIntent.values.sorted { ($0.conversations, $1.intent) > ($1.conversations, $0.intent) }
        return insight
    }
}

/// Conversations that started on one day (UTC), counted by main intent, verdict and whether the agent asked back: the
/// cells the dashboard's conversation figures add up.
public struct ConversationBucket: Sendable, Hashable, Comparable {
    /// The start of the day (UTC).
    public var day: Date
    public var intent: Intent
    public var outcome: TicketOutcome
    public var askedBack: Bool
    public var count: Int

    public init(day: Date, intent: Intent, outcome: TicketOutcome, askedBack: Bool, count: Int) {
        self.day = day
        self.intent = intent
        self.outcome = outcome
        self.askedBack = askedBack
        self.count = count
    }

    /// The definition (`ConversationInsight`): conversations that started in [from, to); escalated when a turn handed
    /// over, resolved automatically when the last turn is `TicketFacts.quietDays` days old, pending otherwise. Sorted.
    public static func buckets(_ summaries: [ConversationSummary], from: Date, to: Date, now: Date) -> [ConversationBucket] {
        let quiet = Double(TicketFacts.quietDays) * 86_400
        var counts: [ConversationBucket: Int] = [:]
        for summary in summaries where summary.firstAt >= from && summary.firstAt < to {
            let outcome: TicketOutcome = summary.escalated ? .escalated
                : summary.lastAt <= now.addingTimeInterval(-quiet) ? .automatic : .pending
            counts[ConversationBucket(day: summary.firstAt.utcDayStart, intent: summary.intent, outcome: outcome, askedBack: summary.askedBack, count: 0),
                   default: 0] += 1
        }
        return counts.map { key, count in
            var bucket = key
            bucket.count = count
            return bucket
        }.sorted(by: <)
    }

    public static func < (lhs: ConversationBucket, rhs: ConversationBucket) -> Bool {
        (lhs.day, lhs.intent.rawValue, lhs.outcome.rawValue, lhs.askedBack ? 1 : 0)
            < (rhs.day, rhs.intent.rawValue, rhs.outcome.rawValue, rhs.askedBack ? 1 : 0)
    }

}
