import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing

extension StoreTier {
    /// Tickets, accounts, the outbox and articles on each database.
    @Suite("Portal stores on SQLite and PostgreSQL")
    struct TicketAndAccountStoreTests {
        static let now = StoreHarness.now

        @Test("a ticket, its message and its e-mail are saved together; notes stay internal; lists filter and order",
              arguments: Backend.available)
        func tickets(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let alice = try #require(try await stores.accounts.insertAccount(
                    NewAccount(email: "alice@example.com", name: "Alice Martin", passwordHash: "x", role: .customer,
                               customerID: CustomerID(1), createdAt: Self.now), createCustomer: false, verification: nil))
                var ticket = try await stores.tickets.insertTicket(
                    NewTicket(ownerID: alice.id, customerID: CustomerID(1), title: "Broken blender", conversationID: "c-1",
                              createdAt: Self.now), firstMessage: "order 1001 arrived cracked")
                #expect(ticket.status == .open && ticket.proposal == nil && ticket.proposalSerial == 0)
                ticket.proposal = Proposal(invocation: .escalateCase(OrderID(1001), summary: "order [redacted] arrived cracked"),
                                           label: "Pass order #1001 to a person")
                ticket.proposalSerial = 1
                ticket.trace = [TraceStep(step: .decide, detail: "escalate")]
                ticket.status = .escalated
                ticket.intent = .escalate
                ticket.updatedAt = Self.now.addingTimeInterval(60)
                try await stores.tickets.saveTicket(
                    ticket, appending: TicketMessage(ticketID: ticket.id, author: .bot, body: "Passed to a person.",
                                                     citations: [Citation(source: "escalation.md", section: "Hours", excerpt: "24 h")],
                                                     createdAt: ticket.updatedAt),
                    mail: OutgoingMail(to: "alice@example.com", subject: "Passed to a person", body: "…"))
                try await stores.tickets.appendMessage(TicketMessage(ticketID: ticket.id, author: .note, authorUserID: alice.id,
                                                                     body: "internal", createdAt: ticket.updatedAt))
                let stored = try #require(try await stores.tickets.fetchTicket(ticket.id))
                ticket.revision += 1 // every save bumps it
                #expect(stored == ticket)
                let all = try await stores.tickets.fetchMessages(of: ticket.id, includeNotes: true)
                #expect(all.map(\.author) == [.customer, .bot, .note])
                #expect(all[1].citations.first?.source == "escalation.md")
                #expect(try await stores.tickets.fetchMessages(of: ticket.id, includeNotes: false).map(\.author) == [.customer, .bot])
                #expect(try await stores.outbox.fetchRecent(limit: 10).map(\.mail.subject) == ["Passed to a person"])
                #expect(try await stores.tickets.fetchTickets(owner: alice.id, status: .escalated, limit: 10).map(\.id) == [ticket.id])
                #expect(try await stores.tickets.fetchTickets(owner: alice.id, status: .open, limit: 10).isEmpty)
                #expect(try await stores.tickets.fetchTickets(in: [.escalated, .inProgress], limit: 10).map(\.id) == [ticket.id])
            }
        }

        @Test("many saves of tickets at once all succeed (no read-then-write transaction for SQLite to refuse)",
              arguments: Backend.available)
        func concurrentSaves(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let owner = try await stores.accounts.insertAccount(
                    NewAccount(email: "alice@example.com", name: "Alice", passwordHash: "x", role: .customer,
                               customerID: CustomerID(1), createdAt: Self.now), createCustomer: false, verification: nil)
                var tickets: [Ticket] = []
                for n in 0..<4 {
                    tickets.append(try await stores.tickets.insertTicket(
                        NewTicket(ownerID: owner.id, customerID: CustomerID(1), title: "t\(n)", conversationID: "c\(n)",
                                  createdAt: Self.now), firstMessage: "hello"))
                }
                let all = tickets
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<24 {
                        let store = h.stores().tickets
                        group.addTask {
                            var ticket = all[n % all.count]
                            ticket.status = .awaitingCustomer
                            ticket.updatedAt = Self.now.addingTimeInterval(Double(n))
                            try await store.saveTicket(ticket, appending: TicketMessage(ticketID: ticket.id, author: .bot,
                                                                                        body: "reply \(n)", createdAt: ticket.updatedAt),
                                                       mail: OutgoingMail(to: "a@example.com", subject: "s\(n)", body: "b"))
                        }
                    }
                    try await group.waitForAll()
                }
                var messages = 0
                for ticket in all { messages += try await stores.tickets.fetchMessages(of: ticket.id, includeNotes: true).count }
                #expect(messages == 4 + 24)
                #expect(try await stores.outbox.fetchRecent(limit: 100).count == 24)
            }
        }

        @Test("saving a ticket that is gone fails and queues no e-mail", arguments: Backend.available)
        func failedSaveIsAtomic(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let missing = Ticket(id: TicketID(424_242), ownerID: UserID(1), customerID: nil, title: "ghost", conversationID: "c",
                                     createdAt: Self.now, updatedAt: Self.now)
                let message = TicketMessage(ticketID: missing.id, author: .bot, body: "x", createdAt: Self.now)
                let mail = OutgoingMail(to: "a@example.com", subject: "s", body: "b")
                let tickets = stores.tickets
                await #expect(throws: StoreError.self) {
                    try await tickets.saveTicket(missing, appending: message, mail: mail)
                }
                let queued = try await stores.outbox.fetchRecent(limit: 10)
                #expect(queued.isEmpty)
            }
        }

        @Test("registration with a pending confirmation, then the link: one transaction each", arguments: Backend.available)
        func accounts(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let accounts = h.stores().accounts
                let erinCustomer = try #require(try await accounts.fetchCustomerID(email: "erin@example.com"))
                let mail = OutgoingMail(to: "erin@example.com", subject: "Confirm your e-mail address", body: "link")
                let erin = try await accounts.insertAccount(
                    NewAccount(email: "erin@example.com", name: "Erin Walsh", passwordHash: "$2b$hash", role: .customer, createdAt: Self.now),
                    createCustomer: false,
                    verification: PendingVerification(tokenHash: "abc", email: "erin@example.com", createdAt: Self.now,
                                                      expiresAt: Self.now.addingTimeInterval(86_400), mail: mail))
                #expect(erin.customerID == nil)
                #expect(try await accounts.accountExists(email: "erin@example.com"))
                #expect(try await accounts.fetchCredentials(email: "erin@example.com")?.passwordHash == "$2b$hash")
                #expect(try await h.stores().outbox.fetchRecent(limit: 5).map(\.mail) == [mail])
                #expect(try await accounts.countVerifications(of: erin.id, expiringAfter: Self.now) == 1)
                let verification = try #require(try await accounts.fetchVerification(tokenHash: "abc"))
                #expect(try await !accounts.isLinked(erinCustomer))
                try await accounts.confirmVerification(verification, linking: erinCustomer, at: Self.now)
                #expect(try await accounts.fetchAccount(erin.id)?.customerID == erinCustomer)
                #expect(try await accounts.isLinked(erinCustomer))
                #expect(try await accounts.fetchVerification(tokenHash: "abc")?.usedAt != nil)

                // A new address gets its own customer record, linked at once.
                let frank = try await accounts.insertAccount(
                    NewAccount(email: "frank@example.com", name: "Frank", passwordHash: "h", role: .customer, createdAt: Self.now),
                    createCustomer: true, verification: nil)
                #expect(frank.customerID != nil)
                // Read back field for field as it was stored (the account every signed-in request reads).
                #expect(try await accounts.fetchAccount(frank.id) == frank)
                #expect(try await accounts.fetchAccount(UserID(9_999_999)) == nil)
                #expect(try await accounts.fetchCustomerID(email: "frank@example.com") == frank.customerID)

                try await accounts.recordSignIn(email: "frank@example.com", succeeded: false, at: Self.now)
                try await accounts.recordSignIn(email: "frank@example.com", succeeded: true, at: Self.now)
                #expect(try await accounts.countFailedSignIns(email: "frank@example.com", since: Self.now.addingTimeInterval(-60)) == 1)
                try await accounts.setRole(of: frank.id, to: .agent)
                try await accounts.updateName(of: frank.id, to: "Frank Ocean")
                let updated = try #require(try await accounts.fetchAccount(frank.id))
                #expect(updated.role == .agent && updated.name == "Frank Ocean")
            }
        }

        @Test("two workers never claim the same e-mail; a failure backs off, then gives up", arguments: Backend.available)
        func outboxClaims(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let outbox = h.stores().outbox
                for n in 0..<30 {
                    try await outbox.enqueue(OutgoingMail(to: "c\(n)@example.com", subject: "s", body: "b"), at: Self.now)
                }
                let other = h.stores().outbox
                async let a = outbox.claimDue(now: Self.now, limit: 30, staleAfter: 300)
                async let b = other.claimDue(now: Self.now, limit: 30, staleAfter: 300)
                let ids = try await (a + b).map(\.id)
                #expect(ids.count == 30 && Set(ids).count == 30)
                // Nothing is due while claimed and not stale.
                #expect(try await outbox.claimDue(now: Self.now, limit: 30, staleAfter: 300).isEmpty)

                let mail = try #require(try await outbox.fetchRecent(limit: 1).first)
                try await outbox.markFailed(mail, error: "550 no such user", at: Self.now, maxAttempts: 2)
                let retried = try #require(try await outbox.fetchRecent(limit: 1).first)
                #expect(retried.status == .queued && retried.attempts == 1 && retried.nextAttemptAt > Self.now)
                try await outbox.markFailed(retried, error: "550 no such user", at: Self.now, maxAttempts: 2)
                #expect(try await outbox.fetchRecent(limit: 1).first?.status == .failed)
                #expect(try await outbox.countByStatus()[.failed] == 1)
            }
        }

        @Test("passage vectors: stored once per key, read back exactly, unknown keys left out", arguments: Backend.available)
        func passageVectors(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let articles = h.stores().articles
                let one: [Float] = [0.25, -1.5, 3.0e-7, .greatestFiniteMagnitude], two: [Float] = [1, 0, 0]
                try await articles.storeVectors(["k1": one, "k2": two], at: StoreHarness.now)
                // A key already stored keeps its vector (another instance may write the same passage at once).
                try await articles.storeVectors(["k1": [9, 9], "k3": two], at: StoreHarness.now)
                let found = try await articles.storedVectors(keys: ["k1", "k2", "k3", "missing"])
                #expect(found == ["k1": one, "k2": two, "k3": two])
                #expect(try await articles.storedVectors(keys: []).isEmpty)
                // More keys than one statement binds.
                let many = Dictionary(uniqueKeysWithValues: (0..<1_200).map { ("m\($0)", [Float($0)]) })
                try await articles.storeVectors(many, at: StoreHarness.now)
                #expect(try await articles.storedVectors(keys: Array(many.keys)) == many)
            }
        }

        @Test("articles: an edit may change the slug, a taken slug is refused, counters are kept", arguments: Backend.available)
        func articles(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let articles = h.stores().articles
                let id = try await articles.saveArticle(KnowledgeArticle(id: 0, slug: "gift-cards", title: "Gift cards", summary: "s",
                                                                         body: "b", category: "payments", tags: []), now: Self.now)
                try await articles.saveArticle(KnowledgeArticle(id: 0, slug: "other", title: "Other", summary: "s", body: "b",
                                                                category: "orders", tags: []), now: Self.now)
                #expect(try await articles.recordView(id: id))
                #expect(try await articles.recordFeedback(id: id, helpful: true))
                #expect(try await !articles.recordView(id: 987_654))
                let before = try await articles.fingerprint()
                try await articles.saveArticle(KnowledgeArticle(id: id, slug: "gift-card-balance", title: "Gift card balance",
                                                                summary: "s", body: "b", category: "payments", tags: ["gift"]),
                                               now: Self.now.addingTimeInterval(60))
                let renamed = try #require(try await articles.fetchArticle(id: id))
                #expect(renamed.slug == "gift-card-balance" && renamed.views == 1 && renamed.helpful == 1)
                #expect(try await articles.fingerprint() != before)
                await #expect(throws: ArticleError.slugTaken) {
                    try await articles.saveArticle(KnowledgeArticle(id: id, slug: "other", title: "Clash", summary: "s", body: "b",
                                                                    category: "payments", tags: []), now: Self.now)
                }
                #expect(try await articles.fetchAllArticles().count == 2)
            }
        }
    }
}
