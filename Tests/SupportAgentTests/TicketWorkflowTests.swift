import Foundation
import SupportDomain
import SupportTesting
import Testing
@testable import SupportAgent

/// The ticket workflow on in-memory stores and a fake toolbox: fast, no database, a clock the test controls.
@Suite("Ticket workflow")
struct TicketWorkflowTests {
    static let customer = CustomerSnapshot(id: CustomerID(7), name: "Alice Martin", createdAt: AgentFixture.daysAgo(400))
    static let alice = PortalAccount(id: UserID(1), name: "Alice Martin", email: "alice@example.com", role: .customer,
                                     customerID: CustomerID(7))
    static let agent = PortalAccount(id: UserID(2), name: "Sam Agent", email: "agent@example.com", role: .agent, customerID: nil)

    struct World {
        let tickets: InMemoryTicketStore
        let toolbox: FakeToolbox
        let clock: ManualClock
        let workflow: TicketWorkflow
    }

    /// A toolbox that allows every write for order 1001 (delivered 5 days ago, 49.99) and carries it out.
    static func world(orders: [OrderSnapshot] = [AgentFixture.order(1001, status: .delivered, deliveredDaysAgo: 5, createdDaysAgo: 9)])
        throws -> World {
        let allow: @Sendable (ToolInvocation, ToolContext) -> ToolResult = { invocation, _ in
            ToolResult(action: invocation.action, success: true, orderID: invocation.orderID,
                       amount: invocation.action == .issueRefund ? Money(minorUnits: 49_99) : nil,
                       refundStatus: invocation.action == .issueRefund ? .approved : nil,
                       escalationID: invocation.action == .escalateCase ? EscalationID(5) : nil)
        }
        let toolbox = FakeToolbox(customers: [customer], orders: orders, onPreview: allow, onRun: allow)
        let clock = ManualClock(AgentFixture.now)
        let tickets = InMemoryTicketStore()
        let pipeline = SupportPipeline(
            toolbox: toolbox, conversations: InMemoryConversationStore(), understanding: try TestUnderstanding.offline(),
            knowledge: KnowledgeBase(policies: try PolicyLibrary.bundled(policy: .standard), store: nil), clock: clock,
            ids: SequentialIDs(prefix: "conversation"))
        let workflow = TicketWorkflow(tickets: tickets, accounts: InMemoryAccountDirectory([alice, agent]), agent: pipeline,
                                      clock: clock, publicURL: "https://support.example.com", surveys: tickets,
                                      tokens: SequentialTokens())
        return World(tickets: tickets, toolbox: toolbox, clock: clock, workflow: workflow)
    }

    @Test("the proposal is stored whole, and confirming runs exactly what was previewed, once")
    func confirmRunsThePreviewedInvocation() async throws {
        let w = try Self.world()
        let ticket = try await w.workflow.open(by: Self.alice, title: "Broken blender",
                                               description: "my blender from order 1001 arrived cracked, I want my money back",
                                               requestID: "r1")
        let proposal = try #require(ticket.openProposal)
        #expect(proposal.invocation == .issueRefund(OrderID(1001), reason: .damaged))
        #expect(proposal.label == "Refund 49.99 USD for order #1001")
        #expect(await w.toolbox.ran.isEmpty)
        #expect(ticket.conversationID == "conversation-1")

        try await w.workflow.confirm(ticket, by: Self.alice, serial: ticket.proposalSerial, requestID: "r2")
        #expect(await w.toolbox.ran == [proposal.invocation])
        let confirmed = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(confirmed.proposal?.state == .confirmed)
        #expect(confirmed.status == .awaitingCustomer)
        // The same confirmation again (a double submit) changes nothing.
        try await w.workflow.confirm(ticket, by: Self.alice, serial: ticket.proposalSerial, requestID: "r3")
        #expect(await w.toolbox.ran.count == 1)
        let bodies = try await w.tickets.fetchMessages(of: ticket.id, includeNotes: true).map(\.body)
        #expect(bodies.filter { $0.hasPrefix("Done: I have refunded 49.99 USD") }.count == 1)
    }

    @Test("an escalation runs with the summary the customer saw, and hands the ticket to a person with an e-mail")
    func escalationProposalKeepsItsSummary() async throws {
        let w = try Self.world()
        let ticket = try await w.workflow.open(by: Self.alice, title: "Help",
                                               description: "I want to speak to a human about order 1001, it is urgent",
                                               requestID: "r1")
        let proposal = try #require(ticket.openProposal)
        guard case let .escalateCase(order, summary) = proposal.invocation else {
            Issue.record("expected an escalation proposal, got \(proposal.invocation)")
            return
        }
        #expect(order == OrderID(1001))
        #expect(summary.contains("speak to a human"))
        try await w.workflow.confirm(ticket, by: Self.alice, serial: ticket.proposalSerial, requestID: "r2")
        #expect(await w.toolbox.ran == [proposal.invocation])
        #expect(try await w.tickets.fetchTicket(ticket.id)?.status == .escalated)
        let mail = try #require(await w.tickets.queuedMail.last)
        #expect(mail.to == "alice@example.com")
        #expect(mail.body.contains("https://support.example.com/tickets/\(ticket.id)"))
    }

    @Test("a declined or stale proposal is never carried out")
    func declinedProposalIsNotRun() async throws {
        let w = try Self.world()
        let ticket = try await w.workflow.open(by: Self.alice, title: "Cancel", description: "refund order 1001, it broke",
                                               requestID: "r1")
        try await w.workflow.confirm(ticket, by: Self.alice, serial: ticket.proposalSerial + 1, requestID: "r2")
        try await w.workflow.decline(ticket, serial: ticket.proposalSerial)
        let declined = try #require(try await w.tickets.fetchTicket(ticket.id))
        try await w.workflow.confirm(declined, by: Self.alice, serial: ticket.proposalSerial, requestID: "r3")
        #expect(await w.toolbox.ran.isEmpty)
        #expect(try await w.tickets.fetchTicket(ticket.id)?.proposal?.state == .declined)
    }

    @Test("once a person has the ticket the bot stays silent, and an impossible status change is refused")
    func peopleTakeOver() async throws {
        let w = try Self.world()
        let ticket = try await w.workflow.open(by: Self.alice, title: "Question", description: "how long do refunds take?",
                                               requestID: "r1")
        try await w.workflow.assign(ticket, to: Self.agent)
        let assigned = try #require(try await w.tickets.fetchTicket(ticket.id))
        #expect(assigned.assigneeID == Self.agent.id)
        let before = try await w.tickets.fetchMessages(of: ticket.id, includeNotes: true).count
        try await w.workflow.customerReply(assigned, by: Self.alice, text: "please refund order 1001", requestID: "r2")
        let after = try await w.tickets.fetchMessages(of: ticket.id, includeNotes: true)
        #expect(after.count == before + 1)
        #expect(after.last?.author == .customer)
        #expect(await w.toolbox.previewed.isEmpty)

        try await w.workflow.addNote(assigned, by: Self.agent, text: "be gentle")
        #expect(try await w.tickets.fetchMessages(of: ticket.id, includeNotes: false).allSatisfy { $0.author != .note })
        let resolved = try #require(try await w.tickets.fetchTicket(ticket.id))
        try await w.workflow.setStatus(resolved, to: .closed, by: Self.agent)
        let closed = try #require(try await w.tickets.fetchTicket(ticket.id))
        await #expect(throws: TicketError.invalidTransition(from: .closed, to: .open)) {
            try await w.workflow.setStatus(closed, to: .open, by: Self.agent)
        }
        await #expect(throws: TicketError.closed) {
            try await w.workflow.customerReply(closed, by: Self.alice, text: "hello?", requestID: "r3")
        }
    }

    @Test("a fake that was not told what to answer fails the test loudly")
    func unconfiguredFakeFails() async throws {
        let toolbox = FakeToolbox()
        await #expect(throws: Unimplemented.self) {
            try await toolbox.run(.listOrders, context: ToolContext(requestID: "r", customerID: CustomerID(1)))
        }
    }
}

/// The bundled offline model, trained once for all agent tests.
enum TestUnderstanding {
    private static let shared = Result { try OfflineUnderstanding.bundled() }

    static func offline() throws -> OfflineUnderstanding { try shared.get() }
}
