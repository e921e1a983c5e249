import FluentKit
import Foundation
import SQLKit
import SupportDomain
import SupportStore
import Testing
@testable import SupportCommands
@testable import SupportServer
import Vapor
import VaporTesting
import Fluent

/// The dashboard's figures on a fixture with known counts, the resolution rate at the edges of its definition, the
/// CSV equal to the chart's data, and an empty period.
@Suite struct DashboardTests {
    /// Six tickets of Alice's, then set to known states: the definition's cases.
    func fixture(_ h: TestHarness) async throws -> [String: Int] {
        let alice = PortalClient(h)
        try await alice.logIn("alice@example.com")
        var ids: [String: Int] = [:]
        for name in ["satisfied", "quiet8", "quiet6", "satisfiedThenEscalated", "byPerson", "merged"] {
            ids[name] = try await alice.openTicket(title: name, description: "how long does delivery take?")
        }
        let sql = try #require(h.app.db as? any SQLDatabase)
        let day: TimeInterval = 86_400
        func set(_ name: String, status: String, intent: String, created: TimeInterval, updated: TimeInterval,
                 started: TimeInterval? = nil, responded: TimeInterval? = nil, completed: TimeInterval? = nil,
                 merged: Bool = false) async throws {
            let at = { (offset: TimeInterval?) in offset.map { testNow.addingTimeInterval($0) } }
            try await sql.raw("""
                UPDATE tickets SET status = \(bind: status), intent = \(bind: intent), created_at = \(bind: testNow.addingTimeInterval(created)),
                    updated_at = \(bind: testNow.addingTimeInterval(updated)), sla_started_at = \(bind: at(started)),
                    first_responded_at = \(bind: at(responded)), sla_completed_at = \(bind: at(completed)),
                    merged_into = \(bind: merged ? ids["satisfied"] : nil)
                WHERE id = \(bind: ids[name]!)
                """).run()
        }
        // Marked satisfying the day it was opened (2 hours later).
        try await set("satisfied", status: "resolved", intent: "refund", created: -10 * day, updated: -10 * day + 7200)
        // The agent answered; the customer never came back: 8 quiet days resolve it, 6 do not yet.
        try await set("quiet8", status: "awaiting_customer", intent: "status", created: -9 * day, updated: -8 * day)
        try await set("quiet6", status: "awaiting_customer", intent: "status", created: -9 * day, updated: -6 * day)
        // Satisfied first, escalated later: a person took part, so it is escalated.
        try await set("satisfiedThenEscalated", status: "in_progress", intent: "refund", created: -5 * day, updated: -4 * day,
                      started: -4 * day, responded: -4 * day + 1800)
        // Escalated and resolved by a person within the day.
        try await set("byPerson", status: "resolved", intent: "cancel", created: -3 * day, updated: -3 * day + 3 * 3600,
                      started: -3 * day + 600, responded: -3 * day + 600 + 3600, completed: -3 * day + 3 * 3600)
        // Merged into another ticket: not counted again.
        try await set("merged", status: "closed", intent: "refund", created: -2 * day, updated: -2 * day, merged: true)
        return ids
    }

    @Test func theFiguresFollowTheDefinitionAtItsEdges() async throws {
        try await TestHarness.with { h in
            _ = try await fixture(h)
            let store = h.services.stores.insight
            let from = testNow.addingTimeInterval(-30 * 86_400), to = testNow.addingTimeInterval(86_400)
            let report = InsightReport.compute(
                tickets: try await store.ticketFacts(from: from, to: to, intent: nil), ratings: [], money: MoneyFacts(),
                overrides: [], from: from, to: to, now: testNow)
            #expect(report.opened == 5)
            #expect(report.automatic == 2 && report.escalated == 2 && report.pending == 1)
            #expect(report.automaticRate == 0.4 && report.escalationRate == 0.4)
            // Per intent.
            let byIntent = Dictionary(uniqueKeysWithValues: report.intents.map { ($0.intent, $0) })
            #expect(byIntent["refund"]?.automatic == 1 && byIntent["refund"]?.escalated == 1)
            #expect(byIntent["status"]?.automatic == 1 && byIntent["status"]?.pending == 1)
            #expect(byIntent["cancel"]?.escalated == 1)
            // Times: the satisfied ticket took 2 h; the quiet one counts from its last message plus 7 days; the
            // person resolved theirs in 3 h and answered first in 1 h (30 min for the other).
            #expect(report.humanResolution.count == 1 && report.humanResolution.median == 180)
            #expect(report.firstResponse.count == 2 && report.firstResponse.median == 45 && report.firstResponse.p90 == 57)
            // 2 h and 8 days (the quiet ticket: opened 9 days ago, last message 8 days ago, resolved 7 days later).
            #expect(report.automaticResolution.count == 2 && report.automaticResolution.median == (120 + 8 * 1440) / 2)
            // Per day: opened on their days, resolved on theirs.
            #expect(report.days.count == 32 && report.days.map(\.opened).reduce(0, +) == 5)
            #expect(report.days.map(\.resolvedAutomatically).reduce(0, +) == 2)
            #expect(report.days.map(\.resolvedByPeople).reduce(0, +) == 1)
            // An intent filter keeps only its tickets.
            #expect(try await store.ticketFacts(from: from, to: to, intent: .status).count == 2)
            // The database's counts (what the page shows) equal the definition's, with and without a filter, and
            // at a "now" at which fewer tickets are decided.
            for (intent, now) in [(nil, testNow), (Intent.status, testNow), (nil, testNow.addingTimeInterval(-7 * 86_400)),
                                  (Intent.refund, testNow.addingTimeInterval(-86_400))] {
                let counted = try await store.ticketFigures(from: from, to: to, intent: intent, now: now)
                let defined = TicketFigures(tickets: try await store.ticketFacts(from: from, to: to, intent: intent), now: now)
                #expect(counted.opened == defined.opened && counted.resolved == defined.resolved)
                for (a, b) in [(counted.automaticResolution, defined.automaticResolution),
                               (counted.humanResolution, defined.humanResolution), (counted.firstResponse, defined.firstResponse)] {
                    #expect(a.count == b.count)
                    #expect(abs((a.median ?? -1) - (b.median ?? -1)) < 1e-6 && abs((a.p90 ?? -1) - (b.p90 ?? -1)) < 1e-6)
                }
            }
            #expect(try await store.ticketFigures(from: from, to: to, intent: nil, now: testNow).opened.reduce(0) { $0 + $1.count } == 5)
        }
    }

    @Test func thePageTheCSVAndAnEmptyPeriod() async throws {
        try await TestHarness.with { h in
            _ = try await fixture(h)
            _ = try await h.resolve("my blender from order 1001 arrived cracked, I want my money back", user: 1)
            // Two help-center searches that find nothing (one twice, one with an address in it), one that finds.
            let visitor = PortalClient(h)
            for q in ["Zqxjv Wobble", "zqxjv wobble", "zqxjv qvzk.wpxj@xqvz.zz", "refund"] {
                #expect(try await visitor.get("/kb?q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")).status == .ok)
            }
            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            let page = try await lead.get("/agent/dashboard")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(#"id="figure-automatic""#) && html.contains("40 %") && html.contains("2 of 5 tickets"))
            #expect(html.contains("<svg id=\"chart-daily\"") && html.contains("<title id=\"chart-daily-title\">"))
            #expect(html.contains("<svg id=\"chart-intents\""))
            #expect(html.contains("did not come\n      back for 7 days") || html.contains("back for 7 days"))
            // Alice's 49.99 and the demo store's two refunds of Bob's (29.95 and 39.99, 12 and 8 days ago).
            #expect(html.contains("Refunds paid</dt><dd>3 · 119.93"))
            // Content gaps: counted by text, personal data masked; the refund search found something.
            #expect(html.contains("“zqxjv wobble”: 2 searches"))
            #expect(html.contains("[email]") && !html.contains("qvzk.wpxj"))
            #expect(!html.contains("“refund”"))
            #expect(html.contains(#"id="dashboard-articles""#))
            let gaps = try await lead.get("/agent/dashboard/csv?table=gaps").body.string
            #expect(gaps.hasPrefix("search,count\r\nzqxjv wobble,2\r\n"))
            // The CSV is the chart's table.
            let days = try await lead.get("/agent/dashboard/csv?table=days")
            #expect(days.headers.contentType?.subType == "csv")
            let rows = days.body.string.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(rows.first == ["date", "opened", "resolved_automatically", "resolved_by_people"])
            #expect(rows.count == 31)
            #expect(rows.dropFirst().compactMap { Int($0[1]) }.reduce(0, +) == 5)
            #expect(rows.dropFirst().compactMap { Int($0[2]) }.reduce(0, +) == 2)
            let intents = try await lead.get("/agent/dashboard/csv?table=intents&intent=status").body.string
            #expect(intents.contains("status,2,1,0,1,"))
            #expect(!intents.contains("refund,"))
            // An empty period says so instead of drawing empty axes.
            let empty = try await lead.get("/agent/dashboard?from=2020-01-01&to=2020-01-31").body.string
            #expect(empty.contains("Tickets opened and resolved per day: nothing in this period."))
            #expect(empty.contains("0 of 0 tickets") && !empty.contains("<svg id=\"chart-daily\""))
            // Bad filters are a readable error, customers see nothing.
            #expect(try await lead.get("/agent/dashboard?from=yesterday").status == .badRequest)
            #expect(try await lead.get("/agent/dashboard/csv?table=secrets").status == .badRequest)
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            #expect(try await alice.get("/agent/dashboard").status == .notFound)
        }
    }

    @Test func csvFieldsAreQuotedAndNeverFormulas() {
        #expect(DashboardController.csvField("plain") == "plain")
        #expect(DashboardController.csvField("a,b") == "\"a,b\"")
        #expect(DashboardController.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(DashboardController.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(DashboardController.csvField("-12") == "-12")
    }
}

extension DashboardTests {
    /// Deflection as a customer meets it: an article opened from the new-ticket page's suggestions counts; a ticket
    /// opened in the hour after means it did not deflect; an hour without one means it did; staff and plain visits do
    /// not count.
    @Test func suggestionsThatDeflectedATicket() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let suggestions = try await alice.get("/tickets/suggest?q=how%20long%20does%20a%20refund%20take")
            let items = try #require(try JSONSerialization.jsonObject(with: Data(suggestions.body.string.utf8)) as? [[String: Any]])
            let url = try #require(items.first?["url"] as? String)
            #expect(url.hasSuffix("?via=suggestion"))
            #expect(try await alice.get(url).status == .ok)
            // The same article read without the suggestion, and by a member of staff from a suggestion: not counted.
            #expect(try await alice.get(String(url.prefix { $0 != "?" })).status == .ok)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get(url).status == .ok)
            // Alice opens her ticket after all: her suggestion did not deflect it.
            _ = try await alice.openTicket(title: "Refund timing", description: "How long does my refund take?")
            // Bob reads a suggestion and, so far (less than an hour), opens nothing.
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            #expect(try await bob.get(url).status == .ok)
            // Dan read one two hours ago and never opened a ticket: deflected.
            let sql = try #require(h.app.db as? any SQLDatabase)
            let dan = try #require(try await sql.raw("SELECT id FROM users WHERE email = 'dan@example.com'").first())
                .decode(column: "id", as: Int64.self)
            let article = try #require(Int64(url.split(separator: "/").last?.prefix { $0 != "?" } ?? ""))
            try await sql.raw("""
                INSERT INTO suggestion_opens (article_id, user_id, opened_at)
                VALUES (\(bind: article), \(bind: dan), \(bind: testNow.addingTimeInterval(-2 * 3_600)))
                """).run()

            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            let html = try await lead.get("/agent/dashboard").body.string
            #expect(html.contains("Suggested articles opened while writing a ticket</dt><dd>3</dd>"))
            #expect(html.contains("Deflected (no ticket from that customer within an hour)</dt><dd>1 · 50 %"))
            #expect(html.contains("Followed by a ticket</dt><dd>1</dd>"))
            #expect(html.contains("no verdict yet)</dt><dd>1</dd>"))
            let csv = try await lead.get("/agent/dashboard/csv?table=deflection").body.string
            let rows = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(rows.first == ["article", "suggestions_opened", "deflected"])
            #expect(rows.count == 2)
            #expect(rows.last?.suffix(2) == ["3", "1"])
            // A period before any of it: the empty state.
            let empty = try await lead.get("/agent/dashboard?from=2020-01-01&to=2020-01-31").body.string
            #expect(empty.contains(#"id="dashboard-deflection-empty""#))
        }
    }
}
