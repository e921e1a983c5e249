public import FluentKit
import Foundation
import SQLKit
public import SupportDomain

/// The turns of every conversation, for the leads' review page: one row per turn, written by the pipeline after the
/// conversation state (redacted text only), with a lead's verdict on the same row.
extension FluentConversationStore: ConversationReviewStore {
    public func recordTurn(_ turn: ConversationTurn) async throws {
        if let turnBuffer {
            turnBuffer.add(turn)
        } else {
            try await Self.insertTurns([turn], into: source)
        }
    }

    /// One multi-row INSERT (in chunks under SQLite's parameter limit).
    static func insertTurns(_ turns: [ConversationTurn], into source: DatabaseSource) async throws {
        let encoder = JSONEncoder()
        let rows: [[any Encodable & Sendable]] = try turns.map { turn in
            [turn.conversationID, turn.customerID.rawValue, turn.requestID, turn.channel.rawValue, turn.language,
             turn.intent.rawValue, turn.confidence, turn.orderID?.rawValue, turn.action?.rawValue, turn.success,
             turn.errorCode, turn.needsClarification, turn.escalated, turn.text, turn.reply,
             String(decoding: try encoder.encode(turn.trace), as: UTF8.self), turn.createdAt]
        }
        try await source.writeTransaction(durable: false) { sql in
            try await insert(sql, "conversation_turns", [
                "conversation_id", "customer_id", "request_id", "channel", "language", "intent", "confidence", "order_id", "action",
                "success", "error_code", "needs_clarification", "escalated", "text", "reply", "trace", "created_at",
            ], rows)
            try await ConversationRollups.refresh(turns.map(\.conversationID), on: sql)
        }
    }

    static let columns = """
        id, conversation_id, customer_id, request_id, channel, language, intent, confidence, order_id, action, success,
        error_code, needs_clarification, escalated, text, reply, trace, created_at, review_verdict, review_intent,
        review_action, reviewer, reviewed_at
        """

    public func turns(conversationID: String) async throws -> [ConversationTurn] {
        await turnBuffer?.flush()
        return try await HotPath.sql(database).raw("""
            SELECT \(unsafeRaw: Self.columns) FROM conversation_turns WHERE conversation_id = \(bind: conversationID) ORDER BY id
            """).all().map(Self.turn)
    }

    public func review(turnID: Int64, _ review: TurnReview?) async throws -> Bool {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        guard try await sql.raw("SELECT id FROM conversation_turns WHERE id = \(bind: turnID)").first() != nil else { return false }
        try await sql.raw("""
            UPDATE conversation_turns SET review_verdict = \(bind: review?.verdict.rawValue), review_intent = \(bind: review?.intent?.rawValue),
                review_action = \(bind: review?.action?.rawValue), reviewer = \(bind: review?.reviewer), reviewed_at = \(bind: review?.at)
            WHERE id = \(bind: turnID)
            """).run()
        return true
    }

    public func reviewedConversations(limit: Int) async throws -> [[ConversationTurn]] {
        await turnBuffer?.flush()
        let rows = try await HotPath.sql(database).raw("""
            SELECT \(unsafeRaw: Self.columns) FROM conversation_turns WHERE conversation_id IN (
                SELECT conversation_id FROM conversation_turns WHERE review_verdict IS NOT NULL
                GROUP BY conversation_id ORDER BY MAX(reviewed_at) DESC LIMIT \(bind: limit))
            ORDER BY conversation_id, id
            """).all().map(Self.turn)
        var order: [String] = []
        var grouped: [String: [ConversationTurn]] = [:]
        for turn in rows {
            if grouped[turn.conversationID] == nil { order.append(turn.conversationID) }
            grouped[turn.conversationID, default: []].append(turn)
        }
        return order.compactMap { grouped[$0] }
    }

    static func turn(_ row: any SQLRow) throws -> ConversationTurn {
        let traceJSON = try row.decode(column: "trace", as: String.self)
        var review: TurnReview?
        if let verdict = try row.decode(column: "review_verdict", as: String?.self).flatMap(TurnReview.Verdict.init(rawValue:)) {
            review = TurnReview(verdict: verdict,
                                intent: try row.decode(column: "review_intent", as: String?.self).flatMap(Intent.init(rawValue:)),
                                action: try row.decode(column: "review_action", as: String?.self).flatMap(ToolAction.init(rawValue:)),
                                reviewer: try row.decode(column: "reviewer", as: String?.self) ?? "",
                                at: try row.decode(column: "reviewed_at", as: Date?.self) ?? Date(timeIntervalSince1970: 0))
        }
        return ConversationTurn(
            id: try row.decode(column: "id", as: Int64.self),
            conversationID: try row.decode(column: "conversation_id", as: String.self),
            customerID: CustomerID(try row.decode(column: "customer_id", as: Int64.self)),
            requestID: try row.decode(column: "request_id", as: String.self),
            channel: ConversationTurn.Channel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .api,
            language: try row.decode(column: "language", as: String.self),
            intent: Intent(rawValue: try row.decode(column: "intent", as: String.self)) ?? .other,
            confidence: try row.decode(column: "confidence", as: Double.self),
            orderID: try row.decode(column: "order_id", as: Int64?.self).map(OrderID.init(rawValue:)),
            action: try row.decode(column: "action", as: String?.self).flatMap(ToolAction.init(rawValue:)),
            success: try row.decode(column: "success", as: Bool?.self),
            errorCode: try row.decode(column: "error_code", as: String?.self),
            needsClarification: try row.decode(column: "needs_clarification", as: Bool.self),
            escalated: try row.decode(column: "escalated", as: Bool.self),
            text: try row.decode(column: "text", as: String.self),
            reply: try row.decode(column: "reply", as: String.self),
            trace: (try? JSONDecoder().decode([TraceStep].self, from: Data(traceJSON.utf8))) ?? [],
            createdAt: try row.decode(column: "created_at", as: Date.self),
            review: review)
    }
}

struct CreateConversationTurns: AsyncMigration {
    var name: String { "SupportOps.CreateConversationTurns.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("conversation_turns")
            .field("id", .int64, .identifier(auto: true))
            .field("conversation_id", .string, .required)
            .field("customer_id", .int64, .required)
            .field("request_id", .string, .required)
            .field("channel", .string, .required)
            .field("language", .string, .required)
            .field("intent", .string, .required)
            .field("confidence", .double, .required)
            .field("order_id", .int64)
            .field("action", .string)
            .field("success", .bool)
            .field("error_code", .string)
            .field("needs_clarification", .bool, .required)
            .field("escalated", .bool, .required)
            .field("text", .string, .required)
            .field("reply", .string, .required)
            .field("trace", .string, .required)
            .field("created_at", .datetime, .required)
            .field("review_verdict", .string)
            .field("review_intent", .string)
            .field("review_action", .string)
            .field("reviewer", .string)
            .field("reviewed_at", .datetime)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX idx_turns_created ON conversation_turns (created_at)").run()
            try await sql.raw("CREATE INDEX idx_turns_conversation ON conversation_turns (conversation_id, id)").run()
            try await sql.raw("CREATE INDEX idx_turns_customer ON conversation_turns (customer_id)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("conversation_turns").delete()
    }
}
