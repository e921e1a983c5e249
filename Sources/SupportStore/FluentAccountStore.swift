public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Portal accounts, sign-in attempts and e-mail confirmations in the database.
public struct FluentAccountStore: AccountStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    /// Every signed-in portal request reads its account: plain SQL on the hot reads' connections (SQLite's read-only
    /// ones), no model to build and reflect over.
    public func fetchAccount(_ id: UserID) async throws -> PortalAccount? {
        try await source.reader().raw("SELECT \(unsafeRaw: Self.accountColumns) FROM users WHERE id = \(bind: id.rawValue)")
            .first().map(Self.account)
    }

    public func fetchAccounts(_ ids: [UserID]) async throws -> [PortalAccount] {
        guard !ids.isEmpty else { return [] }
        return try await HotPath.sql(database).raw("""
            SELECT \(unsafeRaw: Self.accountColumns) FROM users WHERE id IN (\(binds: ids.map(\.rawValue)))
            """).all().map(Self.account)
    }

    public func fetchActiveAccounts(roles: [PortalRole]) async throws -> [PortalAccount] {
        guard !roles.isEmpty else { return [] }
        return try await HotPath.sql(database).raw("""
            SELECT \(unsafeRaw: Self.accountColumns) FROM users
            WHERE role IN (\(binds: roles.map(\.rawValue))) AND deactivated_at IS NULL ORDER BY id
            """).all().map(Self.account)
    }

    public func fetchCredentials(email: String) async throws -> (account: PortalAccount, passwordHash: String)? {
        guard let row = try await HotPath.sql(database).raw("""
            SELECT \(unsafeRaw: Self.accountColumns), password_hash FROM users WHERE email = \(bind: email)
            """).first() else { return nil }
        return (try Self.account(row), try row.decode(column: "password_hash", as: String.self))
    }

    public func countFailedSignIns(email: String, since: Date) async throws -> Int {
        try await LoginAttemptModel.query(on: database)
            .filter(\.$email == email).filter(\.$succeeded == false).filter(\.$createdAt >= since).count()
    }

    public func recordSignIn(email: String, succeeded: Bool, at now: Date) async throws {
        try await LoginAttemptModel(email: email, succeeded: succeeded, createdAt: now).create(on: database)
    }

    public func accountExists(email: String) async throws -> Bool {
        try await UserModel.query(on: database).filter(\.$email == email).count() > 0
    }

    public func fetchCustomerID(email: String) async throws -> CustomerID? {
        try await CustomerModel.query(on: database).filter(\.$email == email).first()?.id.map { CustomerID(Int64($0)) }
    }

    public func isLinked(_ customer: CustomerID) async throws -> Bool {
        try await UserModel.query(on: database).filter(\.$customerID == Int(customer.rawValue)).count() > 0
    }

    public func insertAccount(_ new: NewAccount, createCustomer: Bool, verification: PendingVerification?) async throws
        -> PortalAccount {
        try await database.guardedTransaction { tx in
            var customerID = new.customerID.map { Int($0.rawValue) }
            if createCustomer {
                let customer = CustomerModel(name: new.name, email: new.email, createdAt: new.createdAt)
                try await customer.create(on: tx)
                customerID = customer.id
            }
            let user = UserModel(email: new.email, name: new.name, passwordHash: new.passwordHash, role: new.role,
                                 customerID: customerID, createdAt: new.createdAt)
            try await user.create(on: tx)
            if let verification { try await Self.insert(verification, for: try user.requireID(), on: tx) }
            // What a new account is: no sessions ended yet, active, no second step.
            return PortalAccount(id: UserID(Int64(try user.requireID())), name: new.name, email: new.email, role: new.role,
                                 customerID: customerID.map { CustomerID(Int64($0)) }, createdAt: new.createdAt)
        }
    }

    public func insertVerification(_ verification: PendingVerification, for user: UserID) async throws {
        try await database.guardedTransaction { tx in
            try await Self.insert(verification, for: Int(user.rawValue), on: tx)
        }
    }

    /// The confirmation row and its e-mail.
    static func insert(_ verification: PendingVerification, for user: Int, on db: any Database) async throws {
        let row = EmailVerificationModel()
        row.tokenHash = verification.tokenHash
        row.userID = user
        row.email = verification.email
        row.expiresAt = verification.expiresAt
        try await row.create(on: db)
        try await FluentMailOutbox.enqueue(verification.mail, at: verification.createdAt, on: db)
    }

    public func countVerifications(of user: UserID, expiringAfter date: Date) async throws -> Int {
        try await EmailVerificationModel.query(on: database).filter(\.$userID == Int(user.rawValue))
            .filter(\.$expiresAt >= date).count()
    }

    public func fetchVerification(tokenHash: String) async throws -> EmailVerification? {
        guard let row = try await EmailVerificationModel.query(on: database).filter(\.$tokenHash == tokenHash).first()
        else { return nil }
        return EmailVerification(id: Int64(try row.requireID()), userID: UserID(Int64(row.userID)), email: row.email,
                                 expiresAt: row.expiresAt, usedAt: row.usedAt)
    }

    public func confirmVerification(_ verification: EmailVerification, linking customer: CustomerID, at now: Date) async throws {
        // Writes only (no read first), so SQLite never has to upgrade a stale read snapshot.
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            guard try await sql.raw("""
                UPDATE email_verifications SET used_at = \(bind: now) WHERE id = \(bind: verification.id) RETURNING id
                """).first() != nil,
                try await sql.raw("""
                UPDATE users SET customer_id = \(bind: customer.rawValue) WHERE id = \(bind: verification.userID.rawValue) RETURNING id
                """).first() != nil
            else { throw StoreError.notFound }
        }
    }

    public func updateName(of user: UserID, to name: String) async throws {
        guard let row = try await UserModel.find(Int(user.rawValue), on: database) else { throw StoreError.notFound }
        row.name = name
        try await row.save(on: database)
    }

    public func fetchAllAccounts(limit: Int) async throws -> [PortalAccount] {
        try await HotPath.sql(database).raw("SELECT \(unsafeRaw: Self.accountColumns) FROM users ORDER BY id LIMIT \(bind: limit)")
            .all().map(Self.account)
    }

    public func setRole(of user: UserID, to role: PortalRole) async throws {
        guard let row = try await UserModel.find(Int(user.rawValue), on: database) else { throw StoreError.notFound }
        row.role = role.rawValue
        try await row.save(on: database)
    }

    public func endAllSessions(of user: UserID) async throws {
        try await HotPath.sql(database).raw("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = \(bind: user.rawValue)")
            .run()
    }

    public func setActive(_ active: Bool, user: UserID, at now: Date) async throws {
        let sql = try HotPath.sql(database)
        if active {
            try await sql.raw("UPDATE users SET deactivated_at = NULL WHERE id = \(bind: user.rawValue)").run()
        } else {
            try await sql.raw("""
                UPDATE users SET deactivated_at = \(bind: now), session_epoch = session_epoch + 1 WHERE id = \(bind: user.rawValue)
                """).run()
        }
    }

    public func insertPasswordReset(tokenHash: String, for user: UserID, expiresAt: Date, mail: OutgoingMail,
                                    at now: Date) async throws {
        try await database.guardedTransaction { tx in
            try await HotPath.sql(tx).raw("""
                INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
                VALUES (\(bind: tokenHash), \(bind: user.rawValue), \(bind: now), \(bind: expiresAt))
                """).run()
            try await FluentMailOutbox.enqueue(mail, at: now, on: tx)
        }
    }

    public func countPasswordResets(of user: UserID, since date: Date) async throws -> Int {
        let row = try await HotPath.sql(database).raw("""
            SELECT COUNT(*) AS n FROM password_resets WHERE user_id = \(bind: user.rawValue) AND created_at >= \(bind: date)
            """).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    public func completePasswordReset(tokenHash: String, newPasswordHash: String, at now: Date) async throws -> UserID? {
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            // Write first (marking the link used is what makes it single-use, also under two simultaneous submits).
            guard let row = try await sql.raw("""
                UPDATE password_resets SET used_at = \(bind: now)
                WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND expires_at > \(bind: now)
                RETURNING user_id
                """).first() else { return nil }
            let user = try row.decode(column: "user_id", as: Int64.self)
            // A new session epoch signs the account out everywhere: a session remembers the epoch it signed in with.
            try await sql.raw("""
                UPDATE users SET password_hash = \(bind: newPasswordHash), session_epoch = session_epoch + 1
                WHERE id = \(bind: user)
                """).run()
            return UserID(user)
        }
    }

    // MARK: Two-step sign-in

    public func fetchTwoStep(of user: UserID) async throws -> TwoStepSetting? {
        guard let row = try await UserModel.find(Int(user.rawValue), on: database), let encoded = row.totpSecret,
              let secret = Data(base64Encoded: encoded), let enabledAt = row.totpEnabledAt else { return nil }
        let left = try await HotPath.sql(database).raw("""
            SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = \(bind: user.rawValue) AND used_at IS NULL
            """).first()
        return TwoStepSetting(secret: Array(secret), enabledAt: enabledAt, lastUsedStep: row.totpLastStep,
                              recoveryCodesLeft: try left?.decode(column: "n", as: Int.self) ?? 0)
    }

    public func enableTwoStep(for user: UserID, secret: [UInt8], usedStep: Int64, recoveryCodeHashes: [String],
                              at now: Date) async throws {
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            guard try await sql.raw("""
                UPDATE users SET totp_secret = \(bind: Data(secret).base64EncodedString()), totp_enabled_at = \(bind: now),
                    totp_last_step = \(bind: usedStep)
                WHERE id = \(bind: user.rawValue) RETURNING id
                """).first() != nil else { throw StoreError.notFound }
            try await Self.insertRecoveryCodes(recoveryCodeHashes, of: user, on: sql)
        }
    }

    public func useTwoStepStep(_ step: Int64, of user: UserID) async throws -> Bool {
        try await HotPath.sql(database).raw("""
            UPDATE users SET totp_last_step = \(bind: step)
            WHERE id = \(bind: user.rawValue) AND totp_secret IS NOT NULL
                AND (totp_last_step IS NULL OR totp_last_step < \(bind: step))
            RETURNING id
            """).first() != nil
    }

    public func useRecoveryCode(hash: String, of user: UserID, at now: Date) async throws -> Bool {
        try await HotPath.sql(database).raw("""
            UPDATE recovery_codes SET used_at = \(bind: now)
            WHERE user_id = \(bind: user.rawValue) AND code_hash = \(bind: hash) AND used_at IS NULL
            RETURNING id
            """).first() != nil
    }

    public func replaceRecoveryCodes(of user: UserID, hashes: [String]) async throws {
        try await database.guardedTransaction { tx in
            try await Self.insertRecoveryCodes(hashes, of: user, on: try HotPath.sql(tx))
        }
    }

    public func disableTwoStep(of user: UserID, endingSessions: Bool) async throws {
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            try await sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: user.rawValue)").run()
            try await sql.raw("""
                UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
                    session_epoch = session_epoch + \(bind: endingSessions ? 1 : 0)
                WHERE id = \(bind: user.rawValue)
                """).run()
        }
    }

    /// Deletes the account's codes and inserts these (inside the caller's transaction).
    static func insertRecoveryCodes(_ hashes: [String], of user: UserID, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: user.rawValue)").run()
        for hash in hashes {
            try await sql.raw("""
                INSERT INTO recovery_codes (user_id, code_hash) VALUES (\(bind: user.rawValue), \(bind: hash))
                """).run()
        }
    }

    /// The columns `account(_:)` reads: what a `PortalAccount` holds of a `users` row.
    static let accountColumns = """
        id, name, email, role, customer_id, created_at, session_epoch,
        CASE WHEN deactivated_at IS NULL THEN 1 ELSE 0 END AS active,
        CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END AS two_step
        """

    static func account(_ row: any SQLRow) throws -> PortalAccount {
        PortalAccount(
            id: UserID(try row.decode(column: "id", as: Int64.self)), name: try row.decode(column: "name", as: String.self),
            email: try row.decode(column: "email", as: String.self),
            role: PortalRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .customer,
            customerID: try row.decode(column: "customer_id", as: Int64?.self).map { CustomerID($0) },
            createdAt: try row.decode(column: "created_at", as: Date.self),
            sessionEpoch: try row.decode(column: "session_epoch", as: Int.self),
            isActive: try row.decode(column: "active", as: Int.self) == 1,
            hasTwoStep: try row.decode(column: "two_step", as: Int.self) == 1)
    }
}
