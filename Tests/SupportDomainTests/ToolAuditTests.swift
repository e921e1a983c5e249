import Foundation
import Testing
@testable import SupportDomain

@Suite("ToolError")
struct ToolErrorTests {
    @Test("codes are the stable strings clients rely on")
    func codes() {
        #expect(ToolError.orderNotFound.code == "order_not_found")
        #expect(ToolError.invalidState(.shipped, action: .cancelOrder).code == "invalid_state")
        #expect(ToolError.outsideRefundWindow(days: 30).code == "outside_refund_window")
        #expect(ToolError.finalSale.code == "final_sale")
        #expect(ToolError.alreadyRefunded.code == "already_refunded")
        #expect(ToolError.refundLimitExceeded(limit: 2, days: 30).code == "refund_limit_exceeded")
    }

    @Test("codes do not depend on associated values")
    func codesIgnorePayload() {
        #expect(ToolError.invalidState(.pending, action: .issueRefund).code ==
            ToolError.invalidState(.returned, action: .requestReplacement).code)
        #expect(ToolError.outsideRefundWindow(days: 1).code == ToolError.outsideRefundWindow(days: 90).code)
    }

    @Test("messages are human sentences carrying the relevant values")
    func messages() {
        #expect(ToolError.invalidState(.shipped, action: .cancelOrder).message ==
            "This order is shipped, so it cannot be cancelled now.")
        #expect(ToolError.invalidState(.pending, action: .issueRefund).message ==
            "This order is pending, so it cannot be refunded now.")
        #expect(ToolError.invalidState(.shipped, action: .requestReplacement).message.contains("replaced"))
        #expect(ToolError.outsideRefundWindow(days: 45).message.contains("45 days"))
        #expect(ToolError.refundLimitExceeded(limit: 3, days: 60).message == "You have reached the limit of 3 refunds in 60 days.")
        #expect(ToolError.finalSale.message.contains("final-sale"))
        #expect(ToolError.alreadyRefunded.message.contains("already been refunded"))
        #expect(ToolError.orderNotFound.message.contains("could not find"))
        #expect(!ToolError.orderNotFound.message.contains("{"))
    }
}

@Suite("ToolInvocation, ToolResult and AuditRecord")
struct ToolAuditTests {
    let context = ToolContext(requestID: "req-1", customerID: CustomerID(7))
    let time = Fixture.now

    @Test("invocations map to their action and order id")
    func actionsAndOrderIDs() {
        let id = OrderID(42)
        #expect(ToolInvocation.issueRefund(id, reason: .damaged).action == .issueRefund)
        #expect(ToolInvocation.cancelOrder(id).action == .cancelOrder)
        #expect(ToolInvocation.requestReplacement(id, reason: .defective).action == .requestReplacement)
        #expect(ToolInvocation.getOrderStatus(id).action == .getOrderStatus)
        #expect(ToolInvocation.escalateCase(nil, summary: "x").action == .escalateCase)
        #expect(ToolInvocation.listOrders.action == .listOrders)

        #expect(ToolInvocation.issueRefund(id, reason: .damaged).orderID == id)
        #expect(ToolInvocation.cancelOrder(id).orderID == id)
        #expect(ToolInvocation.requestReplacement(id, reason: .late).orderID == id)
        #expect(ToolInvocation.getOrderStatus(id).orderID == id)
        #expect(ToolInvocation.escalateCase(id, summary: "x").orderID == id)
        #expect(ToolInvocation.escalateCase(nil, summary: "x").orderID == nil)
        #expect(ToolInvocation.listOrders.orderID == nil)
    }

    @Test("audit parameters hold ids and closed-set values only")
    func auditParameters() {
        #expect(ToolInvocation.issueRefund(OrderID(42), reason: .wrongItem).auditParameters ==
            ["order_id": "42", "reason": "wrong_item"])
        #expect(ToolInvocation.requestReplacement(OrderID(9), reason: .missingPart).auditParameters ==
            ["order_id": "9", "reason": "missing_part"])
        #expect(ToolInvocation.cancelOrder(OrderID(5)).auditParameters == ["order_id": "5"])
        #expect(ToolInvocation.getOrderStatus(OrderID(5)).auditParameters == ["order_id": "5"])
        #expect(ToolInvocation.listOrders.auditParameters.isEmpty)
    }

    @Test("escalation summary never reaches the audit record, only its length")
    func escalationSummaryNotAudited() throws {
        let email = "jane.doe@example.com"
        let summary = "Please call me, my email is \(email) and my phone is 415-555-0132"
        let invocation = ToolInvocation.escalateCase(OrderID(1042), summary: summary)
        #expect(invocation.auditParameters == ["order_id": "1042", "summary_chars": String(summary.count)])

        let result = ToolResult(action: .escalateCase, orderID: OrderID(1042), escalationID: EscalationID(3))
        let record = AuditRecord(context: context, invocation: invocation, result: result, time: time)
        #expect(record.action == .escalateCase)
        #expect(record.requestID == "req-1")
        #expect(record.customerID == CustomerID(7))
        #expect(record.time == time)
        #expect(record.parameters["summary_chars"] == String(summary.count))
        for value in Array(record.parameters.values) + Array(record.result.values) {
            #expect(!value.contains(email))
            #expect(!value.contains("@"))
            #expect(!value.contains("555"))
        }
        #expect(record.result["escalation_id"] == "3")

        // The serialised record must not carry it either.
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        #expect(!json.contains(email))
        #expect(!json.contains("jane.doe"))
        #expect(json.contains("summary_chars"))
    }

    @Test("escalation without an order records no order id")
    func escalationWithoutOrder() {
        let parameters = ToolInvocation.escalateCase(nil, summary: "hello").auditParameters
        #expect(parameters == ["summary_chars": "5"])
    }

    @Test("failure for a missing order does not echo the order id")
    func failureOrderNotFound() {
        let result = ToolResult.failure(.issueRefund, orderID: OrderID(999), .orderNotFound)
        #expect(result.orderID == nil)
        #expect(result.success == false)
        #expect(result.error == .orderNotFound)
        #expect(result.action == .issueRefund)
        #expect(result.auditSummary == ["success": "false", "error": "order_not_found"])
        #expect(!result.auditSummary.values.contains { $0.contains("999") })
    }

    @Test("failure for other errors keeps the order id")
    func failureKeepsOrderID() {
        let result = ToolResult.failure(.cancelOrder, orderID: OrderID(5), .invalidState(.shipped, action: .cancelOrder))
        #expect(result.orderID == OrderID(5))
        #expect(result.success == false)
        #expect(result.auditSummary == ["success": "false", "error": "invalid_state"])
        let refund = ToolResult.failure(.issueRefund, orderID: OrderID(6), .finalSale)
        #expect(refund.orderID == OrderID(6))
        #expect(refund.error?.code == "final_sale")
    }

    @Test("result audit summary records codes, ids and amounts")
    func auditSummary() {
        let refund = ToolResult(action: .issueRefund, orderID: OrderID(1), amount: Money(minorUnits: 600_00),
                                refundID: RefundID(11), refundStatus: .pendingReview, fraudSignals: [.highValue, .newAccount])
        #expect(refund.auditSummary == [
            "success": "true", "amount": "600.00", "refund_id": "11", "refund_status": "pending_review",
            "fraud_signals": "high_value,new_account",
        ])
        let status = ToolResult(action: .getOrderStatus, orderID: OrderID(2), orderStatus: .shipped)
        #expect(status.auditSummary == ["success": "true", "order_status": "shipped"])
        let replacement = ToolResult(action: .requestReplacement, replacementID: ReplacementID(4))
        #expect(replacement.auditSummary == ["success": "true", "replacement_id": "4"])
        let list = ToolResult(action: .listOrders, orders: [Fixture.order(id: 1), Fixture.order(id: 2)])
        #expect(list.auditSummary == ["success": "true", "orders": "2"])
    }

    @Test("audit record built from an invocation and result")
    func auditRecordFromRefund() throws {
        let invocation = ToolInvocation.issueRefund(OrderID(1042), reason: .damaged)
        let result = ToolResult(action: .issueRefund, orderID: OrderID(1042), amount: Money(minorUnits: 49_99),
                                refundID: RefundID(8), refundStatus: .approved)
        let record = AuditRecord(context: context, invocation: invocation, result: result, time: time)
        #expect(record.action == .issueRefund)
        #expect(record.parameters == ["order_id": "1042", "reason": "damaged"])
        #expect(record.result == ["success": "true", "amount": "49.99", "refund_id": "8", "refund_status": "approved"])
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded == record)
    }
}

@Suite("WallClock")
struct WallClockTests {
    @Test("a fixed clock always returns its date")
    func fixed() {
        let clock = FixedClock(Fixture.now)
        #expect(clock.now() == Fixture.now)
        #expect(clock.now() == clock.now())
    }

    @Test("a manual clock moves only when told")
    func manual() {
        let clock = ManualClock(Fixture.now)
        #expect(clock.now() == Fixture.now)
        clock.advance(by: 8 * 86_400)
        #expect(clock.now() == Fixture.now.addingTimeInterval(8 * 86_400))
    }
}
