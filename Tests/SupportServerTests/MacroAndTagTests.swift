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
            // The list filters by the customer's language.
            let inSpanish = try await agent.get("/agent/tickets?language=es").body.string
            #expect(inSpanish.contains("href=\"/tickets/\(spanish)\"") && !inSpanish.contains("href=\"/tickets/\(english)\""))
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

/// Merging a duplicate ticket into another of the same customer.
@Suite struct MergeTests {
    @Test func aDuplicateIsMergedWithItsHistory() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let original = try await alice.openTicket(title: "Blender cracked", description: "how long do refunds take?")
            let duplicate = try await alice.openTicket(title: "Blender again", description: "how long does delivery take?")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/tickets/\(duplicate)")
            #expect(try await agent.post("/tickets/\(duplicate)/agent-reply", ["body": "internal: same as the other",
                                                                               "internal": "on"]).status == .seeOther)
            #expect(try await agent.post("/tickets/\(duplicate)/tags", ["tags": "duplicate-check"]).status == .seeOther)
            let before = try await h.messages(original).count + h.messages(duplicate).count

            // Refused: itself, a missing ticket, another customer's ticket, nonsense.
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            let bobs = try await bob.openTicket(title: "Bob's", description: "how long do refunds take?")
            #expect(try await agent.post("/tickets/\(duplicate)/merge", ["target": "\(duplicate)"]).status == .conflict)
            #expect(try await agent.post("/tickets/\(duplicate)/merge", ["target": "999999"]).status == .conflict)
            #expect(try await agent.post("/tickets/\(duplicate)/merge", ["target": "\(bobs)"]).status == .conflict)
            #expect(try await agent.post("/tickets/\(duplicate)/merge", ["target": "abc"]).status == .unprocessableEntity)
            // Customers cannot merge.
            try await alice.get("/tickets/\(duplicate)")
            #expect(try await alice.post("/tickets/\(duplicate)/merge", ["target": "\(original)"]).status == .notFound)

            let merged = try await agent.post("/tickets/\(duplicate)/merge", ["target": "#\(original)"])
            #expect(merged.status == .seeOther && merged.headers.first(name: .location) == "/tickets/\(original)")
            let source = try #require(try await h.ticket(duplicate))
            #expect(source.status == .closed && source.mergedInto == TicketID(Int64(original)))
            // Every message kept (plus one on each ticket), the note still a note, the tags carried over.
            let moved = try await h.messages(original)
            #expect(moved.count + (try await h.messages(duplicate)).count == before + 2)
            #expect(moved.contains { $0.author == .note && $0.body.contains("same as the other") })
            #expect(try await h.services.stores.tickets.fetchTags(of: [TicketID(Int64(original))])[TicketID(Int64(original))]
                == ["duplicate-check"])
            // The customer is told, sees the pointer on the old ticket, and never sees the note.
            let mails = try await h.services.stores.outbox.fetchRecent(limit: 50)
            #expect(mails.contains { $0.mail.to == "alice@example.com" && $0.mail.subject.contains("are now one") })
            #expect(try await alice.get("/tickets/\(duplicate)").body.string.contains("id=\"merged-notice\""))
            let page = try await alice.get("/tickets/\(original)").body.string
            #expect(page.contains("how long does delivery take?") && !page.contains("same as the other"))
            // A second merge of the same ticket is refused.
            #expect(try await agent.post("/tickets/\(duplicate)/merge", ["target": "\(original)"]).status == .conflict)
        }
    }
}

/// The live desk: the queue's numbers as server-sent events, and who else of the team is on a ticket.
@Suite struct LiveDeskTests {
    @Test func theQueueStreamCarriesItsNumbers() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Need a person", description: "how long do refunds take?")
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let events = try await agent.get("/agent/events?once=1")
            #expect(events.status == .ok)
            #expect(events.headers.first(name: .contentType)?.hasPrefix("text/event-stream") == true)
            let body = events.body.string
            #expect(body.hasPrefix("retry: 3000\n\n"))
            #expect(body.contains("event: queue\ndata: {") && body.contains("\"queued\":1") && body.contains("\"unassigned\":1")
                    && body.contains("\"newest\":\(id)"))
            try await agent.get("/tickets/\(id)")
            #expect(try await agent.post("/tickets/\(id)/assign", [:]).status == .seeOther)
            let after = try await agent.get("/agent/events?once=1").body.string
            #expect(after.contains("\"unassigned\":0") && after.contains("\"mine\":1"))
            // Customers do not get the stream.
            #expect(try await alice.get("/agent/events?once=1").status == .notFound)
        }
    }

    @Test func theTeamSeesWhoElseIsReplying() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Question", description: "how long do refunds take?")
            let sam = PortalClient(h)
            try await sam.logIn("agent@example.com")
            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            let first = try await sam.get("/tickets/\(id)").body.string
            #expect(first.contains("id=\"presence\"") && !first.contains("presence-person"))
            // The lead opens it: Sam's heartbeat now names them.
            try await lead.get("/tickets/\(id)")
            let beat = try await sam.post("/tickets/\(id)/presence", ["state": "replying"])
            #expect(beat.status == .ok && beat.body.string.contains("\"state\":\"viewing\""))
            // The lead's page says Sam is writing a reply.
            #expect(try await lead.get("/tickets/\(id)").body.string.contains("is writing a reply"))
            // A heartbeat without its CSRF token is refused; a customer gets 404.
            #expect(try await sam.post("/tickets/\(id)/presence", ["state": "viewing"], withToken: false).status == .forbidden)
            try await alice.get("/tickets/\(id)")
            #expect(try await alice.post("/tickets/\(id)/presence", ["state": "viewing"]).status == .notFound)
        }
    }
}

/// Finding any ticket: words in its messages (full text, notes included), the date it was opened, saved views.
@Suite struct TicketSearchTests {
    @Test func wordsInMessagesDatesAndSavedViews() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let kettle = try await alice.openTicket(title: "A question", description: "my kettle whistles strangely, how long do refunds take?")
            let other = try await alice.openTicket(title: "Another question", description: "how long does delivery take?")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/tickets/\(other)")
            #expect(try await agent.post("/tickets/\(other)/agent-reply", ["body": "checked the warehouse ledger", "internal": "on"])
                .status == .seeOther)

            // Every word must occur in one message; case and accents do not matter; the title still matches as before.
            let found = try await agent.get("/agent/tickets?q=Kettle+WHISTLES").body.string
            #expect(found.contains("href=\"/tickets/\(kettle)\"") && !found.contains("href=\"/tickets/\(other)\""))
            #expect(try await agent.get("/agent/tickets?q=kettle+ledger").body.string.contains("0 tickets"))
            let note = try await agent.get("/agent/tickets?q=ledger").body.string
            #expect(note.contains("href=\"/tickets/\(other)\"") && !note.contains("href=\"/tickets/\(kettle)\""))
            #expect(try await agent.get("/agent/tickets?q=another").body.string.contains("href=\"/tickets/\(other)\""))
            // Search syntax is text: quotes, stars and operators find nothing instead of failing.
            for nonsense in ["%22kettle", "kettle*+OR+NEAR(", "-", "%27%3B+DROP+TABLE+tickets"] {
                #expect(try await agent.get("/agent/tickets?q=\(nonsense)").status == .ok, "\(nonsense)")
            }

            // Opened on the test's day (2026-11-18): the day matches, the next does not, nonsense is ignored.
            #expect(try await agent.get("/agent/tickets?from=2026-11-18&to=2026-11-18").body.string.contains("2 tickets"))
            #expect(try await agent.get("/agent/tickets?from=2026-11-19").body.string.contains("0 tickets"))
            #expect(try await agent.get("/agent/tickets?from=yesterday").body.string.contains("2 tickets"))

            // A saved view keeps the filters; the same name replaces it; only its owner sees and deletes it.
            let list = try await agent.get("/agent/tickets?q=kettle&from=2026-11-18").body.string
            #expect(list.contains("name=\"query\" value=\"q=kettle&amp;from=2026-11-18\""))
            let saved = try await agent.post("/agent/views", ["name": "Kettles", "query": "q=kettle&from=2026-11-18"])
            #expect(saved.status == .seeOther && saved.headers.first(name: .location) == "/agent/tickets?q=kettle&from=2026-11-18")
            let withView = try await agent.get("/agent/tickets?q=kettle&from=2026-11-18").body.string
            #expect(withView.contains("href=\"/agent/tickets?q=kettle&amp;from=2026-11-18\" aria-current=\"page\">Kettles</a>"))
            #expect(try await agent.post("/agent/views", ["name": "", "query": "q=x"]).status == .unprocessableEntity)
            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            #expect(!(try await lead.get("/agent/tickets").body.string.contains("Kettles")))
            let views = try await h.services.stores.savedViews.fetchViews(of: UserID(try #require(Int64(
                try await h.services.stores.accounts.fetchCredentials(email: "agent@example.com")?.account.id.rawValue ?? 0))))
            let view = try #require(views.first)
            #expect(try await lead.post("/agent/views/\(view.id)/delete", [:]).status == .seeOther)
            #expect(try await agent.get("/agent/tickets").body.string.contains("Kettles"))
            #expect(try await agent.post("/agent/views/\(view.id)/delete", [:]).status == .seeOther)
            #expect(!(try await agent.get("/agent/tickets").body.string.contains("Kettles")))
        }
    }
}
