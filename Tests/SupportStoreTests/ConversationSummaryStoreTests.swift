import FluentKit
import Foundation
import SQLKit
import SupportDomain
@testable import SupportStore
import Testing

extension StoreTier {
    /// The database's summary of conversations (one GROUP BY) against the domain's definition (`summarize`) on the same
    /// turns, and the turn buffer: batched writes that a read sees at once.
    @Suite("Conversation summaries and the turn buffer on SQLite and PostgreSQL")
    struct ConversationSummaryStoreTests {
        static let intents: [Intent] = [.other, .status, .refund, .cancel, .other, .escalate, .replacement]
        static let languages = ["en", "es", "fr"]

        /// 40 conversations of 1–5 turns spread over 20 days, with every kind of turn (asked back, escalated, writes that
        /// worked and were refused, a leading `other`, reviews right and wrong), shuffled by a fixed generator.
        static func turns() -> [ConversationTurn] {
            var rng = SplitMix64(seed: 17)
            var turns: [ConversationTurn] = []
            for conversation in 0..<40 {
                let count = 1 + Int(rng.next() % 5)
                let start = StoreHarness.now.addingTimeInterval(-Double(rng.next() % 20) * 86_400 - Double(conversation))
                for index in 0..<count {
                    let action: ToolAction? = [nil, .getOrderStatus, .issueRefund, .cancelOrder][Int(rng.next() % 4)]
                    turns.append(ConversationTurn(
                        conversationID: "c-\(conversation)", customerID: CustomerID(Int64(1 + conversation % 7)),
                        requestID: "r-\(conversation)-\(index)", channel: conversation % 3 == 0 ? .portal : .api,
                        language: languages[Int(rng.next() % 3)], intent: intents[Int(rng.next() % UInt64(intents.count))],
                        confidence: Double(rng.next() % 100) / 100, orderID: action == nil ? nil : OrderID(rawValue: 1000),
                        action: action, success: action.map { _ in rng.next() % 2 == 0 }, errorCode: nil,
                        needsClarification: rng.next() % 5 == 0, escalated: rng.next() % 9 == 0, text: "turn \(index)",
                        reply: "reply \(index)", trace: [TraceStep(step: .reply, detail: "composed")],
                        createdAt: start.addingTimeInterval(Double(index) * 60)))
                }
            }
            return turns
        }

        static func stripped(_ summaries: [ConversationSummary]) -> [ConversationSummary] {
            // Dates go through the database's own representation: compare them to the millisecond.
            summaries.map { summary in
                var summary = summary
                summary.firstAt = Date(timeIntervalSince1970: (summary.firstAt.timeIntervalSince1970 * 1000).rounded() / 1000)
                summary.lastAt = Date(timeIntervalSince1970: (summary.lastAt.timeIntervalSince1970 * 1000).rounded() / 1000)
                return summary
            }
        }

        @Test("the SQL summary equals the domain's definition, for the whole period and a part of it", arguments: Backend.available)
        func summaryMatchesDefinition(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let store = FluentConversationStore(database: h.database())
                let turns = Self.turns()
                for turn in turns { try await store.recordTurn(turn) }
                var stored = try await store.turns(conversationID: "c-0")
                #expect(stored.count == turns.filter { $0.conversationID == "c-0" }.count)
                // Reviews count in the summary.
                let reviewed = try #require(stored.first?.id)
                #expect(try await store.review(turnID: reviewed, TurnReview(verdict: .wrong, intent: .refund,
                                                                             action: .issueRefund, reviewer: "lead", at: StoreHarness.now)))
                stored = try await store.turns(conversationID: "c-0")
                var withReview = turns
                withReview[0].review = stored[0].review
                for (from, to) in [(StoreHarness.now.addingTimeInterval(-30 * 86_400), StoreHarness.now.addingTimeInterval(86_400)),
                                   (StoreHarness.now.addingTimeInterval(-9 * 86_400), StoreHarness.now.addingTimeInterval(-3 * 86_400))] {
                    let expected = ConversationSummary.summarize(withReview.filter { $0.createdAt >= from && $0.createdAt < to })
                    let summaries = try await store.summaries(from: from, to: to, limit: 1_000)
                    #expect(!expected.isEmpty)
                    #expect(Self.stripped(summaries) == Self.stripped(expected))
                }
                let newest = try await store.summaries(from: StoreHarness.now.addingTimeInterval(-30 * 86_400),
                                                       to: StoreHarness.now.addingTimeInterval(86_400), limit: 5)
                #expect(newest.count == 5)
                #expect(newest.map(\.conversationID) == Array(ConversationSummary.summarize(turns).prefix(5)).map(\.conversationID))
            }
        }

        @Test("the dashboard's cells counted by the database (rollups kept by the turn writes) equal the definition's, with every filter",
              arguments: Backend.available)
        func bucketsMatchDefinition(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let store = FluentConversationStore(database: h.database())
                let turns = Self.turns()
                for turn in turns { try await store.recordTurn(turn) }
                // "now" such that some conversations are older than the quiet days and some are not.
                let now = StoreHarness.now.addingTimeInterval(Double(TicketFacts.quietDays - 10) * 86_400)
                let from = StoreHarness.now.addingTimeInterval(-15 * 86_400), to = StoreHarness.now.addingTimeInterval(-2 * 86_400)
                // The rollups cover whole conversations (every turn), whenever it was written.
                let window = turns
                var checked = 0
                for (intent, language, channel) in [(nil, nil, nil), (Intent.refund, nil, nil), (nil, "es", nil),
                                                    (nil, nil, ConversationTurn.Channel.portal), (Intent.status, "fr", ConversationTurn.Channel.api)] {
                    let filter = ReviewFilter(from: from, to: to, intent: intent, language: language, channel: channel)
                    let expected = ConversationBucket.buckets(ConversationSummary.summarize(window).filter(filter.admits),
                                                              from: from, to: to, now: now)
                    let counted = try await store.buckets(from: from, to: to, now: now, intent: intent, language: language, channel: channel)
                    #expect(counted == expected, "intent \(String(describing: intent)), language \(String(describing: language)), channel \(String(describing: channel))")
                    checked += expected.reduce(0) { $0 + $1.count }
                }
                #expect(checked > 10)
                let all = ConversationBucket.buckets(ConversationSummary.summarize(window), from: from, to: to, now: now)
                #expect(Set(all.map(\.outcome)).count == 3)
            }
        }

        @Test("seed --tickets and --conversations: a year of generated data the dashboard counts in full", arguments: Backend.available)
        func generatedAtScale(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let database = h.database()
                _ = try await DemoSeeder().seedAccounts(on: database, passwordHash: "!", now: StoreHarness.now)
                #expect(try await TicketSeeder(tickets: 500).run(on: database, now: StoreHarness.now) == 500)
                let turns = try await ConversationSeeder(conversations: 300).run(on: database, now: StoreHarness.now)
                #expect(turns >= 300 && turns <= 1_200)
                let sql = try #require(database as? any SQLDatabase)
                func count(_ query: SQLQueryString) async throws -> Int {
                    try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? -1
                }
                #expect(try await count("SELECT COUNT(*) AS n FROM tickets") == 500)
                #expect(try await count("SELECT COUNT(*) AS n FROM ticket_messages") == 500)
                #expect(try await count("SELECT COUNT(*) AS n FROM conversation_turns") == turns)
                #expect(try await count("SELECT COUNT(*) AS n FROM conversation_rollups") == 300)
                let from = StoreHarness.now.addingTimeInterval(-366 * 86_400), to = StoreHarness.now.addingTimeInterval(86_400)
                let figures = try await FluentInsightStore(database: database).ticketFigures(from: from, to: to, intent: nil,
                                                                                             now: StoreHarness.now)
                #expect(figures.opened.reduce(0) { $0 + $1.count } == 500)
                for outcome in TicketOutcome.allCases {
                    #expect(figures.opened.filter { $0.outcome == outcome }.reduce(0) { $0 + $1.count } > 0, "\(outcome)")
                }
                #expect(figures.humanResolution.count > 0 && figures.firstResponse.count > 0)
                // Hundreds of times per kind: the database's percentiles are the definition's.
                let defined = TicketFigures(tickets: try await FluentInsightStore(database: database).ticketFacts(
                    from: from, to: to, intent: nil), now: StoreHarness.now)
                #expect(figures.opened == defined.opened && figures.resolved == defined.resolved)
                for (a, b) in [(figures.automaticResolution, defined.automaticResolution),
                               (figures.humanResolution, defined.humanResolution), (figures.firstResponse, defined.firstResponse)] {
                    #expect(a.count == b.count && a.count > 20)
                    #expect(abs((a.median ?? -1) - (b.median ?? -1)) < 1e-6 && abs((a.p90 ?? -1) - (b.p90 ?? -1)) < 1e-6)
                }
                let buckets = try await FluentConversationStore(database: database).buckets(
                    from: from, to: to, now: StoreHarness.now, intent: nil, language: nil, channel: nil)
                #expect(buckets.reduce(0) { $0 + $1.count } == 300)
                // A ticket opened after the seed gets the next id (PostgreSQL's sequence was moved past the seeded ids).
                let user = try await count("SELECT MIN(id) AS n FROM users")
                let next = try await sql.raw("""
                    INSERT INTO tickets (user_id, title, status, priority, conversation_id, trace, proposal_serial, created_at,
                        updated_at, revision)
                    VALUES (\(bind: user), 'after the seed', 'open', 'normal', 'after', '[]', 0, \(bind: StoreHarness.now),
                        \(bind: StoreHarness.now), 0) RETURNING id
                    """).first()?.decode(column: "id", as: Int.self)
                #expect(next == 501)
            }
        }

        @Test("buffered turns: a read on the same store sees every turn handed over, in order; erasure drops the waiting ones",
              arguments: Backend.available)
        func bufferedTurns(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let buffer = TurnBuffer(source: .fixed(h.database()), logger: h.logger)
                let store = FluentConversationStore(source: .fixed(h.database()), turnBuffer: buffer)
                let turns = Self.turns()
                // More than one batch, handed over concurrently in conversation order per task.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for conversation in 0..<40 {
                        let mine = turns.filter { $0.conversationID == "c-\(conversation)" }
                        group.addTask { for turn in mine { try await store.recordTurn(turn) } }
                    }
                    try await group.waitForAll()
                }
                for conversation in [0, 17, 39] {
                    let stored = try await store.turns(conversationID: "c-\(conversation)")
                    #expect(stored.map(\.requestID) == turns.filter { $0.conversationID == "c-\(conversation)" }.map(\.requestID))
                }
                let sql = try #require(h.database() as? any SQLDatabase)
                let count = try #require(try await sql.raw("SELECT COUNT(*) AS n FROM conversation_turns").first())
                #expect(try count.decode(column: "n", as: Int.self) == turns.count)
                // Every batch kept the conversations' rollups: one per conversation, with all its turns.
                let rollups = try await sql.raw("SELECT COUNT(*) AS n, CAST(SUM(turns) AS BIGINT) AS t FROM conversation_rollups").first()
                #expect(try rollups?.decode(column: "n", as: Int.self) == 40)
                #expect(try rollups?.decode(column: "t", as: Int.self) == turns.count)

                // A turn waiting in the buffer for a customer being erased is dropped, not written after the erasure.
                let late = ConversationTurn(conversationID: "late", customerID: CustomerID(3), requestID: "late", channel: .api,
                                            language: "en", intent: .status, confidence: 0.9, orderID: nil, action: nil,
                                            success: nil, errorCode: nil, needsClarification: false, escalated: false,
                                            text: "late", reply: "late", trace: [], createdAt: StoreHarness.now)
                try await store.recordTurn(late)
                await buffer.discard(customer: CustomerID(3))
                await buffer.close()
                #expect(try await store.turns(conversationID: "late").isEmpty)
            }
        }
    }
}
