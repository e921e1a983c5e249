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
                FROM conversation_turns WHERE created_at >= \(bind: from) AND created_at < \(bind: to)
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
