public import FluentKit
public import Foundation
public import SupportDomain
import SQLKit

/// The dashboard's facts, read with a handful of indexed range queries (tickets by `created_at`, audit rows and
/// refunds by their dates); the figures are computed from them by `InsightReport`.
public struct FluentInsightStore: InsightStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func ticketFacts(from: Date, to: Date, intent: Intent?) async throws -> [TicketFacts] {
        let sql = try HotPath.sql(database)
        let intentFilter: SQLQueryString = intent.map { "AND intent = \(bind: $0.rawValue)" } ?? ""
        return try await sql.raw("""
            SELECT created_at, updated_at, status, intent, sla_started_at, first_responded_at, sla_completed_at FROM tickets
            WHERE created_at >= \(bind: from) AND created_at < \(bind: to) AND merged_into IS NULL \(intentFilter)
            """).all().map { row in
            TicketFacts(createdAt: try row.decode(column: "created_at", as: Date.self),
                        updatedAt: try row.decode(column: "updated_at", as: Date.self),
                        status: TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
                        intent: try row.decode(column: "intent", as: String?.self).flatMap(Intent.init(rawValue:)),
                        personStartedAt: try row.decode(column: "sla_started_at", as: Date?.self),
                        firstRespondedAt: try row.decode(column: "first_responded_at", as: Date?.self),
                        personCompletedAt: try row.decode(column: "sla_completed_at", as: Date?.self))
        }
    }

    /// Three statements over the period's tickets (an index-only scan of `tickets_figures`), each ticket's verdict and
    /// resolution worked out in SQL as `TicketFacts` defines them: the tickets opened by day, intent and verdict, those
    /// resolved by day, and the times (PostgreSQL's `percentile_cont` interpolates as `Spread` does; on SQLite a window
    /// function picks the times around each percentile's position).
    public func ticketFigures(from: Date, to: Date, intent: Intent?, now: Date) async throws -> TicketFigures {
        let sql = try HotPath.sql(database)
        let postgres = sql.dialect.name == "postgresql"
        let decided = now.addingTimeInterval(-Double(TicketFacts.quietDays) * 86_400)
        func seconds(_ column: String) -> String { SQLDates.seconds(column, postgres: postgres) }
        func day(_ column: String) -> String { SQLDates.utcDay(column, postgres: postgres) }
        let afterQuiet = postgres ? "updated_at + INTERVAL '\(TicketFacts.quietDays) days'"
            : "updated_at + \(TicketFacts.quietDays * 86_400)"
        let intentFilter: SQLQueryString = intent.map { " AND intent = \(bind: $0.rawValue)" } ?? ""
        let facts: SQLQueryString = """
            SELECT created_at, COALESCE(intent, 'unknown') AS intent, sla_started_at, first_responded_at,
                CASE WHEN sla_started_at IS NOT NULL THEN 'escalated' WHEN status IN ('resolved', 'closed') THEN 'automatic'
                     WHEN updated_at <= \(bind: decided) THEN 'automatic' ELSE 'pending' END AS outcome,
                CASE WHEN sla_started_at IS NOT NULL THEN sla_completed_at WHEN status IN ('resolved', 'closed') THEN updated_at
                     WHEN updated_at <= \(bind: decided) THEN \(unsafeRaw: afterQuiet) END AS resolved_at
            FROM tickets WHERE created_at >= \(bind: from) AND created_at < \(bind: to) AND merged_into IS NULL\(intentFilter)
            """
        let opened = try await sql.raw("""
            SELECT \(unsafeRaw: day("created_at")) AS day, intent, outcome, COUNT(*) AS n FROM (\(facts)) t
            GROUP BY \(unsafeRaw: day("created_at")), intent, outcome
            """).all().map { row in
            TicketCell(day: Date(timeIntervalSince1970: Double(try row.decode(column: "day", as: Int64.self)) * 86_400),
                       intent: try row.decode(column: "intent", as: String.self),
                       outcome: TicketOutcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .pending,
                       count: try row.decode(column: "n", as: Int.self))
        }
        let resolved = try await sql.raw("""
            SELECT \(unsafeRaw: day("resolved_at")) AS day, outcome, COUNT(*) AS n FROM (\(facts)) t
            WHERE resolved_at IS NOT NULL AND resolved_at <= \(bind: now)
            GROUP BY \(unsafeRaw: day("resolved_at")), outcome
            """).all()
        var resolvedCells: [ResolvedCell: Int] = [:]
        for row in resolved {
            let cell = ResolvedCell(day: Date(timeIntervalSince1970: Double(try row.decode(column: "day", as: Int64.self)) * 86_400),
                                    automatic: try row.decode(column: "outcome", as: String.self) == "automatic", count: 0)
            resolvedCells[cell, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        let zero = postgres ? "GREATEST" : "MAX"
        let times: SQLQueryString = """
            SELECT CASE WHEN outcome = 'automatic' THEN 'automatic' ELSE 'human' END AS kind,
                CAST((\(unsafeRaw: seconds("resolved_at")) - \(unsafeRaw: seconds("created_at"))) / 60.0 AS DOUBLE PRECISION) AS minutes
            FROM (\(facts)) t WHERE resolved_at IS NOT NULL AND resolved_at <= \(bind: now)
            UNION ALL
            SELECT 'first_response' AS kind,
                CAST(\(unsafeRaw: zero)(0, (\(unsafeRaw: seconds("first_responded_at")) - \(unsafeRaw: seconds("sla_started_at"))) / 60.0)
                    AS DOUBLE PRECISION) AS minutes
            FROM (\(facts)) t WHERE sla_started_at IS NOT NULL AND first_responded_at IS NOT NULL
            """
        var spreads: [String: InsightReport.Spread] = [:]
        if postgres {
            for row in try await sql.raw("""
                SELECT kind, COUNT(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) AS median,
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes) AS p90
                FROM (\(times)) v GROUP BY kind
                """).all() {
                spreads[try row.decode(column: "kind", as: String.self)] = .init(
                    count: try row.decode(column: "n", as: Int.self), median: try row.decode(column: "median", as: Double?.self),
                    p90: try row.decode(column: "p90", as: Double?.self))
            }
        } else {
            // SQLite has no percentile: the database numbers each kind's times in order and returns only the (at most
            // four) around the median's and the 90th percentile's positions, q × (n − 1), interpolated here as
            // `Spread` does.
            var around: [String: (count: Int, values: [Int: Double])] = [:]
            for row in try await sql.raw("""
                SELECT kind, r, n, minutes FROM (
                    SELECT kind, minutes, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY minutes) - 1 AS r,
                        COUNT(*) OVER (PARTITION BY kind) AS n
                    FROM (\(times)) v) ranked
                WHERE r IN (CAST((n - 1) * 0.5 AS INTEGER), CAST((n - 1) * 0.5 AS INTEGER) + 1,
                            CAST((n - 1) * 0.9 AS INTEGER), CAST((n - 1) * 0.9 AS INTEGER) + 1)
                """).all() {
                let kind = try row.decode(column: "kind", as: String.self)
                let count = try row.decode(column: "n", as: Int.self)
                var entry = around[kind] ?? (count: count, values: [:])
                entry.values[try row.decode(column: "r", as: Int.self)] = try row.decode(column: "minutes", as: Double.self)
                around[kind] = entry
            }
            spreads = around.mapValues { entry in
                InsightReport.Spread(count: entry.count,
                                     median: InsightReport.Spread.quantile(0.5, count: entry.count) { entry.values[$0] },
                                     p90: InsightReport.Spread.quantile(0.9, count: entry.count) { entry.values[$0] })
            }
        }
        let none = InsightReport.Spread(minutes: [])
        return TicketFigures(opened: opened, resolved: resolvedCells.map { var cell = $0.key; cell.count = $0.value; return cell },
                             automaticResolution: spreads["automatic"] ?? none, humanResolution: spreads["human"] ?? none,
                             firstResponse: spreads["first_response"] ?? none)
    }

    public func ratings(from: Date, to: Date) async throws -> [(intent: Intent?, rating: Int)] {
        try await HotPath.sql(database).raw("""
            SELECT intent, rating FROM surveys WHERE answered_at >= \(bind: from) AND answered_at < \(bind: to) AND rating IS NOT NULL
            """).all().map { row in
            (intent: try row.decode(column: "intent", as: String?.self).flatMap(Intent.init(rawValue:)),
             rating: try row.decode(column: "rating", as: Int.self))
        }
    }

    public func money(from: Date, to: Date) async throws -> MoneyFacts {
        let sql = try HotPath.sql(database)
        var facts = MoneyFacts()
        for row in try await sql.raw("""
            SELECT status, amount_cents, fraud_signals FROM refunds WHERE created_at >= \(bind: from) AND created_at < \(bind: to)
            """).all() {
            let cents = try row.decode(column: "amount_cents", as: Int64.self)
            switch try row.decode(column: "status", as: String.self) {
            case RefundStatus.approved.rawValue:
                facts.refundsPaid += 1
                facts.refundsPaidCents += cents
            case RefundStatus.pendingReview.rawValue:
                facts.refundsHeld += 1
                facts.refundsHeldCents += cents
                for signal in try row.decode(column: "fraud_signals", as: String.self).split(separator: ",") {
                    facts.fraudSignals[String(signal), default: 0] += 1
                }
            default: break
            }
        }
        for row in try await sql.raw("""
            SELECT action, COUNT(*) AS n FROM audit_entries
            WHERE created_at >= \(bind: from) AND created_at < \(bind: to)
              AND ((action = 'issue_refund' AND result NOT LIKE '%"success":"true"%')
                OR (action IN ('cancel_order', 'request_replacement') AND result LIKE '%"success":"true"%'))
            GROUP BY action
            """).all() {
            let count = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "action", as: String.self) {
            case "issue_refund": facts.refundsRefused = count
            case "cancel_order": facts.cancellations = count
            default: facts.replacements = count
            }
        }
        return facts
    }

    public func searchMisses(from: Date, to: Date, limit: Int) async throws -> [(query: String, count: Int)] {
        try await HotPath.sql(database).raw("""
            SELECT query, count FROM search_misses WHERE last_at >= \(bind: from) AND last_at < \(bind: to)
            ORDER BY count DESC, query LIMIT \(bind: limit)
            """).all().map { (query: try $0.decode(column: "query", as: String.self), count: try $0.decode(column: "count", as: Int.self)) }
    }

    public func deflection(from: Date, to: Date, now: Date, limit: Int) async throws -> DeflectionFacts {
        let sql = try HotPath.sql(database)
        let decided = now.addingTimeInterval(-DeflectionFacts.window)
        let counts: SQLQueryString = """
            COUNT(*) AS opened,
            SUM(CASE WHEN s.ticket_opened_at IS NULL AND s.opened_at < \(bind: decided) THEN 1 ELSE 0 END) AS deflected,
            SUM(CASE WHEN s.ticket_opened_at IS NOT NULL THEN 1 ELSE 0 END) AS followed
            """
        var facts = DeflectionFacts()
        if let row = try await sql.raw("""
            SELECT \(counts) FROM suggestion_opens s WHERE s.opened_at >= \(bind: from) AND s.opened_at < \(bind: to)
            """).first() {
            facts.opened = try row.decode(column: "opened", as: Int.self)
            facts.deflected = try row.decode(column: "deflected", as: Int?.self) ?? 0
            facts.followedByTicket = try row.decode(column: "followed", as: Int?.self) ?? 0
            facts.pending = facts.opened - facts.deflected - facts.followedByTicket
        }
        facts.articles = try await sql.raw("""
            SELECT COALESCE(a.title, 'article #' || CAST(s.article_id AS TEXT)) AS title, \(counts)
            FROM suggestion_opens s LEFT JOIN kb_articles a ON a.id = s.article_id
            WHERE s.opened_at >= \(bind: from) AND s.opened_at < \(bind: to)
            GROUP BY s.article_id, a.title ORDER BY COUNT(*) DESC, a.title LIMIT \(bind: limit)
            """).all().map { row in
            DeflectionFacts.Article(title: try row.decode(column: "title", as: String.self),
                                    opened: try row.decode(column: "opened", as: Int.self),
                                    deflected: try row.decode(column: "deflected", as: Int?.self) ?? 0)
        }
        return facts
    }

    public func overrides(from: Date, to: Date, limit: Int) async throws -> [OverrideFact] {
        try await HotPath.sql(database).raw("""
            SELECT created_at, parameters, result FROM audit_entries
            WHERE action = 'issue_refund' AND created_at >= \(bind: from) AND created_at < \(bind: to)
              AND parameters LIKE '%"override":"goodwill"%' AND result LIKE '%"success":"true"%'
            ORDER BY created_at DESC LIMIT \(bind: limit)
            """).all().map { row in
            func object(_ column: String) throws -> [String: String] {
                let text = try row.decode(column: column, as: String.self)
                return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]) ?? [:]
            }
            let parameters = try object("parameters"), result = try object("result")
            return OverrideFact(at: try row.decode(column: "created_at", as: Date.self),
                                agentID: parameters["agent_id"].flatMap { Int64($0) },
                                orderID: parameters["order_id"].flatMap { Int64($0) }, amount: result["amount"])
        }
    }
}
