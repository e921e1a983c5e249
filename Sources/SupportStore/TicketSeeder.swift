public import FluentKit
public import Foundation
import SQLKit
import SupportDomain

/// Generated tickets for the dashboard and the ticket list at scale (`supportops seed --tickets N`): a year of tickets
/// with a help desk's shape — most resolved or closed, a fifth handled by a person (escalated, answered within hours,
/// completed within days), a few hundred still open, six languages, order status and refunds the commonest intents —
/// each with the customer's first message. Generic filler text; a fixed seed, so the same arguments give the same store.
public struct TicketSeeder: Sendable {
    public var tickets: Int
    public var seed: UInt64

    public init(tickets: Int, seed: UInt64 = 0x71C_2026) {
        self.tickets = tickets
        self.seed = seed
    }

    static let statuses: [(String, Int)] = [("closed", 55), ("resolved", 30), ("awaiting_customer", 10), ("open", 4),
                                            ("escalated", 1), ("in_progress", 1)]
    static let priorities: [(String, Int)] = [("normal", 80), ("high", 12), ("low", 6), ("urgent", 2)]
    static let words = "blender kettle parcel refund invoice delivery courier damaged cracked missing late address warranty replacement"
        .split(separator: " ").map(String.init)

    /// Inserts the tickets and their first messages (in transactions of 10,000 tickets) and returns how many.
    public func run(on database: any Database, now: Date) async throws -> Int {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        let customers = try await sql.raw("SELECT id, customer_id FROM users WHERE role = 'customer' ORDER BY id").all()
            .map { (user: try $0.decode(column: "id", as: Int64.self), customer: try $0.decode(column: "customer_id", as: Int64?.self)) }
        let agents = try await sql.raw("SELECT id FROM users WHERE role <> 'customer' ORDER BY id").all()
            .map { try $0.decode(column: "id", as: Int64.self) }
        guard !customers.isEmpty, !agents.isEmpty else { return 0 }
        let first = (try await sql.raw("SELECT MAX(id) AS n FROM tickets").first()?.decode(column: "n", as: Int64?.self) ?? nil) ?? 0
        let firstMessage = (try await sql.raw("SELECT MAX(id) AS n FROM ticket_messages").first()?
            .decode(column: "n", as: Int64?.self) ?? nil) ?? 0
        var rng = SplitMix64(seed: seed)
        let intents = ConversationSeeder.intents.map { ($0.0.rawValue, $0.2) }
        var tickets: [[any Encodable & Sendable]] = []
        var messages: [[any Encodable & Sendable]] = []
        let ticketColumns = ["id", "user_id", "customer_id", "title", "status", "priority", "conversation_id", "intent", "trace",
                             "proposal_serial", "assigned_agent_id", "language", "created_at", "updated_at", "sla_started_at",
                             "first_responded_at", "sla_completed_at", "revision"]
        let messageColumns = ["id", "ticket_id", "author_kind", "body", "citations", "created_at"]
        for n in 0..<self.tickets {
            let id = first + Int64(n) + 1
            let owner = customers[Int(rng.next() % UInt64(customers.count))]
            let created = now.addingTimeInterval(-Double(rng.next() % 31_536_000) - 60)
            let status = ConversationSeeder.pick(Self.statuses, &rng)
            let open = ["open", "escalated", "in_progress", "awaiting_customer"].contains(status)
            // A person took part in about a fifth, and in every escalated or in-progress ticket.
            let person = status == "escalated" || status == "in_progress" || rng.next() % 100 < 20
            let started: Date? = person ? created.addingTimeInterval(Double(rng.next() % 7_200)) : nil
            let responded: Date? = started.flatMap { rng.next() % 10 < 9 ? $0.addingTimeInterval(300 + Double(rng.next() % 28_800)) : nil }
            let completed: Date? = started.flatMap { open ? nil : $0.addingTimeInterval(3_600 + Double(rng.next() % 259_200)) }
            let updated = min(now, max(completed ?? created, created.addingTimeInterval(Double(rng.next() % 432_000))))
            let title = (0..<3).map { _ in Self.words[Int(rng.next() % UInt64(Self.words.count))] }.joined(separator: " ").capitalized
            tickets.append([id, owner.user, owner.customer, title, status, ConversationSeeder.pick(Self.priorities, &rng),
                            "seed-ticket-\(id)", ConversationSeeder.pick(intents, &rng), "[]", 0,
                            person ? agents[Int(rng.next() % UInt64(agents.count))] : nil,
                            ConversationSeeder.pick(ConversationSeeder.languages, &rng), created, updated, started, responded,
                            completed, 0])
            let body = (0..<12).map { _ in Self.words[Int(rng.next() % UInt64(Self.words.count))] }.joined(separator: " ")
            messages.append([firstMessage + Int64(n) + 1, id, "customer", body, "[]", created])
            if tickets.count >= 10_000 {
                try await flush(&tickets, &messages, ticketColumns, messageColumns, on: database)
            }
        }
        try await flush(&tickets, &messages, ticketColumns, messageColumns, on: database)
        try await resetIdentitySequences(sql, tables: ["tickets", "ticket_messages"])
        return self.tickets
    }

    private func flush(_ tickets: inout [[any Encodable & Sendable]], _ messages: inout [[any Encodable & Sendable]],
                       _ ticketColumns: [String], _ messageColumns: [String], on database: any Database) async throws {
        guard !tickets.isEmpty else { return }
        let (ticketRows, messageRows) = (tickets, messages)
        tickets.removeAll(keepingCapacity: true)
        messages.removeAll(keepingCapacity: true)
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            try await insert(sql, "tickets", ticketColumns, ticketRows)
            try await insert(sql, "ticket_messages", messageColumns, messageRows)
        }
    }
}
