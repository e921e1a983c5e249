import Fluent
import Foundation
import Leaf
import SupportAgent
import SupportDomain
import SupportSearch
import SupportStore
import Vapor

/// Tickets for customers (their own only) and for agents (the queue, replies, status), plus the agents' playground.
/// A ticket that is not the signed-in customer's answers 404, exactly like one that does not exist.
struct TicketController {
    let desk: TicketDesk
    let knowledge: KnowledgeBase

    static let maxTitle = 200
    static let maxText = 5000

    func register(on routes: any RoutesBuilder) {
        routes.get("tickets", use: list)
        routes.get("tickets", "new", use: newTicket)
        routes.get("tickets", "suggest", use: suggest)
        routes.post("tickets", use: create)
        routes.get("tickets", ":id", use: show)
        routes.post("tickets", ":id", "reply", use: reply)
        routes.post("tickets", ":id", "confirm", use: confirm)
        routes.post("tickets", ":id", "decline", use: decline)
        routes.post("tickets", ":id", "satisfied", use: satisfied)
        routes.post("tickets", ":id", "escalate", use: escalate)
        routes.post("tickets", ":id", "assign", use: assign)
        routes.post("tickets", ":id", "agent-reply", use: agentReply)
        routes.post("tickets", ":id", "status", use: status)
        routes.post("tickets", ":id", "priority", use: priority)
        routes.post("tickets", ":id", "resolve", use: resolve)
        routes.get("agent", "queue", use: queue)
        routes.get("agent", "playground", use: playground)
        routes.post("agent", "playground", use: playground)
    }

    // MARK: Access

    static func requireStaff(_ request: Request) throws -> PortalUser {
        let user = try request.requirePortalUser()
        guard user.role != .customer else { throw Abort(.notFound) }
        return user
    }

    /// The ticket if this user may see it: its owner, or staff.
    func ticket(_ request: Request, user: PortalUser, ownerOnly: Bool = false) async throws -> TicketModel {
        guard let id = request.parameters.get("id", as: Int.self), let ticket = try await TicketModel.find(id, on: request.db)
        else { throw Abort(.notFound) }
        let isOwner = ticket.userID == user.id
        guard isOwner || (!ownerOnly && user.role != .customer) else { throw Abort(.notFound) }
        return ticket
    }

    static func text(_ value: String?, field: String, max: Int) throws -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Abort(.unprocessableEntity, reason: "Please fill in the \(field).") }
        guard text.count <= max else { throw Abort(.unprocessableEntity, reason: "The \(field) is too long (at most \(max) characters).") }
        return text
    }

    func redirect(_ request: Request, _ ticket: TicketModel) throws -> Response {
        request.redirect(to: "/tickets/\(try ticket.requireID())")
    }

    func handle(_ request: Request, _ ticket: TicketModel, _ work: () async throws -> Void) async throws -> Response {
        do {
            try await work()
        } catch let refusal as TicketDesk.Refusal {
            throw Abort(.conflict, reason: refusal.message)
        }
        return try redirect(request, ticket)
    }

    // MARK: Customer pages

    func list(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let filter = request.query[String.self, at: "status"].flatMap(TicketStatus.init(rawValue:))
        var query = TicketModel.query(on: request.db).filter(\.$userID == user.id)
        if let filter { query = query.filter(\.$status == filter.rawValue) }
        let tickets = try await query.sort(\.$updatedAt, .descending).limit(200).all()
        return try await PortalPage.render(request, "tickets", title: "My tickets", extra: [
            "tickets": .array(tickets.map(Self.row)),
            "statuses": .array(TicketStatus.allCases.map {
                .dictionary(["value": .string($0.rawValue), "label": .string($0.label), "selected": .bool($0 == filter)])
            }),
        ])
    }

    static func row(_ ticket: TicketModel) -> LeafData {
        .dictionary([
            "id": .int(ticket.id ?? 0), "title": .string(ticket.title), "status": .string(ticket.status),
            "statusLabel": .string(ticket.ticketStatus.label), "priority": .string(ticket.priority),
            "updatedAt": .string(PortalPage.timestamp(ticket.updatedAt)), "createdAt": .string(PortalPage.timestamp(ticket.createdAt)),
            "intent": ticket.intent.map(LeafData.string) ?? .nil(.string),
        ])
    }

    static func leaf(_ citations: [Citation]) -> LeafData {
        .array(citations.map { .dictionary(["source": .string($0.source), "section": .string($0.section), "excerpt": .string($0.excerpt)]) })
    }

    static func leaf(_ trace: [TraceStep]) -> LeafData {
        .array(trace.map { .dictionary(["step": .string($0.step), "detail": .string($0.detail)]) })
    }

    func newTicket(_ request: Request) async throws -> Response {
        _ = try request.requirePortalUser()
        return try await PortalPage.render(request, "ticket-new", title: "New ticket")
    }

    /// Deflection: the three articles most relevant to what the customer is typing (JSON for the page's script).
    func suggest(_ request: Request) async throws -> Response {
        _ = try request.requirePortalUser()
        struct Suggestion: Content { var title: String; var url: String; var summary: String }
        let q = String((request.query[String.self, at: "q"] ?? "").prefix(2000))
        let hits = q.trimmingCharacters(in: .whitespacesAndNewlines).count < 3 ? [] : try await knowledge.suggest(q, limit: 3)
        let body = hits.map { Suggestion(title: $0.document.title, url: "/kb/articles/\($0.document.articleID ?? 0)",
                                         summary: $0.document.summary) }
        let response = try await body.encodeResponse(for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func create(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        struct Form: Content { var title: String?; var description: String? }
        let form = try request.content.decode(Form.self)
        let title: String, description: String
        do {
            title = try Self.text(form.title, field: "title", max: Self.maxTitle)
            description = try Self.text(form.description, field: "description", max: Self.maxText)
        } catch let abort as Abort {
            return try await PortalPage.render(request, "ticket-new", title: "New ticket", status: .unprocessableEntity,
                                               error: abort.reason, extra: ["form": .dictionary([
                                                   "title": .string(form.title ?? ""), "description": .string(form.description ?? "")])])
        }
        let id = try await desk.open(user: user, title: title, description: description, requestID: request.id)
        return request.redirect(to: "/tickets/\(id)")
    }

    func show(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user)
        let ticketID = try ticket.requireID()
        var messageQuery = TicketMessageModel.query(on: request.db).filter(\.$ticketID == ticketID)
        if user.role == .customer { messageQuery = messageQuery.filter(\.$authorKind != TicketDesk.Author.note.rawValue) }
        let messages = try await messageQuery.sort(\.$id).all()
        let authorIDs = Set(messages.compactMap(\.authorUserID) + [ticket.assignedAgentID].compactMap { $0 })
        let authors = Dictionary(uniqueKeysWithValues: try await UserModel.query(on: request.db)
            .filter(\.$id ~~ Array(authorIDs)).all().compactMap { row in row.id.map { ($0, row.name) } })
        let status = ticket.ticketStatus
        let isOwner = ticket.userID == user.id
        let proposed = ticket.proposalState == ProposalState.proposed.rawValue
        var context: [String: LeafData] = [
            "ticket": Self.row(ticket),
            "messages": .array(messages.map { message in
                let citations = (try? JSONDecoder().decode([Citation].self, from: Data(message.citations.utf8))) ?? []
                let author: String
                switch message.authorKind {
                case "customer": author = isOwner ? "You" : "Customer"
                case "bot": author = "SupportOps assistant"
                case "agent": author = message.authorUserID.flatMap { authors[$0] }.map { "\($0) (support team)" } ?? "Support team"
                case "note": author = (message.authorUserID.flatMap { authors[$0] } ?? "Support team") + " — internal note"
                default: author = "Update"
                }
                return .dictionary([
                    "kind": .string(message.authorKind), "author": .string(author), "body": .string(message.body),
                    "at": .string(PortalPage.timestamp(message.createdAt)),
                    "citations": Self.leaf(citations),
                ])
            }),
            "isOwner": .bool(isOwner),
            "isStaff": .bool(user.role != .customer),
            "canReply": .bool(status != .closed),
            "canChoose": .bool(isOwner && (status == .open || status == .awaitingCustomer) && !proposed),
            "canEscalate": .bool(isOwner && status.canMove(to: .escalated) && !status.isQueued),
            "assignedTo": ticket.assignedAgentID.flatMap { authors[$0] }.map(LeafData.string) ?? .nil(.string),
            "botSilent": .bool(!status.botAnswers || ticket.assignedAgentID != nil),
        ]
        if proposed, isOwner, let label = ticket.proposalLabel {
            context["proposal"] = .dictionary(["label": .string(label), "serial": .int(ticket.proposalSerial)])
        }
        if user.role != .customer {
            let trace = (try? JSONDecoder().decode([TraceStep].self, from: Data(ticket.trace.utf8))) ?? []
            context["trace"] = Self.leaf(trace)
            context["nextStatuses"] = .array(TicketStatus.allCases.filter { status.canMove(to: $0) }.map {
                .dictionary(["value": .string($0.rawValue), "label": .string($0.label)])
            })
            context["priorities"] = .array(TicketPriority.allCases.map {
                .dictionary(["value": .string($0.rawValue), "selected": .bool($0 == ticket.ticketPriority)])
            })
            context["canResolve"] = .bool(status.canMove(to: .resolved))
            context["isMine"] = .bool(ticket.assignedAgentID == user.id)
        }
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "confirmed": "Done."
        default: nil
        }
        return try await PortalPage.render(request, "ticket", title: "Ticket #\(ticketID): \(ticket.title)", notice: notice,
                                           extra: context)
    }

    func reply(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user, ownerOnly: true)
        struct Form: Content { var body: String? }
        let text = try Self.text(try request.content.decode(Form.self).body, field: "message", max: Self.maxText)
        return try await handle(request, ticket) { try await desk.customerReply(ticket, user: user, text: text, requestID: request.id) }
    }

    struct SerialForm: Content { var serial: Int? }

    func confirm(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user, ownerOnly: true)
        let serial = try request.content.decode(SerialForm.self).serial ?? -1
        return try await handle(request, ticket) { try await desk.confirm(ticket, user: user, serial: serial, requestID: request.id) }
    }

    func decline(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user, ownerOnly: true)
        let serial = try request.content.decode(SerialForm.self).serial ?? -1
        return try await handle(request, ticket) { try await desk.decline(ticket, serial: serial) }
    }

    func satisfied(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user, ownerOnly: true)
        return try await handle(request, ticket) { try await desk.satisfied(ticket) }
    }

    func escalate(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user, ownerOnly: true)
        return try await handle(request, ticket) { try await desk.escalate(ticket, user: user, requestID: request.id) }
    }

    // MARK: Agents

    func queue(_ request: Request) async throws -> Response {
        _ = try Self.requireStaff(request)
        let tickets = try await TicketModel.query(on: request.db)
            .filter(\.$status ~~ [TicketStatus.escalated.rawValue, TicketStatus.inProgress.rawValue])
            .sort(\.$createdAt, .ascending).limit(500).all()
            .sorted { ($0.ticketPriority.rank, -$0.createdAt.timeIntervalSince1970) > ($1.ticketPriority.rank, -$1.createdAt.timeIntervalSince1970) }
        let agentIDs = Set(tickets.compactMap(\.assignedAgentID))
        let agents = Dictionary(uniqueKeysWithValues: try await UserModel.query(on: request.db).filter(\.$id ~~ Array(agentIDs)).all()
            .compactMap { row in row.id.map { ($0, row.name) } })
        return try await PortalPage.render(request, "agent-queue", title: "Escalation queue", extra: [
            "tickets": .array(tickets.map { ticket in
                var row = Self.row(ticket).dictionary ?? [:]
                row["assignee"] = ticket.assignedAgentID.flatMap { agents[$0] }.map(LeafData.string) ?? .nil(.string)
                return .dictionary(row)
            }),
        ])
    }

    func assign(_ request: Request) async throws -> Response {
        let agent = try Self.requireStaff(request)
        let ticket = try await ticket(request, user: agent)
        return try await handle(request, ticket) { try await desk.assign(ticket, to: agent) }
    }

    func agentReply(_ request: Request) async throws -> Response {
        let agent = try Self.requireStaff(request)
        let ticket = try await ticket(request, user: agent)
        struct Form: Content { var body: String?; var `internal`: String? }
        let form = try request.content.decode(Form.self)
        let text = try Self.text(form.body, field: "reply", max: Self.maxText)
        if form.`internal` == "on" {
            return try await handle(request, ticket) { try await desk.addNote(ticket, agent: agent, text: text) }
        }
        return try await handle(request, ticket) { try await desk.agentReply(ticket, agent: agent, text: text) }
    }

    func status(_ request: Request) async throws -> Response {
        let agent = try Self.requireStaff(request)
        let ticket = try await ticket(request, user: agent)
        struct Form: Content { var status: String? }
        guard let next = try request.content.decode(Form.self).status.flatMap(TicketStatus.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a status.")
        }
        return try await handle(request, ticket) { try await desk.setStatus(ticket, to: next, by: agent) }
    }

    func priority(_ request: Request) async throws -> Response {
        let agent = try Self.requireStaff(request)
        let ticket = try await ticket(request, user: agent)
        struct Form: Content { var priority: String? }
        guard let next = try request.content.decode(Form.self).priority.flatMap(TicketPriority.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a priority.")
        }
        return try await handle(request, ticket) { try await desk.setPriority(ticket, to: next) }
    }

    func resolve(_ request: Request) async throws -> Response {
        let agent = try Self.requireStaff(request)
        let ticket = try await ticket(request, user: agent)
        return try await handle(request, ticket) { try await desk.setStatus(ticket, to: .resolved, by: agent) }
    }

    // MARK: Playground

    /// Runs the agent as a chosen customer in dry-run mode: the full decision trace, nothing written.
    func playground(_ request: Request) async throws -> Response {
        _ = try Self.requireStaff(request)
        let customers = try await CustomerModel.query(on: request.db).sort(\.$id).limit(200).all()
        struct Form: Content { var customer_id: Int?; var other_customer_id: String?; var message: String? }
        var extra: [String: LeafData] = [:]
        var selected = customers.first?.id
        if request.method == .POST {
            let form = try request.content.decode(Form.self)
            let message = try Self.text(form.message, field: "message", max: Self.maxText)
            // A customer beyond the first 200 of the list is chosen by id.
            let typed = (form.other_customer_id ?? "").trimmingCharacters(in: .whitespaces)
            guard typed.isEmpty || Int(typed) != nil else {
                throw Abort(.unprocessableEntity, reason: "The customer id must be a number.")
            }
            guard let customerID = Int(typed) ?? form.customer_id,
                  try await CustomerModel.find(customerID, on: request.db) != nil else {
                throw Abort(.unprocessableEntity, reason: "There is no customer with this id.")
            }
            selected = customerID
            let resolution = try await desk.pipeline.resolve(ResolveInput(
                userInput: message, customerID: CustomerID(Int64(customerID)), conversationID: nil, requestID: request.id,
                mode: .dryRun))
            let result = resolution.actionResult
            extra["message"] = .string(message)
            extra["result"] = .dictionary([
                "redacted": .string(resolution.redactedInput), "intent": .string(resolution.intent.rawValue),
                "confidence": .string(String(format: "%.2f", resolution.confidence)),
                "orderId": resolution.orderID.map { .string($0.description) } ?? .nil(.string),
                "understoodBy": .string(resolution.understoodBy), "reply": .string(resolution.reply),
                "action": result.map { .string($0.action.rawValue) } ?? .nil(.string),
                "allowed": result.map { .bool($0.success) } ?? .nil(.bool),
                "refusal": result?.error.map { .string("\($0.code): \($0.message)") } ?? .nil(.string),
                "proposal": resolution.proposal.flatMap { _ in result.map { .string(desk.pipeline.composer.proposalLabel($0)) } }
                    ?? .nil(.string),
                "trace": Self.leaf(resolution.trace),
                "citations": Self.leaf(resolution.citations),
            ])
        }
        extra["customers"] = .array(customers.map {
            .dictionary(["id": .int($0.id ?? 0), "name": .string($0.name), "selected": .bool($0.id == selected)])
        })
        return try await PortalPage.render(request, "playground", title: "Agent playground", extra: extra)
    }
}
