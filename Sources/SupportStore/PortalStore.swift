public import FluentKit
import Foundation
public import SupportDomain
import FluentSQL
import SQLKit

/// A portal account. Customers are linked to their customer record; agents and admins are not.
public final class UserModel: Model, @unchecked Sendable {
    public static let schema = "users"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    /// bcrypt.
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var role: String
    @OptionalField(key: "customer_id") public var customerID: Int?
    @Field(key: "created_at") public var createdAt: Date
    /// Bumped when the password is reset: sessions signed in under an older epoch are over.
    @Field(key: "session_epoch") public var sessionEpoch: Int
    @OptionalField(key: "deactivated_at") public var deactivatedAt: Date?
    /// The authenticator's shared secret (base64) while two-step sign-in is on.
    @OptionalField(key: "totp_secret") public var totpSecret: String?
    @OptionalField(key: "totp_enabled_at") public var totpEnabledAt: Date?
    /// The newest authenticator step used: a code works once.
    @OptionalField(key: "totp_last_step") public var totpLastStep: Int64?

    public init() {}

    public init(email: String, name: String, passwordHash: String, role: PortalRole, customerID: Int?, createdAt: Date) {
        self.sessionEpoch = 0
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.role = role.rawValue
        self.customerID = customerID
        self.createdAt = createdAt
    }
}

/// One failed or successful sign-in attempt, for throttling across instances.
public final class LoginAttemptModel: Model, @unchecked Sendable {
    public static let schema = "login_attempts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "email") public var email: String
    @Field(key: "succeeded") public var succeeded: Bool
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(email: String, succeeded: Bool, createdAt: Date) {
        self.email = email
        self.succeeded = succeeded
        self.createdAt = createdAt
    }
}

/// Admins deactivate and reactivate accounts.
struct AddAccountDeactivation: AsyncMigration {
    var name: String { "SupportOps.AddAccountDeactivation.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("deactivated_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("deactivated_at").update()
    }
}

/// Two-step sign-in: the authenticator secret on the account, single-use recovery codes (only their SHA-256).
struct AddTwoStepSignIn: AsyncMigration {
    var name: String { "SupportOps.AddTwoStepSignIn.v1" }

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        try await database.schema("users").field("totp_secret", .string).update()
        try await database.schema("users").field("totp_enabled_at", .datetime).update()
        try await database.schema("users").field("totp_last_step", .int64).update()
        try await database.schema("recovery_codes")
            .field("id", .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .unique(on: "user_id", "code_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("recovery_codes").delete()
        for column in ["totp_secret", "totp_enabled_at", "totp_last_step"] {
            try await database.schema("users").deleteField(.key(.string(column))).update()
        }
    }
}

/// Password-reset links: only the token's SHA-256 is stored; single use, one hour.
struct CreatePasswordResets: AsyncMigration {
    var name: String { "SupportOps.CreatePasswordResets.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("password_resets")
            .field("id", .int, .identifier(auto: true))
            .field("token_hash", .string, .required)
            .field("user_id", .int, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema("users").field("session_epoch", .int, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("password_resets").delete()
        try await database.schema("users").deleteField("session_epoch").update()
    }
}

struct CreatePortal: AsyncMigration {
    var name: String { "SupportOps.CreatePortal.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("id", .int, .identifier(auto: true))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("customer_id", .int, .references("customers", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "email")
            .create()
        try await database.schema("login_attempts")
            .field("id", .int, .identifier(auto: true))
            .field("email", .string, .required)
            .field("succeeded", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("login_attempts").delete()
        try await database.schema("users").delete()
    }
}
