import Foundation
import SupportDomain
import SupportStore
import Testing
@testable import SupportCommands
@testable import SupportServer
import Vapor
import VaporTesting

/// Conversation review: every API turn is kept (redacted) with its trace, the list filters, a lead marks a turn, and the
/// marks export in the conversation-test format.
@Suite struct ReviewTests {
    @Test func turnsAreKeptFilteredMarkedAndExported() async throws {
        try await TestHarness.with { h in
            // Three conversations: a refund carried out, a question back (no order named), one in Spanish.
            let refund = try await h.resolve("my blender from order 1001 arrived cracked, I want my money back. Mail me at pat.q@example.org",
                                              user: 1)
            let asked = try await h.resolve("I want a refund", user: 1)
            #expect(asked["needs_clarification"] as? Bool == true)
            _ = try await h.resolve("¿dónde está mi pedido 1002?", user: 1)
            let refundConversation = try #require(refund["conversation_id"] as? String)
            let askedConversation = try #require(asked["conversation_id"] as? String)

            let lead = PortalClient(h)
            try await lead.logIn("lead@example.com")
            let page = try await lead.get("/agent/review")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(#"id="review-count">3 conversations"#))
            // Filters: asked back, outcome, language, confidence.
            let onlyAsked = try await lead.get("/agent/review?asked=yes").body.string
            #expect(onlyAsked.contains(#"id="review-count">1 conversations"#) && onlyAsked.contains(String(askedConversation.prefix(8))))
            let acted = try await lead.get("/agent/review?outcome=acted").body.string
            #expect(acted.contains(String(refundConversation.prefix(8))) && !acted.contains(String(askedConversation.prefix(8))))
            let spanish = try await lead.get("/agent/review?language=es").body.string
            #expect(spanish.contains(#"id="review-count">1 conversations"#))
            let none = try await lead.get("/agent/review?confidence_below=0").body.string
            #expect(none.contains(#"id="review-empty""#))
            // Bad filters get a readable 400, not a 500.
            #expect(try await lead.get("/agent/review?confidence_below=high").status == .badRequest)
            #expect(try await lead.get("/agent/review?outcome=sideways").status == .badRequest)

            // The transcript: redacted text, the reply, the trace, the tool result.
            let transcript = try await lead.get("/agent/review/conversation?id=\(refundConversation)")
            #expect(transcript.status == .ok)
            let html = transcript.body.string
            #expect(!html.contains("pat.q@example.org"))
            #expect(html.contains("[EMAIL]") || html.contains("[email]"))
            #expect(html.contains("issue_refund (done)"))
            #expect(html.contains("<strong>understand</strong>") && html.contains("<strong>act</strong>"))
            let turnID = try #require(html.range(of: #"action="/agent/review/turns/(\d+)""#, options: .regularExpression)
                .map { Int(html[$0].filter(\.isNumber))! })

            // A lead marks the asked-back turn wrong: it should have been a refund... and the refund turn right.
            let askedPage = try await lead.get("/agent/review/conversation?id=\(askedConversation)").body.string
            let askedTurn = try #require(askedPage.range(of: #"action="/agent/review/turns/(\d+)""#, options: .regularExpression)
                .map { Int(askedPage[$0].filter(\.isNumber))! })
            let wrong = try await lead.post("/agent/review/turns/\(askedTurn)",
                                            ["verdict": "wrong", "intent": "escalate", "action": "escalate_case",
                                             "conversation": askedConversation])
            #expect(wrong.status == .seeOther)
            #expect(try await lead.post("/agent/review/turns/\(turnID)", ["verdict": "right", "conversation": refundConversation]).status == .seeOther)
            let marked = try await lead.get("/agent/review/conversation?id=\(askedConversation)").body.string
            #expect(marked.contains("wrong: should be escalate, escalate_case"))
            // A verdict that is not one, a read action as the right one, an unknown turn: refused.
            #expect(try await lead.post("/agent/review/turns/\(turnID)", ["verdict": "maybe", "conversation": refundConversation]).status == .badRequest)
            #expect(try await lead.post("/agent/review/turns/\(turnID)", ["verdict": "wrong", "intent": "status", "action": "get_order_status",
                                                                           "conversation": refundConversation]).status == .badRequest)
            #expect(try await lead.post("/agent/review/turns/999999", ["verdict": "right", "conversation": refundConversation]).status == .notFound)
            #expect(try await lead.get("/agent/review?reviewed=yes").body.string.contains(#"id="review-count">2 conversations"#))

            // The export: the conversation-test format, the verdicts as expectations, no customer name or address.
            let export = try await lead.get("/agent/review/export")
            #expect(export.status == .ok)
            let text = export.body.string
            #expect(!text.contains("pat.q@example.org") && !text.contains("alice@example.com") && !text.contains("Alice"))
            let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(Set(document.keys) == ["about", "fixture", "conversations"])
            let conversations = try #require(document["conversations"] as? [[String: Any]])
            #expect(conversations.count == 2)
            let byNote = Dictionary(uniqueKeysWithValues: conversations.map { (($0["note"] as? String) ?? "", $0) })
            let askedExport = try #require(byNote.first { $0.key.contains(askedConversation) }?.value)
            let askedTurns = try #require(askedExport["turns"] as? [[String: Any]])
            let expect = try #require(askedTurns.first?["expect"] as? [String: Any])
            #expect(expect["intent"] as? String == "escalate" && expect["action"] as? String == "escalate_case")
            #expect(askedExport["user_id"] as? Int == 1)
            let refundExport = try #require(byNote.first { $0.key.contains(refundConversation) }?.value)
            let refundExpect = try #require((refundExport["turns"] as? [[String: Any]])?.first?["expect"] as? [String: Any])
            #expect(refundExpect["action"] as? String == "issue_refund" && refundExpect["order_id"] as? Int == 1001)
            let end = try #require(refundExport["end"] as? [String: Any])
            #expect((end["refunds"] as? [[String: Any]])?.first?["order"] as? Int == 1001)
            // The fixture is the store before the conversation: order 1001 is there, its refund (made in it) is not.
            let fixture = try #require(document["fixture"] as? [String: Any])
            let orders = try #require(fixture["orders"] as? [[String: Any]])
            #expect(orders.contains { $0["id"] as? Int == 1001 })
            #expect(!((fixture["refunds"] as? [[String: Any]]) ?? []).contains { $0["order_id"] as? Int == 1001 })
            #expect((fixture["customers"] as? [[String: Any]])?.first?["name"] as? String == "Customer 1")

            // The export replays: the evaluation harness takes it as it is; the conversation marked right passes, the one
            // marked wrong fails on what the lead said it should have done.
            let set = try ConversationSet.decode(Data(text.utf8))
            let evaluation = try await ConversationEvaluator(config: AppConfig(database: .sqlite(path: "unused.sqlite"),
                                                                               seedDemoWhenEmpty: false)).run(set)
            let outcomes = Dictionary(uniqueKeysWithValues: evaluation.outcomes.map { ($0.id, $0) })
            let refundID = try #require(refundExport["id"] as? String), askedID = try #require(askedExport["id"] as? String)
            #expect(outcomes[refundID]?.passed == true, "\(outcomes[refundID]?.failures ?? []) \(outcomes[refundID]?.turns.map { "\($0.errorCode ?? "-") \($0.reply)" } ?? []) \(orders.filter { $0["id"] as? Int == 1001 })")
            #expect(outcomes[askedID]?.passed == false)
            #expect(outcomes[askedID]?.failures.contains { $0.key == "intent" } == true)
            #expect(evaluation.unsafe.isEmpty)

            // The dashboard counts the same conversations: 3 started, one asked back (none is 7 days quiet yet).
            let dashboard = try await lead.get("/agent/dashboard").body.string
            #expect(dashboard.contains("the agent asked back in 1 of 3"))
            #expect(dashboard.contains(#"<svg id="chart-conversations" class="chart chart-line""#))
            #expect(dashboard.contains(#"<svg id="chart-conversation-intents" class="chart chart-stacked""#))
            let perDay = try await lead.get("/agent/dashboard/csv?table=conversations").body.string
            let started = perDay.split(separator: "\r\n").dropFirst().compactMap { Int($0.split(separator: ",")[1]) }.reduce(0, +)
            #expect(started == 3)
            let spanishOnly = try await lead.get("/agent/dashboard?language=es").body.string
            #expect(spanishOnly.contains("the agent asked back in 0 of 1"))
            #expect(try await lead.get("/agent/dashboard?channel=fax").status == .badRequest)

            // Customers do not see the review pages.
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            #expect(try await alice.get("/agent/review").status == .notFound)
        }
    }
}
