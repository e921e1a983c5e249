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
