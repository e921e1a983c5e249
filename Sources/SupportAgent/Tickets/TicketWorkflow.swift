public import Foundation
public import SupportDomain
import SupportSearch

/// Why the workflow refused a ticket operation; the message is for the person who tried.
public enum TicketError: Error, Sendable, Equatable {
    case closed
    case invalidTransition(from: TicketStatus, to: TicketStatus)
    /// Overriding a rule needs the lead or admin role.
    case overrideNotAllowed
    /// A survey answer needs a rating from 1 to 5.
    case invalidRating
    /// Why these two tickets cannot be merged.
    case mergeRefused(String)

    public var message: String {
        switch self {
        case .closed: "This ticket is closed. Please open a new one."
        case .overrideNotAllowed: "Only a lead or an admin can override a rule."
        case .invalidRating: "Please choose a rating from 1 (very poor) to 5 (excellent)."
        case let .mergeRefused(reason): reason
        case let .invalidTransition(from, to):
            "A ticket that is \(from.label.lowercased()) cannot become \(to.label.lowercased())."
        }
    }
}

/// The ticket workflow: the agent answers in propose mode, the customer confirms writes, marks an answer satisfying or
/// asks for a person, and people take over. It sees storage, accounts and the agent only through protocols; every
/// change of a ticket and the e-mail announcing it are saved together.
public struct TicketWorkflow: Sendable {
    let tickets: any TicketStore
    let accounts: any AccountDirectory
    let agent: SupportPipeline
    public let clock: any WallClock
    /// The service's public address, for links in e-mails.
    let publicURL: String
    /// The promises for tickets a person handles: first response and resolution, in business hours.
    public let serviceLevels: ServiceLevelPolicy
    let surveys: any SurveyStore
    let tokens: any SecretTokens
    private let redactor = Redactor()

    public init(tickets: any TicketStore, accounts: any AccountDirectory, agent: SupportPipeline, clock: any WallClock,
                publicURL: String, serviceLevels: ServiceLevelPolicy = .standard, surveys: any SurveyStore,
                tokens: any SecretTokens) {
        self.serviceLevels = serviceLevels
        self.surveys = surveys
        self.tokens = tokens
        self.tickets = tickets
        self.accounts = accounts
        self.agent = agent
        self.clock = clock
        self.publicURL = publicURL
    }

    /// Ticket text as stored: redacted like everything the agent sees, the customer's own name included.
    private func redacted(_ text: String, of user: PortalAccount) -> String {
        redactor.redact(text, knownNames: [user.name]).text
    }

    // MARK: Customers

    /// Opens a ticket and lets the agent answer it. Title and description are stored redacted.
    public func open(by user: PortalAccount, title: String, description: String, requestID: String) async throws -> Ticket {
        var ticket = try await tickets.insertTicket(
            NewTicket(ownerID: user.id, customerID: user.customerID, title: redacted(title, of: user),
                      conversationID: agent.ids.newID(), createdAt: clock.now()),
            firstMessage: redacted(description, of: user))
        try await botTurn(&ticket, text: description, requestID: requestID)
        return ticket
    }

    /// A customer's follow-up. The bot answers only while no person has the ticket.
    public func customerReply(_ ticket: Ticket, by user: PortalAccount, text: String, requestID: String) async throws {
        guard ticket.status != .closed else { throw TicketError.closed }
        var ticket = ticket
        let now = clock.now()
        if ticket.assigneeID != nil, [.resolved, .awaitingCustomer].contains(ticket.status) {
            // A person has the ticket: the customer's answer puts it back in their queue.
            ticket.status = .inProgress
        } else if ticket.status == .resolved {
            ticket.status = .open
        }
        ticket.updatedAt = now
        ticket.reminderSentAt = nil
        applyServiceLevels(&ticket, author: .customer, now: now)
        try await tickets.saveTicket(ticket, appending: TicketMessage(ticketID: ticket.id, author: .customer,
                                                                      authorUserID: user.id, body: redacted(text, of: user),
                                                                      createdAt: now), mail: nil)
        if ticket.botAnswers { try await botTurn(&ticket, text: text, requestID: requestID) }
    }

    /// Runs the agent on the message in propose mode and records its answer, trace and proposal.
    private func botTurn(_ ticket: inout Ticket, text: String, requestID: String) async throws {
        guard let customer = ticket.customerID else {
            let suggestions = try await agent.suggestArticles(text, limit: 3)
            var body = "Your account is not linked to any orders yet, so I cannot look up or change an order. "
                + "If you already bought from us, confirm your e-mail address from your profile page."
            if !suggestions.isEmpty {
                body += "\n\nThese articles may help:\n" + suggestions.map {
                    "- \($0.document.title): \(PortalPath.article($0.document.articleID ?? 0).path)"
                }.joined(separator: "\n")
            }
            body += "\n\nIf this did not answer your question, choose \"Talk to a person\"."
            try await record(&ticket, body: body, status: .awaitingCustomer)
            return
        }
        let resolution = try await agent.resolve(ResolveInput(
            userInput: text, customerID: customer, conversationID: ticket.conversationID, requestID: requestID, mode: .propose))
        ticket.intent = resolution.intent
        ticket.confidence = resolution.confidence
        ticket.language = resolution.language
        ticket.trace = resolution.trace
        if let proposal = resolution.proposal {
            ticket.proposal = proposal
            ticket.proposalSerial += 1
        } else {
            ticket.withdrawProposal()
        }
        // The page lists the cited passages under the message, so the reply's policy sentence is left out there.
        let body = resolution.citations.isEmpty ? resolution.reply : resolution.replyParts.body
        try await record(&ticket, body: body, citations: resolution.citations, status: .awaitingCustomer)
    }

    /// Confirms the proposal with this serial. It runs once: a second submit finds the proposal handled, and a
    /// concurrent one is refused by the toolbox's idempotency key.
    public func confirm(_ ticket: Ticket, by user: PortalAccount, serial: Int, requestID: String) async throws {
        guard let proposal = ticket.openProposal, serial == ticket.proposalSerial, let customer = ticket.customerID
        else { return }
        let context = ToolContext(requestID: requestID, customerID: customer,
                                  idempotencyKey: "ticket-\(ticket.id)-proposal-\(serial)")
        let confirmation = try await agent.confirm(proposal, conversationID: ticket.conversationID, context: context)
        if confirmation.wasDuplicate { return }
        var ticket = ticket
        ticket.proposal?.state = confirmation.result.success ? .confirmed : .refused
        if confirmation.result.refundStatus == .pendingReview { ticket.priority = .high }
        if confirmation.handsOver { startServiceLevel(&ticket) }
        try await record(&ticket, body: confirmation.reply, status: confirmation.handsOver ? .escalated : .awaitingCustomer,
                         mail: confirmation.handsOver ? escalationMail(ticket, to: user) : nil)
    }

    public func decline(_ ticket: Ticket, serial: Int) async throws {
        guard ticket.openProposal != nil, serial == ticket.proposalSerial else { return }
        var ticket = ticket
        ticket.proposal?.state = .declined
        try await record(&ticket, body: "Understood, nothing was done. Tell me if you need something else, or choose "
            + "\"Talk to a person\".", status: .awaitingCustomer)
    }

    public func markSatisfied(_ ticket: Ticket) async throws {
        guard ticket.status.canMove(to: .resolved) else { return }
        var ticket = ticket
        ticket.withdrawProposal()
        try await record(&ticket, author: .system, body: "The customer marked the answer as satisfying; the ticket is resolved.",
                         status: .resolved)
    }

    /// Hands the ticket to the human queue, records an escalation through the guarded tool (audited), and queues the
    /// e-mail promising a person's reply by the service level's due time.
    public func escalate(_ ticket: Ticket, by user: PortalAccount, requestID: String) async throws {
        guard ticket.status.canMove(to: .escalated), !ticket.status.isQueued else { return }
        if let customer = ticket.customerID {
            // The key is the ticket's state as read: a double submit finds it already escalated.
            let key = "ticket-\(ticket.id)-escalate-\(Int(ticket.updatedAt.timeIntervalSince1970 * 1000))"
            let result = try await agent.escalate(orderID: ticket.proposal?.invocation.orderID, summary: ticket.title,
                                                  context: ToolContext(requestID: requestID, customerID: customer,
                                                                       idempotencyKey: key))
            if result.error == .duplicateRequest { return }
        }
        var ticket = ticket
        ticket.withdrawProposal()
        startServiceLevel(&ticket)
        try await record(&ticket, author: .system, body: "Passed to a person. Someone from our team will reply by "
                            + "\(promisedReply(ticket)).", status: .escalated, mail: escalationMail(ticket, to: user))
    }

    /// When a person's first reply is due, as the customer reads it: "Mon 30 Nov 2026, 11:00 UTC".
    private func promisedReply(_ ticket: Ticket) -> String {
        serviceLevels.hours.describe(ticket.sla?.firstResponseDueAt
            ?? serviceLevels.start(at: clock.now(), priority: ticket.priority).firstResponseDueAt)
    }

    /// Starts the service-level clock now unless one is running, so a message can quote its due time.
    private func startServiceLevel(_ ticket: inout Ticket) {
        if ticket.sla?.isRunning != true { ticket.sla = serviceLevels.start(at: clock.now(), priority: ticket.priority) }
    }

    /// The clock starts when a person must handle the ticket, the first reply of a person is its first response, and
    /// it stops when the ticket is resolved or closed.
    private func applyServiceLevels(_ ticket: inout Ticket, author: TicketAuthor, now: Date) {
        if ticket.status.isQueued, ticket.sla?.isRunning != true {
            ticket.sla = serviceLevels.start(at: now, priority: ticket.priority)
        }
        guard ticket.sla?.isRunning == true else { return }
        if author == .agent, ticket.sla?.firstRespondedAt == nil { ticket.sla?.firstRespondedAt = now }
        if ticket.status == .resolved || ticket.status == .closed { ticket.sla?.completedAt = now }
    }

    private func escalationMail(_ ticket: Ticket, to user: PortalAccount) -> OutgoingMail {
        OutgoingMail(to: user.email, subject: "We have passed your request to a person (ticket #\(ticket.id))",
                     body: "Hello \(user.name),\n\nThank you for your patience. Your ticket #\(ticket.id) \"\(ticket.title)\" is "
                        + "now with our support team, and a person will reply by \(promisedReply(ticket)).\n\n"
                        + "You can follow it here: \(PortalPath.ticket(ticket.id).url(base: publicURL))\n\n"
                        + "SupportOps customer support")
    }

    // MARK: Agents

    public func assign(_ ticket: Ticket, to agent: PortalAccount) async throws {
        var ticket = ticket
        ticket.assigneeID = agent.id
        let next: TicketStatus = ticket.status == .escalated || ticket.status == .resolved ? .inProgress : ticket.status
        try await record(&ticket, author: .system, body: "\(agent.name) is now handling this ticket.", status: next)
    }

    /// A person's reply. Taking part makes the ticket theirs (the bot stays silent from now on). With `macro`, what the
    /// macro also does is applied: its status (when the ticket may move there), its priority and its tags.
    public func agentReply(_ ticket: Ticket, by agent: PortalAccount, text: String, macro: Macro? = nil) async throws {
        guard ticket.status != .closed else { throw TicketError.closed }
        var ticket = ticket
        if ticket.assigneeID == nil { ticket.assigneeID = agent.id }
        var next: TicketStatus = ticket.status == .escalated || ticket.status == .open ? .inProgress : ticket.status
        if let target = macro?.setStatus, target != next, next.canMove(to: target) { next = target }
        if let priority = macro?.setPriority, priority != ticket.priority {
            ticket.priority = priority
            if ticket.sla?.isRunning == true { ticket.sla?.reschedule(priority: priority, policy: serviceLevels) }
        }
        let owner = try await accounts.fetchAccount(ticket.ownerID)
        let mail = owner.map {
            OutgoingMail(to: $0.email, subject: "A reply to your ticket #\(ticket.id)",
                         body: "Hello \($0.name),\n\n\(agent.name) from our support team replied to your ticket "
                            + "\"\(ticket.title)\":\n\n" + text + "\n\nReply or follow the ticket here: "
                            + "\(PortalPath.ticket(ticket.id).url(base: publicURL))\n\nSupportOps customer support")
        }
        try await record(&ticket, author: .agent, authorUserID: agent.id, body: text, status: next, mail: mail)
        if let macro, !macro.addTags.isEmpty {
            let current = try await tickets.fetchTags(of: [ticket.id])[ticket.id] ?? []
            try await setTags(current + macro.addTags, of: ticket)
        }
    }

    // MARK: Merging duplicates

    /// Merges a duplicate into another ticket of the same customer: its messages (internal notes stay internal) and tags
    /// move to the target, the duplicate closes pointing at the target, and the customer is told by e-mail. One
    /// transaction; a ticket changed meanwhile makes it fail with nothing written.
    public func merge(_ source: Ticket, into targetID: TicketID, by agent: PortalAccount) async throws {
        guard targetID != source.id else { throw TicketError.mergeRefused("A ticket cannot be merged into itself.") }
        guard source.mergedInto == nil else { throw TicketError.mergeRefused("This ticket was already merged.") }
        guard var target = try await tickets.fetchTicket(targetID), target.ownerID == source.ownerID else {
            throw TicketError.mergeRefused("Ticket #\(targetID) is not a ticket of the same customer.")
        }
        guard target.status != .closed, target.mergedInto == nil else {
            throw TicketError.mergeRefused("Ticket #\(targetID) is closed; merge into an open ticket.")
        }
        let now = clock.now()
        var source = source
        source.close(at: now)
        source.mergedInto = target.id
        target.updatedAt = now
        if target.assigneeID == nil { target.assigneeID = source.assigneeID }
        let owner = try await accounts.fetchAccount(source.ownerID)
        let mail = owner.map {
            OutgoingMail(to: $0.email, subject: "Your tickets #\(source.id) and #\(target.id) are now one",
                         body: "Hello \($0.name),\n\nYour ticket #\(source.id) \"\(source.title)\" is about the same request as "
                            + "#\(target.id) \"\(target.title)\", so \(agent.name) from our support team joined them. Everything "
                            + "you wrote is kept; follow the request here:\n\n\(PortalPath.ticket(target.id).url(base: publicURL))\n\n"
                            + "SupportOps customer support")
        }
        let merged = try await tickets.mergeTicket(
            source, into: target,
            sourceMessage: TicketMessage(ticketID: source.id, author: .system,
                                         body: "This ticket was merged into ticket #\(target.id); its messages are there now.",
                                         createdAt: now),
            targetMessage: TicketMessage(ticketID: target.id, author: .system,
                                         body: "Ticket #\(source.id) \"\(source.title)\" was merged into this one by \(agent.name).",
                                         createdAt: now),
            mail: mail)
        guard merged else { throw TicketError.mergeRefused("One of the tickets changed meanwhile. Reload the page and try again.") }
    }

    // MARK: Tags and macros

    /// Replaces the ticket's tags with these (normalized, at most 10).
    public func setTags(_ tags: [String], of ticket: Ticket) async throws {
        try await tickets.setTags(TagNames.parse(tags.joined(separator: ",")), of: ticket.id)
    }

    /// The macro's reply for this ticket, in the conversation's language, with its variables filled in; an unknown
    /// value (no order yet) stays visible as "[order.id]" for the agent to fill in before sending.
    public func draft(_ macro: Macro, for ticket: Ticket, by staff: PortalAccount) async throws -> String {
        let owner = try await accounts.fetchAccount(ticket.ownerID)
        var orderID = ticket.proposal?.invocation.orderID
        if orderID == nil, let customer = ticket.customerID {
            orderID = try await agent.conversations.fetchState(conversationID: ticket.conversationID, customer: customer)?.focusOrder
        }
        let policy = agent.composer.policy
        func first(_ name: String?) -> String? { name?.split(separator: " ").first.map(String.init) }
        let values: [String: String?] = [
            "customer.name": owner?.name, "customer.first_name": first(owner?.name),
            "ticket.id": String(ticket.id.rawValue), "ticket.title": ticket.title,
            "order.id": orderID.map { String($0.rawValue) },
            "agent.name": staff.name, "agent.first_name": first(staff.name),
            "policy.return_window_days": String(policy.returnWindowDays),
            "policy.max_refunds": String(policy.maxRefundsPerWindow),
            "policy.refund_window_days": String(policy.refundLimitWindowDays),
        ]
        // The language the assistant last read the customer in ("en" before it answered at all).
        return MacroTemplate.render(macro.body(for: ticket.language ?? "en"), values: values.compactMapValues { $0 })
    }

    /// An internal note: visible to the support team only; the ticket's state and the customer are untouched.
    public func addNote(_ ticket: Ticket, by agent: PortalAccount, text: String) async throws {
        try await tickets.appendMessage(TicketMessage(ticketID: ticket.id, author: .note, authorUserID: agent.id, body: text,
                                                      createdAt: clock.now()))
    }

    public func setStatus(_ ticket: Ticket, to next: TicketStatus, by agent: PortalAccount) async throws {
        guard ticket.status.canMove(to: next) else { throw TicketError.invalidTransition(from: ticket.status, to: next) }
        var ticket = ticket
        if next == .inProgress, ticket.assigneeID == nil { ticket.assigneeID = agent.id }
        try await record(&ticket, author: .system, body: "\(agent.name) set the status to \(next.label.lowercased()).",
                         status: next)
    }

    public func setPriority(_ ticket: Ticket, to priority: TicketPriority) async throws {
        var ticket = ticket
        ticket.priority = priority
        ticket.updatedAt = clock.now()
        if ticket.sla?.isRunning == true { ticket.sla?.reschedule(priority: priority, policy: serviceLevels) }
        try await tickets.saveTicket(ticket, appending: nil, mail: nil)
    }

    // MARK: Agents acting on orders

    /// What a support agent sees of the ticket's customer: who they are and what each order allows now.
    public struct CustomerPanel: Sendable {
        public struct Order: Sendable {
            public var order: OrderSnapshot
            /// The actions the order's state and dates allow now (the rules still check each one when it runs).
            public var eligible: [ToolAction]
            /// A delivered order past the refund window (or over the limit) that was never refunded: a lead may still
            /// refund it as goodwill, with a reason (the preview says what the rules refuse and offers the override).
            public var goodwillRefund: Bool
        }

        public var customer: CustomerSnapshot
        public var accountAgeDays: Int
        /// "new_account" when the account is younger than the fraud rules' threshold.
        public var signals: [FraudSignal]
        public var orders: [Order]
        public var history: CustomerHistory
        /// The account's other tickets, most recently updated first.
        public var otherTickets: [Ticket]
    }

    public func customerPanel(for ticket: Ticket) async throws -> CustomerPanel? {
        guard let id = ticket.customerID, let customer = try await agent.toolbox.fetchCustomer(id) else { return nil }
        let now = clock.now()
        let orders = try await agent.toolbox.fetchOrders(of: id)
        let policy = agent.composer.policy
        let eligible: [ToolAction: Set<OrderID>] = [
            .cancelOrder: Set(agent.composer.eligibleOrders(orders, for: .cancel, now: now).map(\.id)),
            .issueRefund: Set(agent.composer.eligibleOrders(orders, for: .refund, now: now).map(\.id)),
            .requestReplacement: Set(agent.composer.eligibleOrders(orders, for: .replacement, now: now).map(\.id)),
        ]
        let age = Int(now.timeIntervalSince(customer.createdAt) / 86_400)
        let history = try await agent.toolbox.fetchHistory(of: id)
        let others = try await tickets.fetchTickets(owner: ticket.ownerID, status: nil, limit: 11).filter { $0.id != ticket.id }
        return CustomerPanel(
            customer: customer, accountAgeDays: age,
            signals: age < policy.fraud.newAccountDays ? [.newAccount] : [],
            orders: orders.map { order in
                CustomerPanel.Order(order: order, eligible: [ToolAction.cancelOrder, .issueRefund, .requestReplacement]
                    .filter { eligible[$0]?.contains(order.id) == true },
                    goodwillRefund: order.status == .delivered && eligible[.issueRefund]?.contains(order.id) != true
                        && !history.refunds.contains { $0.orderID == order.id })
            }, history: history, otherTickets: Array(others.prefix(10)))
    }

    /// An order action a support agent is about to run, checked by the same rules without effect.
    public struct OrderActionPreview: Sendable {
        public var invocation: ToolInvocation
        public var result: ToolResult
        /// "Refund 49.99 USD for order #1042", or why the rules refuse.
        public var summary: String
    }

    public func previewOrderAction(_ ticket: Ticket, _ invocation: ToolInvocation, by agent: PortalAccount,
                                   requestID: String) async throws -> OrderActionPreview? {
        guard let customer = ticket.customerID else { return nil }
        let result = try await self.agent.check(invocation, context: ToolContext(requestID: requestID, customerID: customer,
                                                                                 actingAgent: agent.id))
        return OrderActionPreview(invocation: invocation, result: result,
                                  summary: result.success ? self.agent.label(result) : self.agent.explainForStaff(result))
    }

    /// Runs an order action for the ticket's customer through the guarded tools (audited with the agent's id). `token`
    /// comes from the preview the agent confirmed, so a double submit runs it once. The customer is told on the ticket
    /// and by e-mail, in the conversation's language; the ticket becomes the agent's.
    @discardableResult
    /// With `overrideReason` (leads and admins only) a refund outside the window or over the limit is paid as goodwill:
    /// audited as an override, the reason kept as an internal note.
    public func runOrderAction(_ ticket: Ticket, _ invocation: ToolInvocation, by agent: PortalAccount, token: String,
                               overrideReason: String? = nil, requestID: String) async throws -> ToolResult? {
        guard ticket.status != .closed else { throw TicketError.closed }
        guard let customer = ticket.customerID else { return nil }
        if overrideReason != nil, !agent.role.mayOverrideRules { throw TicketError.overrideNotAllowed }
        let context = ToolContext(requestID: requestID, customerID: customer,
                                  idempotencyKey: "ticket-\(ticket.id)-agent-\(agent.id)-\(token)", actingAgent: agent.id,
                                  goodwill: overrideReason != nil && invocation.action == .issueRefund)
        if let overrideReason, context.goodwill {
            try await tickets.appendMessage(TicketMessage(ticketID: ticket.id, author: .note, authorUserID: agent.id,
                                                          body: "Goodwill override: " + overrideReason, createdAt: clock.now()))
        }
        let done = try await self.agent.confirm(Proposal(invocation: invocation, label: ""), conversationID: ticket.conversationID,
                                                context: context)
        if done.wasDuplicate { return done.result }
        var ticket = ticket
        if ticket.assigneeID == nil { ticket.assigneeID = agent.id }
        ticket.withdrawProposal()
        let owner = try await accounts.fetchAccount(ticket.ownerID)
        let mail = done.result.success ? owner.map {
            OutgoingMail(to: $0.email, subject: "An update on your ticket #\(ticket.id)",
                         body: "Hello \($0.name),\n\n\(agent.name) from our support team: " + done.reply
                            + "\n\nFollow the ticket here: \(PortalPath.ticket(ticket.id).url(base: publicURL))\n\n"
                            + "SupportOps customer support")
        } : nil
        let next: TicketStatus = done.handsOver ? .escalated : (ticket.status == .escalated || ticket.status == .open ? .inProgress
            : ticket.status)
        if done.result.success {
            try await record(&ticket, author: .agent, authorUserID: agent.id, body: done.reply, status: next, mail: mail)
        } else {
            // A refusal is for the team only: an internal note, nothing sent.
            try await tickets.appendMessage(TicketMessage(ticketID: ticket.id, author: .note, authorUserID: agent.id,
                                                          body: "Not done: " + done.reply, createdAt: clock.now()))
        }
        return done.result
    }

    // MARK: Satisfaction

    /// The one-question survey for a ticket that was just resolved, with its e-mail (the store opens one per ticket).
    private func surveyInvitation(_ ticket: Ticket, now: Date) async throws -> SurveyInvitation {
        let (token, hash) = tokens.issue()
        let owner = try await accounts.fetchAccount(ticket.ownerID)
        let link = PortalPath.survey.url(base: publicURL) + "?token=" + token
        return SurveyInvitation(
            ticketID: ticket.id, tokenHash: hash, agentID: ticket.assigneeID, intent: ticket.intent, createdAt: now,
            mail: owner.map {
                OutgoingMail(to: $0.email, subject: "How did we do? (ticket #\(ticket.id))",
                             body: "Hello \($0.name),\n\nYour ticket #\(ticket.id) \"\(ticket.title)\" is resolved. One question, "
                                + "one click: how satisfied are you with the help you got?\n\n\(link)\n\n"
                                + "The link works once. Thank you!\n\nSupportOps customer support")
            })
    }

    public func survey(of ticket: Ticket) async throws -> SatisfactionSurvey? {
        try await surveys.fetchSurvey(ticket: ticket.id)
    }

    /// The survey a link's token opens, if any.
    public func survey(token: String) async throws -> SatisfactionSurvey? {
        guard !token.isEmpty, token.count <= 200 else { return nil }
        return try await surveys.fetchSurvey(tokenHash: tokens.hash(token))
    }

    /// Records a survey answer once; false when it was already answered. The comment is stored redacted.
    @discardableResult
    public func answer(_ survey: SatisfactionSurvey, rating: Int, comment: String?) async throws -> Bool {
        guard SatisfactionSurvey.ratings.contains(rating) else { throw TicketError.invalidRating }
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(1000)
        let redactedComment = text.flatMap { $0.isEmpty ? nil : redactor.redact(String($0)).text }
        return try await surveys.answerSurvey(survey.id, rating: rating, comment: redactedComment, at: clock.now())
    }

    /// Survey results since `date`, by agent and by intent.
    public func satisfaction(since date: Date) async throws -> (byAgent: [SatisfactionGroup], byIntent: [SatisfactionGroup]) {
        try await surveys.satisfaction(since: date)
    }

    // MARK: Storage

    /// One transaction: the message, the ticket's new state, and the e-mail announcing it.
    private func record(_ ticket: inout Ticket, author: TicketAuthor = .bot, authorUserID: UserID? = nil, body: String,
                        citations: [Citation] = [], status: TicketStatus, mail: OutgoingMail? = nil) async throws {
        let now = clock.now()
        let resolvedNow = status == .resolved && ticket.status != .resolved
        ticket.status = status
        ticket.updatedAt = now
        ticket.reminderSentAt = nil
        applyServiceLevels(&ticket, author: author, now: now)
        try await tickets.saveTicket(ticket, appending: TicketMessage(ticketID: ticket.id, author: author,
                                                                      authorUserID: authorUserID, body: body,
                                                                      citations: citations, createdAt: now), mail: mail,
                                     survey: resolvedNow ? try await surveyInvitation(ticket, now: now) : nil)
    }
}
