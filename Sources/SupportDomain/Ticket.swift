public import Foundation

public enum TicketTag {}
public typealias TicketID = Identifier<TicketTag>

/// Where a portal ticket stands. The bot works a ticket only while it is `open` or `awaitingCustomer`; once a person
/// has it (`escalated`, `inProgress`) the bot stays silent.
public enum TicketStatus: String, CaseIterable, Sendable, Codable {
    case open
    case awaitingCustomer = "awaiting_customer"
    case escalated
    case inProgress = "in_progress"
    case resolved
    case closed

    public var label: String {
        switch self {
        case .open: "Open"
        case .awaitingCustomer: "Awaiting you"
        case .escalated: "With a person"
        case .inProgress: "In progress"
        case .resolved: "Resolved"
        case .closed: "Closed"
        }
    }

    /// open → awaiting customer → resolved | escalated → in progress → resolved → closed.
    public func canMove(to next: TicketStatus) -> Bool {
        guard next != self else { return false }
        switch self {
        case .open: return [.awaitingCustomer, .escalated, .resolved, .closed].contains(next)
        case .awaitingCustomer: return [.open, .escalated, .resolved, .closed].contains(next)
        case .escalated: return [.inProgress, .resolved, .closed].contains(next)
        case .inProgress: return [.awaitingCustomer, .escalated, .resolved, .closed].contains(next)
        case .resolved: return [.escalated, .closed, .inProgress].contains(next)
        case .closed: return false
        }
    }

    /// Whether the bot may answer new messages on a ticket in this state.
    public var botAnswers: Bool { self == .open || self == .awaitingCustomer }

    /// Whether the ticket belongs in the human agents' queue.
    public var isQueued: Bool { self == .escalated || self == .inProgress }
}

public enum TicketPriority: String, CaseIterable, Sendable, Codable, Comparable {
    case low, normal, high, urgent

    public var rank: Int {
        switch self {
        case .low: 0
        case .normal: 1
        case .high: 2
        case .urgent: 3
        }
    }

    public static func < (lhs: TicketPriority, rhs: TicketPriority) -> Bool { lhs.rank < rhs.rank }
}

/// A write the agent proposes on a ticket; only the customer's confirmation runs it.
public enum ProposalState: String, Sendable, Codable {
    case proposed, confirmed, declined, refused
}

public enum UserTag {}
/// A portal account (customer, agent or admin).
public typealias UserID = Identifier<UserTag>

/// What a portal account may do.
public enum PortalRole: String, CaseIterable, Sendable, Codable {
    case customer, agent, lead, admin

    public var isStaff: Bool { self != .customer }

    /// Leads and admins may override the refund window and limit (with a written reason, audited).
    public var mayOverrideRules: Bool { self == .lead || self == .admin }

    /// Staff can move money and read every customer's tickets: they sign in with a one-time code too.
    public var requiresTwoStep: Bool { isStaff }
}

/// The signed-in person a ticket operation is done for or by.
public struct PortalAccount: Sendable, Hashable {
    public var id: UserID
    public var name: String
    public var email: String
    public var role: PortalRole
    /// The customer record whose orders this account may see; nil until the e-mail address is confirmed.
    public var customerID: CustomerID?
    public var createdAt: Date
    /// Sessions signed in under another epoch are over (a password reset bumps it).
    public var sessionEpoch: Int
    /// False once an admin deactivated the account: it cannot sign in, and its sessions are over.
    public var isActive: Bool
    /// Whether signing in takes a one-time code after the password.
    public var hasTwoStep: Bool

    public init(id: UserID, name: String, email: String, role: PortalRole, customerID: CustomerID?,
                createdAt: Date = Date(timeIntervalSince1970: 0), sessionEpoch: Int = 0, isActive: Bool = true,
                hasTwoStep: Bool = false) {
        self.isActive = isActive
        self.hasTwoStep = hasTwoStep
        self.id = id
        self.name = name
        self.email = email
        self.role = role
        self.customerID = customerID
        self.createdAt = createdAt
        self.sessionEpoch = sessionEpoch
    }
}

/// Who wrote a ticket message. `note` is an agents-only comment, never shown to the customer nor mailed.
public enum TicketAuthor: String, Sendable, Hashable, Codable, CaseIterable {
    case customer, bot, agent, system, note
}

/// A write the agent offered on a ticket, stored whole: what the customer confirms is exactly what was previewed.
public struct Proposal: Sendable, Hashable, Codable {
    public var invocation: ToolInvocation
    /// "Refund 49.99 USD for order #1042": the confirm button's context.
    public var label: String
    public var state: ProposalState

    public init(invocation: ToolInvocation, label: String, state: ProposalState = .proposed) {
        self.invocation = invocation
        self.label = label
        self.state = state
    }
}

/// A portal ticket: the customer's request, what the agent understood and proposed, and who works it now.
public struct Ticket: Sendable, Hashable {
    public var id: TicketID
    public var ownerID: UserID
    public var customerID: CustomerID?
    public var title: String
    public var status: TicketStatus
    public var priority: TicketPriority
    /// The conversation the agent continues (a pending question survives between messages).
    public var conversationID: String
    public var intent: Intent?
    public var confidence: Double?
    /// The decision trace of the agent's last turn.
    public var trace: [TraceStep]
    public var proposal: Proposal?
    /// Bumped with every new proposal; part of the confirmation's idempotency key.
    public var proposalSerial: Int
    public var assigneeID: UserID?
    /// The service-level clock, from the moment a person must handle the ticket.
    public var sla: TicketSLA?
    /// When the customer was reminded that the ticket waits for them (once; then it closes).
    public var reminderSentAt: Date?
    /// Bumped by every save: a conditional save (scheduled work) fails when someone changed the ticket meanwhile.
    public var revision: Int
    /// The ticket this one was merged into (its messages live there now).
    public var mergedInto: TicketID?
    /// The customer's language, as the assistant read their last message ("en", "es", …).
    public var language: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: TicketID, ownerID: UserID, customerID: CustomerID?, title: String, status: TicketStatus = .open,
                priority: TicketPriority = .normal, conversationID: String, intent: Intent? = nil,
                confidence: Double? = nil, trace: [TraceStep] = [], proposal: Proposal? = nil, proposalSerial: Int = 0,
                assigneeID: UserID? = nil, sla: TicketSLA? = nil, reminderSentAt: Date? = nil, revision: Int = 0,
                mergedInto: TicketID? = nil, language: String? = nil, createdAt: Date, updatedAt: Date) {
        self.mergedInto = mergedInto
        self.language = language
        self.sla = sla
        self.reminderSentAt = reminderSentAt
        self.revision = revision
        self.id = id
        self.ownerID = ownerID
        self.customerID = customerID
        self.title = title
        self.status = status
        self.priority = priority
        self.conversationID = conversationID
        self.intent = intent
        self.confidence = confidence
        self.trace = trace
        self.proposal = proposal
        self.proposalSerial = proposalSerial
        self.assigneeID = assigneeID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The proposal waiting for the customer's answer, if any.
    public var openProposal: Proposal? { proposal?.state == .proposed ? proposal : nil }

    /// Whether the bot answers the customer's next message: only while no person has the ticket.
    public var botAnswers: Bool { status.botAnswers && assigneeID == nil }

    /// Closes the ticket now: an unconfirmed proposal is withdrawn and a running service-level clock stops.
    public mutating func close(at now: Date) {
        status = .closed
        updatedAt = now
        withdrawProposal()
        if sla?.isRunning == true { sla?.completedAt = now }
    }

    /// A new message without a new proposal withdraws the old, unconfirmed one.
    public mutating func withdrawProposal() {
        if proposal?.state == .proposed { proposal?.state = .declined }
    }
}

/// One message of a ticket's conversation. Stored redacted when a customer wrote it.
public struct TicketMessage: Sendable, Hashable {
    public var id: Int64?
    public var ticketID: TicketID
    public var author: TicketAuthor
    public var authorUserID: UserID?
    public var body: String
    public var citations: [Citation]
    public var createdAt: Date

    public init(id: Int64? = nil, ticketID: TicketID, author: TicketAuthor, authorUserID: UserID? = nil, body: String,
                citations: [Citation] = [], createdAt: Date) {
        self.id = id
        self.ticketID = ticketID
        self.author = author
        self.authorUserID = authorUserID
        self.body = body
        self.citations = citations
        self.createdAt = createdAt
    }
}

/// An e-mail to queue in the same transaction as the change it announces.
public struct OutgoingMail: Sendable, Hashable {
    public var to: String
    public var subject: String
    public var body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}
