import FluentKit
public import Foundation
import SQLKit
public import SupportDomain

/// Conversations summed up by the database for the review list: one `GROUP BY conversation_id` over the turns of a
/// period (through `idx_turns_created`), joined back to each conversation's first, last and first-understood turn, so
/// the list reads one row per conversation instead of every turn with its text and trace.
extension FluentConversationStore {
    public func summaries(from: Date, to: Date, limit: Int) async throws -> [ConversationSummary] {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        let postgres = sql.dialect.name == "postgresql"
        func distinct(_ column: String) -> String { ConversationRollups.distinct(column, postgres: postgres) }
        let rows = try await sql.raw("""
            WITH g AS (
                SELECT conversation_id, COUNT(*) AS turn_count, MIN(id) AS first_id, MAX(id) AS last_id,
                    MIN(created_at) AS first_at, MAX(created_at) AS last_at, MIN(confidence) AS lowest,
                    MAX(CASE WHEN needs_clarification THEN 1 ELSE 0 END) AS asked,
                    MAX(CASE WHEN escalated THEN 1 ELSE 0 END) AS escalated_any,
                    COUNT(review_verdict) AS reviewed,
                    SUM(CASE WHEN review_verdict = 'wrong' THEN 1 ELSE 0 END) AS wrong,
                    MIN(CASE WHEN intent <> 'other' THEN id END) AS main_id,
                    \(unsafeRaw: distinct("intent")) AS intent_list, \(unsafeRaw: distinct("language")) AS language_list
                FROM conversation_turns\(unsafeRaw: postgres ? "" : " INDEXED BY idx_turns_created")
                WHERE created_at >= \(bind: from) AND created_at < \(bind: to)
                GROUP BY conversation_id
                ORDER BY MAX(created_at) DESC, conversation_id DESC LIMIT \(bind: limit))
            SELECT g.conversation_id, g.turn_count, g.first_at, g.last_at, g.lowest, g.asked, g.escalated_any, g.reviewed,
                g.wrong, g.intent_list, g.language_list, f.customer_id, f.channel, f.language AS first_language,
                COALESCE(m.intent, f.intent) AS main_intent, l.action AS last_action, l.success AS last_success,
                l.needs_clarification AS last_asked
            FROM g JOIN conversation_turns f ON f.id = g.first_id JOIN conversation_turns l ON l.id = g.last_id
                LEFT JOIN conversation_turns m ON m.id = g.main_id
            ORDER BY g.last_at DESC, g.conversation_id DESC
            """).all()
        return try rows.map { row in
            let main = Intent(rawValue: try row.decode(column: "main_intent", as: String.self)) ?? .other
            let others = (try row.decode(column: "intent_list", as: String?.self) ?? "").split(separator: ",")
                .compactMap { Intent(rawValue: String($0)) }.filter { $0 != main }.sorted { $0.rawValue < $1.rawValue }
            let firstLanguage = try row.decode(column: "first_language", as: String.self)
            let languages = (try row.decode(column: "language_list", as: String?.self) ?? "").split(separator: ",")
                .map(String.init).filter { $0 != firstLanguage }.sorted()
            let escalated = try row.decode(column: "escalated_any", as: Int.self) != 0
            let lastTurnOutcome = ConversationTurn.outcome(
                escalated: false, needsClarification: try row.decode(column: "last_asked", as: Bool.self),
                action: try row.decode(column: "last_action", as: String?.self).flatMap(ToolAction.init(rawValue:)),
                success: try row.decode(column: "last_success", as: Bool?.self))
            return ConversationSummary(
                conversationID: try row.decode(column: "conversation_id", as: String.self),
                customerID: CustomerID(try row.decode(column: "customer_id", as: Int64.self)),
                channel: ConversationTurn.Channel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .api,
                languages: [firstLanguage] + languages, intents: [main] + others,
                turns: try row.decode(column: "turn_count", as: Int.self),
                firstAt: try row.decode(column: "first_at", as: Date.self), lastAt: try row.decode(column: "last_at", as: Date.self),
                lowestConfidence: try row.decode(column: "lowest", as: Double.self),
                askedBack: try row.decode(column: "asked", as: Int.self) != 0, escalated: escalated,
                outcome: escalated ? .escalated : lastTurnOutcome,
                reviewed: try row.decode(column: "reviewed", as: Int.self), wrong: try row.decode(column: "wrong", as: Int?.self) ?? 0)
        }
    }
}

/// `conversation_rollups`: one row per conversation, the facts the dashboard counts (first and last turn, first
/// channel, main intent, every intent and language, escalated, asked back), rebuilt from the conversation's turns in
/// the same transaction that writes turns. The dashboard then reads one row per conversation through an index on the
/// start instead of grouping every turn of the period (a year of a million conversations: 3.1 s on PostgreSQL).
enum ConversationRollups {
    /// The group's distinct values of the column, joined by commas.
    static func distinct(_ column: String, postgres: Bool) -> String {
        postgres ? "string_agg(DISTINCT \(column), ',')" : "group_concat(DISTINCT \(column))"
    }

    static func keyed(_ column: String, postgres: Bool) -> String {
        postgres ? "lpad(CAST(id AS TEXT), 15, '0') || \(column)" : "printf('%015d', id) || \(column)"
    }

    /// The rollups of these conversations (or, with nil, of every conversation) from their turns.
    static func refresh(_ conversationIDs: [String]?, on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        // Commas on both ends, so a filter finds ",refund," in any position.
        func list(_ column: String) -> String { "',' || \(Self.distinct(column, postgres: postgres)) || ','" }
        func statement(_ condition: SQLQueryString) -> SQLQueryString {
            """
            INSERT INTO conversation_rollups (conversation_id, customer_id, channel, first_at, last_at, main_intent, intents,
                languages, escalated, asked, turns)
            SELECT conversation_id, MIN(customer_id), substr(MIN(\(unsafeRaw: keyed("channel", postgres: postgres))), 16),
                MIN(created_at), MAX(created_at),
                COALESCE(substr(MIN(CASE WHEN intent <> 'other' THEN \(unsafeRaw: keyed("intent", postgres: postgres)) END), 16),
                         substr(MIN(\(unsafeRaw: keyed("intent", postgres: postgres))), 16)),
                \(unsafeRaw: list("intent")), \(unsafeRaw: list("language")),
                MAX(CASE WHEN escalated THEN 1 ELSE 0 END), MAX(CASE WHEN needs_clarification THEN 1 ELSE 0 END), COUNT(*)
            FROM conversation_turns WHERE \(condition) GROUP BY conversation_id
            ON CONFLICT (conversation_id) DO UPDATE SET customer_id = excluded.customer_id, channel = excluded.channel,
                first_at = excluded.first_at, last_at = excluded.last_at, main_intent = excluded.main_intent,
                intents = excluded.intents, languages = excluded.languages, escalated = excluded.escalated,
                asked = excluded.asked, turns = excluded.turns
            """
        }
        guard let conversationIDs else {
            try await sql.raw(statement("1 = 1")).run()
            return
        }
        let distinct = Array(Set(conversationIDs)).sorted()
        for start in stride(from: 0, to: distinct.count, by: 500) {
            let slice = Array(distinct[start..<min(start + 500, distinct.count)])
            try await sql.raw(statement("conversation_id IN (\(binds: slice))")).run()
        }
    }
}

struct CreateConversationRollups: AsyncMigration {
    var name: String { "SupportOps.CreateConversationRollups.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("conversation_rollups")
            .field("conversation_id", .string, .identifier(auto: false))
            .field("customer_id", .int64, .required)
            .field("channel", .string, .required)
            .field("first_at", .datetime, .required)
            .field("last_at", .datetime, .required)
            .field("main_intent", .string, .required)
            .field("intents", .string, .required)
            .field("languages", .string, .required)
            .field("escalated", .int, .required)
            .field("asked", .int, .required)
            .field("turns", .int, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX idx_rollups_first ON conversation_rollups (first_at)").run()
        try await sql.raw("CREATE INDEX idx_rollups_customer ON conversation_rollups (customer_id)").run()
        try await sql.raw("CREATE INDEX idx_rollups_last ON conversation_rollups (last_at)").run()
        // The turns kept before this migration.
        try await ConversationRollups.refresh(nil, on: sql)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("conversation_rollups").delete()
    }
}

extension FluentConversationStore {
    /// The dashboard's conversation cells in one statement over the rollups of the conversations that started in the
    /// period (`idx_rollups_first`), filtered and counted by day, main intent, verdict and asked-back.
    public func buckets(from: Date, to: Date, now: Date, intent: Intent?, language: String?,
                        channel: ConversationTurn.Channel?) async throws -> [ConversationBucket] {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        let postgres = sql.dialect.name == "postgresql"
        let day = SQLDates.utcDay("first_at", postgres: postgres)
        var filters: SQLQueryString = ""
        if let intent { filters = filters + " AND intents LIKE \(bind: "%," + intent.rawValue + ",%")" }
        if let language { filters = filters + " AND languages LIKE \(bind: "%," + language + ",%")" }
        if let channel { filters = filters + " AND channel = \(bind: channel.rawValue)" }
        let decided = now.addingTimeInterval(-Double(TicketFacts.quietDays) * 86_400)
        let rows = try await sql.raw("""
            SELECT day, main_intent, outcome, asked, COUNT(*) AS n FROM (
                SELECT \(unsafeRaw: day) AS day, main_intent,
                    CASE WHEN escalated = 1 THEN 'escalated' WHEN last_at <= \(bind: decided) THEN 'automatic' ELSE 'pending' END AS outcome,
                    asked
                FROM conversation_rollups WHERE first_at >= \(bind: from) AND first_at < \(bind: to)\(filters)) conversations
            GROUP BY day, main_intent, outcome, asked
            """).all()
        return try rows.map { row in
            ConversationBucket(
                day: Date(timeIntervalSince1970: Double(try row.decode(column: "day", as: Int64.self)) * 86_400),
                intent: Intent(rawValue: try row.decode(column: "main_intent", as: String.self)) ?? .other,
                outcome: TicketOutcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .pending,
                askedBack: try row.decode(column: "asked", as: Int.self) != 0,
                count: try row.decode(column: "n", as: Int.self))
        }.sorted()
    }
}
