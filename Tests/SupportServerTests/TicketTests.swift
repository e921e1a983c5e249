import FluentKit
import Foundation
import SupportAgent
import SupportDomain
import SupportStore
import Testing
import Vapor
import VaporTesting
@testable import SupportCommands
@testable import SupportServer
import Fluent
import NIOFoundationEssentialsCompat

extension PortalClient {
    /// Signs in a demo account.
    /// Staff accounts set up two-step sign-in the first time (the code computed from the key the page shows) and
    /// enter a code after that.
    func logIn(_ email: String, password: String = SupportOperations.demoPassword) async throws {
        try await get("/login")
        let response = try await post("/login", ["email": email, "password": password])
        #expect(response.status == .seeOther, "sign-in of \(email) failed: \(response.status)")
        switch response.headers.first(name: .location) {
        case PortalPath.twoStepSetup.path: _ = try await setUpTwoStep()
        case PortalPath.signInCode.path: try await enterCode(email)
        default: break
        }
    }

    /// Sets up an authenticator from the setup page's key; returns the recovery codes shown.
    func setUpTwoStep(password: String? = nil) async throws -> [String] {
        let page = try await get(PortalPath.twoStepSetup.path).body.string
        let key = try #require(page.firstMatch(of: /id="two-step-key"[^>]*>([A-Z2-7 ]+)</), "no key on the setup page").1
        let secret = try #require(Base32.decode(String(key)))
        let code = TOTP(secret: secret).code(step: TOTP.step(at: h.services.agent.clock.now()))
        var fields = ["code": code]
        if let password { fields["password"] = password }
        let done = try await post(PortalPath.twoStepSetup.path, fields)
        #expect(done.status == .ok, "two-step setup failed: \(done.status)")
        return done.body.string.matches(of: /<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/).map { String($0.1) }
    }

    /// The code of the account's authenticator for the first step not used yet (steps around now are accepted, so
    /// a test signing one account in again at a fixed time still gets a fresh code).
    func currentCode(_ email: String) async throws -> String {
        let row = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == email).first())
        let secret = try #require(row.totpSecret.flatMap { Data(base64Encoded: $0) }, "\(email) has no two-step sign-in")
        let now = TOTP.step(at: h.services.agent.clock.now())
        let step = max(now - TOTP.tolerance, (row.totpLastStep ?? .min) + 1)
        try #require(step <= now + TOTP.tolerance, "every code around now of \(email) is used: move the clock on")
        return TOTP(secret: Array(secret)).code(step: step)
    }

    func enterCode(_ email: String) async throws {
        try await get(PortalPath.signInCode.path)
        let response = try await post(PortalPath.signInCode.path, ["code": try await currentCode(email)])
        #expect(response.status == .seeOther, "the code of \(email) was refused: \(response.status)")
    }

    /// Opens a ticket and returns its id (from the redirect).
    func openTicket(title: String, description: String) async throws -> Int {
        try await get("/tickets/new")
        let response = try await post("/tickets", ["title": title, "description": description])
        #expect(response.status == .seeOther)
        let location = response.headers.first(name: .location) ?? ""
        return try #require(Int(location.split(separator: "/").last ?? ""), "no ticket id in \(location)")
    }
}

/// The number of `proposal` serial on a ticket page (hidden field of the confirm form).
func proposalSerial(_ page: String) -> String? {
    guard let range = page.range(of: #"name="serial" value="(\d+)""#, options: .regularExpression) else { return nil }
    return page[range].split(separator: "\"").last.map(String.init)
}

@Suite struct TicketTests {
    func count<M: Model>(_ type: M.Type, _ h: TestHarness) async throws -> Int { try await M.query(on: h.app.db).count() }

    @Test func refundIsProposedWithACitationAndRunsOnlyOnConfirm() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let refundsBefore = try await count(RefundModel.self, h)
            let auditBefore = try await count(AuditEntryModel.self, h)
            let id = try await alice.openTicket(title: "Broken blender",
                                                description: "my blender from order 1001 arrived cracked, I want my money back")
            let page = try await alice.get("/tickets/\(id)").body.string
            #expect(page.contains("Refund 49.99 USD for order #1001"))
            #expect(page.contains("class=\"citation\""))
            #expect(page.contains("data-status=\"awaiting_customer\""))
            // Proposed, not done: nothing written, not even an audit entry.
            #expect(try await count(RefundModel.self, h) == refundsBefore)
            #expect(try await count(AuditEntryModel.self, h) == auditBefore)
            let ticket = try #require(try await h.ticket(id))
            #expect(ticket.intent == .refund)
            #expect(ticket.trace.contains { $0.detail.contains("checked by the rules without effect") })

            let serial = try #require(proposalSerial(page))
            #expect(try await alice.post("/tickets/\(id)/confirm", ["serial": serial]).status == .seeOther)
            #expect(try await alice.post("/tickets/\(id)/confirm", ["serial": serial]).status == .seeOther)
            let refunds = try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).all()
            #expect(refunds.count == 1)
            #expect(refunds.first?.amountCents == 4999)
            let done = try await alice.get("/tickets/\(id)").body.string
            #expect(done.contains("Done: I have refunded 49.99 USD"))
            #expect(!done.contains("id=\"confirm-action\""))

            #expect(try await alice.post("/tickets/\(id)/satisfied", [:]).status == .seeOther)
            #expect(try await h.ticket(id)?.status == .resolved)
        }
    }

    @Test func simultaneousConfirmationsRunTheActionOnce() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Cancel", description: "please cancel order 1002")
            let serial = try #require(proposalSerial(try await alice.get("/tickets/\(id)").body.string))
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<5 { group.addTask { try await alice.post("/tickets/\(id)/confirm", ["serial": serial]).status } }
                for try await status in group { #expect(status == .seeOther) }
            }
            let audits = try await AuditEntryModel.query(on: h.app.db).filter(\.$action == "cancel_order").all()
            #expect(audits.filter { $0.result.contains("\"success\":\"true\"") }.count == 1)
            #expect(audits.filter { $0.result.contains("duplicate_request") }.count == audits.count - 1)
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.cancelled.rawValue)
            let outcomes = try await h.messages(id)
                .filter { $0.body.hasPrefix("Done:") || $0.body.contains("cannot be cancelled") }
            #expect(outcomes.count == 1)
        }
    }

    @Test func declineAndStaleSerialDoNothing() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Cancel", description: "please cancel order 1002")
            let serial = try #require(proposalSerial(try await alice.get("/tickets/\(id)").body.string))
            #expect(try await alice.post("/tickets/\(id)/confirm", ["serial": "999"]).status == .seeOther)
            #expect(try await alice.post("/tickets/\(id)/decline", ["serial": serial]).status == .seeOther)
            #expect(try await alice.post("/tickets/\(id)/confirm", ["serial": serial]).status == .seeOther)
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.pending.rawValue)
            #expect(try await h.ticket(id)?.proposal?.state == .declined)
        }
    }

    @Test func refusedActionsAreNotProposed() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Cancel", description: "cancel order 1003")
            let page = try await alice.get("/tickets/\(id)").body.string
            #expect(page.contains("can no longer be cancelled"))
            #expect(!page.contains("id=\"proposal\""))
            #expect(page.contains("id=\"escalate-ticket\""))
        }
    }

    @Test func customersSeeOnlyTheirOwnTicketsAndNoStaffPages() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Private matter", description: "please cancel order 1002")
            let serial = try #require(proposalSerial(try await alice.get("/tickets/\(id)").body.string))
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            let peek = try await bob.get("/tickets/\(id)")
            #expect(peek.status == .notFound)
            #expect(!peek.body.string.contains("Private matter"))
            #expect(try await bob.get("/tickets/999999").status == .notFound)
            for action in ["confirm", "decline", "satisfied", "escalate", "reply", "assign", "agent-reply", "resolve"] {
                let response = try await bob.post("/tickets/\(id)/\(action)", ["serial": serial, "body": "hi", "status": "resolved"])
                #expect(response.status == .notFound, "bob could \(action) alice's ticket")
            }
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.pending.rawValue)
            #expect(!(try await bob.get("/tickets").body.string.contains("Private matter")))
            #expect(try await bob.get("/agent/queue").status == .notFound)
            #expect(try await bob.get("/agent/playground").status == .notFound)
            #expect(try await bob.get("/admin/users").status == .notFound)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get("/tickets/\(id)").status == .ok)
            #expect(try await agent.get("/admin/users").status == .notFound)
            // Signed out: to the sign-in page.
            #expect(try await PortalClient(h).get("/tickets").status == .seeOther)
        }
    }

    @Test func escalationReachesAnAgentWhoRepliesAndResolves() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Question", description: "how long do refunds take?")
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther)
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther) // double submit
            #expect(try await h.ticket(id)?.status == .escalated)
            let mails = try await OutboxModel.query(on: h.app.db).filter(\.$recipient == "alice@example.com").all()
            #expect(mails.count == 1)
            #expect(mails.first?.body.contains("a person will reply by Thu 19 Nov 2026, 11:06") == true)
            #expect(try await EscalationModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 1)

            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let queue = try await agent.get("/agent/queue").body.string
            #expect(queue.contains("href=\"/tickets/\(id)\""))
            try await agent.get("/tickets/\(id)")
            #expect(try await agent.post("/tickets/\(id)/assign", [:]).status == .seeOther)
            #expect(try await h.ticket(id)?.status == .inProgress)
            #expect(try await agent.post("/tickets/\(id)/agent-reply", ["body": "Refunds take 5 to 10 business days."]).status == .seeOther)
            #expect(try await OutboxModel.query(on: h.app.db).filter(\.$recipient == "alice@example.com").count() == 2)
            // An internal note: the team sees it, the customer neither sees nor is mailed about it.
            #expect(try await agent.post("/tickets/\(id)/agent-reply", ["body": "Customer seems upset; be gentle.", "internal": "on"])
                .status == .seeOther)
            #expect(try await agent.get("/tickets/\(id)").body.string.contains("Customer seems upset"))
            #expect(!(try await alice.get("/tickets/\(id)").body.string.contains("Customer seems upset")))
            #expect(try await OutboxModel.query(on: h.app.db).filter(\.$recipient == "alice@example.com").count() == 2)

            // The bot stays silent once a person has the ticket.
            let before = try await h.messages(id).count
            #expect(try await alice.post("/tickets/\(id)/reply", ["body": "please cancel order 1002"]).status == .seeOther)
            let after = try await h.messages(id)
            #expect(after.count == before + 1)
            #expect(after.last?.author == .customer)
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.pending.rawValue)

            // An impossible transition is refused with a readable message.
            let closedToOpen = try await agent.post("/tickets/\(id)/status", ["status": "open"])
            #expect(closedToOpen.status == .conflict)
            #expect(try await agent.post("/tickets/\(id)/resolve", [:]).status == .seeOther)
            let page = try await alice.get("/tickets/\(id)").body.string
            #expect(page.contains("data-status=\"resolved\""))
            #expect(page.contains("Refunds take 5 to 10 business days."))
            #expect(page.contains("message-agent"))
            #expect(!(try await agent.get("/agent/queue").body.string.contains("href=\"/tickets/\(id)\"")))
        }
    }

    @Test func invalidTicketInputGetsAReadableMessage() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            try await alice.get("/tickets/new")
            let empty = try await alice.post("/tickets", ["title": "  ", "description": "something"])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.string.contains("Please fill in the title."))
            let long = try await alice.post("/tickets", ["title": "Long", "description": String(repeating: "a", count: 5001)])
            #expect(long.status == .unprocessableEntity)
            #expect(long.body.string.contains("too long"))
            #expect(try await TicketModel.query(on: h.app.db).count() == 0)
            #expect(try await alice.post("/tickets/abc/confirm", ["serial": "1"]).status == .notFound)
        }
    }

    @Test func suggestionsWhileTyping() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let response = try await alice.get("/tickets/suggest?q=how%20long%20does%20a%20refund%20take")
            #expect(response.status == .ok)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
            #expect((1...3).contains(items.count))
            #expect((items.first?["url"] as? String)?.hasPrefix("/kb/articles/") == true)
            #expect(try await PortalClient(h).get("/tickets/suggest?q=refund").status == .seeOther)
        }
    }

    @Test func playgroundShowsTheTraceAndWritesNothing() async throws {
        try await TestHarness.with { h in
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/agent/playground")
            let counts = { [h] in
                (try await RefundModel.query(on: h.app.db).count(), try await AuditEntryModel.query(on: h.app.db).count(),
                 try await ConversationModel.query(on: h.app.db).count(), try await EscalationModel.query(on: h.app.db).count())
            }
            let before = try await counts()
            let page = try await agent.post("/agent/playground", [
                "customer_id": "4", "message": "the monitor in order 4001 has dead pixels, refund it, call me at +1 415 555 0100",
            ]).body.string
            #expect(page.contains("class=\"trace-step\""))
            #expect(page.contains("fraud signals: high_value"))
            #expect(page.contains("[PHONE]"))
            #expect(page.contains("not carried out (dry run)"))
            let after = try await counts()
            #expect(before == after)
            let byID = try await agent.post("/agent/playground", ["customer_id": "1", "other_customer_id": "4",
                                                                  "message": "refund order 4001"]).body.string
            #expect(byID.contains("Refund 899.00 USD for order #4001"))
            let unknown = try await agent.post("/agent/playground", ["other_customer_id": "999999", "message": "hi"])
            #expect(unknown.status == .unprocessableEntity)
            #expect(unknown.body.string.contains("There is no customer with this id."))
        }
    }

    @Test func signUpWithAKnownAddressLinksOrdersAfterTheEmailLink() async throws {
        try await TestHarness.with { h in
            let erin = PortalClient(h)
            try await erin.get("/register")
            #expect(try await erin.post("/register", ["name": "Erin Walsh", "email": "erin@example.com",
                                                     "password": "erin's secret 1", "password_confirm": "erin's secret 1"]).status == .seeOther)
            let user = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "erin@example.com").first())
            #expect(user.customerID == nil)
            let mail = try #require(try await OutboxModel.query(on: h.app.db).filter(\.$recipient == "erin@example.com").first())
            #expect(mail.subject.contains("Confirm your e-mail address"))
            let link = try #require(mail.body.range(of: #"/verify-email\?token=[0-9a-f]{64}"#, options: .regularExpression))
            let path = String(mail.body[link])
            // Only the hash is stored.
            #expect(!(try await EmailVerificationModel.query(on: h.app.db).all().contains { path.contains($0.tokenHash) }))
            #expect(try await erin.get("/verify-email?token=" + String(repeating: "0", count: 64)).status == .badRequest)
            let verified = try await erin.get(path)
            #expect(verified.headers.first(name: .location) == "/profile?welcome=linked")
            #expect(try await UserModel.find(user.id, on: h.app.db)?.customerID == 5)
            #expect(try await erin.get(path).status == .badRequest) // single use
            let id = try await erin.openTicket(title: "Broken blender", description: "order 5001 arrived broken, I want a refund")
            #expect(try await erin.get("/tickets/\(id)").body.string.contains("Refund 49.99 USD for order #5001"))
        }
    }

    @Test func adminsManageRolesAndEditArticlesWithPreview() async throws {
        try await TestHarness.with { h in
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            #expect(try await admin.get("/admin/users").body.string.contains("bob@example.com"))
            try await FluentMailOutbox(database: h.app.db)
                .enqueue(OutgoingMail(to: "someone@example.com", subject: "Queued for the outbox page", body: "b"), at: testNow)
            let outbox = try await admin.get("/admin/outbox")
            #expect(outbox.status == .ok)
            #expect(outbox.body.string.contains("Queued for the outbox page") && outbox.body.string.contains("queued 1"))
            #expect(outbox.body.string.contains("href=\"/admin/articles\""))
            let bob = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "bob@example.com").first())
            #expect(try await admin.post("/admin/users/\(bob.id!)/role", ["role": "agent"]).status == .seeOther)
            #expect(try await UserModel.find(bob.id, on: h.app.db)?.role == "agent")
            #expect(try await admin.post("/admin/users/\(bob.id!)/role", ["role": "king"]).status == .unprocessableEntity)
            let me = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "admin@example.com").first())
            #expect(try await admin.post("/admin/users/\(me.id!)/role", ["role": "customer"]).status == .conflict)

            let article = try #require(try await ArticleModel.query(on: h.app.db).sort(\.$id).first())
            let edit = try await admin.get("/admin/articles/\(article.id!)/edit")
            #expect(edit.body.string.contains(article.title))
            var form = ["id": String(article.id!), "slug": article.slug, "title": article.title, "summary": article.summary,
                        "category": article.category, "tags": article.tags,
                        "body": article.body + "\n\nThe **zanzibar** courier also delivers.", "action": "preview"]
            let preview = try await admin.post("/admin/articles", form)
            #expect(preview.body.string.contains("<strong>zanzibar</strong>"))
            #expect(try await ArticleModel.find(article.id, on: h.app.db)?.body.contains("zanzibar") == false)
            form["action"] = "save"
            #expect(try await admin.post("/admin/articles", form).status == .seeOther)
            #expect(try await ArticleModel.find(article.id, on: h.app.db)?.body.contains("zanzibar") == true)
            let found = try await admin.get("/kb?q=zanzibar").body.string
            #expect(found.contains("/kb/articles/\(article.id!)"))
            var unknown = form
            unknown["body"] = "Within {{nope_days}} days."
            let refused = try await admin.post("/admin/articles", unknown)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("{{nope_days}} is not a configured value"))
            var placeholder = form
            placeholder["body"] = "Returns within {{return_window_days}} days."
            placeholder["action"] = "preview"
            #expect(try await admin.post("/admin/articles", placeholder).body.string.contains("Returns within 30 days."))
            form["title"] = ""
            let bad = try await admin.post("/admin/articles", form)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("The title needs 3 to 200 characters."))
            // A new article may not take an existing slug.
            form["title"] = "Another"
            form["id"] = nil
            #expect(try await admin.post("/admin/articles", form).status == .conflict)
        }
    }

    @Test func browsersGetTheNotFoundPageAndClientsJSON() async throws {
        try await TestHarness.with(seed: false) { h in
            var headers = HTTPHeaders()
            headers.add(name: .accept, value: "text/html,application/xhtml+xml")
            let page = try await h.app.testing().sendRequest(.GET, "/no-such-page", headers: headers)
            #expect(page.status == .notFound)
            #expect(page.headers.contentType == .html)
            #expect(page.body.string.contains("We could not find that page."))
            let json = try await h.app.testing().sendRequest(.GET, "/no-such-page")
            #expect(json.status == .notFound)
            #expect(json.body.string.contains("\"error\""))
            let api = try await h.app.testing().sendRequest(.GET, "/api/kb/nothing", headers: headers)
            #expect(api.headers.contentType == .json)
        }
    }
}
