public import Foundation
public import SupportDomain

/// Tickets in memory, with the same contract as the database store: a save writes ticket, message and mail together.
public actor InMemoryTicketStore: TicketStore, SurveyStore {
    public private(set) var tickets: [TicketID: Ticket] = [:]
    public private(set) var messages: [TicketMessage] = []
    /// The e-mails queued with ticket changes, in order.
    public private(set) var queuedMail: [OutgoingMail] = []
    /// The surveys opened with ticket changes (one per ticket).
    public private(set) var surveys: [SurveyInvitation] = []
    private var nextTicket: Int64 = 1
    private var nextMessage: Int64 = 1

    public init() {}

    public func insertTicket(_ new: NewTicket, firstMessage: String) async throws -> Ticket {
        let ticket = Ticket(id: TicketID(nextTicket), ownerID: new.ownerID, customerID: new.customerID, title: new.title,
                            conversationID: new.conversationID, createdAt: new.createdAt, updatedAt: new.createdAt)
        nextTicket += 1
        tickets[ticket.id] = ticket
        append(TicketMessage(ticketID: ticket.id, author: .customer, authorUserID: new.ownerID, body: firstMessage,
                             createdAt: new.createdAt))
        return ticket
    }

    public func fetchTicket(_ id: TicketID) async throws -> Ticket? { tickets[id] }

    public func saveTicket(_ ticket: Ticket, appending message: TicketMessage?, mail: OutgoingMail?,
                           survey: SurveyInvitation?) async throws {
        guard tickets[ticket.id] != nil else { throw Unimplemented("saveTicket of a ticket that was never inserted") }
        store(ticket, message, mail.map { [$0] } ?? [])
        if let survey, !surveys.contains(where: { $0.ticketID == survey.ticketID }) {
            surveys.append(survey)
            if let mail = survey.mail { queuedMail.append(mail) }
        }
    }

    public func saveTicketIfUnchanged(_ ticket: Ticket, appending message: TicketMessage?,
                                      mails: [OutgoingMail]) async throws -> Bool {
        guard let stored = tickets[ticket.id], stored.revision == ticket.revision else { return false }
        store(ticket, message, mails)
        return true
    }

    private func store(_ ticket: Ticket, _ message: TicketMessage?, _ mails: [OutgoingMail]) {
        var ticket = ticket
        ticket.revision = (tickets[ticket.id]?.revision ?? 0) + 1
        tickets[ticket.id] = ticket
        if let message { append(message) }
        queuedMail.append(contentsOf: mails)
    }

    public func fetchOverdueServiceLevels(now: Date, limit: Int) async throws -> [Ticket] {
        Array(tickets.values.filter { $0.sla.map { !$0.newBreaches(at: now).isEmpty } ?? false }.sorted { $0.id < $1.id }
            .prefix(limit))
    }

    public func fetchTickets(in status: TicketStatus, updatedBefore date: Date, limit: Int) async throws -> [Ticket] {
        Array(tickets.values.filter { $0.status == status && $0.updatedAt < date }
            .sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }.prefix(limit))
    }

    public func appendMessage(_ message: TicketMessage) async throws { append(message) }

    public func fetchMessages(of ticket: TicketID, includeNotes: Bool) async throws -> [TicketMessage] {
        messages.filter { $0.ticketID == ticket && (includeNotes || $0.author != .note) }
    }

    public func fetchTickets(owner: UserID, status: TicketStatus?, limit: Int) async throws -> [Ticket] {
        Array(tickets.values.filter { $0.ownerID == owner && (status == nil || $0.status == status) }
            .sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }.prefix(limit))
    }

    public func fetchTickets(in statuses: [TicketStatus], limit: Int) async throws -> [Ticket] {
        Array(tickets.values.filter { statuses.contains($0.status) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .prefix(limit))
    }

    public func searchTickets(_ filter: TicketFilter, offset: Int, limit: Int) async throws -> (tickets: [Ticket], total: Int) {
        let matching = tickets.values.filter { ticket in
            (filter.status.map { ticket.status == $0 } ?? true) && (filter.priority.map { ticket.priority == $0 } ?? true)
                && (filter.assignee.map { ticket.assigneeID == $0 } ?? true) && (!filter.unassigned || ticket.assigneeID == nil)
                && (filter.intent.map { ticket.intent == $0 } ?? true)
                && (filter.text.map { text in
                    let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
                    return text.isEmpty || ticket.title.lowercased().contains(text.lowercased())
                        || messages.contains { message in
                            message.ticketID == ticket.id && words.allSatisfy { message.body.lowercased().contains($0) }
                        }
                } ?? true)
                && (filter.language.map { ticket.language == $0 } ?? true)
                && (filter.createdFrom.map { ticket.createdAt >= $0 } ?? true)
                && (filter.createdBefore.map { ticket.createdAt < $0 } ?? true)
                && (filter.tag.map { tags[ticket.id]?.contains($0) == true } ?? true)
                && (filter.breached.map { breached in
                    let wasBreached = ticket.sla.map { $0.firstResponseBreachedAt != nil || $0.resolutionBreachedAt != nil } ?? false
                    return ticket.sla?.isRunning == true && wasBreached == breached
                } ?? true)
        }.sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
        return (Array(matching.dropFirst(offset).prefix(limit)), matching.count)
    }

    public func mergeTicket(_ source: Ticket, into target: Ticket, sourceMessage: TicketMessage, targetMessage: TicketMessage,
                            mail: OutgoingMail?) async throws -> Bool {
        guard tickets[source.id]?.revision == source.revision, tickets[target.id]?.revision == target.revision else { return false }
        store(source, nil, [])
        store(target, nil, mail.map { [$0] } ?? [])
        for index in messages.indices where messages[index].ticketID == source.id { messages[index].ticketID = target.id }
        let merged = Set((tags[target.id] ?? []) + (tags[source.id] ?? []))
        tags[target.id] = merged.isEmpty ? nil : merged.sorted()
        append(sourceMessage)
        append(targetMessage)
        return true
    }

    // MARK: The queue and presence

    private var presence: [TicketID: [UserID: (PresenceState, Date)]] = [:]

    public func queueSnapshot(for agent: UserID) async throws -> QueueSnapshot {
        let queued = tickets.values.filter { $0.status.isQueued }
        return QueueSnapshot(queued: queued.count, unassigned: queued.filter { $0.assigneeID == nil }.count,
                             mine: queued.filter { $0.assigneeID == agent }.count,
                             breached: queued.filter { $0.sla?.firstResponseBreachedAt != nil || $0.sla?.resolutionBreachedAt != nil }.count,
                             newest: queued.map(\.id.rawValue).max())
    }

    public func recordPresence(_ state: PresenceState, ticket: TicketID, user: UserID, at date: Date) async throws {
        presence[ticket, default: [:]][user] = (state, date)
    }

    public func fetchPresence(ticket: TicketID, since date: Date) async throws -> [TicketPresence] {
        (presence[ticket] ?? [:]).filter { $0.value.1 >= date }
            .map { TicketPresence(user: $0.key, state: $0.value.0, at: $0.value.1) }.sorted { $0.at > $1.at }
    }

    // MARK: Tags

    public private(set) var tags: [TicketID: [String]] = [:]

    public func setTags(_ tags: [String], of ticket: TicketID) async throws {
        self.tags[ticket] = tags.isEmpty ? nil : tags.sorted()
    }

    public func fetchTags(of tickets: [TicketID]) async throws -> [TicketID: [String]] {
        tags.filter { tickets.contains($0.key) }
    }

    // MARK: Surveys (kept here: they are opened in the ticket's transaction)

    private var answers: [TicketID: (rating: Int, comment: String?, at: Date)] = [:]

    private func survey(_ invitation: SurveyInvitation) -> SatisfactionSurvey {
        let answer = answers[invitation.ticketID]
        return SatisfactionSurvey(id: invitation.ticketID.rawValue, ticketID: invitation.ticketID, agentID: invitation.agentID,
                                  intent: invitation.intent, createdAt: invitation.createdAt, rating: answer?.rating,
                                  comment: answer?.comment, answeredAt: answer?.at)
    }

    public func fetchSurvey(ticket: TicketID) async throws -> SatisfactionSurvey? {
        surveys.first { $0.ticketID == ticket }.map(survey)
    }

    public func fetchSurvey(tokenHash: String) async throws -> SatisfactionSurvey? {
        surveys.first { $0.tokenHash == tokenHash }.map(survey)
    }

    public func answerSurvey(_ id: Int64, rating: Int, comment: String?, at date: Date) async throws -> Bool {
        let ticket = TicketID(id)
        guard surveys.contains(where: { $0.ticketID == ticket }), answers[ticket] == nil else { return false }
        answers[ticket] = (rating, comment, date)
        return true
    }

    public func satisfaction(since date: Date) async throws -> (byAgent: [SatisfactionGroup], byIntent: [SatisfactionGroup]) {
        func grouped(_ key: (SurveyInvitation) -> String?) -> [SatisfactionGroup] {
            Dictionary(grouping: surveys.filter { $0.createdAt >= date }, by: key).map { key, group in
                let rated = group.compactMap { answers[$0.ticketID]?.rating }
                return SatisfactionGroup(key: key, sent: group.count, answered: rated.count, ratingSum: rated.reduce(0, +),
                                         satisfied: rated.filter { $0 >= 4 }.count)
            }.sorted { $0.sent > $1.sent }
        }
        return (grouped { $0.agentID.map { String($0.rawValue) } }, grouped { $0.intent?.rawValue })
    }

    private func append(_ message: TicketMessage) {
        var message = message
        message.id = nextMessage
        nextMessage += 1
        messages.append(message)
    }
}

/// Conversation state in memory.
public actor InMemoryConversationStore: ConversationStore {
    private var states: [String: (customer: CustomerID, state: DialogueState)] = [:]

    public init() {}

    public func fetchState(conversationID: String, customer: CustomerID) async throws -> DialogueState? {
        guard let entry = states[conversationID], entry.customer == customer else { return nil }
        return entry.state
    }

    public func saveState(_ state: DialogueState, conversationID: String, customer: CustomerID, now: Date) async throws {
        states[conversationID] = (customer, state)
    }

    /// The turns recorded, in order.
    public private(set) var turns: [ConversationTurn] = []

    public func recordTurn(_ turn: ConversationTurn) async throws {
        var turn = turn
        turn.id = Int64(turns.count + 1)
        turns.append(turn)
    }
}

/// A fixed set of accounts.
public struct InMemoryAccountDirectory: AccountDirectory {
    public let accounts: [PortalAccount]

    public init(_ accounts: [PortalAccount]) { self.accounts = accounts }

    public func fetchAccount(_ id: UserID) async throws -> PortalAccount? { accounts.first { $0.id == id } }

    public func fetchAccounts(_ ids: [UserID]) async throws -> [PortalAccount] { accounts.filter { ids.contains($0.id) } }

    public func fetchActiveAccounts(roles: [PortalRole]) async throws -> [PortalAccount] {
        accounts.filter { roles.contains($0.role) && $0.isActive }
    }
}

/// Leases in memory: one holder per job until its lease runs out.
public actor InMemoryScheduledWork: ScheduledWork {
    private var leases: [String: (owner: String, until: Date)] = [:]

    public init() {}

    public func claim(_ job: String, owner: String, until: Date, now: Date) async throws -> Bool {
        if let lease = leases[job], lease.owner != owner, lease.until > now { return false }
        leases[job] = (owner, until)
        return true
    }
}

/// Keeps every e-mail it is asked to send; `failing` makes it refuse like an unreachable mail server.
public actor RecordingMailSender: MailSender {
    public private(set) var sent: [OutgoingMail] = []
    private let failing: Bool

    public init(failing: Bool = false) { self.failing = failing }

    public func send(_ mail: OutgoingMail, now: Date) async throws {
        if failing { throw MailDeliveryFailure(description: "the mail server refused the message (recording fake)") }
        sent.append(mail)
    }
}

/// Predictable ids: `prefix-1`, `prefix-2`, …
public final class SequentialIDs: IDGenerator, @unchecked Sendable {
    private let lock = NSLock()
    private var next = 1
    private let prefix: String

    public init(prefix: String = "id") { self.prefix = prefix }

    public func newID() -> String {
        lock.withLock {
            defer { next += 1 }
            return "\(prefix)-\(next)"
        }
    }
}

/// Tokens a test can predict: "token-1", "token-2", … each stored under "hash:" and the token.
public final class SequentialTokens: SecretTokens, @unchecked Sendable {
    private let lock = NSLock()
    private var next = 1

    public init() {}

    public func issue() -> (token: String, hash: String) {
        let token = lock.withLock {
            defer { next += 1 }
            return "token-\(next)"
        }
        return (token, hash(token))
    }

    public func hash(_ token: String) -> String { "hash:" + token }
}
