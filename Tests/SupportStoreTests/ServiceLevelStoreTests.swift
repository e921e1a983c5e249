import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing

extension StoreTier {
    /// Service-level clocks, conditional saves and leases on each database.
    @Suite("Service levels and scheduled work on SQLite and PostgreSQL")
    struct ServiceLevelStoreTests {
        static let now = StoreHarness.now

        static func ticket(_ stores: FluentStores, owner: UserID, title: String) async throws -> Ticket {
            try await stores.tickets.insertTicket(NewTicket(ownerID: owner, customerID: CustomerID(1), title: title,
                                                            conversationID: UUID().uuidString, createdAt: Self.now),
                                                  firstMessage: "hello")
        }

        static func owner(_ stores: FluentStores) async throws -> PortalAccount {
            try await stores.accounts.insertAccount(
                NewAccount(email: "alice@example.com", name: "Alice", passwordHash: "x", role: .customer,
                           customerID: CustomerID(1), createdAt: Self.now), createCustomer: false, verification: nil)
        }

        @Test("the clock round-trips; overdue clocks are found until their breach is recorded; a stale save is refused",
              arguments: Backend.available)
        func clocks(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let alice = try await Self.owner(stores)
                var late = try await Self.ticket(stores, owner: alice.id, title: "late")
                var fine = try await Self.ticket(stores, owner: alice.id, title: "fine")
                let plain = try await Self.ticket(stores, owner: alice.id, title: "no clock")
                late.status = .escalated
                late.sla = TicketSLA(startedAt: Self.now, firstResponseDueAt: Self.now.addingTimeInterval(3600),
                                     resolutionDueAt: Self.now.addingTimeInterval(7200))
                fine.status = .inProgress
                fine.sla = TicketSLA(startedAt: Self.now, firstResponseDueAt: Self.now.addingTimeInterval(3600),
                                     resolutionDueAt: Self.now.addingTimeInterval(86_400), firstRespondedAt: Self.now)
                try await stores.tickets.saveTicket(late, appending: nil, mail: nil)
                try await stores.tickets.saveTicket(fine, appending: nil, mail: nil)
                let stored = try #require(try await stores.tickets.fetchTicket(late.id))
                #expect(stored.sla == late.sla && stored.revision == 1)

                #expect(try await stores.tickets.fetchOverdueServiceLevels(now: Self.now.addingTimeInterval(3599), limit: 10).isEmpty)
                // Past the first response: only the unanswered one; past both resolutions too: both.
                #expect(try await stores.tickets.fetchOverdueServiceLevels(now: Self.now.addingTimeInterval(3600), limit: 10)
                    .map(\.id) == [late.id])
                #expect(try await stores.tickets.fetchOverdueServiceLevels(now: Self.now.addingTimeInterval(90_000), limit: 10)
                    .map(\.id) == [late.id, fine.id])

                // A conditional save at the revision read succeeds and bumps it; one from a stale read does not write.
                var breached = stored
                breached.sla?.firstResponseBreachedAt = Self.now.addingTimeInterval(3600)
                breached.priority = .high
                let note = TicketMessage(ticketID: late.id, author: .note, body: "breached", createdAt: Self.now)
                let mail = OutgoingMail(to: "lead@example.com", subject: "breach", body: "b")
                #expect(try await stores.tickets.saveTicketIfUnchanged(breached, appending: note, mails: [mail, mail]))
                var stale = stored
                stale.status = .closed
                #expect(try await !stores.tickets.saveTicketIfUnchanged(stale, appending: note, mails: [mail]))
                let after = try #require(try await stores.tickets.fetchTicket(late.id))
                #expect(after.status == .escalated && after.priority == .high && after.revision == 2)
                #expect(try await stores.tickets.fetchMessages(of: late.id, includeNotes: true).filter { $0.author == .note }.count == 1)
                #expect(try await stores.outbox.fetchRecent(limit: 10).count == 2)
                // Recorded: the first response is no longer overdue, the resolution later is.
                #expect(try await stores.tickets.fetchOverdueServiceLevels(now: Self.now.addingTimeInterval(3600), limit: 10).isEmpty)
                #expect(try await stores.tickets.fetchOverdueServiceLevels(now: Self.now.addingTimeInterval(7200), limit: 10)
                    .map(\.id) == [late.id])

                // The list filters: breached, and running without a breach.
                let breachedList = try await stores.tickets.searchTickets(TicketFilter(breached: true), offset: 0, limit: 10)
                #expect(breachedList.tickets.map(\.id) == [late.id] && breachedList.total == 1)
                #expect(try await stores.tickets.searchTickets(TicketFilter(breached: false), offset: 0, limit: 10).tickets.map(\.id)
                    == [fine.id])
                #expect(try await stores.tickets.searchTickets(TicketFilter(), offset: 0, limit: 10).total == 3)
                _ = plain
            }
        }

        @Test("quiet tickets are found by state and age, oldest first", arguments: Backend.available)
        func quietTickets(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let alice = try await Self.owner(stores)
                var older = try await Self.ticket(stores, owner: alice.id, title: "older")
                var newer = try await Self.ticket(stores, owner: alice.id, title: "newer")
                older.status = .awaitingCustomer
                older.updatedAt = Self.now.addingTimeInterval(-5 * 86_400)
                newer.status = .awaitingCustomer
                newer.updatedAt = Self.now.addingTimeInterval(-1 * 86_400)
                newer.reminderSentAt = Self.now
                try await stores.tickets.saveTicket(newer, appending: nil, mail: nil)
                try await stores.tickets.saveTicket(older, appending: nil, mail: nil)
                let cutoff = Self.now.addingTimeInterval(-3 * 86_400)
                #expect(try await stores.tickets.fetchTickets(in: .awaitingCustomer, updatedBefore: cutoff, limit: 10).map(\.id) == [older.id])
                let both = try await stores.tickets.fetchTickets(in: .awaitingCustomer, updatedBefore: Self.now, limit: 10)
                #expect(both.map(\.id) == [older.id, newer.id])
                #expect(both[1].reminderSentAt == Self.now)
                #expect(try await stores.tickets.fetchTickets(in: .resolved, updatedBefore: Self.now, limit: 10).isEmpty)
            }
        }

        @Test("a lease has one holder until it runs out; the holder may renew", arguments: Backend.available)
        func leases(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let work = h.stores().scheduledWork
                let until = Self.now.addingTimeInterval(120)
                // Many instances at once: exactly one wins.
                let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 0..<8 {
                        let work = h.stores().scheduledWork
                        group.addTask { try await work.claim("job", owner: "instance-\(n)", until: until, now: Self.now) }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(winners == 1)
                #expect(try await work.claim("other-job", owner: "x", until: until, now: Self.now))
                #expect(try await !work.claim("other-job", owner: "y", until: until, now: Self.now.addingTimeInterval(119)))
                #expect(try await work.claim("other-job", owner: "x", until: until.addingTimeInterval(60), now: Self.now.addingTimeInterval(119)))
                #expect(try await work.claim("other-job", owner: "y", until: until.addingTimeInterval(500),
                                             now: until.addingTimeInterval(60)))
            }
        }

        @Test("whom to tell: active accounts with a role", arguments: Backend.available)
        func activeStaff(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let accounts = h.stores().accounts
                let lead = try await accounts.insertAccount(
                    NewAccount(email: "lead@example.com", name: "Lee", passwordHash: "x", role: .lead, createdAt: Self.now),
                    createCustomer: false, verification: nil)
                let gone = try await accounts.insertAccount(
                    NewAccount(email: "gone@example.com", name: "Gone", passwordHash: "x", role: .lead, createdAt: Self.now),
                    createCustomer: false, verification: nil)
                try await accounts.setActive(false, user: gone.id, at: Self.now)
                #expect(try await accounts.fetchActiveAccounts(roles: [.lead]).map(\.id) == [lead.id])
                #expect(try await accounts.fetchActiveAccounts(roles: [.admin]).isEmpty)
            }
        }

        @Test("a survey per ticket, opened with the ticket's change, answered once, grouped by agent and intent",
              arguments: Backend.available)
        func surveys(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let stores = h.stores()
                let alice = try await Self.owner(stores)
                let agent = try await stores.accounts.insertAccount(
                    NewAccount(email: "agent@example.com", name: "Sam", passwordHash: "x", role: .agent, createdAt: Self.now),
                    createCustomer: false, verification: nil)
                var first = try await Self.ticket(stores, owner: alice.id, title: "one")
                var second = try await Self.ticket(stores, owner: alice.id, title: "two")
                first.status = .resolved
                first.intent = .refund
                second.status = .resolved
                second.intent = .status
                func invitation(_ ticket: Ticket, _ hash: String, agent: UserID?) -> SurveyInvitation {
                    SurveyInvitation(ticketID: ticket.id, tokenHash: hash, agentID: agent, intent: ticket.intent, createdAt: Self.now,
                                     mail: OutgoingMail(to: "alice@example.com", subject: "How did we do? \(hash)", body: "link"))
                }
                try await stores.tickets.saveTicket(first, appending: nil, mail: nil, survey: invitation(first, "h1", agent: agent.id))
                // Resolved again: the second invitation is ignored, and so is its e-mail.
                try await stores.tickets.saveTicket(first, appending: nil, mail: nil, survey: invitation(first, "h1b", agent: agent.id))
                try await stores.tickets.saveTicket(second, appending: nil, mail: nil, survey: invitation(second, "h2", agent: nil))
                #expect(try await stores.outbox.fetchRecent(limit: 10).map(\.mail.subject).sorted()
                    == ["How did we do? h1", "How did we do? h2"])
                let survey = try #require(try await stores.surveys.fetchSurvey(tokenHash: "h1"))
                #expect(survey.ticketID == first.id && survey.agentID == agent.id && survey.intent == .refund && !survey.isAnswered)
                #expect(try await stores.surveys.fetchSurvey(tokenHash: "h1b") == nil)
                #expect(try await stores.surveys.answerSurvey(survey.id, rating: 5, comment: "great", at: Self.now))
                #expect(try await !stores.surveys.answerSurvey(survey.id, rating: 1, comment: nil, at: Self.now))
                #expect(try await stores.surveys.fetchSurvey(ticket: first.id)?.rating == 5)
                let results = try await stores.surveys.satisfaction(since: Self.now.addingTimeInterval(-60))
                let byAgent = Dictionary(uniqueKeysWithValues: results.byAgent.map { ($0.key ?? "-", $0) })
                #expect(byAgent[String(agent.id.rawValue)] == SatisfactionGroup(key: String(agent.id.rawValue), sent: 1, answered: 1,
                                                                                  ratingSum: 5, satisfied: 1))
                #expect(byAgent["-"]?.sent == 1 && byAgent["-"]?.answered == 0)
                #expect(Set(results.byIntent.map(\.key)) == ["refund", "status"])
                #expect(try await stores.surveys.satisfaction(since: Self.now.addingTimeInterval(60)).byAgent.isEmpty)
            }
        }

        @Test("rate-limit counters are exact under concurrency and start over in the next window", arguments: Backend.available)
        func rateCounters(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let now = Self.now
                let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<20 {
                        let limiter = h.stores().rateLimiter
                        group.addTask { try await limiter.hit("key:abc", limit: 10, window: 60, now: now).allowed }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(allowed == 10)
                let limiter = h.stores().rateLimiter
                let refused = try await limiter.hit("key:abc", limit: 10, window: 60, now: now)
                #expect(!refused.allowed && (1...60).contains(refused.retryAfterSeconds))
                #expect(try await limiter.hit("key:other", limit: 10, window: 60, now: now).allowed)
                #expect(try await limiter.hit("key:abc", limit: 10, window: 60, now: now.addingTimeInterval(60)).allowed)
                // Purging the windows that started before `now` keeps the current one (one hit so far): a second is refused.
                try await limiter.purge(before: now)
                #expect(try await limiter.hit("key:abc", limit: 1, window: 60, now: now.addingTimeInterval(61)).allowed == false)
            }
        }
    }
}
