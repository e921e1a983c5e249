public import Foundation

/// Every page and form target of the portal, in one place: the server registers its routes from these cases and
/// prints every link and redirect with them (e-mails too), so a URL is never hand-built and never drifts from its route.
public enum PortalPath: Sendable, Hashable {
    case home
    case login
    case register
    case logout
    case profile
    case resendVerification
    case signOutEverywhere
    case verifyEmail
    case forgotPassword
    case resetPassword
    case signInCode
    case twoStepSetup
    case twoStepRecoveryCodes
    case twoStepOff
    case knowledgeBase
    case article(Int64)
    case articleFeedback(Int64)
    case tickets
    case newTicket
    case ticketSuggestions
    case ticket(TicketID)
    case ticketAction(TicketID, TicketAction)
    case agentQueue
    case allTickets
    case playground
    case adminUsers
    case adminUserRole(UserID)
    case adminUserActive(UserID)
    case adminUserTwoStepReset(UserID)
    case adminInvite
    case adminArticles
    case adminNewArticle
    case adminEditArticle(Int64)
    case adminOutbox
    case adminCustomers
    case dashboard
    case dashboardCSV
    case review
    case reviewConversation
    case reviewTurn(Int64)
    case reviewExport
    case adminCustomerExport(CustomerID)
    case adminCustomerErase(CustomerID)
    case survey
    case satisfactionReport
    case agentEvents
    case attachment(Int64)
    case savedViews
    case deleteSavedView(Int64)
    case adminMacros
    case adminNewMacro
    case adminEditMacro(Int64)
    case adminDeleteMacro(Int64)

    /// What a form on a ticket page does.
    public enum TicketAction: String, Sendable, Hashable, CaseIterable {
        case reply, confirm, decline, satisfied, escalate, assign, agentReply = "agent-reply", status, priority, resolve, survey, tags, merge, presence, attachments
        /// An agent's order action: the preview, then its confirmation.
        case orderAction = "order-action", confirmOrderAction = "order-action-confirm"
    }

    /// A path segment: fixed text, or the id the case carries.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case id(Int64)
    }

    /// The one description of each URL, read both ways (`path` prints it; the server's route pattern matches it).
    public var segments: [Segment] {
        switch self {
        case .home: []
        case .login: [.literal("login")]
        case .register: [.literal("register")]
        case .logout: [.literal("logout")]
        case .profile: [.literal("profile")]
        case .resendVerification: [.literal("profile"), .literal("verify-email")]
        case .signOutEverywhere: [.literal("profile"), .literal("sign-out-everywhere")]
        case .verifyEmail: [.literal("verify-email")]
        case .forgotPassword: [.literal("forgot-password")]
        case .resetPassword: [.literal("reset-password")]
        case .signInCode: [.literal("login"), .literal("code")]
        case .twoStepSetup: [.literal("profile"), .literal("two-step")]
        case .twoStepRecoveryCodes: [.literal("profile"), .literal("two-step"), .literal("recovery-codes")]
        case .twoStepOff: [.literal("profile"), .literal("two-step"), .literal("off")]
        case .survey: [.literal("survey")]
        case .satisfactionReport: [.literal("agent"), .literal("reports"), .literal("satisfaction")]
        case .agentEvents: [.literal("agent"), .literal("events")]
        case let .attachment(id): [.literal("attachments"), .id(id)]
        case .savedViews: [.literal("agent"), .literal("views")]
        case let .deleteSavedView(id): [.literal("agent"), .literal("views"), .id(id), .literal("delete")]
        case .adminMacros: [.literal("admin"), .literal("macros")]
        case .adminNewMacro: [.literal("admin"), .literal("macros"), .literal("new")]
        case let .adminEditMacro(id): [.literal("admin"), .literal("macros"), .id(id)]
        case let .adminDeleteMacro(id): [.literal("admin"), .literal("macros"), .id(id), .literal("delete")]
        case .knowledgeBase: [.literal("kb")]
        case let .article(id): [.literal("kb"), .literal("articles"), .id(id)]
        case let .articleFeedback(id): [.literal("kb"), .literal("articles"), .id(id), .literal("feedback")]
        case .tickets: [.literal("tickets")]
        case .newTicket: [.literal("tickets"), .literal("new")]
        case .ticketSuggestions: [.literal("tickets"), .literal("suggest")]
        case let .ticket(id): [.literal("tickets"), .id(id.rawValue)]
        case let .ticketAction(id, action): [.literal("tickets"), .id(id.rawValue), .literal(action.rawValue)]
        case .agentQueue: [.literal("agent"), .literal("queue")]
        case .allTickets: [.literal("agent"), .literal("tickets")]
        case .playground: [.literal("agent"), .literal("playground")]
        case .adminUsers: [.literal("admin"), .literal("users")]
        case let .adminUserRole(id): [.literal("admin"), .literal("users"), .id(id.rawValue), .literal("role")]
        case let .adminUserActive(id): [.literal("admin"), .literal("users"), .id(id.rawValue), .literal("active")]
        case let .adminUserTwoStepReset(id): [.literal("admin"), .literal("users"), .id(id.rawValue), .literal("two-step-reset")]
        case .adminInvite: [.literal("admin"), .literal("users"), .literal("invite")]
        case .adminArticles: [.literal("admin"), .literal("articles")]
        case .adminNewArticle: [.literal("admin"), .literal("articles"), .literal("new")]
        case let .adminEditArticle(id): [.literal("admin"), .literal("articles"), .id(id), .literal("edit")]
        case .adminOutbox: [.literal("admin"), .literal("outbox")]
        case .adminCustomers: [.literal("admin"), .literal("customers")]
        case .dashboard: [.literal("agent"), .literal("dashboard")]
        case .dashboardCSV: [.literal("agent"), .literal("dashboard"), .literal("csv")]
        case .review: [.literal("agent"), .literal("review")]
        case .reviewConversation: [.literal("agent"), .literal("review"), .literal("conversation")]
        case let .reviewTurn(id): [.literal("agent"), .literal("review"), .literal("turns"), .id(id)]
        case .reviewExport: [.literal("agent"), .literal("review"), .literal("export")]
        case let .adminCustomerExport(id): [.literal("admin"), .literal("customers"), .id(id.rawValue), .literal("export")]
        case let .adminCustomerErase(id): [.literal("admin"), .literal("customers"), .id(id.rawValue), .literal("erase")]
        }
    }

    /// "/tickets/42".
    public var path: String {
        "/" + segments.map { segment in
            switch segment {
            case let .literal(text): text
            case let .id(id): String(id)
            }
        }.joined(separator: "/")
    }

    /// The path with a query string ("/profile?welcome=verify"), keys in the order given.
    public func with(_ query: KeyValuePairs<String, String>) -> String {
        with(query: query.map { ($0.key, $0.value) })
    }

    /// The path with a query string built from pairs known only at run time (filters, pages), in the order given.
    public func with(query: [(String, String)]) -> String {
        var components = URLComponents()
        components.path = path
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string ?? path
    }

    /// The absolute URL under the service's public address (for e-mails).
    public func url(base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }
}
