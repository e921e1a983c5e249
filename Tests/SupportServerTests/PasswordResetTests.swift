import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing
@testable import SupportCommands
@testable import SupportServer
import Vapor
import VaporTestUtils
import Fluent
import NIOHTTP1

/// Password reset by e-mail: the same answer for any address, a single-use one-hour link stored only as a hash, and
/// every other session signed out.
@Suite struct PasswordResetTests {
    func resetLink(_ h: TestHarness, to address: String) async throws -> String? {
        let mails = try await h.services.stores.outbox.fetchRecent(limit: 50).filter { $0.mail.to == address }
        guard let body = mails.first(where: { $0.mail.subject.contains("Reset your") })?.mail.body,
              let range = body.range(of: #"/reset-password\?token=[0-9a-f]{64}"#, options: .regularExpression) else { return nil }
        return String(body[range])
    }

    @Test func resetWithTheLinkOnceAndEveryOtherSessionEnds() async throws {
        try await TestHarness.with { h in
            // Alice is signed in on another device.
            let laptop = PortalClient(h)
            try await laptop.logIn("alice@example.com")
            #expect(try await laptop.get("/profile").status == .ok)

            let phone = PortalClient(h)
            try await phone.get("/forgot-password")
            let known = try await phone.post("/forgot-password", ["email": "alice@example.com"])
            let unknown = try await phone.post("/forgot-password", ["email": "nobody@example.com"])
            // The same answer whether or not the address has an account.
            #expect(known.status == .ok && unknown.status == .ok)
            #expect(known.body.string.contains("If an account uses") && unknown.body.string.contains("If an account uses"))
            #expect(try await resetLink(h, to: "nobody@example.com") == nil)
            let link = try #require(try await resetLink(h, to: "alice@example.com"))
            // Only the hash is stored.
            let token = String(link.split(separator: "=").last ?? "")
            let stored = try await h.app.db.query(PasswordResetRow.self).all()
            #expect(!stored.isEmpty && stored.allSatisfy { $0.tokenHash != token })

            try await phone.get(link)
            #expect(try await phone.post("/reset-password", ["token": token, "password": "short", "password_confirm": "short"])
                .status == .unprocessableEntity)
            let done = try await phone.post("/reset-password", ["token": token, "password": "a brand new secret",
                                                                "password_confirm": "a brand new secret"])
            #expect(done.headers.first(name: .location) == "/login?reset=1")
            // Single use.
            try await phone.get(link)
            #expect(try await phone.post("/reset-password", ["token": token, "password": "another new secret",
                                                             "password_confirm": "another new secret"]).status == .badRequest)
            // The laptop's session is over; the old password no longer works, the new one does.
            #expect(try await laptop.get("/profile").status == .seeOther)
            let old = PortalClient(h)
            try await old.get("/login")
            #expect(try await old.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword])
                .status == .unauthorized)
            try await old.logIn("alice@example.com", password: "a brand new secret")
            #expect(try await old.get("/profile").status == .ok)
        }
    }

    @Test func loggingOutOnEveryDeviceEndsEverySession() async throws {
        try await TestHarness.with { h in
            let laptop = PortalClient(h), phone = PortalClient(h)
            try await laptop.logIn("bob@example.com")
            try await phone.logIn("bob@example.com")
            try await phone.get("/profile")
            let out = try await phone.post("/profile/sign-out-everywhere", [:])
            #expect(out.headers.first(name: .location) == "/login?signed_out=everywhere")
            #expect(try await laptop.get("/profile").status == .seeOther)
            #expect(try await phone.get("/profile").status == .seeOther)
            // Signing in again works as before.
            try await laptop.logIn("bob@example.com")
            #expect(try await laptop.get("/profile").status == .ok)
        }
    }
}

/// The password_resets table as the test reads it.
final class PasswordResetRow: Model, @unchecked Sendable {
    static let schema = "password_resets"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "token_hash") var tokenHash: String
    init() {}
}

/// Admins invite people, and deactivate and reactivate accounts.
@Suite struct AccountAdministrationTests {
    @Test func anInviteeChoosesAPasswordThroughTheEmailedLink() async throws {
        try await TestHarness.with { h in
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            try await admin.get("/admin/users")
            let sent = try await admin.post("/admin/users/invite", ["name": "Nina New", "email": "nina@example.com", "role": "agent"])
            #expect(sent.headers.first(name: .location) == "/admin/users?invited=1")
            #expect(try await admin.post("/admin/users/invite", ["name": "Nina", "email": "nina@example.com", "role": "agent"])
                .status == .conflict)
            #expect(try await admin.post("/admin/users/invite", ["name": "X", "email": "x@example.com", "role": "king"])
                .status == .unprocessableEntity)
            let mail = try #require(try await h.services.stores.outbox.fetchRecent(limit: 20)
                .first { $0.mail.to == "nina@example.com" })
            let link = try #require(mail.mail.body.range(of: #"/reset-password\?token=[0-9a-f]{64}"#, options: .regularExpression)
                .map { String(mail.mail.body[$0]) })
            let nina = PortalClient(h)
            try await nina.get(link)
            let token = String(link.split(separator: "=").last ?? "")
            #expect(try await nina.post("/reset-password", ["token": token, "password": "nina's own secret",
                                                            "password_confirm": "nina's own secret"]).status == .seeOther)
            try await nina.logIn("nina@example.com", password: "nina's own secret")
            #expect(try await nina.get("/agent/queue").status == .ok)
        }
    }

    @Test func aDeactivatedAccountIsSignedOutAndCannotSignIn() async throws {
        try await TestHarness.with { h in
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            let users = try await admin.get("/admin/users").body.string
            let bobID = try #require(try await h.services.stores.accounts.fetchCredentials(email: "bob@example.com")?.account.id)
            #expect(users.contains("/admin/users/\(bobID)/active"))
            #expect(try await admin.post("/admin/users/\(bobID)/active", ["active": "no"]).status == .seeOther)
            #expect(try await bob.get("/profile").status == .seeOther)
            let again = PortalClient(h)
            try await again.get("/login")
            let refused = try await again.post("/login", ["email": "bob@example.com", "password": SupportOperations.demoPassword])
            #expect(refused.status == .forbidden)
            #expect(refused.body.string.contains("deactivated"))
            // A wrong password learns nothing more than before.
            let wrong = try await again.post("/login", ["email": "bob@example.com", "password": "not the password"])
            #expect(wrong.status == .unauthorized && !wrong.body.string.contains("deactivated"))
            // An admin cannot deactivate themself; reactivation lets Bob back in.
            let adminID = try #require(try await h.services.stores.accounts.fetchCredentials(email: "admin@example.com")?.account.id)
            #expect(try await admin.post("/admin/users/\(adminID)/active", ["active": "no"]).status == .conflict)
            #expect(try await admin.post("/admin/users/\(bobID)/active", ["active": "yes"]).status == .seeOther)
            try await again.logIn("bob@example.com")
            #expect(try await again.get("/profile").status == .ok)
        }
    }
}
