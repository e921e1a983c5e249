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
