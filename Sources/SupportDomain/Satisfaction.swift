public import Foundation

/// New secrets for links in e-mails (a survey, a password reset): the token goes into the link, only its hash is stored.
public protocol SecretTokens: Sendable {
    /// A fresh random token and the hash it is stored under.
    func issue() -> (token: String, hash: String)
    /// The hash a token from a link is looked up by.
    func hash(_ token: String) -> String
}

/// The one-question survey sent when a ticket is resolved, stored with the ticket's change in one transaction.
public struct SurveyInvitation: Sendable, Hashable {
    public var ticketID: TicketID
    public var tokenHash: String
    /// Who handled the ticket (nil: the assistant alone).
    public var agentID: UserID?
    public var intent: Intent?
    public var createdAt: Date
    /// The e-mail with the survey link; queued only when the survey is new (one survey per ticket).
    public var mail: OutgoingMail?

    public init(ticketID: TicketID, tokenHash: String, agentID: UserID?, intent: Intent?, createdAt: Date, mail: OutgoingMail?) {
        self.ticketID = ticketID
        self.tokenHash = tokenHash
        self.agentID = agentID
        self.intent = intent
        self.createdAt = createdAt
        self.mail = mail
    }
}

/// A satisfaction survey and, once given, its answer: a rating from 1 to 5 and an optional comment (stored redacted).
public struct SatisfactionSurvey: Sendable, Hashable {
    public var id: Int64
    public var ticketID: TicketID
    public var agentID: UserID?
    public var intent: Intent?
    public var createdAt: Date
    public var rating: Int?
    public var comment: String?
    public var answeredAt: Date?

    public init(id: Int64, ticketID: TicketID, agentID: UserID?, intent: Intent?, createdAt: Date, rating: Int? = nil,
                comment: String? = nil, answeredAt: Date? = nil) {
        self.id = id
        self.ticketID = ticketID
        self.agentID = agentID
        self.intent = intent
        self.createdAt = createdAt
        self.rating = rating
        self.comment = comment
        self.answeredAt = answeredAt
    }

    public var isAnswered: Bool { answeredAt != nil }

    /// The ratings a survey accepts.
    public static let ratings = 1...5
}

/// Survey results for one group (an agent, an intent): how many were sent and answered, and how they rated.
public struct SatisfactionGroup: Sendable, Hashable {
    /// The agent's id or the intent's raw value; nil for "nobody" (the assistant alone) or "no intent".
    public var key: String?
    public var sent: Int
    public var answered: Int
    public var ratingSum: Int
    /// Answers rating 4 or 5.
    public var satisfied: Int

    public init(key: String?, sent: Int, answered: Int, ratingSum: Int, satisfied: Int) {
        self.key = key
        self.sent = sent
        self.answered = answered
        self.ratingSum = ratingSum
        self.satisfied = satisfied
    }

    public var averageRating: Double? { answered == 0 ? nil : Double(ratingSum) / Double(answered) }
    /// The share of answers rating 4 or 5 (CSAT), 0…1.
    public var satisfactionRate: Double? { answered == 0 ? nil : Double(satisfied) / Double(answered) }
    public var responseRate: Double? { sent == 0 ? nil : Double(answered) / Double(sent) }
}

/// Where surveys live.
public protocol SurveyStore: Sendable {
    func fetchSurvey(ticket: TicketID) async throws -> SatisfactionSurvey?
    func fetchSurvey(tokenHash: String) async throws -> SatisfactionSurvey?
    /// Records the answer once; false when the survey was already answered (a link is single use).
    func answerSurvey(_ id: Int64, rating: Int, comment: String?, at date: Date) async throws -> Bool
    /// Surveys sent since `date`, grouped by the agent who handled the ticket, and by intent.
    func satisfaction(since date: Date) async throws -> (byAgent: [SatisfactionGroup], byIntent: [SatisfactionGroup])
}
