public import Foundation

/// Where tickets live. Every change of a ticket is saved with the message that records it and the e-mail that
/// announces it in one transaction, so a ticket never shows a state its history or the customer's inbox lacks.
public protocol TicketStore: Sendable {
    /// Creates the ticket and its first (customer) message in one transaction.
    func insertTicket(_ ticket: NewTicket, firstMessage: String) async throws -> Ticket
    func fetchTicket(_ id: TicketID) async throws -> Ticket?
    /// Saves the ticket as given, with `message` appended, `mail` queued and `survey` opened (with its e-mail, unless the
    /// ticket already has a survey), in one transaction.
    func saveTicket(_ ticket: Ticket, appending message: TicketMessage?, mail: OutgoingMail?,
                    survey: SurveyInvitation?) async throws
    /// Saves the ticket only if nobody saved it since it was read (same `revision`), with its message and e-mails, in
    /// one transaction. False when it changed meanwhile: scheduled work then leaves it for its next pass.
    func saveTicketIfUnchanged(_ ticket: Ticket, appending message: TicketMessage?, mails: [OutgoingMail]) async throws -> Bool
    /// Running service-level clocks with a target past due at `now` that is not yet recorded as breached.
    func fetchOverdueServiceLevels(now: Date, limit: Int) async throws -> [Ticket]
    /// Tickets in `status` last changed before `date`, oldest first.
    func fetchTickets(in status: TicketStatus, updatedBefore date: Date, limit: Int) async throws -> [Ticket]
    /// Merges `source` into `target` in one transaction: the source's messages (notes included, still notes) move to
    /// the target, its tags are added to the target's, both tickets are saved as given with their message appended, and
    /// the e-mail telling the customer is queued. Fails with nothing written if either ticket changed since it was read.
    func mergeTicket(_ source: Ticket, into target: Ticket, sourceMessage: TicketMessage, targetMessage: TicketMessage,
                     mail: OutgoingMail?) async throws -> Bool
    /// The people's queue in numbers, for the live badge: waiting tickets, unassigned, this agent's, breached.
    func queueSnapshot(for agent: UserID) async throws -> QueueSnapshot
    /// Records that a person has the ticket open (or is typing a reply), and who else did since `since`.
    func recordPresence(_ state: PresenceState, ticket: TicketID, user: UserID, at date: Date) async throws
    func fetchPresence(ticket: TicketID, since date: Date) async throws -> [TicketPresence]
    /// Replaces the ticket's tags.
    func setTags(_ tags: [String], of ticket: TicketID) async throws
    /// The tags of each ticket (tickets without tags are left out).
    func fetchTags(of tickets: [TicketID]) async throws -> [TicketID: [String]]
    /// Adds a message without touching the ticket (an internal note).
    func appendMessage(_ message: TicketMessage) async throws
    /// Oldest first; notes only when `includeNotes`.
    func fetchMessages(of ticket: TicketID, includeNotes: Bool) async throws -> [TicketMessage]
    /// The owner's tickets, most recently updated first.
    func fetchTickets(owner: UserID, status: TicketStatus?, limit: Int) async throws -> [Ticket]
    /// Tickets in the given states, oldest first.
    func fetchTickets(in statuses: [TicketStatus], limit: Int) async throws -> [Ticket]
    /// Every ticket matching the filter, most recently updated first, one page at a time, with the total count.
    func searchTickets(_ filter: TicketFilter, offset: Int, limit: Int) async throws -> (tickets: [Ticket], total: Int)
}

extension TicketStore {
    /// Saves the ticket as given, with `message` appended and `mail` queued, in one transaction.
    public func saveTicket(_ ticket: Ticket, appending message: TicketMessage?, mail: OutgoingMail?) async throws {
        try await saveTicket(ticket, appending: message, mail: mail, survey: nil)
    }
}

/// The fields a new ticket starts with; the store assigns its id.
public struct NewTicket: Sendable, Hashable {
    public var ownerID: UserID
    public var customerID: CustomerID?
    public var title: String
    public var conversationID: String
    public var createdAt: Date

    public init(ownerID: UserID, customerID: CustomerID?, title: String, conversationID: String, createdAt: Date) {
        self.ownerID = ownerID
        self.customerID = customerID
        self.title = title
        self.conversationID = conversationID
        self.createdAt = createdAt
    }
}

/// What the support team's ticket list filters by; nil fields do not filter.
public struct TicketFilter: Sendable, Hashable {
    public var status: TicketStatus?
    public var priority: TicketPriority?
    public var assignee: UserID?
    public var unassigned: Bool
    public var intent: Intent?
    /// Words the title contains (case-insensitive), or that every word of which occurs in one of the ticket's messages
    /// (full-text search over the redacted text, internal notes included).
    public var text: String?
    /// Tickets in this language ("es").
    public var language: String?
    /// Tickets opened on or after / before these instants.
    public var createdFrom: Date?
    public var createdBefore: Date?
    /// Tickets with a running service-level clock that was breached (`true`), or was not (`false`).
    public var breached: Bool?
    /// Tickets carrying this tag.
    public var tag: String?

    public init(status: TicketStatus? = nil, priority: TicketPriority? = nil, assignee: UserID? = nil, unassigned: Bool = false,
                intent: Intent? = nil, text: String? = nil, breached: Bool? = nil, tag: String? = nil) {
        self.breached = breached
        self.tag = tag
        self.status = status
        self.priority = priority
        self.assignee = assignee
        self.unassigned = unassigned
        self.intent = intent
        self.text = text
    }
}

/// Work that runs on a schedule, claimed so that one instance of several runs it at a time.
public protocol ScheduledWork: Sendable {
    /// Takes the lease on `job` until `until` when nobody holds an unexpired one; false when another owner does.
    func claim(_ job: String, owner: String, until: Date, now: Date) async throws -> Bool
}

/// The people's queue in numbers.
public struct QueueSnapshot: Sendable, Hashable, Codable {
    public var queued: Int
    public var unassigned: Int
    public var mine: Int
    public var breached: Int
    /// The newest ticket in the queue, so a page can tell that one arrived.
    public var newest: Int64?

    public init(queued: Int, unassigned: Int, mine: Int, breached: Int, newest: Int64?) {
        self.queued = queued
        self.unassigned = unassigned
        self.mine = mine
        self.breached = breached
        self.newest = newest
    }
}

/// Whether a person only has a ticket open or is writing a reply on it.
public enum PresenceState: String, Sendable, Hashable, Codable {
    case viewing, replying
}

/// Someone of the team on a ticket page, as last seen.
public struct TicketPresence: Sendable, Hashable {
    public var user: UserID
    public var state: PresenceState
    public var at: Date

    public init(user: UserID, state: PresenceState, at: Date) {
        self.user = user
        self.state = state
        self.at = at
    }
}
