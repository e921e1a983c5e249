import Foundation
import SupportDomain
import SupportTesting
import Testing
@testable import SupportAgent

/// Service levels on tickets and the scheduled work, on in-memory stores with a clock the test moves.
@Suite("Ticket service levels and automation")
struct TicketAutomationTests {
    static let lead = PortalAccount(id: UserID(3), name: "Lee Lead", email: "lead@example.com", role: .lead, customerID: nil)
    static let formerLead = PortalAccount(id: UserID(4), name: "Old Lead", email: "old@example.com", role: .lead,
                                          customerID: nil, isActive: false)

    struct World {
        let base: TicketWorkflowTests.World
        let automation: TicketAutomation
        let work: InMemoryScheduledWork
        var tickets: InMemoryTicketStore { base.tickets }
        var clock: ManualClock { base.clock }
        var workflow: TicketWorkflow { base.workflow }

        func automation(owner: String) -> TicketAutomation {
            TicketAutomation(tickets: base.tickets, accounts: Self.directory, work: work, clock: base.clock,
                             serviceLevels: .standard, settings: AutomationSettings(), publicURL: "https://support.example.com",
                             owner: owner)
        }

        static let directory = InMemoryAccountDirectory([TicketWorkflowTests.alice, TicketWorkflowTests.agent, lead, formerLead])
    }

    /// The world of the workflow tests, whose clock starts on Monday 2026-06-15 at 12:00 UTC.
    static func world() throws -> World {
        let base = try TicketWorkflowTests.world()
        let work = InMemoryScheduledWork()
        let automation = TicketAutomation(tickets: base.tickets, accounts: World.directory, work: work, clock: base.clock,
                                          serviceLevels: .standard, settings: AutomationSettings(),
                                          publicURL: "https://support.example.com", owner: "instance-a")
        return World(base: base, automation: automation, work: work)
    }

    static let hour: TimeInterval = 3600

    /// A UTC instant from "yyyy-MM-dd HH:mm".
    static func at(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    @Test("escalating starts the clock, the customer is promised its real due time, a late first reply is a breach recorded once")
    func breachIsRecordedOnce() async throws {
        let w = try Self.world()
        #expect(AgentFixture.now == Self.at("2026-06-15 12:00"))
        var ticket = try await w.workflow.open(by: TicketWorkflowTests.alice, title: "Where is my parcel",
                                               description: "where is order 1001?", requestID: "r1")
        #expect(ticket.sla == nil) // the bot handles it: no promise yet
        try await w.workflow.escalate(ticket, by: TicketWorkflowTests.alice, requestID: "r2")
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        let sla = try #require(ticket.sla)
        // Normal priority: 8 working hours from Monday 12:00 is Tuesday 12:00, 24 working hours is Thursday 12:00.
        #expect(sla.firstResponseDueAt == Self.at("2026-06-16 12:00"))
        #expect(sla.resolutionDueAt == Self.at("2026-06-18 12:00"))
        let promise = "Tue 16 Jun 2026, 12:00"
        #expect(await w.tickets.queuedMail.last?.body.contains(promise) == true)
        #expect(try await w.tickets.fetchMessages(of: ticket.id, includeNotes: false).last?.body.contains(promise) == true)

        w.clock.advance(by: 23 * Self.hour) // Tuesday 11:00: not yet due
        #expect(try await w.automation.runOnce() == TicketAutomation.Report())
        w.clock.advance(by: Self.hour) // Tuesday 12:00: due
        let mailsBefore = await w.tickets.queuedMail.count
        #expect(try await w.automation.runOnce()?.breaches == 1)
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(ticket.priority == .high)
        #expect(ticket.sla?.firstResponseBreachedAt == w.clock.now())
        #expect(ticket.sla?.resolutionDueAt == sla.resolutionDueAt) // the promise made stays
        let notes = try await w.tickets.fetchMessages(of: ticket.id, includeNotes: true).filter { $0.author == .note }
        #expect(notes.count == 1 && notes[0].body.contains("first response was due"))
        // Internal: the customer's view of the ticket does not show it.
        #expect(try await w.tickets.fetchMessages(of: ticket.id, includeNotes: false).allSatisfy { !$0.body.contains("breached") })
        // The active lead is told; the deactivated one and the customer are not.
        let told = await w.tickets.queuedMail.dropFirst(mailsBefore).map(\.to)
        #expect(told == ["lead@example.com"])
        // A second pass finds nothing new.
        w.clock.advance(by: 60)
        #expect(try await w.automation.runOnce()?.breaches == 0)

        // A person answers: the first response is recorded; the resolution breaches on Thursday, and the assignee is told.
        try await w.workflow.agentReply(ticket, by: TicketWorkflowTests.agent, text: "Looking into it now.")
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(ticket.sla?.firstRespondedAt == w.clock.now())
        #expect(ticket.status == .inProgress && ticket.assigneeID == TicketWorkflowTests.agent.id)
        w.clock.advance(by: 2 * 24 * Self.hour)
        let before = await w.tickets.queuedMail.count
        #expect(try await w.automation.runOnce()?.breaches == 1)
        #expect(await w.tickets.queuedMail.dropFirst(before).map(\.to) == ["agent@example.com", "lead@example.com"])
        #expect(try await w.tickets.fetchTicket(ticket.id)?.priority == .urgent)
    }

    @Test("a reply in time keeps the promise, and resolving stops the clock")
    func promiseKept() async throws {
        let w = try Self.world()
        var ticket = try await w.workflow.open(by: TicketWorkflowTests.alice, title: "Question", description: "where is order 1001?",
                                               requestID: "r1")
        try await w.workflow.escalate(ticket, by: TicketWorkflowTests.alice, requestID: "r2")
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        try await w.workflow.setPriority(ticket, to: .urgent)
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(ticket.sla?.firstResponseDueAt == Self.at("2026-06-15 13:00")) // rescheduled: 1 working hour
        w.clock.advance(by: 30 * 60)
        try await w.workflow.agentReply(ticket, by: TicketWorkflowTests.agent, text: "Found it, on its way.")
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        try await w.workflow.setStatus(ticket, to: .resolved, by: TicketWorkflowTests.agent)
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(ticket.sla?.completedAt == w.clock.now())
        #expect(ticket.sla?.state(at: w.clock.now()) == .met)
        w.clock.advance(by: 3 * 24 * Self.hour)
        #expect(try await w.automation.runOnce()?.breaches == 0)
    }

    @Test("one instance works at a time: the lease keeps a second one out until it runs out")
    func leaseIsExclusive() async throws {
        let w = try Self.world()
        #expect(try await w.automation(owner: "a").runOnce() != nil)
        #expect(try await w.automation(owner: "b").runOnce() == nil)
        #expect(try await w.automation(owner: "a").runOnce() != nil) // the holder renews
        w.clock.advance(by: 121)
        #expect(try await w.automation(owner: "b").runOnce() != nil)
    }

    @Test("a ticket awaiting the customer gets one reminder, then closes; a reply in between starts over")
    func remindThenClose() async throws {
        let w = try Self.world()
        var ticket = try await w.workflow.open(by: TicketWorkflowTests.alice, title: "Question", description: "where is order 1001?",
                                               requestID: "r1")
        #expect(ticket.status == .awaitingCustomer)
        w.clock.advance(by: 2 * 24 * Self.hour)
        #expect(try await w.automation.runOnce()?.reminders == 0)
        w.clock.advance(by: 24 * Self.hour + 60)
        #expect(try await w.automation.runOnce()?.reminders == 1)
        #expect(await w.tickets.queuedMail.last?.to == "alice@example.com")
        #expect(await w.tickets.queuedMail.last?.subject.contains("ticket #\(ticket.id)") == true)
        // The customer answers: the bot replies, and the reminder is forgotten.
        ticket = try #require(try await w.tickets.fetchTicket(ticket.id))
        try await w.workflow.customerReply(ticket, by: TicketWorkflowTests.alice, text: "thanks, and where is order 1001 now?",
                                           requestID: "r2")
        #expect(try await w.tickets.fetchTicket(ticket.id)?.reminderSentAt == nil)
        w.clock.advance(by: 3 * 24 * Self.hour + 60)
        #expect(try await w.automation.runOnce()?.reminders == 1)
        w.clock.advance(by: 3 * 24 * Self.hour + 60)
        let report = try await w.automation.runOnce()
        #expect(report?.closed == 1 && report?.reminders == 0)
        #expect(try await w.tickets.fetchTicket(ticket.id)?.status == .closed)
        #expect(try await w.tickets.fetchMessages(of: ticket.id, includeNotes: false).last?.body.hasPrefix("Closed: no reply") == true)
    }

    @Test("a resolved ticket closes after a quiet week, not before")
    func resolvedCloses() async throws {
        let w = try Self.world()
        let ticket = try await w.workflow.open(by: TicketWorkflowTests.alice, title: "Question", description: "where is order 1001?",
                                               requestID: "r1")
        try await w.workflow.markSatisfied(ticket)
        w.clock.advance(by: 6 * 24 * Self.hour)
        #expect(try await w.automation.runOnce()?.closed == 0)
        w.clock.advance(by: 24 * Self.hour + 60)
        #expect(try await w.automation.runOnce()?.closed == 1)
        #expect(try await w.tickets.fetchTicket(ticket.id)?.status == .closed)
    }
}
