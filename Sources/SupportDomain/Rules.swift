public import Foundation

/// The business rules no model output can bypass. Pure functions: the store feeds them what it read inside
/// the transaction and acts only on what they allow.
public enum SupportRules {
    /// Whether `order` may be refunded now. Throws the first rule it breaks.
    /// One remedy per order: a replaced order is not refunded on top (`alreadyReplaced`) unless a person decides.
    /// With `goodwill` (a lead's override, audited) the return window and the rolling limit do not apply; everything
    /// else does: the order is delivered, not final sale, and refunded or replaced at most once.
    public static func checkRefund(order: OrderSnapshot, alreadyRefunded: Bool, alreadyReplaced: Bool = false,
                                   refundsInLimitWindow: Int, policy: SupportPolicy, now: Date,
                                   goodwill: Bool = false) throws(ToolError) {
        if alreadyRefunded { throw .alreadyRefunded }
        if alreadyReplaced { throw .alreadyReplaced }
        if goodwill {
            guard order.status == .delivered else { throw .invalidState(order.status, action: .issueRefund) }
        } else {
            try checkDeliveredWithinWindow(order: order, action: .issueRefund, policy: policy, now: now)
        }
        if order.containsFinalSaleItem { throw .finalSale }
        if !goodwill, refundsInLimitWindow >= policy.maxRefundsPerWindow {
            throw .refundLimitExceeded(limit: policy.maxRefundsPerWindow, days: policy.refundLimitWindowDays)
        }
    }

    /// Whether a replacement may be sent: delivered, within the window, neither refunded nor replaced before.
    public static func checkReplacement(order: OrderSnapshot, alreadyRefunded: Bool, alreadyReplaced: Bool = false,
                                        policy: SupportPolicy, now: Date) throws(ToolError) {
        if alreadyRefunded { throw .alreadyRefunded }
        if alreadyReplaced { throw .alreadyReplaced }
        try checkDeliveredWithinWindow(order: order, action: .requestReplacement, policy: policy, now: now)
    }

    /// Cancel only pending or processing orders.
    public static func checkCancel(order: OrderSnapshot) throws(ToolError) {
        guard order.status.isCancellable else { throw .invalidState(order.status, action: .cancelOrder) }
    }

    static func checkDeliveredWithinWindow(order: OrderSnapshot, action: ToolAction, policy: SupportPolicy,
                                           now: Date) throws(ToolError) {
        guard order.status == .delivered, let deliveredAt = order.deliveredAt else {
            throw .invalidState(order.status, action: action)
        }
        if now > deliveredAt.adding(days: policy.returnWindowDays) {
            throw .outsideRefundWindow(days: policy.returnWindowDays)
        }
    }

    /// Start of the rolling window in which refunds are counted against the limit.
    public static func refundLimitWindowStart(policy: SupportPolicy, now: Date) -> Date {
        now.adding(days: -policy.refundLimitWindowDays)
    }

    public static let fraudLookbackDays = 90

    /// Signals that hold a refund for a person. `priorRefundRequestsIn90Days` excludes the current request.
    public static func fraudSignals(order: OrderSnapshot, customer: CustomerSnapshot, priorRefundRequestsIn90Days: Int,
                                    policy: SupportPolicy, now: Date) -> [FraudSignal] {
        var signals: [FraudSignal] = []
        if order.total >= policy.fraud.highValue { signals.append(.highValue) }
        if now < customer.createdAt.adding(days: policy.fraud.newAccountDays) { signals.append(.newAccount) }
        if priorRefundRequestsIn90Days + 1 >= policy.fraud.maxRefundRequestsIn90Days { signals.append(.frequentRefunds) }
        return signals
    }
}
