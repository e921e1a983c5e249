import Foundation

/// The portal's pages, printed in one place (links in e-mails, redirects, templates) so a URL is never hand-built.
public enum PortalPath: Sendable, Hashable {
    case home
    case login
    case profile
    case tickets
    case newTicket
    case ticket(TicketID)
    case knowledgeBase
    case article(Int64)
    case agentQueue

    public var path: String {
        switch self {
        case .home: "/"
        case .login: "/login"
        case .profile: "/profile"
        case .tickets: "/tickets"
        case .newTicket: "/tickets/new"
        case let .ticket(id): "/tickets/\(id)"
        case .knowledgeBase: "/kb"
        case let .article(id): "/kb/articles/\(id)"
        case .agentQueue: "/agent/queue"
        }
    }

    /// The absolute URL under the service's public address (for e-mails).
    public func url(base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }
}
