import Foundation
import Testing
@testable import SupportDomain

@Suite("SupportRules: refunds")
struct RefundRulesTests {
    let policy = SupportPolicy.standard
    let now = Fixture.now

    private func check(_ order: OrderSnapshot, alreadyRefunded: Bool = false, refundsInWindow: Int = 0,
                       policy: SupportPolicy = .standard) -> ToolError? {
        do throws(ToolError) {
            try SupportRules.checkRefund(order: order, alreadyRefunded: alreadyRefunded,
                                         refundsInLimitWindow: refundsInWindow, policy: policy, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test("delivered within the window is allowed", arguments: [0.0, 1, 5, 29, 29.99])
    func allowedWithinWindow(daysAgo: Double) {
        #expect(check(Fixture.order(deliveredDaysAgo: daysAgo)) == nil)
    }

    @Test("exactly day 30 is still inside the window")
    func day30Boundary() {
        #expect(check(Fixture.order(deliveredDaysAgo: 30)) == nil)
    }

    @Test("one second after day 30 and day 31 are outside the window", arguments: [30 + 1.0 / 86_400, 31, 90, 365])
    func outsideWindow(daysAgo: Double) {
        #expect(check(Fixture.order(deliveredDaysAgo: daysAgo)) == .outsideRefundWindow(days: 30))
    }

    @Test("orders that are not delivered cannot be refunded",
          arguments: [OrderStatus.pending, .processing, .shipped, .cancelled, .returned])
    func notDelivered(status: OrderStatus) {
        let order = Fixture.order(status: status, deliveredDaysAgo: nil)
        #expect(check(order) == .invalidState(status, action: .issueRefund))
    }

    @Test("delivered status without a delivery date is an invalid state")
    func deliveredWithoutDate() {
        var order = Fixture.order()
        order.deliveredAt = nil
        #expect(check(order) == .invalidState(.delivered, action: .issueRefund))
    }

    @Test("final-sale item refuses the refund")
    func finalSale() {
        let order = Fixture.order(lines: [Fixture.line(), Fixture.line(price: 5_00, finalSale: true)])
        #expect(order.containsFinalSaleItem)
        #expect(check(order) == .finalSale)
    }

    @Test("already refunded is checked before every other rule")
    func alreadyRefundedFirst() {
        #expect(check(Fixture.order(), alreadyRefunded: true) == .alreadyRefunded)
        // Even when the order would break every other rule.
        let shippedFinalSale = Fixture.order(status: .shipped, deliveredDaysAgo: nil, lines: [Fixture.line(finalSale: true)])
        #expect(check(shippedFinalSale, alreadyRefunded: true, refundsInWindow: 99) == .alreadyRefunded)
        let old = Fixture.order(deliveredDaysAgo: 400)
        #expect(check(old, alreadyRefunded: true) == .alreadyRefunded)
    }

    @Test("limit reached (count == max) refuses; one below the limit is allowed")
    func refundLimit() {
        #expect(check(Fixture.order(), refundsInWindow: policy.maxRefundsPerWindow) ==
            .refundLimitExceeded(limit: 2, days: 30))
        #expect(check(Fixture.order(), refundsInWindow: policy.maxRefundsPerWindow + 3) ==
            .refundLimitExceeded(limit: 2, days: 30))
        #expect(check(Fixture.order(), refundsInWindow: policy.maxRefundsPerWindow - 1) == nil)
    }

    @Test("rule order: state before final sale, window before final sale, final sale before the limit")
    func ruleOrder() {
        let finalSaleLine = [Fixture.line(finalSale: true)]
        #expect(check(Fixture.order(status: .shipped, deliveredDaysAgo: nil, lines: finalSaleLine)) ==
            .invalidState(.shipped, action: .issueRefund))
        #expect(check(Fixture.order(deliveredDaysAgo: 45, lines: finalSaleLine)) == .outsideRefundWindow(days: 30))
        #expect(check(Fixture.order(lines: finalSaleLine), refundsInWindow: 10) == .finalSale)
        #expect(check(Fixture.order(deliveredDaysAgo: 45), refundsInWindow: 10) == .outsideRefundWindow(days: 30))
    }

    @Test("custom policy values change the outcome")
    func customPolicy() {
        let generous = SupportPolicy(returnWindowDays: 45, maxRefundsPerWindow: 5, refundLimitWindowDays: 60)
        let order = Fixture.order(deliveredDaysAgo: 40)
        #expect(check(order) == .outsideRefundWindow(days: 30))
        #expect(check(order, policy: generous) == nil)
        #expect(check(Fixture.order(deliveredDaysAgo: 46), policy: generous) == .outsideRefundWindow(days: 45))
        #expect(check(Fixture.order(), refundsInWindow: 3, policy: generous) == nil)
        #expect(check(Fixture.order(), refundsInWindow: 5, policy: generous) == .refundLimitExceeded(limit: 5, days: 60))

        let strict = SupportPolicy(returnWindowDays: 7, maxRefundsPerWindow: 0)
        #expect(check(Fixture.order(deliveredDaysAgo: 8), policy: strict) == .outsideRefundWindow(days: 7))
        #expect(check(Fixture.order(deliveredDaysAgo: 1), policy: strict) == .refundLimitExceeded(limit: 0, days: 30))
    }

    @Test("the refund-limit window starts refundLimitWindowDays before now")
    func limitWindowStart() {
        #expect(SupportRules.refundLimitWindowStart(policy: .standard, now: now) == now.addingTimeInterval(-30 * 86_400))
        let policy = SupportPolicy(refundLimitWindowDays: 7)
        #expect(SupportRules.refundLimitWindowStart(policy: policy, now: now) == now.addingTimeInterval(-7 * 86_400))
    }

    @Test("standard policy values")
    func standardPolicy() {
        let p = SupportPolicy.standard
        #expect(p.returnWindowDays == 30)
        #expect(p.maxRefundsPerWindow == 2)
        #expect(p.refundLimitWindowDays == 30)
        #expect(p.fraud.highValue == Money(minorUnits: 500_00))
        #expect(p.fraud.newAccountDays == 7)
        #expect(p.fraud.maxRefundRequestsIn90Days == 4)
        #expect(SupportRules.fraudLookbackDays == 90)
    }
}

@Suite("SupportRules: cancel and replacement")
struct CancelReplacementRulesTests {
    @Test("cancel is allowed for pending and processing", arguments: [OrderStatus.pending, .processing])
    func cancelAllowed(status: OrderStatus) {
        #expect(throws: Never.self) { try SupportRules.checkCancel(order: Fixture.order(status: status, deliveredDaysAgo: nil)) }
    }

    @Test("cancel is refused once shipped, delivered, cancelled or returned",
          arguments: [OrderStatus.shipped, .delivered, .cancelled, .returned])
    func cancelRefused(status: OrderStatus) {
        let order = Fixture.order(status: status, deliveredDaysAgo: status == .delivered ? 2 : nil)
        #expect(throws: ToolError.invalidState(status, action: .cancelOrder)) {
            try SupportRules.checkCancel(order: order)
        }
    }

    private func replacement(_ order: OrderSnapshot, alreadyRefunded: Bool = false,
                             policy: SupportPolicy = .standard) -> ToolError? {
        do throws(ToolError) {
            try SupportRules.checkReplacement(order: order, alreadyRefunded: alreadyRefunded, policy: policy, now: Fixture.now)
            return nil
        } catch {
            return error
        }
    }

    @Test("replacement allowed for a delivered order within the window, final sale included")
    func replacementAllowed() {
        #expect(replacement(Fixture.order(deliveredDaysAgo: 3)) == nil)
        #expect(replacement(Fixture.order(deliveredDaysAgo: 30)) == nil)
        #expect(replacement(Fixture.order(lines: [Fixture.line(finalSale: true)])) == nil)
    }

    @Test("replacement refused: already refunded, outside window, not delivered")
    func replacementRefused() {
        #expect(replacement(Fixture.order(), alreadyRefunded: true) == .alreadyRefunded)
        #expect(replacement(Fixture.order(deliveredDaysAgo: 400), alreadyRefunded: true) == .alreadyRefunded)
        #expect(replacement(Fixture.order(deliveredDaysAgo: 31)) == .outsideRefundWindow(days: 30))
        #expect(replacement(Fixture.order(status: .shipped, deliveredDaysAgo: nil)) ==
            .invalidState(.shipped, action: .requestReplacement))
        #expect(replacement(Fixture.order(status: .returned, deliveredDaysAgo: nil)) ==
            .invalidState(.returned, action: .requestReplacement))
        #expect(replacement(Fixture.order(deliveredDaysAgo: 31), policy: SupportPolicy(returnWindowDays: 60)) == nil)
    }
}

@Suite("SupportRules: fraud signals")
struct FraudSignalTests {
    private func signals(total: Int64 = 49_99, accountAgeDays: Double = 400, prior: Int = 0,
                         policy: SupportPolicy = .standard) -> [FraudSignal] {
        let order = Fixture.order(total: Money(minorUnits: total))
        return SupportRules.fraudSignals(order: order, customer: Fixture.customer(accountAgeDays: accountAgeDays),
                                         priorRefundRequestsIn90Days: prior, policy: policy, now: Fixture.now)
    }

    @Test("no signals for a normal refund")
    func normal() {
        #expect(signals().isEmpty)
    }

    @Test("high value at and above the threshold, not just below")
    func highValue() {
        #expect(signals(total: 500_00) == [.highValue])
        #expect(signals(total: 5_000_00) == [.highValue])
        #expect(signals(total: 499_99).isEmpty)
    }

    @Test("new account is younger than newAccountDays")
    func newAccount() {
        #expect(signals(accountAgeDays: 0) == [.newAccount])
        #expect(signals(accountAgeDays: 6.9) == [.newAccount])
        #expect(signals(accountAgeDays: 7).isEmpty)
        #expect(signals(accountAgeDays: 8).isEmpty)
    }

    @Test("frequent requests count the current one")
    func frequent() {
        #expect(signals(prior: 2).isEmpty)
        #expect(signals(prior: 3) == [.frequentRefunds])
        #expect(signals(prior: 10) == [.frequentRefunds])
    }

    @Test("all signals together, in a stable order")
    func all() {
        #expect(signals(total: 900_00, accountAgeDays: 1, prior: 5) == [.highValue, .newAccount, .frequentRefunds])
    }

    @Test("custom thresholds change the outcome")
    func customThresholds() {
        let policy = SupportPolicy(fraud: FraudThresholds(highValue: Money(minorUnits: 40_00), newAccountDays: 30,
                                                          maxRefundRequestsIn90Days: 1))
        #expect(signals(total: 49_99, accountAgeDays: 20, prior: 0, policy: policy) == [.highValue, .newAccount, .frequentRefunds])
        let lenient = SupportPolicy(fraud: FraudThresholds(highValue: Money(minorUnits: 10_000_00), newAccountDays: 0,
                                                           maxRefundRequestsIn90Days: 100))
        #expect(signals(total: 5_000_00, accountAgeDays: 0, prior: 50, policy: lenient).isEmpty)
    }
}

@Suite struct TicketStatusTests {
    @Test func theDocumentedPathIsAllowed() {
        let path: [TicketStatus] = [.open, .awaitingCustomer, .escalated, .inProgress, .resolved, .closed]
        for (from, to) in zip(path, path.dropFirst()) {
            #expect(from.canMove(to: to), "\(from) → \(to)")
        }
        #expect(TicketStatus.awaitingCustomer.canMove(to: .resolved))
    }

    @Test func closedIsFinalAndNoStatusMovesToItself() {
        for status in TicketStatus.allCases {
            #expect(!TicketStatus.closed.canMove(to: status))
            #expect(!status.canMove(to: status))
        }
        #expect(!TicketStatus.escalated.canMove(to: .open))
        #expect(!TicketStatus.inProgress.canMove(to: .open))
    }

    @Test func theBotAnswersOnlyBeforeAPersonHasTheTicket() {
        #expect(TicketStatus.allCases.filter(\.botAnswers) == [.open, .awaitingCustomer])
        #expect(TicketStatus.allCases.filter(\.isQueued) == [.escalated, .inProgress])
        #expect(TicketPriority.urgent > .high && TicketPriority.high > .normal && TicketPriority.normal > .low)
    }
}

/// One remedy per order: a replaced order is not refunded on top, nor replaced twice (a person may decide otherwise).
@Suite struct OneRemedyPerOrderTests {
    @Test("a refund after a replacement is refused with already_replaced, before any other rule")
    func refundAfterReplacement() {
        #expect(throws: ToolError.alreadyReplaced) {
            try SupportRules.checkRefund(order: Fixture.order(), alreadyRefunded: false, alreadyReplaced: true,
                                         refundsInLimitWindow: 0, policy: .standard, now: Fixture.now)
        }
        #expect(ToolError.alreadyReplaced.code == "already_replaced")
        #expect(ToolError.alreadyReplaced.message.contains("person"))
    }

    @Test("a second replacement is refused; a refunded order still says already_refunded")
    func secondReplacement() {
        #expect(throws: ToolError.alreadyReplaced) {
            try SupportRules.checkReplacement(order: Fixture.order(), alreadyRefunded: false, alreadyReplaced: true,
                                              policy: .standard, now: Fixture.now)
        }
        #expect(throws: ToolError.alreadyRefunded) {
            try SupportRules.checkReplacement(order: Fixture.order(), alreadyRefunded: true, alreadyReplaced: true,
                                              policy: .standard, now: Fixture.now)
        }
    }
}
