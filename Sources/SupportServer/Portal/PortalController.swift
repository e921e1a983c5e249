import Foundation
import Leaf
import SupportAgent
import SupportDomain
import SupportSearch
import Vapor

/// The customer portal: accounts and the help center. Every form carries a CSRF token; passwords are bcrypt hashes;
/// sign-in is throttled per e-mail address across instances (attempts are stored in the database).
struct PortalController {
    let knowledge: KnowledgeBase
    let articles: any ArticleStore
    let accounts: any AccountStore
    let clock: any WallClock
    /// Links in e-mails (confirmation, password reset): the token goes out, only its hash is kept.
    let tokens: any SecretTokens
    let publicURL: String

    static let maxFailedLogins = 5
    static let throttleWindow: TimeInterval = 15 * 60
    static let minPasswordLength = 10
    static let pausedMessage = "Too many failed attempts for this account. Please wait 15 minutes and try again."

    /// Whether the account's sign-in is paused: `maxFailedLogins` failures (wrong passwords and wrong codes alike)
    /// within `throttleWindow`, counted in the database across instances.
    static func signInPaused(_ accounts: any AccountStore, email: String, now: Date) async throws -> Bool {
        try await accounts.countFailedSignIns(email: email, since: now.addingTimeInterval(-throttleWindow)) >= maxFailedLogins
    }

    func register(on routes: any RoutesBuilder) {
        routes.get(.home, use: home)
        routes.get(.login, use: loginPage)
        routes.post(.login, use: login)
        routes.get(.register, use: registerPage)
        routes.post(.register, use: register)
        routes.post(.logout, use: logout)
        routes.get(.profile, use: profile)
        routes.post(.profile, use: updateProfile)
        routes.post(.resendVerification, use: resendVerification)
        routes.post(.signOutEverywhere, use: signOutEverywhere)
        routes.get(.verifyEmail, use: verifyEmail)
        routes.get(.forgotPassword, use: forgotPasswordPage)
        routes.post(.forgotPassword, use: forgotPassword)
        routes.get(.resetPassword, use: resetPasswordPage)
        routes.post(.resetPassword, use: resetPassword)
        routes.get(.knowledgeBase, use: kbIndex)
        routes.get(.article(0), use: kbArticle)
        routes.post(.articleFeedback(0), use: kbFeedback)
    }

    /// The knowledge base's categories, for pickers and filters.
    struct Category: Encodable {
        var slug: String
        var name: String
        var selected: Bool

        static func all(selected: String? = nil) -> [Category] {
            KnowledgeArticle.categories.map { Category(slug: $0.slug, name: $0.name, selected: $0.slug == selected) }
        }
    }

    func home(_ request: Request) async throws -> Response {
        struct Home: Encodable { var categories: [Category] }
        return try await PortalPage.render(request, "home", title: "Help center", context: Home(categories: Category.all()))
    }

    // MARK: Accounts

    func loginPage(_ request: Request) async throws -> Response {
        if request.portalUser != nil { return request.redirect(to: .profile) }
        let notice: String? = switch (request.query[String.self, at: "linked"], request.query[String.self, at: "reset"],
                                      request.query[String.self, at: "signed_out"]) {
        case ("1", _, _): "Your e-mail address is confirmed and your orders are linked. Log in to see them."
        case (_, "1", _): "Your password is changed, and every other session is signed out. Log in with the new one."
        case (_, _, "everywhere"): "You are logged out on every device."
        default: nil
        }
        return try await PortalPage.render(request, "login", title: "Log in", notice: notice)
    }

    func login(_ request: Request) async throws -> Response {
        struct Form: Content { var email: String?; var password: String? }
        let form = try request.content.decode(Form.self)
        let email = (form.email ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form.password ?? ""
        func refuse(_ message: String, status: HTTPResponseStatus = .unauthorized) async throws -> Response {
            struct Refilled: Encodable { var email: String }
            return try await PortalPage.render(request, "login", title: "Log in", status: status, error: message,
                                               context: Refilled(email: email))
        }
        guard !email.isEmpty, !password.isEmpty else { return try await refuse("Enter your e-mail address and password.", status: .badRequest) }
        guard try await !Self.signInPaused(accounts, email: email, now: clock.now()) else {
            return try await refuse(Self.pausedMessage, status: .tooManyRequests)
        }
        let credentials = try await accounts.fetchCredentials(email: email)
        // Verify against a dummy hash when the account does not exist, so timing does not reveal which e-mails exist.
        let hash = credentials?.passwordHash ?? "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Q6e6gRQTqDrmJ8MpEiYpb9Ao8QJ8d2"
        let valid = (try? Bcrypt.verify(password, created: hash)) ?? false
        try await accounts.recordSignIn(email: email, succeeded: valid && credentials != nil, at: clock.now())
        guard valid, let user = credentials?.account else { return try await refuse("The e-mail address or password is not right.") }
        // Only someone who knows the password learns that the account is deactivated.
        guard user.isActive else { return try await refuse("This account is deactivated. Please contact support.", status: .forbidden) }
        if user.hasTwoStep || user.role.requiresTwoStep {
            let owed: SignIn.Pending = user.hasTwoStep ? .code : .enrol
            try await SignIn.begin(request, account: user, owed: owed, now: clock.now())
            return request.redirect(to: owed == .code ? .signInCode : .twoStepSetup)
        }
        try await SignIn.start(request, userID: user.id, epoch: user.sessionEpoch)
        return request.redirect(to: .profile)
    }

    func registerPage(_ request: Request) async throws -> Response {
        try await PortalPage.render(request, "register", title: "Create an account")
    }

    func register(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var email: String?; var password: String?; var password_confirm: String? }
        let form = try request.content.decode(Form.self)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let email = (form.email ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form.password ?? ""
        func refuse(_ message: String) async throws -> Response {
            struct Refilled: Encodable { var name: String; var email: String }
            return try await PortalPage.render(request, "register", title: "Create an account", status: .unprocessableEntity,
                                               error: message, context: Refilled(name: name, email: email))
        }
        guard (1...100).contains(name.count) else { return try await refuse("Enter your name (up to 100 characters).") }
        guard Self.isEmailAddress(email) else { return try await refuse("Enter a valid e-mail address.") }
        guard password.count >= Self.minPasswordLength, password.count <= 128 else {
            return try await refuse("Choose a password of at least \(Self.minPasswordLength) characters.")
        }
        guard password == form.password_confirm else { return try await refuse("The two passwords do not match.") }
        guard try await !accounts.accountExists(email: email) else {
            return try await refuse("An account with this e-mail address already exists. Log in instead.")
        }
        let now = clock.now()
        let hash = try await request.password.async.hash(password)
        // A new customer record for a new e-mail. An existing customer's orders are linked only once the account
        // holder proves they read that mailbox (the link in the confirmation e-mail), or anyone could claim them.
        let existingCustomer = try await accounts.fetchCustomerID(email: email) != nil
        let user = try await accounts.insertAccount(
            NewAccount(email: email, name: name, passwordHash: hash, role: .customer, createdAt: now),
            createCustomer: !existingCustomer,
            verification: existingCustomer ? verification(email: email, name: name) : nil)
        try await SignIn.start(request, userID: user.id, epoch: user.sessionEpoch)
        return request.redirect(to: PortalPath.profile.with(["welcome": existingCustomer ? "verify" : "1"]))
    }

    /// The one check of an address someone types for an account (registration, invitations).
    static func isEmailAddress(_ email: String) -> Bool {
        email.count <= 254 && email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil
    }

    static let verificationLifetime: TimeInterval = 24 * 3600

    /// A single-use link, valid for 24 hours; only its SHA-256 is stored, the token itself is only in the e-mail.
    func verification(email: String, name: String) -> PendingVerification {
        let (token, tokenHash) = tokens.issue()
        let now = clock.now()
        return PendingVerification(
            tokenHash: tokenHash, email: email, createdAt: now, expiresAt: now.addingTimeInterval(Self.verificationLifetime),
            mail: OutgoingMail(
                to: email, subject: "Confirm your e-mail address for SupportOps",
                body: "Hello \(name),\n\nWe already have orders for this e-mail address. To see and manage them from your "
                    + "portal account, confirm that this address is yours by opening this link within 24 hours:\n\n"
                    + "\(PortalPath.verifyEmail.url(base: publicURL))?token=\(token)\n\nIf you did not create an account, ignore this e-mail.\n\n"
                    + "SupportOps customer support"))
    }

    func resendVerification(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        guard user.customerID == nil else { return request.redirect(to: .profile) }
        guard try await accounts.fetchCustomerID(email: user.email) != nil else {
            return request.redirect(to: PortalPath.profile.with(["welcome": "none"]))
        }
        let since = clock.now().addingTimeInterval(-3600)
        let recent = try await accounts.countVerifications(of: user.id, expiringAfter: since.addingTimeInterval(Self.verificationLifetime))
        guard recent < 3 else {
            throw Abort(.tooManyRequests, reason: "We already sent three confirmation e-mails this hour. Please check your inbox.")
        }
        try await accounts.insertVerification(verification(email: user.email, name: user.name), for: user.id)
        return request.redirect(to: PortalPath.profile.with(["welcome": "verify"]))
    }

    /// Links the account to the customer record of the confirmed address. The token alone proves it: no sign-in needed.
    func verifyEmail(_ request: Request) async throws -> Response {
        let token = request.query[String.self, at: "token"] ?? ""
        let invalid = Abort(.badRequest, reason: "This confirmation link is not valid or has expired. "
            + "Sign in and ask for a new one from your profile page.")
        guard token.count == 64, let verification = try await accounts.fetchVerification(tokenHash: tokens.hash(token)),
              verification.usedAt == nil, verification.expiresAt > clock.now(),
              let user = try await accounts.fetchAccount(verification.userID), user.email == verification.email
        else { throw invalid }
        guard let customer = try await accounts.fetchCustomerID(email: verification.email) else { throw invalid }
        guard try await !accounts.isLinked(customer) else {
            throw Abort(.conflict, reason: "These orders are already linked to another account.")
        }
        try await accounts.confirmVerification(verification, linking: customer, at: clock.now())
        return request.redirect(to: request.portalUser?.id == user.id ? PortalPath.profile.with(["welcome": "linked"])
            : PortalPath.login.with(["linked": "1"]))
    }

    // MARK: Password reset

    static let resetLifetime: TimeInterval = 3600

    func forgotPasswordPage(_ request: Request) async throws -> Response {
        try await PortalPage.render(request, "forgot-password", title: "Reset your password")
    }

    /// The same answer whether or not an account has this address; a link (valid one hour, single use, only its hash
    /// stored) goes to the address when it has one, at most three an hour.
    func forgotPassword(_ request: Request) async throws -> Response {
        struct Form: Content { var email: String? }
        let email = (try request.content.decode(Form.self).email ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard email.count <= 254, email.contains("@") else {
            throw Abort(.unprocessableEntity, reason: "Enter the e-mail address of your account.")
        }
        let now = clock.now()
        if let account = try await accounts.fetchCredentials(email: email)?.account,
           try await accounts.countPasswordResets(of: account.id, since: now.addingTimeInterval(-3600)) < 3 {
            let (token, tokenHash) = tokens.issue()
            let link = PortalPath.resetPassword.url(base: publicURL) + "?token=" + token
            try await accounts.insertPasswordReset(
                tokenHash: tokenHash, for: account.id, expiresAt: now.addingTimeInterval(Self.resetLifetime),
                mail: OutgoingMail(to: account.email, subject: "Reset your SupportOps password",
                                   body: "Hello \(account.name),\n\nTo choose a new password, open this link within an hour:\n\n"
                                    + link + "\n\nIf you did not ask for this, ignore this e-mail; your password stays as it is.\n\n"
                                    + "SupportOps customer support"),
                at: now)
        }
        return try await PortalPage.render(request, "forgot-password", title: "Reset your password",
                                           notice: "If an account uses \(email), we have sent it a link to choose a new "
                                            + "password. The link works once, for an hour.")
    }

    struct ResetContext: Encodable { var token: String }

    func resetPasswordPage(_ request: Request) async throws -> Response {
        let token = request.query[String.self, at: "token"] ?? ""
        guard token.count == 64 else {
            throw Abort(.badRequest, reason: "This link is not valid or has expired. Ask for a new one.")
        }
        return try await PortalPage.render(request, "reset-password", title: "Choose a new password",
                                           context: ResetContext(token: token))
    }

    /// Sets the new password, uses up the link and signs the account out everywhere (every session ends).
    func resetPassword(_ request: Request) async throws -> Response {
        struct Form: Content { var token: String?; var password: String?; var password_confirm: String? }
        let form = try request.content.decode(Form.self)
        let token = form.token ?? ""
        let password = form.password ?? ""
        func refuse(_ message: String) async throws -> Response {
            try await PortalPage.render(request, "reset-password", title: "Choose a new password", status: .unprocessableEntity,
                                        error: message, context: ResetContext(token: token))
        }
        guard token.count == 64 else { throw Abort(.badRequest, reason: "This link is not valid or has expired. Ask for a new one.") }
        guard password.count >= Self.minPasswordLength, password.count <= 128 else {
            return try await refuse("Choose a password of at least \(Self.minPasswordLength) characters.")
        }
        guard password == form.password_confirm else { return try await refuse("The two passwords do not match.") }
        let hash = try await request.password.async.hash(password)
        guard try await accounts.completePasswordReset(tokenHash: tokens.hash(token), newPasswordHash: hash,
                                                       at: clock.now()) != nil else {
            throw Abort(.badRequest, reason: "This link is not valid or has expired. Ask for a new one.")
        }
        request.session.destroy()
        return request.redirect(to: PortalPath.login.with(["reset": "1"]))
    }

    /// Ends every session of the account, this one included (a lost phone, a shared computer).
    func signOutEverywhere(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        try await accounts.endAllSessions(of: user.id)
        request.session.destroy()
        return request.redirect(to: PortalPath.login.with(["signed_out": "everywhere"]))
    }

    func logout(_ request: Request) async throws -> Response {
        request.session.destroy()
        return request.redirect(to: .home)
    }

    struct ProfileContext: Encodable {
        struct Profile: Encodable {
            var name: String
            var email: String
            var role: String
            var createdAt: String
            var customerId: Int64?
            var canVerify: Bool
        }
        struct TwoStep: Encodable {
            var enabled: Bool
            var enabledAt: String?
            var recoveryCodesLeft: Int
            /// Customers may turn it off; staff must keep it.
            var canTurnOff: Bool
        }
        var profile: Profile
        var twoStep: TwoStep
    }

    func profile(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let welcome: String? = switch request.query[String.self, at: "welcome"] {
        case "1": "Welcome! Your account is ready."
        case "verify": "We already have orders for \(user.email). We sent you an e-mail: open its link to connect them to this account."
        case "linked": "Your e-mail address is confirmed and your orders are linked to this account."
        case "none": "There are no orders on record for \(user.email)."
        default: switch request.query[String.self, at: "two_step"] {
            case "recovery_used": "You signed in with a recovery code; it no longer works. Make new codes below if you are running low."
            case "recovery_none_left": "You used your last recovery code. Make new ones below now, or set up your authenticator again."
            case "off": "Two-step sign-in is off."
            default: nil
            }
        }
        let setting = try await accounts.fetchTwoStep(of: user.id)
        return try await PortalPage.render(request, "profile", title: "Your profile", notice: welcome, context: ProfileContext(
            profile: .init(name: user.name, email: user.email, role: user.role.rawValue,
                           createdAt: ISO8601DateFormatter().string(from: user.createdAt), customerId: user.customerID?.rawValue,
                           canVerify: user.customerID == nil),
            twoStep: .init(enabled: setting != nil, enabledAt: setting.map { PortalPage.timestamp($0.enabledAt) },
                           recoveryCodesLeft: setting?.recoveryCodesLeft ?? 0, canTurnOff: !user.role.requiresTwoStep)))
    }

    func updateProfile(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        struct Form: Content { var name: String? }
        let name = (try request.content.decode(Form.self).name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "Enter your name (up to 100 characters).") }
        try await accounts.updateName(of: user.id, to: name)
        return request.redirect(to: .profile)
    }

    // MARK: Help center

    struct SearchResult: Encodable {
        var url: String
        var title: String
        var category: String
        /// Escaped, with the matched words marked.
        var snippetHtml: String
        var summary: String
    }

    struct IndexContext: Encodable {
        var q: String
        var category: String?
        var categories: [Category]
        var results: [SearchResult]
        var total: Int
        var page: Int
        var hasPrevious: Bool
        var hasNext: Bool
        var previousUrl: String
        var nextUrl: String
    }

    func kbIndex(_ request: Request) async throws -> Response {
        let q = String((request.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
        let requested = request.query[String.self, at: "category"]
        let category = KnowledgeArticle.categories.first { $0.slug == requested }?.slug
        let page = max(1, min(1000, request.query[Int.self, at: "page"] ?? 1))
        let perPage = 10
        var results: [SearchResult] = []
        var total = 0
        if !q.isEmpty {
            let found = try await knowledge.searchArticles(q, category: category, limit: perPage, offset: (page - 1) * perPage)
            total = found.total
            if total == 0, page == 1 {
                // A content gap: counted by its text, lower-cased, with e-mail addresses, numbers and names masked.
                let masked = Redactor().redact(q).text.lowercased()
                try await articles.recordSearchMiss(String(masked.prefix(200)), at: clock.now())
            }
            results = found.hits.map { hit in
                SearchResult(url: PortalPath.article(hit.document.articleID ?? 0).path, title: hit.document.title,
                             category: hit.document.category, snippetHtml: hit.snippet, summary: hit.document.summary)
            }
        } else {
            let all = try await articles.fetchAllArticles().filter { category == nil || $0.category == category }
                .sorted { ($0.views, -$0.id) > ($1.views, -$1.id) }
            total = all.count
            results = all.dropFirst((page - 1) * perPage).prefix(perPage).map { article in
                SearchResult(url: PortalPath.article(article.id).path, title: article.title, category: article.category,
                             snippetHtml: HTMLEscape.escape(article.summary), summary: article.summary)
            }
        }
        func link(_ page: Int) -> String {
            var items = [("page", String(page))]
            if !q.isEmpty { items.insert(("q", q), at: 0) }
            if let category { items.append(("category", category)) }
            return PortalPath.knowledgeBase.with(query: items)
        }
        return try await PortalPage.render(request, "kb-index", title: q.isEmpty ? "Help center" : "Search: \(q)", context: IndexContext(
            q: q, category: category, categories: Category.all(selected: category), results: results, total: total,
            page: page, hasPrevious: page > 1, hasNext: page * perPage < total, previousUrl: link(page - 1),
            nextUrl: link(page + 1)))
    }

    func article(_ request: Request) async throws -> KnowledgeArticle {
        guard let id = request.parameters.get("id", as: Int64.self), let article = try await articles.fetchArticle(id: id) else {
            throw Abort(.notFound)
        }
        return article
    }

    struct ArticleContext: Encodable {
        struct Article: Encodable {
            var id: Int64
            var title: String
            var summary: String
            var category: String
            var categoryName: String
            var bodyHtml: String
            var views: Int
            var helpful: Int
            var notHelpful: Int
        }
        struct Link: Encodable { var url: String; var title: String }
        var article: Article
        var related: [Link]
    }

    func kbArticle(_ request: Request) async throws -> Response {
        let article = knowledge.filled(try await article(request))
        _ = try await articles.recordView(id: article.id)
        // Opened from the suggestions on the new-ticket page by a signed-in customer: counted for deflection.
        if request.query[String.self, at: "via"] == "suggestion", let user = request.portalUser, user.role == .customer {
            try await articles.recordSuggestionOpened(articleID: article.id, user: user.id, at: clock.now())
        }
        let related = try await knowledge.searchArticles(article.title + " " + article.tags.joined(separator: " "),
                                                         category: nil, limit: 4, offset: 0).hits
            .filter { $0.document.articleID != article.id }.prefix(3)
        let categoryName = KnowledgeArticle.categories.first { $0.slug == article.category }?.name ?? article.category
        let notice = request.query[String.self, at: "thanks"] == "1" ? "Thank you for your feedback." : nil
        return try await PortalPage.render(request, "kb-article", title: article.title, notice: notice, context: ArticleContext(
            article: .init(id: article.id, title: article.title, summary: article.summary, category: article.category,
                           categoryName: categoryName, bodyHtml: MarkdownHTML.render(article.body), views: article.views + 1,
                           helpful: article.helpful, notHelpful: article.notHelpful),
            related: related.map { .init(url: PortalPath.article($0.document.articleID ?? 0).path, title: $0.document.title) }))
    }

    func kbFeedback(_ request: Request) async throws -> Response {
        let article = try await article(request)
        struct Form: Content { var helpful: String? }
        let answer = try request.content.decode(Form.self).helpful
        guard answer == "yes" || answer == "no" else { throw Abort(.badRequest, reason: "Choose whether the article helped.") }
        _ = try await articles.recordFeedback(id: article.id, helpful: answer == "yes")
        return request.redirect(to: PortalPath.article(article.id).with(["thanks": "1"]))
    }
}
