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
import SQLKit

/// Data-protection requests: everything stored about a customer as one document, erasure that keeps the money and
/// the audit trail but nothing that names the person, and retention.
@Suite struct PersonalDataTests {
    /// Alice's traces: a portal ticket with a word only she wrote, and a refund through the API.
    func aliceLeavesTraces(_ h: TestHarness) async throws -> Int {
        let alice = PortalClient(h)
        try await alice.logIn("alice@example.com")
        let ticket = try await alice.openTicket(title: "Marmalade question",
                                                description: "where is my order 1003? the zyxwvuquince jar is for my aunt")
        let refund = try await h.resolve("my blender from order 1001 arrived cracked, I want my money back", user: 1)
        #expect(refund.action?["success"] as? Bool == true)
        return ticket
    }

    @Test func anExportHoldsEverythingStoredAndNoSecrets() async throws {
        try await TestHarness.with { h in
            let ticket = try await aliceLeavesTraces(h)
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            let found = try await admin.get("/admin/customers?q=alice@example.com").body.string
            #expect(found.contains("Customer #1: Alice Martin"))
            let response = try await admin.get("/admin/customers/1/export")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentDisposition)?.contains("customer-1.json") == true)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect((document["customer"] as? [String: Any])?["email"] as? String == "alice@example.com")
            #expect((document["accounts"] as? [[String: Any]])?.first?["email"] as? String == "alice@example.com")
            #expect((document["orders"] as? [[String: Any]])?.contains { $0["id"] as? Int == 1001 && ($0["items"] as? [Any])?.isEmpty == false } == true)
            #expect((document["refunds"] as? [[String: Any]])?.contains { $0["order_id"] as? Int == 1001 && $0["amount_cents"] as? Int == 4999 } == true)
            let tickets = try #require(document["tickets"] as? [[String: Any]])
            let mine = try #require(tickets.first { $0["id"] as? Int == ticket })
            #expect((mine["messages"] as? [[String: Any]])?.contains { ($0["body"] as? String)?.contains("zyxwvuquince") == true } == true)
            #expect((document["actions"] as? [[String: Any]])?.contains { $0["action"] as? String == "issue_refund" } == true)
            #expect((document["sign_in_attempts"] as? [Any])?.isEmpty == false)
            // No password hash, no second-factor secret, no token.
            let text = response.body.string
            #expect(!text.contains("$2b$") && !text.contains("password") && !text.contains("totp_secret"))
            // The request is on record, and shown.
            #expect(try await admin.get("/admin/customers?q=1").body.string.contains("export by Ada Admin"))
            // Not for anyone else.
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get("/admin/customers/1/export").status == .notFound)
            #expect(try await admin.get("/admin/customers/999999/export").status == .notFound)
        }
    }

    @Test func erasureKeepsTheMoneyAndTheAuditButNothingThatNamesThePerson() async throws {
        try await TestHarness.with { h in
            let ticket = try await aliceLeavesTraces(h)
            let refundsBefore = try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).all()
            let auditBefore = try await AuditEntryModel.query(on: h.app.db).filter(\.$customerID == 1).count()
            // Alice's turns are written (the buffer flushed) with their rollup before the erasure.
            await h.services.stores.turnBuffer?.flush()
            let sql = try #require(h.app.db as? any SQLDatabase)
            func rows(_ table: String) async throws -> Int {
                try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE customer_id = 1").first()?.decode(column: "n", as: Int.self) ?? -1
            }
            #expect(try await rows("conversation_turns") > 0)
            #expect(try await rows("conversation_rollups") > 0)
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            try await admin.get("/admin/customers?q=1")
            // The confirmation must be typed exactly.
            #expect(try await admin.post("/admin/customers/1/erase", ["confirm": "erase"]).status == .unprocessableEntity)
            #expect(try await h.ticket(ticket)?.title == "Marmalade question")
            let done = try await admin.post("/admin/customers/1/erase", ["confirm": "ERASE 1"])
            #expect(done.status == .seeOther)
            #expect(try await admin.get(done.headers.first(name: .location) ?? "").body.string.contains("personal data is erased"))

            // The money and the audit trail stay.
            let refundsAfter = try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).all()
            #expect(refundsAfter.map(\.amountCents) == refundsBefore.map(\.amountCents))
            #expect(try await AuditEntryModel.query(on: h.app.db).filter(\.$customerID == 1).count() == auditBefore)
            // Nothing that names her: the export says so, the ticket text is gone (and not found by search), the
            // conversations are gone, and her account cannot sign in.
            let exported = try #require(try await h.services.stores.personalData.export(customer: CustomerID(1), requestedBy: "test", at: testNow))
            let text = String(decoding: exported, as: UTF8.self)
            for trace in ["alice@example.com", "Alice", "Martin", "zyxwvuquince", "Marmalade"] {
                #expect(!text.contains(trace), "the export after erasure still holds \(trace)")
            }
            #expect(try await h.messages(ticket).allSatisfy { $0.body == "[erased]" })
            let search = try await h.services.stores.tickets.searchTickets(TicketFilter(text: "zyxwvuquince"), offset: 0, limit: 10)
            #expect(search.total == 0)
            #expect(try await ConversationModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 0)
            // The turns kept for review and their rollups for the dashboard go too.
            #expect(try await rows("conversation_turns") == 0)
            #expect(try await rows("conversation_rollups") == 0)
            let alice = PortalClient(h)
            try await alice.get("/login")
            #expect(try await alice.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword]).status
                == .unauthorized)
            // Other customers are untouched.
            #expect(try await CustomerModel.find(2, on: h.app.db)?.email == "bob@example.com")
        }
    }

    @Test func retentionRemovesOldTextOnly() async throws {
        try await TestHarness.with { h in
            let ticket = try await aliceLeavesTraces(h)
            let store = h.services.stores.personalData
            // Nothing is older than a cutoff in the past.
            #expect(try await store.purge(before: testNow.addingTimeInterval(-86_400)) == RetentionReport())
            #expect(try await h.messages(ticket).contains { $0.body.contains("zyxwvuquince") })
            // An open ticket keeps its text whatever its age; conversation state goes.
            let cutoff = testNow.addingTimeInterval(86_400)
            let first = try await store.purge(before: cutoff)
            #expect(first.conversations > 0 && first.messages == 0)
            #expect(try await h.messages(ticket).contains { $0.body.contains("zyxwvuquince") })
            // Once closed, its text goes too.
            var closed = try #require(try await h.ticket(ticket))
            closed.close(at: testNow)
            try await h.services.stores.tickets.saveTicket(closed, appending: nil, mail: nil)
            let second = try await store.purge(before: cutoff)
            #expect(second.messages > 0)
            #expect(try await h.messages(ticket).allSatisfy { !$0.body.contains("zyxwvuquince") })
        }
    }
}
