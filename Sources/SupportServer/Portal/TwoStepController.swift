import Foundation
import Leaf
import SupportDomain
import Vapor

/// Signing in, half-way and whole. A right password alone signs in only an account without two-step sign-in that may
/// do without it; otherwise the session is *pending* for ten minutes: it knows who typed the right password and what
/// is still owed (a code, or setting up an authenticator, which staff must do), and it is not signed in.
enum SignIn {
    enum Pending: String { case code, enrol }

    static let pendingLifetime: TimeInterval = 10 * 60

    /// Signs in with a new session id (the old one is deleted), so an id planted before sign-in is worthless.
    static func start(_ request: Request, userID: UserID, epoch: Int) async throws {
        try await renew(request)
        request.session.data["user_id"] = userID.description
        request.session.data["epoch"] = String(epoch)
        _ = request.csrfToken
    }

    /// The password was right; `owed` is still to be done before the account is signed in.
    static func begin(_ request: Request, account: PortalAccount, owed: Pending, now: Date) async throws {
        try await renew(request)
        setPending(request, account: account, owed: owed, now: now)
        _ = request.csrfToken
    }

    /// Marks the current session as owing `owed` (no new session id: used for a session already signed in that
    /// turns out to owe a setup).
    static func setPending(_ request: Request, account: PortalAccount, owed: Pending, now: Date) {
        request.session.data["user_id"] = nil
        request.session.data["pending_user_id"] = account.id.description
        request.session.data["pending_epoch"] = String(account.sessionEpoch)
        request.session.data["pending_owed"] = owed.rawValue
        request.session.data["pending_until"] = String(Int(now.addingTimeInterval(pendingLifetime).timeIntervalSince1970))
    }

    /// Who is half-way through signing in, and what they owe; nil when nobody is or the ten minutes are over.
    static func pending(_ request: Request, now: Date) -> (user: UserID, epoch: Int, owed: Pending)? {
        let data = request.session.data
        guard let user = data["pending_user_id"].flatMap(Int64.init), let epoch = data["pending_epoch"].flatMap(Int.init),
              let owed = data["pending_owed"].flatMap(Pending.init(rawValue:)),
              let until = data["pending_until"].flatMap(TimeInterval.init), now.timeIntervalSince1970 < until
        else { return nil }
        return (UserID(user), epoch, owed)
    }

    private static func renew(_ request: Request) async throws {
        if let old = request.session.id {
            try await request.application.sessions.driver.deleteSession(old, for: request).get()
        }
        request.session.id = nil
        request.session.data = SessionData()
    }
}

/// Two-step sign-in: the code after the password, setting up an authenticator (with ten recovery codes), new recovery
/// codes, turning it off (customers only: staff must keep it), and an admin's reset after a lost phone.
struct TwoStepController {
    let accounts: any AccountStore
    let clock: any WallClock
    let tokens: any SecretTokens
    static let issuer = "SupportOps"

    func register(on routes: any RoutesBuilder) {
        routes.get(.signInCode, use: codePage)
        routes.post(.signInCode, use: submitCode)
        routes.get(.twoStepSetup, use: setupPage)
        routes.post(.twoStepSetup, use: completeSetup)
        routes.post(.twoStepRecoveryCodes, use: newRecoveryCodes)
        routes.post(.twoStepOff, use: turnOff)
        routes.post(.adminUserTwoStepReset(.route), use: adminReset)
    }

    // MARK: The code after the password

    func codePage(_ request: Request) async throws -> Response {
        guard SignIn.pending(request, now: clock.now())?.owed == .code else { return request.redirect(to: .login) }
        return try await PortalPage.render(request, "login-code", title: "Enter your code")
    }

    func submitCode(_ request: Request) async throws -> Response {
        struct Form: Content { var code: String? }
        let typed = (try request.content.decode(Form.self).code ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let now = clock.now()
        guard let pending = SignIn.pending(request, now: now), pending.owed == .code,
              let account = try await accounts.fetchAccount(pending.user), account.isActive,
              account.sessionEpoch == pending.epoch, let setting = try await accounts.fetchTwoStep(of: account.id)
        else {
            return try await PortalPage.render(request, "login", title: "Log in", status: .unauthorized,
                                               error: "Your sign-in took too long. Please enter your password again.")
        }
        func refuse(_ message: String, status: HTTPResponseStatus) async throws -> Response {
            try await PortalPage.render(request, "login-code", title: "Enter your code", status: status, error: message)
        }
        guard !typed.isEmpty, typed.count <= 40 else {
            return try await refuse("Enter the 6-digit code from your authenticator app, or a recovery code.", status: .badRequest)
        }
        // Wrong codes count as failed sign-ins: five in 15 minutes pause the account's sign-in, codes included.
        guard try await !PortalController.signInPaused(accounts, email: account.email, now: now) else {
            return try await refuse(PortalController.pausedMessage, status: .tooManyRequests)
        }
        var usedRecoveryCode = false
        var accepted = false
        if RecoveryCodes.looksLikeOne(typed) {
            accepted = try await accounts.useRecoveryCode(hash: tokens.hash(RecoveryCodes.normalized(typed)), of: account.id, at: now)
            usedRecoveryCode = accepted
        } else if let step = TOTP(secret: setting.secret).matchingStep(of: typed, at: now) {
            accepted = try await accounts.useTwoStepStep(step, of: account.id)
        }
        guard accepted else {
            try await accounts.recordSignIn(email: account.email, succeeded: false, at: now)
            return try await refuse("That code is not right, or it was already used. Codes change every 30 seconds: "
                + "enter the one your app shows now.", status: .unauthorized)
        }
        try await SignIn.start(request, userID: account.id, epoch: account.sessionEpoch)
        guard usedRecoveryCode else { return request.redirect(to: Self.home(of: account)) }
        let left = setting.recoveryCodesLeft - 1
        return request.redirect(to: PortalPath.profile.with(["two_step": left > 0 ? "recovery_used" : "recovery_none_left"]))
    }

    /// Where a fresh sign-in lands: the queue for staff, the profile for customers.
    static func home(of account: PortalAccount) -> PortalPath { account.role.isStaff ? .agentQueue : .profile }

    // MARK: Setting up an authenticator

    /// Whose authenticator is being set up: the signed-in account, or one half-way through signing in that must set
    /// one up first.
    private func enrolling(_ request: Request) async throws -> (account: PortalAccount, signedIn: Bool)? {
        if let user = request.portalUser { return (user, true) }
        guard let pending = SignIn.pending(request, now: clock.now()), pending.owed == .enrol,
              let account = try await accounts.fetchAccount(pending.user), account.isActive,
              account.sessionEpoch == pending.epoch else { return nil }
        return (account, false)
    }

    struct SetupContext: Encodable {
        /// The secret in groups of four, for typing into an app.
        var key: String
        var uri: String
        var qrSvg: String
        var required: Bool
        var replacing: Bool
        var email: String
    }

    func setupPage(_ request: Request) async throws -> Response {
        guard let (account, signedIn) = try await enrolling(request) else { return request.redirect(to: .login) }
        return try await renderSetup(request, account: account, signedIn: signedIn, status: .ok, error: nil)
    }

    /// The page with this session's candidate secret (made on first view, kept until it is confirmed).
    private func renderSetup(_ request: Request, account: PortalAccount, signedIn: Bool, status: HTTPResponseStatus,
                             error: String?) async throws -> Response {
        let secret = candidateSecret(request)
        let totp = TOTP(secret: secret)
        let uri = totp.provisioningURI(account: account.email, issuer: Self.issuer)
        let key = Base32.encode(secret)
        let grouped = stride(from: 0, to: key.count, by: 4).map { offset in
            String(key.dropFirst(offset).prefix(4))
        }.joined(separator: " ")
        let notice = !signedIn && account.role.requiresTwoStep
            ? "Your account can act on customers' orders, so it needs two-step sign-in. Set it up once to continue." : nil
        return try await PortalPage.render(request, "two-step-setup", title: "Set up two-step sign-in", status: status,
                                           notice: notice, error: error, context: SetupContext(
            key: grouped, uri: uri, qrSvg: QRImage.svg(uri, label: "QR code for your authenticator app"),
            required: account.role.requiresTwoStep, replacing: signedIn && account.hasTwoStep, email: account.email))
    }

    private func candidateSecret(_ request: Request) -> [UInt8] {
        if let stored = request.session.data["enrol_secret"].flatMap(Base32.decode), stored.count == 20 { return stored }
        let secret = TOTP.newSecret()
        request.session.data["enrol_secret"] = Base32.encode(secret)
        return secret
    }

    struct CodesContext: Encodable {
        var codes: [String]
        var continueUrl: String
    }

    func completeSetup(_ request: Request) async throws -> Response {
        struct Form: Content { var code: String?; var password: String? }
        let form = try request.content.decode(Form.self)
        guard let (account, signedIn) = try await enrolling(request) else { return request.redirect(to: .login) }
        let now = clock.now()
        // Moving a running two-step sign-in to another phone weakens it if a session was stolen: the password first.
        if signedIn, account.hasTwoStep, try await !passwordMatches(account, form.password, now: now) {
            return try await renderSetup(request, account: account, signedIn: signedIn, status: .unauthorized,
                                         error: "Your current password is not right.")
        }
        let secret = candidateSecret(request)
        guard let step = TOTP(secret: secret).matchingStep(of: form.code ?? "", at: now) else {
            return try await renderSetup(request, account: account, signedIn: signedIn, status: .unprocessableEntity,
                                         error: "That code is not right. Enter the 6-digit code your app shows now for SupportOps.")
        }
        let (codes, hashes) = RecoveryCodes.issue(hashingWith: tokens)
        try await accounts.enableTwoStep(for: account.id, secret: secret, usedStep: step, recoveryCodeHashes: hashes, at: now)
        request.session.data["enrol_secret"] = nil
        if !signedIn { try await SignIn.start(request, userID: account.id, epoch: account.sessionEpoch) }
        return try await PortalPage.render(request, "two-step-codes", title: "Save your recovery codes",
                                           notice: "Two-step sign-in is on.",
                                           context: CodesContext(codes: codes, continueUrl: Self.home(of: account).path))
    }

    // MARK: Recovery codes, turning off, an admin's reset

    func newRecoveryCodes(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        struct Form: Content { var password: String? }
        guard user.hasTwoStep else { return request.redirect(to: .twoStepSetup) }
        guard try await passwordMatches(user, try request.content.decode(Form.self).password, now: clock.now()) else {
            throw Abort(.unauthorized, reason: "Your current password is not right, so no new codes were made.")
        }
        let (codes, hashes) = RecoveryCodes.issue(hashingWith: tokens)
        try await accounts.replaceRecoveryCodes(of: user.id, hashes: hashes)
        return try await PortalPage.render(request, "two-step-codes", title: "Save your recovery codes",
                                           notice: "Your old recovery codes no longer work.",
                                           context: CodesContext(codes: codes, continueUrl: PortalPath.profile.path))
    }

    func turnOff(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        struct Form: Content { var password: String? }
        guard !user.role.requiresTwoStep else {
            throw Abort(.forbidden, reason: "Staff accounts must keep two-step sign-in on.")
        }
        guard try await passwordMatches(user, try request.content.decode(Form.self).password, now: clock.now()) else {
            throw Abort(.unauthorized, reason: "Your current password is not right, so two-step sign-in stays on.")
        }
        try await accounts.disableTwoStep(of: user.id, endingSessions: false)
        return request.redirect(to: PortalPath.profile.with(["two_step": "off"]))
    }

    /// A lost phone without recovery codes: an admin turns two-step sign-in off and signs the account out everywhere;
    /// a staff account sets up a new authenticator at its next sign-in.
    func adminReset(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        guard let id = request.parameters.get("id", as: Int64.self), try await accounts.fetchAccount(UserID(id)) != nil else {
            throw Abort(.notFound)
        }
        try await accounts.disableTwoStep(of: UserID(id), endingSessions: true)
        return request.redirect(to: PortalPath.adminUsers.with(["two_step_reset": String(id)]))
    }

    /// bcrypt check of a password typed to confirm a change; a wrong one counts as a failed sign-in (throttling).
    private func passwordMatches(_ account: PortalAccount, _ password: String?, now: Date) async throws -> Bool {
        guard let password, !password.isEmpty, let credentials = try await accounts.fetchCredentials(email: account.email)
        else { return false }
        guard try await !PortalController.signInPaused(accounts, email: account.email, now: now) else {
            throw Abort(.tooManyRequests, reason: PortalController.pausedMessage)
        }
        let valid = (try? Bcrypt.verify(password, created: credentials.passwordHash)) ?? false
        if !valid { try await accounts.recordSignIn(email: account.email, succeeded: false, at: now) }
        return valid
    }
}
