import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing
@testable import SupportCommands
@testable import SupportServer
import VaporTestUtils
import NIOHTTP1
import Fluent

/// A support agent acts on the ticket customer's orders through the guarded tools: preview, then confirm.
@Suite struct AgentOrderActionTests {
    func confirmationToken(_ page: String) -> String? {
        page.range(of: #"name="token" value="([^"]+)""#, options: .regularExpression).map {
            String(page[$0].dropFirst(#"name="token" value=""#.count).dropLast())
        }
    }

    @Test func anAgentPreviewsThenCancelsAnOrderAndTheCustomerIsTold() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Question", description: "how long do refunds take?")
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther)

            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let page = try await agent.get("/tickets/\(id)").body.string
            // The panel lists Alice's orders with what each allows now: 1002 (pending) can be cancelled, 1003 (shipped) not.
            #expect(page.contains("id=\"customer-panel\""))
            #expect(page.contains("data-order=\"1002\""))
            #expect(page.contains("Cancel #1002"))
            #expect(!page.contains("Cancel #1003"))
            // Alice herself never sees the panel.
            #expect(!(try await alice.get("/tickets/\(id)").body.string.contains("customer-panel")))

            let auditsBefore = try await AuditEntryModel.query(on: h.app.db).count()
            let preview = try await agent.post("/tickets/\(id)/order-action", ["action": "cancel_order", "order": "1002"])
            #expect(preview.status == .ok)
            let previewPage = preview.body.string
            #expect(previewPage.contains("Cancel order #1002"))
            // A preview writes nothing, not even an audit row.
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.pending.rawValue)
            #expect(try await AuditEntryModel.query(on: h.app.db).count() == auditsBefore)

            let token = try #require(confirmationToken(previewPage))
            let form = ["action": "cancel_order", "order": "1002", "reason": "not_given", "token": token]
            #expect(try await agent.post("/tickets/\(id)/order-action-confirm", form).status == .seeOther)
            #expect(try await agent.post("/tickets/\(id)/order-action-confirm", form).status == .seeOther) // double submit
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == OrderStatus.cancelled.rawValue)
            let audits = try await AuditEntryModel.query(on: h.app.db).filter(\.$action == "cancel_order").all()
            #expect(audits.filter { $0.result.contains("\"success\":\"true\"") }.count == 1)
            #expect(audits.allSatisfy { $0.parameters.contains("\"agent_id\"") })
            // The customer reads it on the ticket and gets an e-mail; the ticket is the agent's now.
            let messages = try await h.messages(id)
            #expect(messages.filter { $0.author == .agent && $0.body.contains("cancelled") }.count == 1)
            let mails = try await h.services.stores.outbox.fetchRecent(limit: 20).filter { $0.mail.to == "alice@example.com" }
            #expect(mails.contains { $0.mail.subject.contains("An update on your ticket #\(id)") })
            #expect(try await h.ticket(id)?.assigneeID != nil)
        }
    }

    @Test func theRulesHoldForAgentsToo() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Question", description: "how long do refunds take?")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/tickets/\(id)")
            // Shipped: cannot be cancelled; someone else's order: not found. Neither offers a confirm button.
            let shipped = try await agent.post("/tickets/\(id)/order-action", ["action": "cancel_order", "order": "1003"])
            #expect(shipped.body.string.contains("can no longer be cancelled"))
            #expect(!shipped.body.string.contains("id=\"order-action-confirm\""))
            let foreign = try await agent.post("/tickets/\(id)/order-action", ["action": "issue_refund", "order": "2001"])
            #expect(!foreign.body.string.contains("id=\"order-action-confirm\""))
            // Even a forged confirmation runs the rules again: nothing changes, the refusal is an internal note.
            let forged = ["action": "cancel_order", "order": "1003", "token": "forged-1"]
            #expect(try await agent.post("/tickets/\(id)/order-action-confirm", forged).status == .seeOther)
            #expect(try await OrderModel.find(1003, on: h.app.db)?.status == OrderStatus.shipped.rawValue)
            #expect(try await h.messages(id).contains { $0.author == .note && $0.body.hasPrefix("Not done:") })
            // Customers cannot use these forms at all.
            #expect(try await alice.post("/tickets/\(id)/order-action", ["action": "cancel_order", "order": "1002"]).status
                == .notFound)
            #expect(try await agent.post("/tickets/\(id)/order-action", ["action": "launch", "order": "1002"]).status
                == .unprocessableEntity)
        }
    }

    @Test func thePanelShowsPastRefundsAndOtherTickets() async throws {
        try await TestHarness.with { h in
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            let first = try await bob.openTicket(title: "First", description: "where is my order 2001?")
            let second = try await bob.openTicket(title: "Second", description: "how long do refunds take?")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let page = try await agent.get("/tickets/\(second)").body.string
            // Bob's two past refunds (the demo's 2002 and 2003), and his other ticket.
            #expect(page.contains("for order #2002"))
            #expect(page.contains("for order #2003"))
            #expect(page.contains("href=\"/tickets/\(first)\""))
            // A returned order offers no refund (the limit itself is checked by the preview, not by the panel).
            #expect(!page.contains("Refund #2003"))
            #expect(page.contains("Refund #2001"))
        }
    }

    @Test func aLeadMayRefundOutsideTheWindowAsGoodwillWithAReason() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Late", description: "my lamp from order 1004 broke, can I still get a refund?")
            // An agent sees the refusal and no override.
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            // The panel offers an agent no refund of the order, a lead a goodwill one.
            #expect(!(try await agent.get("/tickets/\(id)").body.string.contains("Goodwill refund #1004")))
            let refused = try await agent.post("/tickets/\(id)/order-action", ["action": "issue_refund", "order": "1004"])
            #expect(!refused.body.string.contains("id=\"order-action-override\""))
            let token = try #require(confirmationToken(refused.body.string) ?? "issue_refund-1004-0")
            let forged = ["action": "issue_refund", "order": "1004", "token": token, "override": "goodwill",
                          "override_reason": "Long-standing customer, lamp failed early"]
            #expect(try await agent.post("/tickets/\(id)/order-action-confirm", forged).status == .forbidden)
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1004).count() == 0)

            // A lead may, with a written reason; the audit row says it was an override by whom.
            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            #expect(try await lead.get("/tickets/\(id)").body.string.contains("Goodwill refund #1004"))
            let preview = try await lead.post("/tickets/\(id)/order-action", ["action": "issue_refund", "order": "1004"])
            let page = preview.body.string
            #expect(page.contains("id=\"order-action-override\""))
            let leadToken = try #require(confirmationToken(page))
            var form = ["action": "issue_refund", "order": "1004", "token": leadToken, "override": "goodwill", "override_reason": "too short"]
            #expect(try await lead.post("/tickets/\(id)/order-action-confirm", form).status == .unprocessableEntity)
            form["override_reason"] = "Long-standing customer, the lamp failed early"
            #expect(try await lead.post("/tickets/\(id)/order-action-confirm", form).status == .seeOther)
            let refunds = try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1004).all()
            #expect(refunds.count == 1)
            let audit = try #require(try await AuditEntryModel.query(on: h.app.db).filter(\.$action == "issue_refund").all()
                .first { $0.result.contains("\"success\":\"true\"") })
            #expect(audit.parameters.contains("\"override\":\"goodwill\"") && audit.parameters.contains("agent_id"))
            #expect(try await h.messages(id).contains { $0.author == .note && $0.body.contains("the lamp failed early") })
            // Final sale is never overridable: the rules still refuse.
            let finalSale = try await lead.post("/tickets/\(id)/order-action", ["action": "issue_refund", "order": "1005"])
            #expect(!finalSale.body.string.contains("id=\"order-action-override\""))
        }
    }
}

/// The support team's list of every ticket, with filters and pages.
@Suite struct AllTicketsTests {
    @Test func everyTicketIsFoundByFilterAndTitle() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let broken = try await alice.openTicket(title: "Broken Blender", description: "how long do refunds take?")
            let late = try await alice.openTicket(title: "Late parcel", description: "how long does delivery take?")
            #expect(try await alice.post("/tickets/\(late)/satisfied", [:]).status == .seeOther)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let all = try await agent.get("/agent/tickets").body.string
            #expect(all.contains("href=\"/tickets/\(broken)\"") && all.contains("href=\"/tickets/\(late)\""))
            // Resolved tickets are listed too (the queue does not show them), and filters narrow the list.
            let resolved = try await agent.get("/agent/tickets?status=resolved").body.string
            #expect(resolved.contains("href=\"/tickets/\(late)\"") && !resolved.contains("href=\"/tickets/\(broken)\""))
            let byTitle = try await agent.get("/agent/tickets?q=blender").body.string
            #expect(byTitle.contains("href=\"/tickets/\(broken)\"") && !byTitle.contains("href=\"/tickets/\(late)\""))
            #expect(byTitle.contains("1 tickets"))
            let mine = try await agent.get("/agent/tickets?mine=1").body.string
            #expect(mine.contains("No ticket matches."))
            // Customers cannot see it; nonsense filters are ignored, not errors.
            #expect(try await alice.get("/agent/tickets").status == .notFound)
            #expect(try await agent.get("/agent/tickets?status=flying&page=-3").status == .ok)
        }
    }
}
