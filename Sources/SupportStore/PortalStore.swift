public import FluentKit
import Foundation
public import SupportDomain

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

    public init() {}

    public init(email: String, name: String, passwordHash: String, role: PortalRole, customerID: Int?, createdAt: Date) {
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
