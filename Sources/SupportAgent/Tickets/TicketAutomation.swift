import Foundation
public import SupportDomain

/// The ticket work nobody clicks: recording breached service levels (priority up, the assignee and the leads told),
/// reminding customers a ticket waits for them and then closing it, closing resolved tickets after a quiet week.
/// One pass runs under a lease, so of several instances one works at a time; every change is a conditional save, so a
/// ticket somebody changed during the pass is left for the next one.
public struct TicketAutomation: Sendable {
    let tickets: any TicketStore
    let accounts: any AccountDirectory
    let work: any ScheduledWork
    let clock: any WallClock
    let serviceLevels: ServiceLevelPolicy
    let settings: AutomationSettings
    let publicURL: String
    /// This instance's name on the lease.
    let owner: String
    /// Tickets per kind of work and pass.
    let batch = 200

    public static let job = "ticket-automation"

    public init(tickets: any TicketStore, accounts: any AccountDirectory, work: any ScheduledWork, clock: any WallClock,
                serviceLevels: ServiceLevelPolicy, settings: AutomationSettings, publicURL: String, owner: String) {
        self.tickets = tickets
        self.accounts = accounts
        self.work = work
        self.clock = clock
        self.serviceLevels = serviceLevels
        self.settings = settings
        self.publicURL = publicURL
        self.owner = owner
    }

    /// What one pass did.
    public struct Report: Sendable, Equatable {
        public var breaches = 0
        public var reminders = 0
        public var closed = 0
        /// Tickets changed by someone else during the pass (left for the next).
        public var skipped = 0

        public init() {}
    }

    /// One pass; nil when another instance holds the lease.
    @discardableResult
    public func runOnce() async throws -> Report? {
        let now = clock.now()
        guard try await work.claim(Self.job, owner: owner, until: now.addingTimeInterval(120), now: now) else { return nil }
        var report = Report()
        try await recordBreaches(now: now, into: &report)
        try await remindOrClose(now: now, into: &report)
        try await closeResolved(now: now, into: &report)
        return report
    }

    private func recordBreaches(now: Date, into report: inout Report) async throws {
        let overdue = try await tickets.fetchOverdueServiceLevels(now: now, limit: batch)
        guard !overdue.isEmpty else { return }
        let leads = try await accounts.fetchActiveAccounts(roles: [.lead])
        for original in overdue {
            guard var sla = original.sla else { continue }
            let breaches = sla.newBreaches(at: now)
            guard !breaches.isEmpty else { continue }
            var ticket = original
            var lines: [String] = []
            for breach in breaches {
                let due = breach == .firstResponse ? sla.firstResponseDueAt : sla.resolutionDueAt
                if breach == .firstResponse { sla.firstResponseBreachedAt = now } else { sla.resolutionBreachedAt = now }
                lines.append("The \(breach.label) was due \(serviceLevels.hours.describe(due)).")
            }
            // The ticket moves up the queue; its due times stay those promised when the clock started.
            if let higher = TicketPriority.allCases.first(where: { $0.rank == ticket.priority.rank + 1 }) {
                ticket.priority = higher
                lines.append("Priority raised to \(higher.rawValue).")
            }
            ticket.sla = sla
            ticket.updatedAt = now
            let text = "Service level breached on ticket #\(ticket.id) \"\(ticket.title)\". " + lines.joined(separator: " ")
            var recipients = leads
            if let assignee = ticket.assigneeID, let account = try await accounts.fetchAccount(assignee), account.isActive,
               !recipients.contains(where: { $0.id == account.id }) {
                recipients.insert(account, at: 0)
            }
            let mails = recipients.map {
                OutgoingMail(to: $0.email, subject: "Service level breached: ticket #\(ticket.id)",
                             body: "Hello \($0.name),\n\n\(text)\n\n\(PortalPath.ticket(ticket.id).url(base: publicURL))\n\n"
                                + "SupportOps")
            }
            // An internal note: the customer is not told about the team's own targets.
            let note = TicketMessage(ticketID: ticket.id, author: .note, body: text, createdAt: now)
            if try await save(ticket, note, mails, &report) { report.breaches += breaches.count }
        }
    }

    private func remindOrClose(now: Date, into report: inout Report) async throws {
        let days = settings.remindAfterDays
        let quiet = try await tickets.fetchTickets(in: .awaitingCustomer, updatedBefore: now.addingTimeInterval(-Double(days) * 86_400),
                                                   limit: batch)
        for original in quiet {
            var ticket = original
            ticket.updatedAt = now
            let message: TicketMessage
            var mails: [OutgoingMail] = []
            if ticket.reminderSentAt == nil {
                ticket.reminderSentAt = now
                message = TicketMessage(ticketID: ticket.id, author: .system, body: "We are waiting for your reply. "
                    + "Without one, this ticket closes in \(days) days.", createdAt: now)
                if let owner = try await accounts.fetchAccount(ticket.ownerID) {
                    mails.append(OutgoingMail(
                        to: owner.email, subject: "Is there anything else we can do? (ticket #\(ticket.id))",
                        body: "Hello \(owner.name),\n\nYour ticket #\(ticket.id) \"\(ticket.title)\" is waiting for your reply. "
                            + "If your question is answered, there is nothing to do: the ticket closes in \(days) days. "
                            + "If not, just reply here:\n\n\(PortalPath.ticket(ticket.id).url(base: publicURL))\n\n"
                            + "SupportOps customer support"))
                }
            } else {
                ticket.close(at: now)
                message = TicketMessage(ticketID: ticket.id, author: .system,
                                        body: "Closed: no reply for \(2 * days) days. Open a new ticket any time.", createdAt: now)
            }
            if try await save(ticket, message, mails, &report) {
                if ticket.status == .closed { report.closed += 1 } else { report.reminders += 1 }
            }
        }
    }

    private func closeResolved(now: Date, into report: inout Report) async throws {
        let days = settings.closeResolvedAfterDays
        let quiet = try await tickets.fetchTickets(in: .resolved, updatedBefore: now.addingTimeInterval(-Double(days) * 86_400),
                                                   limit: batch)
        for original in quiet {
            var ticket = original
            ticket.close(at: now)
            let message = TicketMessage(ticketID: ticket.id, author: .system,
                                        body: "Closed: resolved, with no new message for \(days) days.", createdAt: now)
            if try await save(ticket, message, [], &report) { report.closed += 1 }
        }
    }

    /// Saves the change unless someone changed the ticket since it was read; such a ticket is counted as skipped and
    /// waits for the next pass.
    private func save(_ ticket: Ticket, _ message: TicketMessage, _ mails: [OutgoingMail],
                      _ report: inout Report) async throws -> Bool {
        let saved = try await tickets.saveTicketIfUnchanged(ticket, appending: message, mails: mails)
        if !saved { report.skipped += 1 }
        return saved
    }
}
