import Foundation
import SupportAgent
import SupportDomain
import Vapor

/// What the customer and the staff ticket pages share: loading a ticket the user may see, reading form text, turning a
/// workflow refusal into a readable 409, and the ticket page itself.
struct TicketPages: Sendable {
    let tickets: any TicketStore
    let accounts: any AccountDirectory
    let workflow: TicketWorkflow
    let clock: any WallClock
    let macros: any MacroStore
    let attachments: any AttachmentStore

    /// The longest ticket title and message a person may type.
    static let maxTitle = 200
    static let maxText = 5000

    /// The ticket if this user may see it: its owner, or staff. Anything else is the same 404 as a missing ticket.
    func ticket(_ request: Request, user: PortalAccount, ownerOnly: Bool = false) async throws -> Ticket {
        guard let id: TicketID = request.id(), let ticket = try await tickets.fetchTicket(id) else { throw Abort(.notFound) }
        guard ticket.ownerID == user.id || (!ownerOnly && user.role.isStaff) else { throw Abort(.notFound) }
        return ticket
    }

    static func text(_ value: String?, field: String, max: Int) throws -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Abort(.unprocessableEntity, reason: "Please fill in the \(field).") }
        guard text.count <= max else { throw Abort(.unprocessableEntity, reason: "The \(field) is too long (at most \(max) characters).") }
        return text
    }

    /// Runs a workflow step and goes back to the ticket; a refusal is a 409 with the workflow's sentence.
    func handle(_ request: Request, _ ticket: Ticket, _ work: () async throws -> Void) async throws -> Response {
        do {
            try await work()
        } catch let error as TicketError {
            throw Abort(error == .invalidRating ? .unprocessableEntity : .conflict, reason: error.message)
        }
        return request.redirect(to: .ticket(ticket.id))
    }

    // MARK: The ticket page

    struct Row: Encodable {
        var id: Int64
        var title: String
        var status: String
        var statusLabel: String
        var priority: String
        var updatedAt: String
        var createdAt: String
        var intent: String?
        var assignee: String?
        var sla: SLAView?
        var tags: [String] = []

        /// With `now`, the row shows where the ticket stands against its service level.
        init(_ ticket: Ticket, assignee: String? = nil, now: Date? = nil) {
            if let now, let clock = ticket.sla { sla = SLAView(clock, now: now) }
            id = ticket.id.rawValue
            title = ticket.title
            status = ticket.status.rawValue
            statusLabel = ticket.status.label
            priority = ticket.priority.rawValue
            updatedAt = PortalPage.timestamp(ticket.updatedAt)
            createdAt = PortalPage.timestamp(ticket.createdAt)
            intent = ticket.intent?.rawValue
            self.assignee = assignee
        }
    }

    /// A ticket's service level as lists and the ticket page show it.
    struct SLAView: Encodable {
        var state: String
        var label: String
        /// "First response due" or "Resolution due"; nil once the clock stopped.
        var dueKind: String?
        var dueAt: String?
        var firstResponseDue: String
        var resolutionDue: String
        var firstResponded: String?
        var breaches: [String]

        init(_ sla: TicketSLA, now: Date) {
            let state = sla.state(at: now)
            self.state = state.rawValue
            label = state.label
            if let next = sla.nextDue {
                dueKind = next.kind == .firstResponse ? "First response due" : "Resolution due"
                dueAt = PortalPage.timestamp(next.at)
            }
            firstResponseDue = PortalPage.timestamp(sla.firstResponseDueAt)
            resolutionDue = PortalPage.timestamp(sla.resolutionDueAt)
            firstResponded = sla.firstRespondedAt.map(PortalPage.timestamp)
            breaches = [sla.firstResponseBreachedAt.map { "First response breached \(PortalPage.timestamp($0))" },
                        sla.resolutionBreachedAt.map { "Resolution breached \(PortalPage.timestamp($0))" }].compactMap { $0 }
        }
    }

    /// The satisfaction survey of a resolved ticket: the form for its owner, the answer once given.
    struct SurveyView: Encodable {
        var rating: Int?
        var comment: String?
        var ratings: [Int]
    }

    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Message: Encodable {
        var kind: String
        var author: String
        var body: String
        var at: String
        var citations: [Citation]
    }

    struct ProposalView: Encodable {
        var label: String
        var serial: Int
    }

    /// The customer panel of the staff view: the customer and what each order allows now.
    struct PanelView: Encodable {
        struct Action: Encodable { var value: String; var label: String }
        struct Order: Encodable {
            var id: Int64
            var status: String
            var items: String
            var total: String
            var actions: [Action]
        }
        struct Past: Encodable { var text: String; var at: String }
        var id: Int64
        var name: String
        var ageDays: Int
        var newAccount: Bool
        var orders: [Order]
        /// Refunds and replacements, newest first.
        var past: [Past]
        var tickets: [Row]
    }

    /// An order action about to run, as the rules judged it without effect.
    struct OrderActionView: Encodable {
        var action: String
        var order: Int64
        var reason: String
        var summary: String
        var allowed: Bool
        var token: String
        /// Refused for a reason a lead may override (the window, the limit), and this user may.
        var overridable: Bool
    }

    static func actionLabel(_ action: ToolAction) -> String {
        switch action {
        case .issueRefund: "Refund"
        case .cancelOrder: "Cancel"
        case .requestReplacement: "Send a replacement"
        case .escalateCase: "Escalate"
        case .getOrderStatus, .listOrders: "Look up"
        }
    }

    struct ShowContext: Encodable {
        var ticket: Row
        var messages: [Message]
        var isOwner: Bool
        var isStaff: Bool
        var canReply: Bool
        var canChoose: Bool
        var canEscalate: Bool
        var assignedTo: String?
        var botSilent: Bool
        var proposal: ProposalView?
        // Staff only.
        var trace: [TraceStep]?
        var nextStatuses: [Option]?
        var priorities: [Option]?
        var canResolve: Bool?
        var isMine: Bool?
        var panel: PanelView?
        var survey: SurveyView?
        var mergedInto: Int64?
        struct FileView: Encodable { var id: Int64; var name: String; var type: String; var size: String; var at: String }
        var files: [FileView] = []
        /// Who else of the team has this ticket open, replying first.
        var presence: [LiveDeskController.PresenceAnswer.Person]?
        var tags: [String]?
        var tagsText: String?
        var macros: [Option]?
        /// The reply a chosen macro filled in, and the macro, for the reply form.
        var draft: String?
        var draftMacroID: Int64?
        var orderAction: OrderActionView?
    }

    func show(_ request: Request) async throws -> Response {
        try await show(request, orderAction: nil)
    }

    /// The ticket page; staff also see the customer panel and, after choosing an order action, its preview.
    func show(_ request: Request, orderAction: OrderActionView?) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await ticket(request, user: user)
        let messages = try await tickets.fetchMessages(of: ticket.id, includeNotes: user.role.isStaff)
        let names = try await accounts.names(of: messages.compactMap(\.authorUserID) + [ticket.assigneeID].compactMap { $0 })
        let status = ticket.status
        let isOwner = ticket.ownerID == user.id
        let proposal = ticket.openProposal
        var context = ShowContext(
            ticket: Row(ticket, now: user.role.isStaff ? clock.now() : nil),
            messages: messages.map { message in
                let author: String = switch message.author {
                case .customer: isOwner ? "You" : "Customer"
                case .bot: "SupportOps assistant"
                case .agent: message.authorUserID.flatMap { names[$0] }.map { "\($0) (support team)" } ?? "Support team"
                case .note: (message.authorUserID.flatMap { names[$0] } ?? "Support team") + " — internal note"
                case .system: "Update"
                }
                return Message(kind: message.author.rawValue, author: author, body: message.body,
                               at: PortalPage.timestamp(message.createdAt), citations: message.citations)
            },
            isOwner: isOwner, isStaff: user.role.isStaff, canReply: status != .closed,
            canChoose: isOwner && (status == .open || status == .awaitingCustomer) && proposal == nil,
            canEscalate: isOwner && status.canMove(to: .escalated) && !status.isQueued,
            assignedTo: ticket.assigneeID.flatMap { names[$0] }, botSilent: !ticket.botAnswers,
            proposal: isOwner ? proposal.map { ProposalView(label: $0.label, serial: ticket.proposalSerial) } : nil,
            mergedInto: ticket.mergedInto?.rawValue)
        if user.role.isStaff {
            context.trace = ticket.trace
            context.nextStatuses = TicketStatus.allCases.filter { status.canMove(to: $0) }
                .map { Option(value: $0.rawValue, label: $0.label, selected: false) }
            context.priorities = TicketPriority.allCases
                .map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == ticket.priority) }
            context.canResolve = status.canMove(to: .resolved)
            context.isMine = ticket.assigneeID == user.id
            context.orderAction = orderAction
            let now = clock.now()
            try await tickets.recordPresence(.viewing, ticket: ticket.id, user: user.id, at: now)
            context.presence = try await LiveDeskController.others(on: ticket, than: user, pages: self, now: now)
            let tags = try await tickets.fetchTags(of: [ticket.id])[ticket.id] ?? []
            context.tags = tags
            context.tagsText = tags.joined(separator: ", ")
            let chosen = request.query[Int64.self, at: "macro"]
            let all = try await macros.fetchMacros()
            context.macros = all.map { Option(value: String($0.id?.rawValue ?? 0), label: $0.name, selected: $0.id?.rawValue == chosen) }
            if let chosen, let macro = all.first(where: { $0.id?.rawValue == chosen }), status != .closed {
                context.draft = try await workflow.draft(macro, for: ticket, by: user)
                context.draftMacroID = chosen
            }
            if let panel = try await workflow.customerPanel(for: ticket) {
                context.panel = PanelView(
                    id: panel.customer.id.rawValue, name: panel.customer.name, ageDays: panel.accountAgeDays,
                    newAccount: panel.signals.contains(.newAccount),
                    orders: panel.orders.map { entry in
                        PanelView.Order(id: entry.order.id.rawValue, status: entry.order.status.rawValue,
                                        items: entry.order.lines.map { "\($0.quantity) × \($0.productName)" }.joined(separator: ", "),
                                        total: entry.order.total.decimalString,
                                        actions: status == .closed ? [] : entry.eligible.map {
                                            .init(value: $0.rawValue, label: Self.actionLabel($0))
                                        } + (entry.goodwillRefund && user.role.mayOverrideRules
                                            ? [.init(value: ToolAction.issueRefund.rawValue, label: "Goodwill refund")] : []))
                    },
                    past: (panel.history.refunds.map {
                        (date: $0.createdAt, text: "Refund \($0.id) of \($0.amount.decimalString) for order #\($0.orderID) "
                            + "(\($0.status.rawValue.replacingOccurrences(of: "_", with: " ")))")
                    } + panel.history.replacements.map {
                        (date: $0.createdAt, text: "Replacement \($0.id) for order #\($0.orderID)")
                    }).sorted { $0.date > $1.date }.map { PanelView.Past(text: $0.text, at: PortalPage.timestamp($0.date)) },
                    tickets: panel.otherTickets.map { Row($0) })
            }
        }
        context.files = try await attachments.fetchAttachments(of: ticket.id).map {
            ShowContext.FileView(id: $0.id, name: $0.filename, type: $0.contentType,
                                 size: $0.size < 1024 * 1024 ? "\(max(1, $0.size / 1024)) KB" : String(format: "%.1f MB", Double($0.size) / 1_048_576),
                                 at: PortalPage.timestamp($0.createdAt))
        }
        if status == .resolved || status == .closed, isOwner || user.role.isStaff,
           let survey = try await workflow.survey(of: ticket) {
            context.survey = SurveyView(rating: survey.rating, comment: survey.comment, ratings: Array(SatisfactionSurvey.ratings))
        }
        let notice = request.query[String.self, at: "done"] == "confirmed" ? "Done." : nil
        return try await PortalPage.render(request, "ticket", title: "Ticket #\(ticket.id): \(ticket.title)", notice: notice,
                                           context: context)
    }
}
