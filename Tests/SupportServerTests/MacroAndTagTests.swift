import Foundation
import SupportAgent
import SupportDomain
import SupportServer
import Testing
import VaporTesting

/// Macros (admins write them, agents start a reply from one) and tags on tickets, through the portal.
@Suite struct MacroAndTagTests {
    static let refundMacro: [String: String] = [
        "name": "Refund on its way",
        "body": "Hello {{customer.first_name}}, the refund for order #{{order.id}} is on its way. {{agent.first_name}}",
        "es": "Hola {{customer.first_name}}, el reembolso del pedido #{{order.id}} está en camino. {{agent.first_name}}",
        "set_status": "awaiting_customer", "set_priority": "high", "add_tags": "refund, Damaged Goods",
    ]

    /// The id of the macro named `name` on the admin list.
    static func macroID(_ page: String, named name: String) -> String? {
        guard let range = page.range(of: #"href="/admin/macros/(\d+)">"# + name, options: .regularExpression) else { return nil }
        return page[range].split(separator: "/").last?.split(separator: "\"").first.map(String.init)
    }

    @Test func adminsWriteMacrosAndAgentsReplyWithThem() async throws {
        try await TestHarness.with { h in
            let admin = PortalClient(h)
            try await admin.logIn("admin@example.com")
            try await admin.get("/admin/macros/new")
            // An unknown variable and a forbidden status are refused with a sentence; nothing is stored.
            var bad = Self.refundMacro
            bad["body"] = "Hello {{customer.nickname}}"
            let refused = try await admin.post("/admin/macros", bad)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("{{customer.nickname}} is not a variable"))
            bad = Self.refundMacro
            bad["set_status"] = "closed"
            #expect(try await admin.post("/admin/macros", bad).status == .unprocessableEntity)
            #expect(try await admin.post("/admin/macros", ["name": "", "body": "x"]).status == .unprocessableEntity)
            #expect(try await admin.post("/admin/macros", Self.refundMacro).status == .seeOther)
            let list = try await admin.get("/admin/macros").body.string
            let id = try #require(Self.macroID(list, named: "Refund on its way"))
            #expect(list.contains("en, es") && list.contains("priority → high"))

            // Agents cannot manage macros (404 like any unknown page), but use them.
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get("/admin/macros").status == .notFound)

            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let english = try await alice.openTicket(title: "Cracked blender",
                                                     description: "my blender from order 1001 arrived cracked, I want my money back")
            let spanish = try await alice.openTicket(title: "Licuadora rota",
                                                     description: "mi licuadora del pedido 1001 llegó rota, quiero un reembolso")
            let page = try await agent.get("/tickets/\(english)?macro=\(id)").body.string
            #expect(page.contains("Hello Alice, the refund for order #1001 is on its way. Sam"))
            #expect(page.contains("name=\"macro_id\" value=\"\(id)\""))
            let spanishPage = try await agent.get("/tickets/\(spanish)?macro=\(id)").body.string
            #expect(spanishPage.contains("Hola Alice, el reembolso del pedido #1001 está en camino. Sam"))
            // An unknown macro id leaves the reply empty.
            #expect(!(try await agent.get("/tickets/\(english)?macro=999999").body.string.contains("name=\"macro_id\"")))

            // Sending applies what the macro also does.
            #expect(try await agent.post("/tickets/\(english)/agent-reply", [
                "body": "Hello Alice, the refund for order #1001 is on its way. Sam", "macro_id": id]).status == .seeOther)
            let ticket = try #require(try await h.ticket(english))
            #expect(ticket.status == .awaitingCustomer && ticket.priority == .high)
            #expect(try await h.services.stores.tickets.fetchTags(of: [ticket.id])[ticket.id] == ["damaged-goods", "refund"])
            #expect(try await agent.get("/tickets/\(english)").body.string.contains("<li class=\"tag\">damaged-goods</li>"))

            // Deleting it takes it off the list.
            #expect(try await admin.post("/admin/macros/\(id)/delete", [:]).status == .seeOther)
            #expect(Self.macroID(try await admin.get("/admin/macros").body.string, named: "Refund on its way") == nil)
        }
    }

    @Test func tagsAreSetAndFiltered() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let tagged = try await alice.openTicket(title: "First", description: "how long do refunds take?")
            let plain = try await alice.openTicket(title: "Second", description: "how long does delivery take?")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/tickets/\(tagged)")
            #expect(try await agent.post("/tickets/\(tagged)/tags", ["tags": "VIP, vip, Late Delivery"]).status == .seeOther)
            #expect(try await h.services.stores.tickets.fetchTags(of: [TicketID(Int64(tagged))])[TicketID(Int64(tagged))]
                == ["late-delivery", "vip"])
            let vip = try await agent.get("/agent/tickets?tag=VIP").body.string
            #expect(vip.contains("href=\"/tickets/\(tagged)\"") && !vip.contains("href=\"/tickets/\(plain)\""))
            #expect(vip.contains("<li class=\"tag\">vip</li>"))
            #expect(!(try await agent.get("/agent/tickets?tag=other").body.string.contains("href=\"/tickets/\(tagged)\"")))
            // Clearing them.
            #expect(try await agent.post("/tickets/\(tagged)/tags", ["tags": ""]).status == .seeOther)
            #expect(try await h.services.stores.tickets.fetchTags(of: [TicketID(Int64(tagged))]).isEmpty)
            // Customers cannot tag.
            try await alice.get("/tickets/\(tagged)")
            #expect(try await alice.post("/tickets/\(tagged)/tags", ["tags": "x"]).status == .notFound)
        }
    }
}
