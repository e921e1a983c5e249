import Foundation
import SupportAgent
import SupportDomain
import Vapor
import SupportSearch

/// A customer's tickets: list, open (with article suggestions while typing), follow up, and answer the agent's
/// proposal. A ticket that is not the signed-in customer's answers 404, exactly like one that does not exist.
struct CustomerTicketController {
    let pages: TicketPages
    let knowledge: KnowledgeBase
    /// Counts the suggested articles opened and the tickets that followed them (deflection).
    let articles: any ArticleStore

    var workflow: TicketWorkflow { pages.workflow }

    func register(on routes: any RoutesBuilder) {
        routes.get(.tickets, use: list)
        routes.get(.newTicket, use: newTicket)
        routes.get(.ticketSuggestions, use: suggest)
        routes.post(.tickets, use: create)
        routes.get(.ticket(.route), use: pages.show)
        routes.post(.ticketAction(.route, .reply), use: reply)
        routes.post(.ticketAction(.route, .confirm), use: confirm)
        routes.post(.ticketAction(.route, .decline), use: decline)
        routes.post(.ticketAction(.route, .satisfied), use: satisfied)
        routes.post(.ticketAction(.route, .escalate), use: escalate)
    }

    struct ListContext: Encodable {
        var tickets: [TicketPages.Row]
        var statuses: [TicketPages.Option]
    }

    func list(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let filter = request.query[String.self, at: "status"].flatMap(TicketStatus.init(rawValue:))
        let tickets = try await pages.tickets.fetchTickets(owner: user.id, status: filter, limit: 200)
        return try await PortalPage.render(request, "tickets", title: "My tickets", context: ListContext(
            tickets: tickets.map { TicketPages.Row($0) },
            statuses: TicketStatus.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: $0 == filter) }))
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
        let body = hits.map { Suggestion(title: $0.document.title,
                                         url: PortalPath.article($0.document.articleID ?? 0).with(query: [("via", "suggestion")]),
                                         summary: $0.document.summary) }
        let response = try await body.encodeResponse(for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    struct NewTicketForm: Content { var title: String?; var description: String? }

    func create(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let form = try request.content.decode(NewTicketForm.self)
        let title: String, description: String
        do {
            title = try TicketPages.text(form.title, field: "title", max: TicketPages.maxTitle)
            description = try TicketPages.text(form.description, field: "description", max: TicketPages.maxText)
        } catch let abort as Abort {
            struct Refilled: Encodable { var form: NewTicketForm }
            return try await PortalPage.render(request, "ticket-new", title: "New ticket", status: .unprocessableEntity,
                                               error: abort.reason,
                                               context: Refilled(form: .init(title: form.title ?? "",
                                                                             description: form.description ?? "")))
        }
        let ticket = try await workflow.open(by: user, title: title, description: description, requestID: request.id)
        do {
            try await articles.recordTicketOpened(user: user.id, at: pages.clock.now())
        } catch {
            // A figure on the dashboard; the ticket is open either way.
            request.logger.warning("ticket not counted against suggestions", metadata: ["error": .string(String(describing: type(of: error)))])
        }
        return request.redirect(to: .ticket(ticket.id))
    }

    func reply(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        struct Form: Content { var body: String? }
        let text = try TicketPages.text(try request.content.decode(Form.self).body, field: "message", max: TicketPages.maxText)
        return try await pages.handle(request, ticket) {
            try await workflow.customerReply(ticket, by: user, text: text, requestID: request.id)
        }
    }

    struct SerialForm: Content { var serial: Int? }

    func confirm(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        let serial = try request.content.decode(SerialForm.self).serial ?? -1
        return try await pages.handle(request, ticket) {
            try await workflow.confirm(ticket, by: user, serial: serial, requestID: request.id)
        }
    }

    func decline(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        let serial = try request.content.decode(SerialForm.self).serial ?? -1
        return try await pages.handle(request, ticket) { try await workflow.decline(ticket, serial: serial) }
    }

    func satisfied(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        return try await pages.handle(request, ticket) { try await workflow.markSatisfied(ticket) }
    }

    func escalate(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        return try await pages.handle(request, ticket) { try await workflow.escalate(ticket, by: user, requestID: request.id) }
    }
}
