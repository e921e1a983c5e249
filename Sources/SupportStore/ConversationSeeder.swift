public import FluentKit
public import Foundation
import SQLKit
import SupportDomain

/// Generated conversations for the dashboard and the review page at scale (`supportops seed --conversations N`): turns
/// spread over the past year, with a help desk's shape — most conversations one or two turns, order status the commonest
/// intent, English first and five other languages, an API and a portal channel, questions asked back, escalations and
/// refused writes at plausible rates. The text is generic filler (never taken from any dataset). A fixed seed, so the
/// same arguments give the same turns.
public struct ConversationSeeder: Sendable {
    public var conversations: Int
    public var seed: UInt64

    public init(conversations: Int, seed: UInt64 = 0xC0_2026) {
        self.conversations = conversations
        self.seed = seed
    }

    static let intents: [(Intent, ToolAction?, Int)] = [
        (.status, .getOrderStatus, 34), (.refund, .issueRefund, 20), (.cancel, .cancelOrder, 10),
        (.replacement, .requestReplacement, 8), (.escalate, .escalateCase, 6), (.other, nil, 22),
    ]
    static let languages: [(String, Int)] = [("en", 70), ("es", 10), ("fr", 6), ("de", 6), ("it", 4), ("pt", 4)]
    static let words = "order parcel refund blender kettle delivery late cracked missing address card help please thanks where when"
        .split(separator: " ").map(String.init)

    static func pick<T>(_ weighted: [(T, Int)], _ rng: inout SplitMix64) -> T {
        var roll = Int(rng.next() % UInt64(weighted.reduce(0) { $0 + $1.1 }))
        for (value, weight) in weighted {
            if roll < weight { return value }
            roll -= weight
        }
        return weighted[0].0
    }

    /// Inserts the turns (in transactions of about 20,000 rows) and returns how many.
    public func run(on database: any Database, now: Date) async throws -> Int {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        let customers = try await sql.raw("SELECT id FROM customers ORDER BY id").all().map { try $0.decode(column: "id", as: Int64.self) }
        let pool = customers.isEmpty ? [1] : customers
        var rng = SplitMix64(seed: seed)
        let weightedIntents = Self.intents.map { (($0.0, $0.1), $0.2) }
        let turnCounts = [(1, 55), (2, 25), (3, 12), (4, 8)]
        var rows: [[any Encodable & Sendable]] = []
        var written = 0
        let columns = ["conversation_id", "customer_id", "request_id", "channel", "language", "intent", "confidence", "order_id",
                       "action", "success", "error_code", "needs_clarification", "escalated", "text", "reply", "trace", "created_at"]
        let trace = #"[{"detail":"generated","step":"understand"}]"#
        for conversation in 0..<conversations {
            let id = String(format: "seed-%08llx-%06d", rng.next() & 0xFFFF_FFFF, conversation)
            let customer = pool[Int(rng.next() % UInt64(pool.count))]
            let channel = rng.next() % 10 < 6 ? "api" : "portal"
            let language = Self.pick(Self.languages, &rng)
            let (intent, action) = Self.pick(weightedIntents, &rng)
            let count = Self.pick(turnCounts, &rng)
            var at = now.addingTimeInterval(-Double(rng.next() % 31_536_000) - 60)
            // An escalation intent hands over more often; a write can be refused by the rules.
            let escalates = intent == .escalate ? rng.next() % 10 < 8 : rng.next() % 100 < 4
            for turn in 0..<count {
                let last = turn == count - 1
                let asked = !last && rng.next() % 100 < 35 || last && rng.next() % 100 < 5
                let acting = last && !asked ? action : nil
                let success: Bool? = acting.map { _ in rng.next() % 100 < 82 }
                let confidence = 0.35 + Double(rng.next() % 650) / 1000
                let text = (0..<(4 + Int(rng.next() % 10))).map { _ in Self.words[Int(rng.next() % UInt64(Self.words.count))] }
                    .joined(separator: " ")
                rows.append([id, customer, "seed-\(conversation)-\(turn)", channel, language,
                             (turn == 0 && rng.next() % 100 < 15 ? Intent.other : intent).rawValue, confidence,
                             acting == nil ? nil : Int64(10_000 + Int(rng.next() % 1_000_000)), acting?.rawValue, success,
                             success == false ? "not_allowed" : nil, asked, last && escalates, text,
                             asked ? "Which order do you mean?" : "Done: generated reply.", trace, at])
                at = at.addingTimeInterval(30 + Double(rng.next() % 600))
            }
            if rows.count >= 20_000 {
                try await flush(&rows, columns: columns, on: database)
            }
            written += count
        }
        try await flush(&rows, columns: columns, on: database)
        try await database.guardedTransaction { tx in try await ConversationRollups.refresh(nil, on: try HotPath.sql(tx)) }
        return written
    }

    private func flush(_ rows: inout [[any Encodable & Sendable]], columns: [String], on database: any Database) async throws {
        guard !rows.isEmpty else { return }
        let batch = rows
        rows.removeAll(keepingCapacity: true)
        try await database.guardedTransaction { tx in
            try await insert(try HotPath.sql(tx), "conversation_turns", columns, batch)
        }
    }
}
