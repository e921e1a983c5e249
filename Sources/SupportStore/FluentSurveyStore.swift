public import FluentKit
import FluentSQL
import Foundation
public import SupportDomain
import SQLKit

/// Satisfaction surveys in the database: one per ticket (a unique ticket id), found by the hash of their link's token,
/// answered once (a conditional update).
public struct FluentSurveyStore: SurveyStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    /// Opens the ticket's survey unless it has one; true when this call created it. Runs inside the ticket's transaction.
    static func open(_ survey: SurveyInvitation, on sql: any SQLDatabase) async throws -> Bool {
        let created = try await sql.raw("""
            INSERT INTO surveys (ticket_id, token_hash, agent_id, intent, created_at)
            VALUES (\(bind: survey.ticketID.rawValue), \(bind: survey.tokenHash), \(bind: survey.agentID?.rawValue),
                    \(bind: survey.intent?.rawValue), \(bind: survey.createdAt))
            ON CONFLICT (ticket_id) DO NOTHING
            RETURNING id
            """).first()
        return created != nil
    }

    public func fetchSurvey(ticket: TicketID) async throws -> SatisfactionSurvey? {
        try await fetch(where: "ticket_id = ", ticket.rawValue)
    }

    public func fetchSurvey(tokenHash: String) async throws -> SatisfactionSurvey? {
        try await fetch(where: "token_hash = ", tokenHash)
    }

    private func fetch(where column: String, _ value: any Encodable & Sendable) async throws -> SatisfactionSurvey? {
        guard let row = try await HotPath.sql(database).raw("""
            SELECT id, ticket_id, agent_id, intent, created_at, rating, comment, answered_at FROM surveys
            WHERE \(unsafeRaw: column)\(bind: value)
            """).first() else { return nil }
        return SatisfactionSurvey(
            id: try row.decode(column: "id", as: Int64.self), ticketID: TicketID(try row.decode(column: "ticket_id", as: Int64.self)),
            agentID: try row.decode(column: "agent_id", as: Int64?.self).map { UserID($0) },
            intent: try row.decode(column: "intent", as: String?.self).flatMap(Intent.init(rawValue:)),
            createdAt: try row.decode(column: "created_at", as: Date.self), rating: try row.decode(column: "rating", as: Int?.self),
            comment: try row.decode(column: "comment", as: String?.self),
            answeredAt: try row.decode(column: "answered_at", as: Date?.self))
    }

    public func answerSurvey(_ id: Int64, rating: Int, comment: String?, at date: Date) async throws -> Bool {
        try await HotPath.sql(database).raw("""
            UPDATE surveys SET rating = \(bind: rating), comment = \(bind: comment), answered_at = \(bind: date)
            WHERE id = \(bind: id) AND answered_at IS NULL
            RETURNING id
            """).first() != nil
    }

    public func satisfaction(since date: Date) async throws -> (byAgent: [SatisfactionGroup], byIntent: [SatisfactionGroup]) {
        func grouped(by column: String) async throws -> [SatisfactionGroup] {
            try await HotPath.sql(database).raw("""
                SELECT \(unsafeRaw: column) AS group_key, COUNT(*) AS sent, COUNT(answered_at) AS answered,
                       CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS rating_sum,
                       CAST(COALESCE(SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied
                FROM surveys WHERE created_at >= \(bind: date)
                GROUP BY \(unsafeRaw: column) ORDER BY COUNT(*) DESC
                """).all().map { row in
                SatisfactionGroup(key: try row.decode(column: "group_key", as: String?.self),
                                  sent: try row.decode(column: "sent", as: Int.self),
                                  answered: try row.decode(column: "answered", as: Int.self),
                                  ratingSum: try row.decode(column: "rating_sum", as: Int.self),
                                  satisfied: try row.decode(column: "satisfied", as: Int.self))
            }
        }
        // The agent id as text, so both groupings decode the same way; sums cast because PostgreSQL sums bigints as numeric.
        return (try await grouped(by: "CAST(agent_id AS TEXT)"), try await grouped(by: "intent"))
    }
}

/// The satisfaction surveys: one per ticket, found by the hash of their link's token.
struct CreateSurveys: AsyncMigration {
    var name: String { "SupportOps.CreateSurveys.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("surveys")
            .field("id", .int, .identifier(auto: true))
            .field("ticket_id", .int, .required, .references("tickets", "id"))
            .field("token_hash", .string, .required)
            .field("agent_id", .int, .references("users", "id"))
            .field("intent", .string)
            .field("created_at", .datetime, .required)
            .field("rating", .int)
            .field("comment", .string)
            .field("answered_at", .datetime)
            .unique(on: "ticket_id")
            .unique(on: "token_hash")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "surveys_created").on("surveys").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("surveys").delete()
    }
}
