import FluentKit
public import Foundation
import SQLKit
public import SupportDomain

/// Conversations summed up by the database: one `GROUP BY conversation_id` over the turns of a period (through
/// `idx_turns_created`), joined back to each conversation's first, last and first-understood turn, so the review list
/// and the dashboard read one row per conversation instead of every turn with its text and trace.
extension FluentConversationStore {
    public func summaries(from: Date, to: Date, limit: Int) async throws -> [ConversationSummary] {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        let postgres = sql.dialect.name == "postgresql"
        func distinct(_ column: String) -> String {
            postgres ? "string_agg(DISTINCT \(column), ',')" : "group_concat(DISTINCT \(column))"
        }
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

extension FluentConversationStore {
    /// The dashboard's conversation cells in one statement: the turns of the period (and the quiet days after it) grouped
    /// by conversation, the conversations that started in the period and pass the filters kept (HAVING), then counted by
    /// day, main intent, verdict and asked-back. The first and main turns are found without a join: the smallest
    /// "zero-padded id + value" string of a group carries the value of its earliest turn.
    public func buckets(from: Date, to: Date, now: Date, intent: Intent?, language: String?,
                        channel: ConversationTurn.Channel?) async throws -> [ConversationBucket] {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        let postgres = sql.dialect.name == "postgresql"
        func keyed(_ column: String) -> String {
            postgres ? "lpad(CAST(id AS TEXT), 15, '0') || \(column)" : "printf('%015d', id) || \(column)"
        }
        let day = postgres ? "CAST(floor(EXTRACT(EPOCH FROM MIN(created_at)) / 86400) AS BIGINT)"
            : "CAST(MIN(created_at) / 86400 AS INTEGER)"
        // SQLite would rather walk the conversation index in order (every turn ever) than range-scan the period's.
        let index = postgres ? "" : " INDEXED BY idx_turns_created"
        var having: SQLQueryString = "MIN(created_at) >= \(bind: from) AND MIN(created_at) < \(bind: to)"
        if let intent { having = having + " AND MAX(CASE WHEN intent = \(bind: intent.rawValue) THEN 1 ELSE 0 END) = 1" }
        if let language { having = having + " AND MAX(CASE WHEN language = \(bind: language) THEN 1 ELSE 0 END) = 1" }
        if let channel {
            having = having + " AND substr(MIN(\(unsafeRaw: keyed("channel"))), 16) = \(bind: channel.rawValue)"
        }
        let quietEnd = to.addingTimeInterval(Double(TicketFacts.quietDays) * 86_400)
        let decided = now.addingTimeInterval(-Double(TicketFacts.quietDays) * 86_400)
        let rows = try await sql.raw("""
            SELECT day, main_intent, outcome, asked, COUNT(*) AS n FROM (
                SELECT \(unsafeRaw: day) AS day,
                    COALESCE(substr(MIN(CASE WHEN intent <> 'other' THEN \(unsafeRaw: keyed("intent")) END), 16),
                             substr(MIN(\(unsafeRaw: keyed("intent"))), 16)) AS main_intent,
                    CASE WHEN MAX(CASE WHEN escalated THEN 1 ELSE 0 END) = 1 THEN 'escalated'
                         WHEN MAX(created_at) <= \(bind: decided) THEN 'automatic' ELSE 'pending' END AS outcome,
                    MAX(CASE WHEN needs_clarification THEN 1 ELSE 0 END) AS asked
                FROM conversation_turns\(unsafeRaw: index)
                WHERE created_at >= \(bind: from) AND created_at < \(bind: quietEnd)
                GROUP BY conversation_id
                HAVING \(having)) conversations
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
