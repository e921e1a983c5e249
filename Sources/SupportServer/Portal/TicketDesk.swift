import Fluent
import Foundation
import SupportAgent
import SupportDomain
import SupportStore

/// The ticket workflow of the portal: the agent answers in propose mode, the customer confirms writes, satisfied or
/// escalate, and people take over. Every change of a ticket and the e-mail announcing it are one transaction.
struct TicketDesk: Sendable {
    let pipeline: SupportPipeline
    let database: any Database
    let clock: WallClock
    let publicURL: String

    /// `note`: an agents-only comment, never shown to the customer nor mailed.
    enum Author: String { case customer, bot, agent, system, note }

    struct Refusal: Error { var message: String }

    private let redactor = Redactor()

    /// Ticket text as stored: redacted like everything the agent sees, the customer's own name included.
    private func redacted(_ text: String, of user: PortalUser) -> String {
        redactor.redact(text, knownNames: [user.name]).text
    }

    // MARK: Customers

    /// Opens a ticket and lets the agent answer it. Title and description are stored redacted, like everything the
    /// agent sees.
    func open(user: PortalUser, title: String, description: String, requestID: String) async throws -> Int {
        let now = clock.now()
        let ticket = TicketModel()
        ticket.userID = user.id
        ticket.customerID = user.customerID
        ticket.title = redacted(title, of: user)
        ticket.status = TicketStatus.open.rawValue
        ticket.priority = TicketPriority.normal.rawValue
        ticket.conversationID = UUID().uuidString.lowercased()
        ticket.trace = "[]"
        ticket.proposalSerial = 0
        ticket.createdAt = now
        ticket.updatedAt = now
        try await database.transaction { tx in
            try await ticket.create(on: tx)
            try await TicketMessageModel(ticketID: try ticket.requireID(), authorKind: Author.customer.rawValue,
                                         authorUserID: user.id, body: redacted(description, of: user),
                                         at: now).create(on: tx)
        }
        try await botTurn(ticket, user: user, text: description, requestID: requestID)
        return try ticket.requireID()
    }

    /// A customer's follow-up. The bot answers only while no person has the ticket.
    func customerReply(_ ticket: TicketModel, user: PortalUser, text: String, requestID: String) async throws {
        let status = ticket.ticketStatus
        guard status != .closed else { throw Refusal(message: "This ticket is closed. Please open a new one.") }
        let now = clock.now()
        try await database.transaction { tx in
            try await TicketMessageModel(ticketID: try ticket.requireID(), authorKind: Author.customer.rawValue,
                                         authorUserID: user.id, body: redacted(text, of: user),
                                         at: now).create(on: tx)
            if status == .resolved { ticket.status = TicketStatus.open.rawValue }
            ticket.updatedAt = now
            try await ticket.save(on: tx)
        }
        if ticket.ticketStatus.botAnswers, ticket.assignedAgentID == nil {
            try await botTurn(ticket, user: user, text: text, requestID: requestID)
        }
    }

    /// Runs the agent on the message in propose mode and records its answer, trace and proposal.
    private func botTurn(_ ticket: TicketModel, user: PortalUser, text: String, requestID: String) async throws {
        guard let customer = ticket.customerID else {
            let suggestions = try await pipeline.knowledge.suggest(text, limit: 3)
            var body = "Your account is not linked to any orders yet, so I cannot look up or change an order. "
                + "If you already bought from us, confirm your e-mail address from your profile page."
            if !suggestions.isEmpty {
                body += "\n\nThese articles may help:\n" + suggestions.map {
                    "- \($0.document.title): /kb/articles/\($0.document.articleID ?? 0)"
                }.joined(separator: "\n")
            }
            body += "\n\nIf this did not answer your question, choose \"Talk to a person\"."
            try await record(ticket, body: body, citations: [], status: .awaitingCustomer)
            return
        }
        let resolution = try await pipeline.resolve(ResolveInput(
            userInput: text, customerID: CustomerID(Int64(customer)), conversationID: ticket.conversationID,
            requestID: requestID, mode: .propose))
        ticket.intent = resolution.intent.rawValue
        ticket.confidence = resolution.confidence
        ticket.trace = String(decoding: try JSONEncoder().encode(resolution.trace), as: UTF8.self)
        if let proposal = resolution.proposal, let result = resolution.actionResult {
            ticket.proposalAction = proposal.action.rawValue
            ticket.proposalOrderID = proposal.orderID.map { Int($0.rawValue) }
            ticket.proposalReason = proposal.reason?.rawValue
            ticket.proposalLabel = pipeline.composer.proposalLabel(result)
            ticket.proposalState = ProposalState.proposed.rawValue
            ticket.proposalSerial += 1
        } else if ticket.proposalState == ProposalState.proposed.rawValue {
            // A new message without a new proposal withdraws the old, unconfirmed one.
            ticket.proposalState = ProposalState.declined.rawValue
        }
        // The page lists the cited passages under the message; the reply's own "Policy: …" paragraph would repeat them.
        let paragraphs = resolution.reply.components(separatedBy: "\n\n")
        let body = resolution.citations.isEmpty ? resolution.reply
            : paragraphs.filter { !$0.hasPrefix("Policy: ") }.joined(separator: "\n\n")
        try await record(ticket, body: body.isEmpty ? resolution.reply : body, citations: resolution.citations,
                         status: .awaitingCustomer)
    }

    /// Confirms the proposal with this serial. It runs once: a second submit finds the proposal handled, and a
    /// concurrent one is refused by the toolbox's idempotency key.
    func confirm(_ ticket: TicketModel, user: PortalUser, serial: Int, requestID: String) async throws {
        guard ticket.proposalState == ProposalState.proposed.rawValue, serial == ticket.proposalSerial,
              let customer = ticket.customerID, let raw = ticket.proposalAction, let action = ToolAction(rawValue: raw),
              let invocation = ToolInvocation.write(action, orderID: ticket.proposalOrderID.map { OrderID(Int64($0)) },
                                                    reason: ticket.proposalReason.flatMap(ReturnReason.init(rawValue:)),
                                                    summary: ticket.title)
        else { return }
        let context = ToolContext(requestID: requestID, customerID: CustomerID(Int64(customer)),
                                  idempotencyKey: "ticket-\(try ticket.requireID())-proposal-\(serial)")
        let result = try await pipeline.toolbox.run(invocation, context: context)
        if result.error == .duplicateRequest { return }
        ticket.proposalState = (result.success ? ProposalState.confirmed : .refused).rawValue
        let handedOver = result.success && (result.action == .escalateCase || result.refundStatus == .pendingReview)
        if result.refundStatus == .pendingReview { ticket.priority = TicketPriority.high.rawValue }
        try await record(ticket, body: pipeline.composer.describe(result), citations: [],
                         status: handedOver ? .escalated : .awaitingCustomer,
                         mail: handedOver ? escalationMail(ticket, to: user) : nil)
    }

    func decline(_ ticket: TicketModel, serial: Int) async throws {
        guard ticket.proposalState == ProposalState.proposed.rawValue, serial == ticket.proposalSerial else { return }
        ticket.proposalState = ProposalState.declined.rawValue
        try await record(ticket, body: "Understood, nothing was done. Tell me if you need something else, or choose "
            + "\"Talk to a person\".", citations: [], status: .awaitingCustomer)
    }

    func satisfied(_ ticket: TicketModel) async throws {
        guard ticket.ticketStatus.canMove(to: .resolved) else { return }
        if ticket.proposalState == ProposalState.proposed.rawValue { ticket.proposalState = ProposalState.declined.rawValue }
        try await record(ticket, author: .system, body: "The customer marked the answer as satisfying; the ticket is resolved.",
                         citations: [], status: .resolved)
    }

    /// Hands the ticket to the human queue, records an escalation through the guarded tool (audited), and queues the
    /// e-mail promising a person within 24 hours.
    func escalate(_ ticket: TicketModel, user: PortalUser, requestID: String) async throws {
        guard ticket.ticketStatus.canMove(to: .escalated), !ticket.ticketStatus.isQueued else { return }
        if let customer = ticket.customerID {
            // The key is the ticket's state as read: a double submit finds it already escalated.
            let key = "ticket-\(try ticket.requireID())-escalate-\(Int(ticket.updatedAt.timeIntervalSince1970 * 1000))"
            let result = try await pipeline.toolbox.run(
                .escalateCase(ticket.proposalOrderID.map { OrderID(Int64($0)) }, summary: ticket.title),
                context: ToolContext(requestID: requestID, customerID: CustomerID(Int64(customer)), idempotencyKey: key))
            if result.error == .duplicateRequest { return }
        }
        if ticket.proposalState == ProposalState.proposed.rawValue { ticket.proposalState = ProposalState.declined.rawValue }
        try await record(ticket, author: .system, body: "Passed to a person. We will contact you within 24 hours.",
                         citations: [], status: .escalated, mail: escalationMail(ticket, to: user))
    }

    private func escalationMail(_ ticket: TicketModel, to user: PortalUser) throws -> Mail {
        let id = try ticket.requireID()
        return Mail(to: user.email, subject: "We have passed your request to a person (ticket #\(id))",
                    body: "Hello \(user.name),\n\nThank you for your patience. Your ticket #\(id) \"\(ticket.title)\" is now "
                        + "with our support team, and a person will contact you within 24 hours.\n\n"
                        + "You can follow it here: \(publicURL)/tickets/\(id)\n\nSupportOps customer support")
    }

    // MARK: Agents

    func assign(_ ticket: TicketModel, to agent: PortalUser) async throws {
        ticket.assignedAgentID = agent.id
        let next: TicketStatus = ticket.ticketStatus == .escalated || ticket.ticketStatus == .resolved ? .inProgress : ticket.ticketStatus
        try await record(ticket, author: .system, body: "\(agent.name) is now handling this ticket.", citations: [], status: next)
    }

    /// A person's reply. Taking part makes the ticket theirs (the bot stays silent from now on).
    func agentReply(_ ticket: TicketModel, agent: PortalUser, text: String) async throws {
        guard ticket.ticketStatus != .closed else { throw Refusal(message: "This ticket is closed.") }
        if ticket.assignedAgentID == nil { ticket.assignedAgentID = agent.id }
        let next: TicketStatus = ticket.ticketStatus == .escalated || ticket.ticketStatus == .open ? .inProgress : ticket.ticketStatus
        let owner = try await UserModel.find(ticket.userID, on: database)
        let id = try ticket.requireID()
        let mail = owner.map {
            Mail(to: $0.email, subject: "A reply to your ticket #\(id)",
                 body: "Hello \($0.name),\n\n\(agent.name) from our support team replied to your ticket \"\(ticket.title)\":\n\n"
                    + text + "\n\nReply or follow the ticket here: \(publicURL)/tickets/\(id)\n\nSupportOps customer support")
        }
        try await record(ticket, author: .agent, authorUserID: agent.id, body: text, citations: [], status: next, mail: mail)
    }

    /// An internal note: visible to the support team only; the ticket's state and the customer are untouched.
    func addNote(_ ticket: TicketModel, agent: PortalUser, text: String) async throws {
        try await TicketMessageModel(ticketID: try ticket.requireID(), authorKind: Author.note.rawValue, authorUserID: agent.id,
                                     body: text, at: clock.now()).create(on: database)
    }

    func setStatus(_ ticket: TicketModel, to next: TicketStatus, by agent: PortalUser) async throws {
        guard ticket.ticketStatus.canMove(to: next) else {
            throw Refusal(message: "A ticket that is \(ticket.ticketStatus.label.lowercased()) cannot become \(next.label.lowercased()).")
        }
        if next == .inProgress, ticket.assignedAgentID == nil { ticket.assignedAgentID = agent.id }
        try await record(ticket, author: .system, body: "\(agent.name) set the status to \(next.label.lowercased()).",
                         citations: [], status: next)
    }

    func setPriority(_ ticket: TicketModel, to priority: TicketPriority) async throws {
        ticket.priority = priority.rawValue
        ticket.updatedAt = clock.now()
        try await ticket.save(on: database)
    }

    // MARK: Storage

    struct Mail { var to: String; var subject: String; var body: String }

    /// One transaction: the message, the ticket's new state, and the e-mail announcing it.
    private func record(_ ticket: TicketModel, author: Author = .bot, authorUserID: Int? = nil, body: String,
                        citations: [Citation], status: TicketStatus, mail: Mail? = nil) async throws {
        let now = clock.now()
        let citationJSON = String(decoding: try JSONEncoder().encode(citations), as: UTF8.self)
        try await database.transaction { tx in
            try await TicketMessageModel(ticketID: try ticket.requireID(), authorKind: author.rawValue,
                                         authorUserID: authorUserID, body: body, citations: citationJSON, at: now).create(on: tx)
            ticket.status = status.rawValue
            ticket.updatedAt = now
            try await ticket.save(on: tx)
            if let mail { try await OutboxStore.enqueue(to: mail.to, subject: mail.subject, body: mail.body, at: now, on: tx) }
        }
    }
}
