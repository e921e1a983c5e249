import Foundation
import Leaf
import SupportAgent
import SupportDomain
import Vapor

/// Admins: users and roles, knowledge-base articles (Markdown with a preview). Everyone else gets 404.
struct AdminController {
    let knowledge: KnowledgeBase
    let articles: any ArticleStore
    let accounts: any AccountStore
    let outbox: any MailOutbox
    let clock: any WallClock
    let tokens: any SecretTokens
    let publicURL: String

    func register(on routes: any RoutesBuilder) {
        routes.get(.adminUsers, use: users)
        routes.post(.adminUserRole(.route), use: setRole)
        routes.post(.adminUserActive(.route), use: setActive)
        routes.post(.adminInvite, use: invite)
        routes.get(.adminArticles, use: articleList)
        routes.get(.adminNewArticle, use: newArticle)
        routes.get(.adminEditArticle(0), use: editArticle)
        routes.post(.adminArticles, use: saveArticle)
        routes.get(.adminOutbox, use: outbox)
    }

    struct OutboxContext: Encodable {
        struct Mail: Encodable {
            var id: Int64
            var recipient: String
            var subject: String
            var status: String
            var attempts: Int
            var lastError: String?
            var createdAt: String
            var sentAt: String?
        }
        var mails: [Mail]
        var summary: String
    }

    /// The e-mails the service queued: whether they went out, and why not.
    func outbox(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        let recent = try await outbox.fetchRecent(limit: 200)
        let counts = try await outbox.countByStatus()
        return try await PortalPage.render(request, "admin-outbox", title: "Outbox", context: OutboxContext(
            mails: recent.map {
                .init(id: $0.id, recipient: $0.mail.to, subject: $0.mail.subject, status: $0.status.rawValue,
                      attempts: $0.attempts, lastError: $0.lastError, createdAt: PortalPage.timestamp($0.createdAt),
                      sentAt: $0.sentAt.map(PortalPage.timestamp))
            },
            summary: OutboxStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: " · ")))
    }

    static func requireAdmin(_ request: Request) throws -> PortalAccount {
        let user = try request.requirePortalUser()
        guard user.role == .admin else { throw Abort(.notFound) }
        return user
    }

    struct UsersContext: Encodable {
        struct User: Encodable {
            var id: Int64
            var name: String
            var email: String
            var role: String
            var customerId: Int64?
            var isSelf: Bool
            var isActive: Bool
            var hasTwoStep: Bool
            var roles: [TicketPages.Option]
        }
        var users: [User]
    }

    func users(_ request: Request) async throws -> Response {
        let admin = try Self.requireAdmin(request)
        let all = try await accounts.fetchAllAccounts(limit: 1000)
        return try await PortalPage.render(request, "admin-users", title: "Users and roles",
                                           notice: request.query[String.self, at: "invited"] == "1" ? "Invitation sent."
                                            : request.query[String.self, at: "saved"] == "1" ? "Saved."
                                            : request.query[String.self, at: "two_step_reset"] != nil
                                            ? "Two-step sign-in is reset and the account is signed out everywhere. "
                                                + "Staff set up a new authenticator when they next sign in." : nil,
                                           context: UsersContext(users: all.map { user in
            .init(id: user.id.rawValue, name: user.name, email: user.email, role: user.role.rawValue,
                  customerId: user.customerID?.rawValue, isSelf: user.id == admin.id, isActive: user.isActive,
                  hasTwoStep: user.hasTwoStep,
                  roles: PortalRole.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == user.role) })
        }))
    }

    func setRole(_ request: Request) async throws -> Response {
        let admin = try Self.requireAdmin(request)
        guard let raw = request.parameters.get("id", as: Int64.self), let user = try await accounts.fetchAccount(UserID(raw)) else {
            throw Abort(.notFound)
        }
        struct Form: Content { var role: String? }
        guard let role = try request.content.decode(Form.self).role.flatMap(PortalRole.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a role: customer, agent or admin.")
        }
        // The last admin cannot lock everyone out by demoting themself.
        guard !(user.id == admin.id && role != .admin) else {
            throw Abort(.conflict, reason: "You cannot remove your own admin role; ask another admin.")
        }
        try await accounts.setRole(of: user.id, to: role)
        return request.redirect(to: PortalPath.adminUsers.with(["saved": "1"]))
    }

    struct ArticlesContext: Encodable {
        struct Row: Encodable {
            var id: Int64
            var title: String
            var category: String
            var views: Int
            var helpful: Int
            var notHelpful: Int
            var updatedAt: String
        }
        var articles: [Row]
    }

    /// Deactivate (the account cannot sign in and every session ends) or reactivate; never one's own account.
    func setActive(_ request: Request) async throws -> Response {
        let admin = try Self.requireAdmin(request)
        guard let raw = request.parameters.get("id", as: Int64.self), let user = try await accounts.fetchAccount(UserID(raw)) else {
            throw Abort(.notFound)
        }
        struct Form: Content { var active: String? }
        guard let choice = try request.content.decode(Form.self).active, choice == "yes" || choice == "no" else {
            throw Abort(.unprocessableEntity, reason: "Choose whether the account is active.")
        }
        guard user.id != admin.id else { throw Abort(.conflict, reason: "You cannot deactivate your own account.") }
        try await accounts.setActive(choice == "yes", user: user.id, at: clock.now())
        return request.redirect(to: PortalPath.adminUsers.with(["saved": "1"]))
    }

    static let inviteLifetime: TimeInterval = 7 * 86_400

    /// Creates a staff (or customer) account and e-mails a link to choose its password (valid 7 days, single use).
    func invite(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        struct Form: Content { var name: String?; var email: String?; var role: String? }
        let form = try request.content.decode(Form.self)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let email = (form.email ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard (1...100).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "Enter a name (up to 100 characters).") }
        guard PortalController.isEmailAddress(email) else {
            throw Abort(.unprocessableEntity, reason: "Enter a valid e-mail address.")
        }
        guard let role = form.role.flatMap(PortalRole.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose a role: customer, agent, lead or admin.")
        }
        guard try await !accounts.accountExists(email: email) else {
            throw Abort(.conflict, reason: "An account with this e-mail address already exists.")
        }
        let now = clock.now()
        // A random password nobody knows: the invitee chooses theirs through the link.
        let placeholder = try await request.password.async.hash(PortalPage.randomHex(bytes: 32))
        let account = try await accounts.insertAccount(
            NewAccount(email: email, name: name, passwordHash: placeholder, role: role, createdAt: now),
            createCustomer: false, verification: nil)
        let (token, tokenHash) = tokens.issue()
        try await accounts.insertPasswordReset(
            tokenHash: tokenHash, for: account.id, expiresAt: now.addingTimeInterval(Self.inviteLifetime),
            mail: OutgoingMail(to: email, subject: "You are invited to SupportOps",
                               body: "Hello \(name),\n\nYou have a SupportOps account (\(role.rawValue)). Choose your password "
                                + "with this link within 7 days:\n\n" + PortalPath.resetPassword.url(base: publicURL) + "?token="
                                + token + "\n\nSupportOps customer support"),
            at: now)
        return request.redirect(to: PortalPath.adminUsers.with(["invited": "1"]))
    }

    func articleList(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        let all = try await articles.fetchAllArticles().sorted { ($0.category, $0.title) < ($1.category, $1.title) }
        return try await PortalPage.render(request, "admin-articles", title: "Knowledge-base articles",
                                           notice: request.query[String.self, at: "saved"] == "1" ? "Article saved." : nil,
                                           context: ArticlesContext(articles: all.map {
            .init(id: $0.id, title: $0.title, category: $0.category, views: $0.views, helpful: $0.helpful,
                  notHelpful: $0.notHelpful, updatedAt: PortalPage.timestamp($0.updatedAt))
        }))
    }

    func newArticle(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        return try await renderEditor(request, form: ArticleForm(), preview: nil)
    }

    func editArticle(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        guard let id = request.parameters.get("id", as: Int64.self), let article = try await articles.fetchArticle(id: id) else {
            throw Abort(.notFound)
        }
        return try await renderEditor(request, form: ArticleForm(article), preview: nil)
    }

    struct ArticleForm: Content {
        var id: Int64?
        var slug: String?
        var title: String?
        var summary: String?
        var body: String?
        var category: String?
        var tags: String?
        var action: String?

        init() {}

        init(_ article: KnowledgeArticle) {
            id = article.id
            slug = article.slug
            title = article.title
            summary = article.summary
            body = article.body
            category = article.category
            tags = article.tags.joined(separator: ", ")
        }

        /// The article, or the first problem with the form.
        func validated() -> Result<KnowledgeArticle, Abort> {
            func clean(_ value: String?) -> String { (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
            let title = clean(title), summary = clean(summary), body = clean(body), category = clean(category)
            var slug = clean(slug).lowercased()
            if slug.isEmpty {
                slug = title.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
                    .split(separator: "-").joined(separator: "-")
            }
            guard (3...200).contains(title.count) else { return .failure(Abort(.unprocessableEntity, reason: "The title needs 3 to 200 characters.")) }
            guard slug.range(of: "^[a-z0-9-]{3,120}$", options: .regularExpression) != nil else {
                return .failure(Abort(.unprocessableEntity, reason: "The slug may use lowercase letters, digits and hyphens (3 to 120)."))
            }
            guard (1...500).contains(summary.count) else { return .failure(Abort(.unprocessableEntity, reason: "The summary needs 1 to 500 characters.")) }
            guard (1...50_000).contains(body.count) else { return .failure(Abort(.unprocessableEntity, reason: "The body needs 1 to 50,000 characters.")) }
            guard KnowledgeArticle.categories.contains(where: { $0.slug == category }) else {
                return .failure(Abort(.unprocessableEntity, reason: "Choose one of the categories."))
            }
            let tags = clean(tags).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            return .success(KnowledgeArticle(id: id ?? 0, slug: slug, title: title, summary: summary, body: body,
                                             category: category, tags: Array(tags.prefix(20))))
        }
    }

    /// Preview renders the Markdown without saving; save stores it and rebuilds the search index.
    func saveArticle(_ request: Request) async throws -> Response {
        _ = try Self.requireAdmin(request)
        let form = try request.content.decode(ArticleForm.self)
        switch form.validated() {
        case let .failure(problem):
            return try await renderEditor(request, form: form, preview: nil, error: problem.reason, status: .unprocessableEntity)
        case let .success(article):
            let unknown = [article.title, article.summary, article.body].flatMap(PolicyLibrary.placeholderNames)
                .filter { knowledge.placeholders[$0] == nil }
            if let name = unknown.first {
                let known = knowledge.placeholders.keys.sorted().map { "{{\($0)}}" }.joined(separator: ", ")
                return try await renderEditor(request, form: form, preview: nil,
                                              error: "{{\(name)}} is not a configured value. Available: \(known).",
                                              status: .unprocessableEntity)
            }
            if form.action == "preview" {
                return try await renderEditor(request, form: form, preview: MarkdownHTML.render(knowledge.filled(article).body))
            }
            do {
                try await articles.saveArticle(article, now: clock.now())
            } catch ArticleError.slugTaken {
                return try await renderEditor(request, form: form, preview: nil, error: "Another article already uses this slug.",
                                              status: .conflict)
            }
            await knowledge.invalidate()
            return request.redirect(to: PortalPath.adminArticles.with(["saved": "1"]))
        }
    }

    struct EditorContext: Encodable {
        struct Form: Encodable {
            var id: Int64?
            var slug: String
            var title: String
            var summary: String
            var body: String
            var tags: String
        }
        var form: Form
        var categories: [PortalController.Category]
        var previewHtml: String?
    }

    func renderEditor(_ request: Request, form: ArticleForm, preview: String?, error: String? = nil,
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        try await PortalPage.render(request, "admin-article-edit", title: form.id == nil ? "New article" : "Edit article",
                                    status: status, error: error, context: EditorContext(
            form: .init(id: form.id, slug: form.slug ?? "", title: form.title ?? "", summary: form.summary ?? "",
                        body: form.body ?? "", tags: form.tags ?? ""),
            categories: PortalController.Category.all(selected: form.category), previewHtml: preview))
    }
}
