import Foundation

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
