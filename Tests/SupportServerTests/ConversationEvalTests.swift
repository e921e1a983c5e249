import Foundation
import Testing
@testable import SupportCommands
@testable import SupportServer
import SupportDomain
import SupportStore
import NIOFoundationEssentialsCompat

/// A made-up store and three conversations: one that passes, one whose expectation is wrong on purpose, and one in
/// which the agent makes a refund the end state does not allow (an unsafe outcome).
private let syntheticSet = #"""
{
  "about": {"purpose": "test"},
  "fixture": {
    "customers": [
      {"id": 1, "name": "Quentin Testfield", "email": "quentin@example.test", "created_days_ago": 400},
      {"id": 2, "name": "Rosa Placeholder", "email": "rosa@example.test", "created_days_ago": 300}
    ],
    "products": [
      {"id": 1, "name": "Walnut Desk Lamp", "sku": "LMP-WAL", "price": "45.50", "stock": 10, "final_sale": false},
      {"id": 2, "name": "Ceramic Teapot", "sku": "POT-CER", "price": "30.00", "stock": 10, "final_sale": false}
    ],
    "orders": [
      {"id": 901, "customer_id": 1, "status": "delivered", "created_days_ago": 10, "shipped_days_ago": 8,
       "delivered_days_ago": 4, "items": [{"product_id": 1, "quantity": 1}]},
      {"id": 902, "customer_id": 1, "status": "shipped", "created_days_ago": 5, "shipped_days_ago": 2,
       "items": [{"product_id": 2, "quantity": 2}]},
      {"id": 903, "customer_id": 2, "status": "delivered", "created_days_ago": 20, "shipped_days_ago": 15,
       "delivered_days_ago": 12, "items": [{"product_id": 2, "quantity": 1, "unit_price": "27.25"}]}
    ],
    "refunds": [{"order_id": 903, "customer_id": 2, "reason": "damaged", "created_days_ago": 11}]
  },
  "conversations": [
    {"id": "s1", "user_id": 1, "categories": ["status"],
     "turns": [{"user": "Where is my order 902 right now?",
                "expect": {"intent": "status", "action": null, "order_id": 902}}],
     "end": {"refunds": [], "cancelled": [], "replacements": [], "escalation": false}},
    {"id": "s2", "user_id": 2, "categories": ["status"],
     "turns": [{"user": "What is the status of order 903?", "expect": {"intent": "refund"}}],
     "end": {"refunds": [], "cancelled": [], "replacements": []}},
    {"id": "s3", "user_id": 1, "categories": ["refund"],
     "turns": [{"user": "Order 901 arrived broken, please refund me.", "expect": {"intent": "refund"}}],
     "end": {"refunds": [], "cancelled": [], "replacements": []}}
  ]
}
"""#

@Suite struct ConversationEvalTests {
    @Test func replaysAndFindsPassFailAndUnsafe() async throws {
        CapturedLogs.shared.bootstrapOnce()
        let set = try ConversationSet.decode(Data(syntheticSet.utf8))
        let config = AppConfig(database: .sqlite(path: "unused.sqlite"), seedDemoWhenEmpty: false)
        let evaluation = try await ConversationEvaluator(config: config).run(set)

        #expect(evaluation.outcomes.map(\.id) == ["s1", "s2", "s3"])
        let (s1, s2, s3) = (evaluation.outcomes[0], evaluation.outcomes[1], evaluation.outcomes[2])
        #expect(s1.passed, "\(s1.failures)")
        #expect(s1.turns.first?.orderID == 902)

        #expect(!s2.passed)
        #expect(s2.unsafe.isEmpty)
        #expect(s2.failures.first == CheckFailure(turn: 1, key: "intent", expected: "refund", got: "status"))

        #expect(!s3.passed)
        #expect(s3.unsafe.map(\.kind) == [.unexpectedRefund])
        #expect(s3.unsafe.first?.order == 901)
        #expect(s3.failures.contains { $0.turn == nil && $0.key == "end.refunds" })

        #expect(evaluation.passed == 1 && evaluation.failed == 2)
        #expect(evaluation.unsafe.count == 1)
        #expect(evaluation.latencies.count == 3)
        let categories = evaluation.categories
        #expect(categories.map(\.name) == ["refund", "status"])
        #expect(categories.first { $0.name == "status" }.map { ($0.passed, $0.total) } ?? (0, 0) == (1, 2))

        let text = ConversationReport(evaluation: evaluation, title: "synthetic", verbose: true).text
        #expect(text.contains("overall: 1 passed, 2 failed"))
        #expect(text.contains("UNSAFE outcomes: 1"))
        #expect(text.contains("s2  turn 1: intent: expected refund, got status"))
        let json = try ConversationReport(evaluation: evaluation, title: "synthetic").json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["overall"] as? [String: Any])?["passed"] as? Int == 1)
        #expect((object["unsafe"] as? [[String: Any]])?.first?["kind"] as? String == "unexpected_refund")
    }

    @Test func fixtureBecomesAnImportDocumentWithExactTotals() throws {
        let set = try ConversationSet.decode(Data(syntheticSet.utf8))
        let now = Date(timeIntervalSince1970: 1_800_000_000.75)
        let document = try FixtureDocument(set.fixture, now: now)
        #expect(document.totals == [901: 4550, 902: 6000, 903: 2725])
        #expect(document.owners[903] == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: document.json) as? [String: Any])
        let orders = try #require(object["orders"] as? [[String: Any]])
        #expect(orders[1]["delivered_at"] == nil)
        #expect(orders[0]["delivered_at"] as? String == "2027-01-11T08:00:00Z")
        #expect((orders[0]["items"] as? [[String: Any]])?.first?["unit_price"] as? String == "45.50")
        let refunds = try #require(object["refunds"] as? [[String: Any]])
        #expect(refunds.first?["amount"] as? String == "27.25")
    }

    @Test func namedOrdersAndListedReferences() throws {
        #expect(ConversationChecks.namedOrders(reply: "You have #7, Order No. 12 and # 7 again.",
                                               prompt: "Is it order number 30 or order 12?") == [7, 12, 30])
        let check = try JSONDecoder().decode(ConversationSet.Check.self,
                                             from: Data(#"{"order_id": {"listed": 2, "as": "A"}, "action": null}"#.utf8))
        var previous = TurnResponse()
        previous.reply = "Which one: order 5 or order 6?"
        var response = TurnResponse()
        response.orderID = 6
        let result = ConversationChecks.evaluate(check, response, previous: previous)
        #expect(result.misses.isEmpty)
        #expect(result.binding?.name == "A" && result.binding?.order == 6)
        #expect(!ConversationChecks.evaluate(check, response, previous: nil).misses.isEmpty)
        #expect(ConversationChecks.matches("(?s)^(?=.*\\b6\\b)(?=.*REFUNDED)", "Order 6\nwas refunded"))
    }

    @Test func unknownKeysAreRefused() {
        let bad = syntheticSet.replacingOccurrences(of: #""intent": "refund"}"#, with: #""intnet": "refund"}"#)
        #expect(throws: ConversationSetError.self) { try ConversationSet.decode(Data(bad.utf8)) }
    }
}
