import FluentKit
import Foundation
import SupportDomain
import Testing
import VaporTesting
@testable import SupportServer
@testable import SupportStore
import Fluent

/// The demo scenarios through the real HTTP stack on a real SQLite file.
@Suite struct ResolveScenarioTests {
    @Test func refundUsesTheStoredAmountEvenWhenTheTextNamesAnother() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("my blender from order 1001 arrived cracked, I want my money back — $500 please", user: 1)
            #expect(body["intent"] as? String == "refund")
            #expect(body["order_id"] as? Int == 1001)
            let action = try #require(body.action)
            #expect(action["action"] as? String == "issue_refund")
            #expect(action["success"] as? Bool == true)
            #expect(action["amount"] as? String == "49.99")
            #expect(action["refund_status"] as? String == "approved")
            #expect((body["citations"] as? [[String: Any]])?.first?["source"] as? String == "refunds.md")
            #expect((body["reply"] as? String)?.contains("49.99") == true)
            #expect(body["escalated"] as? Bool == false)

            let refunds = try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).all()
            #expect(refunds.count == 1)
            #expect(refunds.first?.amountCents == 4999)
            #expect(refunds.first?.reason == "damaged")
            let order = try #require(try await OrderModel.find(1001, on: h.app.db))
            #expect(order.status == "returned")

            let requestID = try #require(body["request_id"] as? String)
            let audit = try await AuditEntryModel.query(on: h.app.db).filter(\.$requestID == requestID).all()
            #expect(audit.count == 1)
            #expect(audit.first?.action == "issue_refund")
            #expect(audit.first?.result.contains("\"amount\":\"49.99\"") == true)
            let log = try await h.actionLogLines()
            #expect(log.count == 1)
            #expect(log.first?["request_id"] as? String == requestID)
            #expect(log.first?["action"] as? String == "issue_refund")
        }
    }

    @Test func refundLimitHolds() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("Please refund order 2001, it is defective", user: 2)
            #expect(body.action?["success"] as? Bool == false)
            #expect(body.errorCode == "refund_limit_exceeded")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 2001).count() == 0)
            // The refusal is audited too.
            let requestID = try #require(body["request_id"] as? String)
            let audit = try await AuditEntryModel.query(on: h.app.db).filter(\.$requestID == requestID).first()
            #expect(audit?.result.contains("refund_limit_exceeded") == true)
        }
    }

    @Test func anOrderIsRefundedOnlyOnce() async throws {
        try await TestHarness.with { h in
            let first = try await h.resolve("refund order 1001 please, it broke", user: 1)
            #expect(first.action?["refund_status"] as? String == "approved")
            let second = try await h.resolve("refund order 1001 again", user: 1)
            #expect(second.errorCode == "already_refunded")
            let past = try await h.resolve("I want my money back for order 2002", user: 2)
            #expect(past.errorCode == "already_refunded")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).count() == 1)
        }
    }

    /// The README's own demo once paid a full refund for order 1006 after sending it a free replacement.
    @Test func aReplacedOrderIsNotAlsoRefunded() async throws {
        try await TestHarness.with { h in
            let replaced = try await h.resolve("the speaker in order 1006 arrived broken, send a replacement", user: 1)
            #expect(replaced.action?["action"] as? String == "request_replacement")
            #expect(replaced.action?["success"] as? Bool == true)
            let refund = try await h.resolve("refund order 1006, it is broken", user: 1)
            #expect(refund.action?["action"] as? String == "issue_refund")
            #expect(refund.errorCode == "already_replaced")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1006).count() == 0)
            let again = try await h.resolve("the speaker in order 1006 is broken, send another replacement", user: 1)
            #expect(again.errorCode == "already_replaced")
            #expect(try await ReplacementModel.query(on: h.app.db).filter(\.$orderID == 1006).count() == 1)
            let reply = try #require(refund["reply"] as? String)
            #expect(reply.localizedCaseInsensitiveContains("replacement"))
        }
    }

    @Test func outsideTheWindowAndFinalSaleAreRefused() async throws {
        try await TestHarness.with { h in
            let late = try await h.resolve("refund order 1004", user: 1)
            #expect(late.errorCode == "outside_refund_window")
            let finalSale = try await h.resolve("I want a refund for order 1005", user: 1)
            #expect(finalSale.errorCode == "final_sale")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 0)
        }
    }

    @Test func aForeignOrderLooksExactlyLikeAMissingOne() async throws {
        try await TestHarness.with { h in
            let foreign = try await h.resolve("refund order 2001", user: 1)
            let missing = try await h.resolve("refund order 999999", user: 1)
            #expect(foreign.errorCode == "order_not_found")
            #expect(missing.errorCode == "order_not_found")
            #expect(foreign["reply"] as? String == missing["reply"] as? String)
            let foreignAction = try #require(foreign.action), missingAction = try #require(missing.action)
            #expect(Set(foreignAction.keys) == Set(missingAction.keys))
            #expect(foreignAction["order_id"] == nil && missingAction["order_id"] == nil)
            // Nothing about Bob's order moved.
            let order = try #require(try await OrderModel.find(2001, on: h.app.db))
            #expect(order.status == "delivered")
            let status = try await h.resolve("where is order 4002?", user: 1)
            #expect(status.errorCode == "order_not_found")
            #expect(status.action?["order"] == nil)
        }
    }

    @Test func cancelPendingSucceedsAndShippedIsRefused() async throws {
        try await TestHarness.with { h in
            let pending = try await h.resolve("please cancel order 1002", user: 1)
            #expect(pending["intent"] as? String == "cancel")
            #expect(pending.action?["success"] as? Bool == true)
            #expect(pending.action?["order_status"] as? String == "cancelled")
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == "cancelled")
            let shipped = try await h.resolve("cancel order 1003", user: 1)
            #expect(shipped.errorCode == "invalid_state")
            #expect(try await OrderModel.find(1003, on: h.app.db)?.status == "shipped")
            let processing = try await h.resolve("Cancel my order #4002 please", user: 4)
            #expect(processing.action?["success"] as? Bool == true)
        }
    }

    @Test func statusReportsTheStoredOrder() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("Where is my order 1003? It hasn't arrived", user: 1)
            #expect(body["intent"] as? String == "status")
            #expect(body.action?["action"] as? String == "get_order_status")
            #expect(body.action?["order_status"] as? String == "shipped")
            #expect(((body.action?["order"] as? [String: Any])?["total"] as? String) == "129.00")
            #expect((body["reply"] as? String)?.contains("shipped") == true)
        }
    }

    @Test func replacementIsRecorded() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("The speaker from order 1006 arrived broken, please send a replacement", user: 1)
            #expect(body["intent"] as? String == "replacement")
            #expect(body.action?["success"] as? Bool == true)
            #expect(body.action?["replacement_id"] as? Int != nil)
            let rows = try await ReplacementModel.query(on: h.app.db).filter(\.$orderID == 1006).all()
            #expect(rows.count == 1)
            #expect(rows.first?.reason == "damaged")
            #expect(try await RefundModel.query(on: h.app.db).count() == 2) // only the seeded past refunds
        }
    }

    @Test func replacementNotRefundWhenTheCustomerSaysSo() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("Order 1006 is defective. Replace it, I don't want a refund.", user: 1)
            #expect(body["intent"] as? String == "replacement")
            #expect(body.action?["action"] as? String == "request_replacement")
        }
    }

    @Test func escalationCreatesACaseForAPerson() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("I want to speak to a human about order 1003", user: 1)
            #expect(body["intent"] as? String == "escalate")
            #expect(body["escalated"] as? Bool == true)
            let escalationID = try #require(body.action?["escalation_id"] as? Int)
            let row = try #require(try await EscalationModel.find(escalationID, on: h.app.db))
            #expect(row.customerID == 1)
            #expect(row.orderID == 1003)
            #expect(row.status == "open")
        }
    }

    @Test func unknownIntentRunsNoTool() async throws {
        try await TestHarness.with { h in
            let before = try await AuditEntryModel.query(on: h.app.db).count()
            let body = try await h.resolve("What is the weather like on Mars?", user: 1)
            #expect(body["intent"] as? String == "other")
            #expect(body["action_result"] is NSNull)
            #expect(body["order_id"] is NSNull)
            #expect(body["clarification_prompt"] is NSNull)
            #expect(try await AuditEntryModel.query(on: h.app.db).count() == before)
            #expect(try await h.actionLogLines().isEmpty)
        }
    }

    @Test func suspiciousRefundsWaitForAPerson() async throws {
        try await TestHarness.with { h in
            let newAccount = try await h.resolve("refund order 3001, the kettle is defective", user: 3)
            #expect(newAccount.action?["refund_status"] as? String == "pending_review")
            #expect((newAccount.action?["fraud_signals"] as? [String])?.contains("new_account") == true)
            #expect(newAccount["escalated"] as? Bool == true)
            #expect(try await OrderModel.find(3001, on: h.app.db)?.status == "delivered") // nothing paid
            let highValue = try await h.resolve("The monitor in order 4001 has dead pixels, refund it", user: 4)
            #expect(highValue.action?["refund_status"] as? String == "pending_review")
            #expect((highValue.action?["fraud_signals"] as? [String]) == ["high_value"])
            let escalations = try await EscalationModel.query(on: h.app.db).filter(\.$kind == "fraud_review").all()
            #expect(escalations.count == 2)
            #expect(Set(escalations.compactMap(\.refundID)).count == 2)
        }
    }

    @Test func clarificationThenFollowUp() async throws {
        try await TestHarness.with { h in
            let first = try await h.resolve("I want a refund please", user: 1)
            #expect(first["needs_clarification"] as? Bool == true)
            let prompt = try #require(first["clarification_prompt"] as? String)
            #expect(prompt.contains("#1001") && prompt.contains("#1006"))
            #expect(!prompt.contains("#1004") && !prompt.contains("#1005") && !prompt.contains("#1002"))
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 0)
            let conversation = try #require(first["conversation_id"] as? String)
            let second = try await h.resolve("it's 1001", user: 1, conversation: conversation)
            #expect(second["intent"] as? String == "refund")
            #expect(second["conversation_id"] as? String == conversation)
            #expect(second.action?["action"] as? String == "issue_refund")
            #expect(second.action?["amount"] as? String == "49.99")
            #expect(second["needs_clarification"] as? Bool == false)
            // The question is answered: the same number again is no longer taken as a refund.
            let third = try await h.resolve("1001", user: 1, conversation: conversation)
            #expect(third["intent"] as? String != "refund")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 1)
            // Another customer cannot continue Alice's conversation.
            let stranger = try await h.resolve("I want a refund", user: 2)
            let strangerConversation = try #require(stranger["conversation_id"] as? String)
            let hijack = try await h.resolve("1006", user: 4, conversation: strangerConversation)
            #expect(hijack.action == nil)
        }
    }

    @Test func aProductNamedWithoutAnOrderIsMatchedAndConfirmed() async throws {
        try await TestHarness.with { h in
            let first = try await h.resolve("the blender I bought last week arrived cracked, I want a refund", user: 1)
            #expect(first["needs_clarification"] as? Bool == true)
            #expect((first["clarification_prompt"] as? String)?.contains("#1001") == true, "\(first["clarification_prompt"] ?? "")")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$customerID == 1).count() == 0)
            let conversation = try #require(first["conversation_id"] as? String)
            let yes = try await h.resolve("yes", user: 1, conversation: conversation)
            #expect(yes.action?["action"] as? String == "issue_refund")
            #expect(yes.action?["order_id"] as? Int == 1001)
            #expect(yes.action?["amount"] as? String == "49.99")
        }
    }

    /// Two requests on two different orders are two tool calls, each under the rules, reported in one reply.
    @Test func mixedRequestsOnDifferentOrdersAreEachCarriedOut() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("cancel order 1002 and refund order 1001, it arrived cracked", user: 1)
            #expect(body["intent"] as? String == "cancel")
            #expect(body.action?["action"] as? String == "cancel_order")
            let reply = try #require(body["reply"] as? String)
            #expect(reply.contains("#1002") && reply.contains("#1001"), "\(reply)")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).count() == 1)
            #expect(try await OrderModel.find(1002, on: h.app.db)?.status == "cancelled")
        }
    }

    /// A long story that mentions other things (a replacement it did not ask for) and asks at the end: the request
    /// at the end is what runs; a correction naming the unwanted action is read as what it says.
    @Test func theRequestAtTheEndOfALongStoryIsTheOneCarriedOut() async throws {
        try await TestHarness.with { h in
            let story = String(repeating: "At first I thought about asking for a replacement because the box looked damaged, "
                + "but the lamp itself was fine and my neighbour kept it safe for me while I was away. ", count: 13)
            #expect(story.count > 2000)
            let body = try await h.resolve(story + "I do not need it any more, so please cancel order 1002.", user: 1)
            #expect(body.action?["action"] as? String == "cancel_order", "\(body["reply"] ?? "")")
            #expect(try await ReplacementModel.query(on: h.app.db).count() == 0)
            let correction = try await h.resolve("I did not ask for a replacement. Please cancel order 1002.", user: 1)
            #expect(correction["intent"] as? String == "cancel")
            #expect(!((correction["reply"] as? String) ?? "").contains("You also asked"))
            #expect(try await ReplacementModel.query(on: h.app.db).count() == 0)
        }
    }

    /// A message that calls a request off, or asks for two remedies of one order, never runs the unwanted one.
    @Test func withdrawnAndConflictingRequestsDoNotWrite() async throws {
        try await TestHarness.with { h in
            let first = try await h.resolve("I want a refund for order 1001", user: 1, conversation: nil)
            #expect(first.action?["action"] as? String == "issue_refund")
            let undecided = try await h.resolve("the speaker in order 1006 is broken, refund or replace it", user: 1)
            #expect(undecided.action == nil || undecided.action?["action"] as? String == "list_orders")
            #expect(undecided["needs_clarification"] as? Bool == true)
            let negated = try await h.resolve("I don't want my money back for order 1006", user: 1)
            #expect(negated.action?["action"] as? String != "issue_refund")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1006).count() == 0)
            let instead = try await h.resolve("order 1006: not a refund, send a replacement instead", user: 1)
            #expect(instead.action?["action"] as? String == "request_replacement")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1006).count() == 0)
        }
    }
}
