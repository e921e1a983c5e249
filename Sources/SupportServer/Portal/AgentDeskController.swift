import Foundation
import SupportAgent
import SupportDomain
import Vapor

/// The support team's side of tickets: the escalation queue, taking a ticket, replying, notes, status and priority,
/// and the playground where the agent runs without writing anything.
struct AgentDeskController {
    let pages: TicketPages
    let agent: SupportPipeline
    let savedViews: any SavedViewStore

    var workflow: TicketWorkflow { pages.workflow }

    func register(on routes: any RoutesBuilder) {
        routes.post(.ticketAction(.route, .assign), use: assign)
        routes.post(.ticketAction(.route, .agentReply), use: agentReply)
        routes.post(.ticketAction(.route, .status), use: status)
        routes.post(.ticketAction(.route, .priority), use: priority)
        routes.post(.ticketAction(.route, .resolve), use: resolve)
        routes.post(.ticketAction(.route, .tags), use: setTags)
        routes.post(.ticketAction(.route, .merge), use: merge)
        routes.post(.ticketAction(.route, .orderAction), use: previewOrderAction)
        routes.post(.ticketAction(.route, .confirmOrderAction), use: runOrderAction)
        routes.get(.agentQueue, use: queue)
        routes.get(.allTickets, use: allTickets)
        routes.post(.savedViews, use: saveView)
        routes.post(.deleteSavedView(0), use: deleteView)
        routes.get(.playground, use: playground)
        routes.post(.playground, use: playground)
    }

    struct QueueContext: Encodable { var tickets: [TicketPages.Row] }

    /// Tickets waiting for a person, the promise due first (breached ones at the top), then by priority and age.
    func queue(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let now = pages.clock.now()
        func key(_ ticket: Ticket) -> (Double, Int, Double) {
            (ticket.sla?.nextDue?.at.timeIntervalSince1970 ?? .infinity, -ticket.priority.rank, ticket.createdAt.timeIntervalSince1970)
        }
        let tickets = try await pages.tickets.fetchTickets(in: [.escalated, .inProgress], limit: 500).sorted { key($0) < key($1) }
        let names = try await pages.accounts.names(of: tickets.compactMap(\.assigneeID))
        return try await PortalPage.render(request, "agent-queue", title: "Escalation queue", context: QueueContext(
            tickets: tickets.map { TicketPages.Row($0, assignee: $0.assigneeID.flatMap { names[$0] }, now: now) }))
    }

    struct AllTicketsContext: Encodable {
        var tickets: [TicketPages.Row]
        var statuses: [TicketPages.Option]
        var priorities: [TicketPages.Option]
        var intents: [TicketPages.Option]
        var slaStates: [TicketPages.Option]
        var tag: String
        var languages: [TicketPages.Option]
        var from: String
        var to: String
        struct View: Encodable { var id: Int64; var name: String; var url: String; var current: Bool }
        var views: [View]
        /// The current filters as a query string, for "Save this view".
        var currentQuery: String
        var q: String
        var mine: Bool
        var unassigned: Bool
        var total: Int
        var page: Int
        var previousUrl: String?
        var nextUrl: String?
    }

    /// Every ticket, whatever its state: filters (status, priority, intent, mine, unassigned, words of the title) and pages
    /// of 50, most recently updated first.
    func allTickets(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let status = request.query[String.self, at: "status"].flatMap(TicketStatus.init(rawValue:))
        let priority = request.query[String.self, at: "priority"].flatMap(TicketPriority.init(rawValue:))
        let intent = request.query[String.self, at: "intent"].flatMap(Intent.init(rawValue:))
        let q = String((request.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(200))
        let mine = request.query[String.self, at: "mine"] == "1"
        let unassigned = request.query[String.self, at: "unassigned"] == "1"
        let sla = request.query[String.self, at: "sla"].flatMap { ["breached", "running"].contains($0) ? $0 : nil }
        let tag = request.query[String.self, at: "tag"].flatMap(TagNames.normalize)
        let language = request.query[String.self, at: "language"].flatMap { code in Self.languages.contains { $0.code == code } ? code : nil }
        // Dates as the browser's date inputs send them; "to" includes its whole day. Nonsense is ignored.
        let from = request.query[String.self, at: "from"].flatMap(Self.day)
        let to = request.query[String.self, at: "to"].flatMap(Self.day)
        let page = max(1, min(100_000, request.query[Int.self, at: "page"] ?? 1))
        let perPage = 50
        var filter = TicketFilter(status: status, priority: priority, assignee: mine ? agent.id : nil, unassigned: unassigned,
                                  intent: intent, text: q.isEmpty ? nil : q, breached: sla.map { $0 == "breached" }, tag: tag)
        filter.language = language
        filter.createdFrom = from?.date
        filter.createdBefore = to?.date.addingTimeInterval(86_400)
        let found = try await pages.tickets.searchTickets(filter, offset: (page - 1) * perPage, limit: perPage)
        let names = try await pages.accounts.names(of: found.tickets.compactMap(\.assigneeID))
        let tags = try await pages.tickets.fetchTags(of: found.tickets.map(\.id))
        func items() -> [(String, String)] {
            var items: [(String, String)] = []
            if let status { items.append(("status", status.rawValue)) }
            if let priority { items.append(("priority", priority.rawValue)) }
            if let intent { items.append(("intent", intent.rawValue)) }
            if !q.isEmpty { items.append(("q", q)) }
            if mine { items.append(("mine", "1")) }
            if unassigned { items.append(("unassigned", "1")) }
            if let sla { items.append(("sla", sla)) }
            if let tag { items.append(("tag", tag)) }
            if let language { items.append(("language", language)) }
            if let from { items.append(("from", from.text)) }
            if let to { items.append(("to", to.text)) }
            return items
        }
        func link(_ page: Int) -> String { PortalPath.allTickets.with(query: items() + [("page", String(page))]) }
        let current = String(PortalPath.allTickets.with(query: items()).drop { $0 != "?" }.dropFirst())
        let views = try await savedViews.fetchViews(of: agent.id)
        return try await PortalPage.render(request, "agent-tickets", title: "All tickets", context: AllTicketsContext(
            tickets: found.tickets.map {
                var row = TicketPages.Row($0, assignee: $0.assigneeID.flatMap { names[$0] }, now: pages.clock.now())
                row.tags = tags[$0.id] ?? []
                return row
            },
            statuses: TicketStatus.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: $0 == status) },
            priorities: TicketPriority.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == priority) },
            intents: Intent.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == intent) },
            slaStates: [("breached", "Breached, still open"), ("running", "Running, not breached")]
                .map { .init(value: $0.0, label: $0.1, selected: $0.0 == sla) },
            tag: tag ?? "", languages: Self.languages.map { .init(value: $0.code, label: $0.name, selected: $0.code == language) },
            from: from?.text ?? "", to: to?.text ?? "",
            views: views.map { .init(id: $0.id, name: $0.name, url: PortalPath.allTickets.path + ($0.query.isEmpty ? "" : "?" + $0.query),
                                     current: $0.query == current) },
            currentQuery: current, q: q, mine: mine, unassigned: unassigned, total: found.total, page: page,
            previousUrl: page > 1 ? link(page - 1) : nil, nextUrl: page * perPage < found.total ? link(page + 1) : nil))
    }

    /// The languages the assistant reads, for the list's filter.
    static let languages: [(code: String, name: String)] = [("en", "English"), ("es", "Spanish"), ("fr", "French"), ("de", "German"),
                            ("it", "Italian"), ("pt", "Portuguese")]

    /// "2026-11-29" as the start of that day in UTC, with its text; nil for anything else.
    static func day(_ text: String) -> (date: Date, text: String)? {
        guard text.count == 10 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text).map { ($0, text) }
    }

    /// Saves the list's current filters under a name (the same name replaces the view).
    func saveView(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        struct Form: Content { var name: String?; var query: String? }
        let form = try request.content.decode(Form.self)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...60).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "Name the view (at most 60 characters).") }
        let query = String((form.query ?? "").prefix(1000))
        try await savedViews.saveView(name: name, query: query, of: agent.id, at: pages.clock.now())
        return request.redirect(to: PortalPath.allTickets.path + (query.isEmpty ? "" : "?" + query))
    }

    func deleteView(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        guard let id = request.parameters.get("id", as: Int64.self) else { throw Abort(.notFound) }
        try await savedViews.deleteView(id, of: agent.id)
        return request.redirect(to: .allTickets)
    }

    func assign(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        return try await pages.handle(request, ticket) { try await workflow.assign(ticket, to: agent) }
    }

    func agentReply(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        struct Form: Content { var body: String?; var `internal`: String?; var macro_id: Int64? }
        let form = try request.content.decode(Form.self)
        let text = try TicketPages.text(form.body, field: "reply", max: TicketPages.maxText)
        if form.`internal` == "on" {
            return try await pages.handle(request, ticket) { try await workflow.addNote(ticket, by: agent, text: text) }
        }
        // A macro's status, priority and tags come with the reply it filled in; a macro deleted meanwhile adds nothing.
        var macro: Macro?
        if let id = form.macro_id { macro = try await pages.macros.fetchMacro(MacroID(id)) }
        return try await pages.handle(request, ticket) { try await workflow.agentReply(ticket, by: agent, text: text, macro: macro) }
    }

    /// Merges this ticket (a duplicate) into the ticket number given; the page of the merged ticket follows.
    func merge(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        struct Form: Content { var target: String? }
        let raw = (try request.content.decode(Form.self).target ?? "").trimmingCharacters(in: .whitespaces)
        guard let number = Int64(raw.hasPrefix("#") ? String(raw.dropFirst()) : raw), number > 0 else {
            throw Abort(.unprocessableEntity, reason: "Give the number of the ticket to merge this one into.")
        }
        _ = try await pages.handle(request, ticket) { try await workflow.merge(ticket, into: TicketID(number), by: agent) }
        return request.redirect(to: .ticket(TicketID(number)))
    }

    func setTags(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        struct Form: Content { var tags: String? }
        let text = try request.content.decode(Form.self).tags ?? ""
        guard text.count <= 1000 else { throw Abort(.unprocessableEntity, reason: "Too many tags (at most 10).") }
        return try await pages.handle(request, ticket) { try await workflow.setTags([text], of: ticket) }
    }

    func status(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        struct Form: Content { var status: String? }
        guard let next = try request.content.decode(Form.self).status.flatMap(TicketStatus.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a status.")
        }
        return try await pages.handle(request, ticket) { try await workflow.setStatus(ticket, to: next, by: agent) }
    }

    func priority(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        struct Form: Content { var priority: String? }
        guard let next = try request.content.decode(Form.self).priority.flatMap(TicketPriority.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a priority.")
        }
        return try await pages.handle(request, ticket) { try await workflow.setPriority(ticket, to: next) }
    }

    func resolve(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        return try await pages.handle(request, ticket) { try await workflow.setStatus(ticket, to: .resolved, by: agent) }
    }

    // MARK: Acting on the customer's orders

    struct OrderActionForm: Content {
        var action: String?
        var order: Int64?
        var reason: String?
        var token: String?
        /// "goodwill" with a written `override_reason`: a lead's override.
        var override: String?
        var override_reason: String?

        /// The write this form asks for; an agent may refund, cancel or replace (escalation has its own button).
        func invocation() throws -> ToolInvocation {
            guard let order, order > 0 else { throw Abort(.unprocessableEntity, reason: "Choose an order.") }
            let reason = reason.flatMap(ReturnReason.init(rawValue:)) ?? .notGiven
            switch action.flatMap(ToolAction.init(rawValue:)) {
            case .issueRefund?: return .issueRefund(OrderID(order), reason: reason)
            case .cancelOrder?: return .cancelOrder(OrderID(order))
            case .requestReplacement?: return .requestReplacement(OrderID(order), reason: reason)
            default: throw Abort(.unprocessableEntity, reason: "Choose refund, cancel or replacement.")
            }
        }
    }

    /// Step one: the rules' verdict on the chosen action, without effect, shown on the ticket with a confirm button.
    func previewOrderAction(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        let form = try request.content.decode(OrderActionForm.self)
        let invocation = try form.invocation()
        guard let preview = try await workflow.previewOrderAction(ticket, invocation, by: agent, requestID: request.id) else {
            throw Abort(.conflict, reason: "This ticket's account is not linked to a customer's orders.")
        }
        // The token ties the confirmation to this preview: a second submit of the same form runs nothing.
        let token = "\(invocation.action.rawValue)-\(invocation.orderID?.description ?? "-")-"
            + String(Int(ticket.updatedAt.timeIntervalSince1970 * 1000))
        return try await pages.show(request, orderAction: .init(
            action: invocation.action.rawValue, order: invocation.orderID?.rawValue ?? 0,
            reason: invocation.reason?.rawValue ?? ReturnReason.notGiven.rawValue, summary: preview.summary,
            allowed: preview.result.success, token: token,
            overridable: preview.result.error?.isOverridable == true && agent.role.mayOverrideRules))
    }

    /// Step two: run it through the guarded tool (audited with the agent's id); the customer is told.
    func runOrderAction(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: agent)
        let form = try request.content.decode(OrderActionForm.self)
        let invocation = try form.invocation()
        guard let token = form.token, (1...200).contains(token.count) else {
            throw Abort(.unprocessableEntity, reason: "This confirmation has expired. Choose the action again.")
        }
        var overrideReason: String?
        if form.override == "goodwill" {
            guard agent.role.mayOverrideRules else { throw Abort(.forbidden, reason: TicketError.overrideNotAllowed.message) }
            overrideReason = try TicketPages.text(form.override_reason, field: "reason for the override", max: 500)
            guard (overrideReason?.count ?? 0) >= 10 else {
                throw Abort(.unprocessableEntity, reason: "Write why this refund is an exception (at least 10 characters).")
            }
        }
        return try await pages.handle(request, ticket) {
            try await workflow.runOrderAction(ticket, invocation, by: agent, token: token, overrideReason: overrideReason,
                                              requestID: request.id)
        }
    }

    // MARK: Playground

    struct PlaygroundResult: Encodable {
        var redacted: String
        var intent: String
        var confidence: String
        var orderId: String?
        var understoodBy: String
        var reply: String
        var action: String?
        var allowed: Bool?
        var refusal: String?
        var proposal: String?
        var trace: [TraceStep]
        var citations: [Citation]
    }

    struct PlaygroundContext: Encodable {
        struct Customer: Encodable { var id: Int64; var name: String; var selected: Bool }
        var customers: [Customer]
        var message: String?
        var result: PlaygroundResult?
    }

    /// Runs the agent as a chosen customer in dry-run mode: the full decision trace, nothing written.
    func playground(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let customers = try await agent.customers(limit: 200)
        struct Form: Content { var customer_id: Int64?; var other_customer_id: String?; var message: String? }
        var context = PlaygroundContext(customers: [])
        var selected = customers.first?.id
        if request.method == .POST {
            let form = try request.content.decode(Form.self)
            let message = try TicketPages.text(form.message, field: "message", max: TicketPages.maxText)
            // A customer beyond the first 200 of the list is chosen by id.
            let typed = (form.other_customer_id ?? "").trimmingCharacters(in: .whitespaces)
            guard typed.isEmpty || Int64(typed) != nil else {
                throw Abort(.unprocessableEntity, reason: "The customer id must be a number.")
            }
            guard let raw = Int64(typed) ?? form.customer_id, let customer = try await agent.customer(CustomerID(raw))
            else { throw Abort(.unprocessableEntity, reason: "There is no customer with this id.") }
            selected = customer.id
            let resolution = try await agent.resolve(ResolveInput(
                userInput: message, customerID: customer.id, conversationID: nil, requestID: request.id, mode: .dryRun))
            let result = resolution.actionResult
            context.message = message
            context.result = PlaygroundResult(
                redacted: resolution.redactedInput, intent: resolution.intent.rawValue,
                confidence: String(format: "%.2f", resolution.confidence), orderId: resolution.orderID?.description,
                understoodBy: resolution.understoodBy.description, reply: resolution.reply, action: result?.action.rawValue,
                allowed: result?.success, refusal: result?.error.map { "\($0.code): \($0.message)" },
                proposal: resolution.proposal?.label, trace: resolution.trace, citations: resolution.citations)
        }
        context.customers = customers.map { .init(id: $0.id.rawValue, name: $0.name, selected: $0.id == selected) }
        return try await PortalPage.render(request, "playground", title: "Agent playground", context: context)
    }
}
