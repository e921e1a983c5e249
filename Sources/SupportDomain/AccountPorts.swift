public import Foundation

/// Portal accounts as the ticket workflow sees them (names and addresses for messages and e-mails).
public protocol AccountDirectory: Sendable {
    func fetchAccount(_ id: UserID) async throws -> PortalAccount?
    func fetchAccounts(_ ids: [UserID]) async throws -> [PortalAccount]
    /// Active accounts with one of these roles (whom to tell about a breached promise).
    func fetchActiveAccounts(roles: [PortalRole]) async throws -> [PortalAccount]
}

extension AccountDirectory {
    /// Display names by account id, for lists and pages (each id asked once; ids without an account are left out).
    public func names(of ids: some Sequence<UserID>) async throws -> [UserID: String] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        return Dictionary(try await fetchAccounts(unique).map { ($0.id, $0.name) }) { first, _ in first }
    }
}

/// Everything the portal keeps about accounts: sign-in, throttling, registration, e-mail confirmation, roles.
/// Changes that belong together (an account and its confirmation e-mail) are one transaction.
public protocol AccountStore: AccountDirectory {
    /// The account and its bcrypt hash, for signing in.
    func fetchCredentials(email: String) async throws -> (account: PortalAccount, passwordHash: String)?
    func countFailedSignIns(email: String, since: Date) async throws -> Int
    func recordSignIn(email: String, succeeded: Bool, at: Date) async throws
    func accountExists(email: String) async throws -> Bool
    /// The customer record with this e-mail address, if any.
    func fetchCustomerID(email: String) async throws -> CustomerID?
    /// Whether some account already sees this customer's orders.
    func isLinked(_ customer: CustomerID) async throws -> Bool
    /// Creates the account; with `createCustomer` also a customer record it is linked to; with `verification` also the
    /// pending confirmation and its e-mail. One transaction.
    func insertAccount(_ account: NewAccount, createCustomer: Bool, verification: PendingVerification?) async throws
        -> PortalAccount
    /// Stores a pending confirmation and queues its e-mail, in one transaction.
    func insertVerification(_ verification: PendingVerification, for user: UserID) async throws
    /// How many confirmations of this user expire after `date` (the recent ones, for throttling).
    func countVerifications(of user: UserID, expiringAfter date: Date) async throws -> Int
    func fetchVerification(tokenHash: String) async throws -> EmailVerification?
    /// Marks the confirmation used and links the account to the customer, in one transaction.
    func confirmVerification(_ verification: EmailVerification, linking customer: CustomerID, at now: Date) async throws
    func updateName(of user: UserID, to name: String) async throws
    /// Accounts by id, for the admins' list.
    func fetchAllAccounts(limit: Int) async throws -> [PortalAccount]
    func setRole(of user: UserID, to role: PortalRole) async throws
    /// Ends every session of the account (its session epoch moves on).
    func endAllSessions(of user: UserID) async throws
    /// Deactivates (and signs out everywhere) or reactivates an account.
    func setActive(_ active: Bool, user: UserID, at now: Date) async throws
    /// Stores a password-reset link (only its hash) and queues its e-mail, in one transaction.
    func insertPasswordReset(tokenHash: String, for user: UserID, expiresAt: Date, mail: OutgoingMail, at now: Date) async throws
    /// How many reset links this account was sent since `date` (throttling).
    func countPasswordResets(of user: UserID, since date: Date) async throws -> Int
    /// Sets the new password if the link is unused and unexpired, marks it used, and ends every session of the
    /// account, in one transaction; nil when the link is not valid.
    func completePasswordReset(tokenHash: String, newPasswordHash: String, at now: Date) async throws -> UserID?

    // MARK: Two-step sign-in

    /// The account's authenticator secret and recovery codes; nil while two-step sign-in is off.
    func fetchTwoStep(of user: UserID) async throws -> TwoStepSetting?
    /// Turns two-step sign-in on (or moves it to a new authenticator): the secret, the step of the code that proved it
    /// (used up), and fresh recovery codes (their hashes) replacing any old ones. One transaction.
    func enableTwoStep(for user: UserID, secret: [UInt8], usedStep: Int64, recoveryCodeHashes: [String], at now: Date) async throws
    /// Uses up an authenticator step: true only if no later or equal step of this account was used before, so a code
    /// works once, also under two simultaneous sign-ins.
    func useTwoStepStep(_ step: Int64, of user: UserID) async throws -> Bool
    /// Uses up a recovery code: true only if it is one of the account's and was not used before.
    func useRecoveryCode(hash: String, of user: UserID, at now: Date) async throws -> Bool
    /// Replaces every recovery code of the account with these.
    func replaceRecoveryCodes(of user: UserID, hashes: [String]) async throws
    /// Turns two-step sign-in off and removes the recovery codes; with `endingSessions`, also signs the account out
    /// everywhere (an admin's reset after a lost phone).
    func disableTwoStep(of user: UserID, endingSessions: Bool) async throws
}

/// An account's two-step sign-in.
public struct TwoStepSetting: Sendable, Hashable {
    /// The authenticator's shared secret.
    public var secret: [UInt8]
    public var enabledAt: Date
    /// The newest authenticator step used to sign in; older and equal steps are refused.
    public var lastUsedStep: Int64?
    public var recoveryCodesLeft: Int

    public init(secret: [UInt8], enabledAt: Date, lastUsedStep: Int64?, recoveryCodesLeft: Int) {
        self.secret = secret
        self.enabledAt = enabledAt
        self.lastUsedStep = lastUsedStep
        self.recoveryCodesLeft = recoveryCodesLeft
    }
}

/// The fields of a new account; the store assigns its id.
public struct NewAccount: Sendable, Hashable {
    public var email: String
    public var name: String
    /// bcrypt.
    public var passwordHash: String
    public var role: PortalRole
    public var customerID: CustomerID?
    public var createdAt: Date

    public init(email: String, name: String, passwordHash: String, role: PortalRole, customerID: CustomerID? = nil,
                createdAt: Date) {
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.customerID = customerID
        self.createdAt = createdAt
    }
}

/// A confirmation link about to be sent: only the token's SHA-256 is stored; the token itself is only in the e-mail.
public struct PendingVerification: Sendable, Hashable {
    public var tokenHash: String
    public var email: String
    public var createdAt: Date
    public var expiresAt: Date
    public var mail: OutgoingMail

    public init(tokenHash: String, email: String, createdAt: Date, expiresAt: Date, mail: OutgoingMail) {
        self.tokenHash = tokenHash
        self.email = email
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.mail = mail
    }
}

/// A stored confirmation.
public struct EmailVerification: Sendable, Hashable {
    public var id: Int64
    public var userID: UserID
    public var email: String
    public var expiresAt: Date
    public var usedAt: Date?

    public init(id: Int64, userID: UserID, email: String, expiresAt: Date, usedAt: Date?) {
        self.id = id
        self.userID = userID
        self.email = email
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// Where an e-mail in the outbox stands.
public enum OutboxStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, sending, sent, failed
}

/// An e-mail in the outbox.
public struct QueuedMail: Sendable, Hashable {
    public var id: Int64
    public var mail: OutgoingMail
    public var status: OutboxStatus
    public var attempts: Int
    public var lastError: String?
    public var claim: String?
    public var createdAt: Date
    /// When it is due (again): now for a new e-mail, later after a failed attempt.
    public var nextAttemptAt: Date
    public var sentAt: Date?

    public init(id: Int64, mail: OutgoingMail, status: OutboxStatus, attempts: Int, lastError: String? = nil,
                claim: String? = nil, createdAt: Date, nextAttemptAt: Date, sentAt: Date? = nil) {
        self.nextAttemptAt = nextAttemptAt
        self.id = id
        self.mail = mail
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.claim = claim
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// The outbox: e-mails queued with the change they announce, sent later by whichever instance claims them first.
public protocol MailOutbox: Sendable {
    /// Claims up to `limit` due e-mails for this worker; a claim never finished (a crashed worker) is taken over after
    /// `staleAfter`.
    func claimDue(now: Date, limit: Int, staleAfter: TimeInterval) async throws -> [QueuedMail]
    func markSent(_ mail: QueuedMail, at now: Date) async throws
    /// Retries with backoff; after `maxAttempts` the e-mail is `failed`.
    func markFailed(_ mail: QueuedMail, error: String, at now: Date, maxAttempts: Int) async throws
    /// The newest e-mails first, for the admins' page.
    func fetchRecent(limit: Int) async throws -> [QueuedMail]
    func countByStatus() async throws -> [OutboxStatus: Int]
}

/// Delivers one e-mail (SMTP in production, a recording fake in tests). Throws `MailDeliveryFailure` when the mail
/// server refuses or cannot be reached.
public protocol MailSender: Sendable {
    func send(_ mail: OutgoingMail, now: Date) async throws
}

/// Why an e-mail was not delivered, in words safe to log and show to admins (no credentials, no message text).
public struct MailDeliveryFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) { self.description = description }
}

/// The portal's sign-in sessions: the random key the browser's cookie carries and the values kept for it (the signed-in
/// account, the CSRF token, a pending two-step sign-in).
public protocol SessionStore: Sendable {
    func readSession(key: String) async throws -> [String: String]?
    func createSession(key: String, data: [String: String]) async throws
    func updateSession(key: String, data: [String: String]) async throws
    func deleteSession(key: String) async throws
}
