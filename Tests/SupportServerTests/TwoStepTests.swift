import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing
@testable import SupportCommands
@testable import SupportServer
import Vapor
import VaporTesting
import Fluent

/// Two-step sign-in: RFC 6238 codes, required for staff, optional for customers, single-use codes and recovery codes,
/// throttled guessing, and an admin's reset.
@Suite struct TwoStepTests {
    @Test func codesMatchTheRFC6238TestVectors() throws {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        // RFC 6238 appendix B (SHA-1), the last six of its eight digits.
        let vectors: [(TimeInterval, String)] = [(59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"),
                                                 (1_234_567_890, "005924"), (2_000_000_000, "279037"),
                                                 (20_000_000_000, "353130")]
        for (time, code) in vectors {
            #expect(totp.code(step: TOTP.step(at: Date(timeIntervalSince1970: time))) == code)
        }
        let now = Date(timeIntervalSince1970: 1_234_567_890)
        let step = TOTP.step(at: now)
        #expect(totp.matchingStep(of: "005924", at: now) == step)
        #expect(totp.matchingStep(of: "005 924", at: now) == step)
        #expect(totp.matchingStep(of: totp.code(step: step - 1), at: now) == step - 1)
        #expect(totp.matchingStep(of: totp.code(step: step + 2), at: now) == nil)
        #expect(totp.matchingStep(of: "00592", at: now) == nil)
        #expect(totp.matchingStep(of: "٠٠٥٩٢٤", at: now) == nil)
        // RFC 4648 test vectors.
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw 6ytb-oi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
        let uri = totp.provisioningURI(account: "agent@example.com", issuer: "SupportOps")
        #expect(uri.hasPrefix("otpauth://totp/SupportOps:agent@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=SupportOps"))
    }

    @Test func staffSetUpTwoStepBeforeReachingTheDeskAndCodesWorkOnce() async throws {
        let clock = ManualClock(testNow)
        try await TestHarness.with(clock: clock) { h in
            let agent = PortalClient(h)
            try await agent.get("/login")
            let first = try await agent.post("/login", ["email": "agent@example.com", "password": SupportOperations.demoPassword])
            #expect(first.headers.first(name: .location) == "/profile/two-step")
            // The password alone does not open the desk.
            #expect(try await agent.get("/agent/queue").headers.first(name: .location) == "/profile/two-step")
            let setup = try await agent.get("/profile/two-step").body.string
            #expect(setup.contains("needs two-step sign-in"))
            #expect(setup.contains("<svg"))
            #expect(try await agent.post("/profile/two-step", ["code": "000000"]).status == .unprocessableEntity)
            let codes = try await agent.setUpTwoStep()
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(try await agent.get("/agent/queue").status == .ok)
            // Only hashes of the recovery codes are stored.
            let stored = try await RecoveryCodeRow.query(on: h.app.db).all()
            #expect(stored.count == 10 && stored.allSatisfy { row in !codes.contains { RecoveryCodes.normalized($0) == row.codeHash } })

            // Next sign-in: password, then a code; the code used at set-up is spent.
            clock.advance(by: 5)
            let laptop = PortalClient(h)
            try await laptop.get("/login")
            let again = try await laptop.post("/login", ["email": "agent@example.com", "password": SupportOperations.demoPassword])
            #expect(again.headers.first(name: .location) == "/login/code")
            #expect(try await laptop.get("/login/code").status == .ok)
            #expect(try await laptop.get("/agent/queue").headers.first(name: .location) == "/login/code")
            let row = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "agent@example.com").first())
            let secret = Array(try #require(row.totpSecret.flatMap { Data(base64Encoded: $0) }))
            let spent = TOTP(secret: secret).code(step: try #require(row.totpLastStep))
            #expect(try await laptop.post("/login/code", ["code": spent]).status == .unauthorized)
            let code = try await laptop.currentCode("agent@example.com")
            let accepted = try await laptop.post("/login/code", ["code": code])
            #expect(accepted.status == .seeOther && accepted.headers.first(name: .location) == "/agent/queue")
            #expect(try await laptop.get("/agent/queue").status == .ok)

            // The same code again (someone watching over a shoulder) is refused.
            let shoulder = PortalClient(h)
            try await shoulder.get("/login")
            try await shoulder.passwordOnly("agent@example.com")
            #expect(try await shoulder.post("/login/code", ["code": code]).status == .unauthorized)
            // A recovery code works once, in any case and with spaces.
            let recovery = codes[3].uppercased().replacingOccurrences(of: "-", with: " ")
            let used = try await shoulder.post("/login/code", ["code": recovery])
            #expect(used.headers.first(name: .location) == "/profile?two_step=recovery_used")
            let profile = try await shoulder.get("/profile").body.string
            #expect(profile.contains(#"id="recovery-codes-left">9<"#))
            let thief = PortalClient(h)
            try await thief.get("/login")
            try await thief.passwordOnly("agent@example.com")
            #expect(try await thief.post("/login/code", ["code": codes[3]]).status == .unauthorized)
            // Staff cannot turn it off.
            #expect(try await shoulder.post("/profile/two-step/off", ["password": SupportOperations.demoPassword]).status == .forbidden)
            #expect(try await UserModel.query(on: h.app.db).filter(\.$email == "agent@example.com").first()?.totpSecret != nil)

            // Half-way sessions expire after ten minutes.
            let slow = PortalClient(h)
            try await slow.get("/login")
            try await slow.passwordOnly("agent@example.com")
            clock.advance(by: 11 * 60)
            let late = try await slow.post("/login/code", ["code": try await slow.currentCode("agent@example.com")])
            #expect(late.status == .unauthorized && late.body.string.contains("took too long"))
        }
    }

    @Test func guessingCodesIsThrottledLikePasswords() async throws {
        try await TestHarness.with { h in
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let guesser = PortalClient(h)
            try await guesser.get("/login")
            try await guesser.passwordOnly("agent@example.com")
            let right = try await guesser.currentCode("agent@example.com")
            let wrong = right == "123456" ? "654321" : "123456"
            for _ in 0..<PortalController.maxFailedLogins {
                #expect(try await guesser.post("/login/code", ["code": wrong]).status == .unauthorized)
            }
            // Even the right code now waits out the pause.
            #expect(try await guesser.post("/login/code", ["code": right]).status == .tooManyRequests)
            #expect(try await guesser.post("/login/code", ["code": ""]).status == .badRequest)
        }
    }

    @Test func customersChooseTwoStepAndAnAdminResetsALostPhone() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            var profile = try await alice.get("/profile").body.string
            #expect(profile.contains(#"data-enabled="false""#))
            let codes = try await alice.setUpTwoStep()
            #expect(codes.count == 10)
            profile = try await alice.get("/profile").body.string
            #expect(profile.contains(#"data-enabled="true""#))
            // Moving to a new phone needs the password.
            try await alice.get("/profile/two-step")
            #expect(try await alice.post("/profile/two-step", ["code": "000000", "password": "wrong password"]).status == .unauthorized)
            // New recovery codes replace the old ones.
            try await alice.get("/profile")
            let fresh = try await alice.post("/profile/two-step/recovery-codes", ["password": SupportOperations.demoPassword])
            #expect(fresh.status == .ok)
            let newCodes = fresh.body.string.matches(of: /<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/).map { String($0.1) }
            #expect(newCodes.count == 10 && Set(newCodes).isDisjoint(with: codes))

            let phone = PortalClient(h)
            try await phone.get("/login")
            try await phone.passwordOnly("alice@example.com")
            #expect(try await phone.post("/login/code", ["code": codes[0]]).status == .unauthorized)
            #expect(try await phone.post("/login/code", ["code": newCodes[0]]).status == .seeOther)

            // An admin resets it: every session ends, and the next sign-in needs no code (a customer).
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            let aliceID = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "alice@example.com").first()?.id)
            try await admin.get("/admin/users")
            #expect(try await admin.post("/admin/users/\(aliceID)/two-step-reset", [:]).status == .seeOther)
            #expect(try await phone.get("/profile").status == .seeOther)
            #expect(try await RecoveryCodeRow.query(on: h.app.db).filter(\.$userID == aliceID).count() == 0)
            let back = PortalClient(h)
            try await back.get("/login")
            let signedIn = try await back.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword])
            #expect(signedIn.headers.first(name: .location) == "/profile")
            // Customers may turn it off themselves.
            _ = try await back.setUpTwoStep()
            try await back.get("/profile")
            #expect(try await back.post("/profile/two-step/off", ["password": SupportOperations.demoPassword]).status == .seeOther)
            #expect(try await back.get("/profile").body.string.contains(#"data-enabled="false""#))
            // Only admins reset.
            #expect(try await back.post("/admin/users/\(aliceID)/two-step-reset", [:]).status == .notFound)
        }
    }

    @Test func aCustomerMadeStaffSetsUpTwoStepBeforeTheNextPage() async throws {
        try await TestHarness.with { h in
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            let bobID = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "bob@example.com").first()?.id)
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            try await admin.get("/admin/users")
            #expect(try await admin.post("/admin/users/\(bobID)/role", ["role": "agent"]).status == .seeOther)
            // Bob's open session now owes the set-up before any page.
            #expect(try await bob.get("/agent/queue").headers.first(name: .location) == "/profile/two-step")
            _ = try await bob.setUpTwoStep()
            #expect(try await bob.get("/agent/queue").status == .ok)
        }
    }
}

extension PortalClient {
    /// The first half of signing in: the password; then the page asking for the code (the session is new after the
    /// password, so is its CSRF token).
    func passwordOnly(_ email: String) async throws {
        let response = try await post("/login", ["email": email, "password": SupportOperations.demoPassword])
        #expect(response.headers.first(name: .location) == "/login/code")
        #expect(try await get("/login/code").status == .ok)
    }
}

/// The recovery-code rows, read directly (the store has no reason to list them).
final class RecoveryCodeRow: Model, @unchecked Sendable {
    static let schema = "recovery_codes"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "user_id") var userID: Int
    @Field(key: "code_hash") var codeHash: String
    @OptionalField(key: "used_at") var usedAt: Date?
    init() {}
}
