/// Why a tool refused to act. Stable codes for clients, a human sentence for the customer. No HTTP here.
extension ToolError {
    /// Refusals a lead may override with a written reason (a goodwill refund): the window and the rolling limit.
    public var isOverridable: Bool {
        switch self {
        case .outsideRefundWindow, .refundLimitExceeded: true
        default: false
        }
    }
}

public enum ToolError: Error, Sendable, Hashable {
    case orderNotFound
    case invalidState(OrderStatus, action: ToolAction)
    case outsideRefundWindow(days: Int)
    case finalSale
    case alreadyRefunded
    /// The order already had a replacement: one remedy per order, a second one (refund or replacement) is for a person.
    case alreadyReplaced
    case refundLimitExceeded(limit: Int, days: Int)
    /// The same request (same idempotency key) was already carried out; nothing was done again.
    case duplicateRequest

    public var code: String {
        switch self {
        case .orderNotFound: "order_not_found"
        case .invalidState: "invalid_state"
        case .outsideRefundWindow: "outside_refund_window"
        case .finalSale: "final_sale"
        case .alreadyRefunded: "already_refunded"
        case .alreadyReplaced: "already_replaced"
        case .refundLimitExceeded: "refund_limit_exceeded"
        case .duplicateRequest: "duplicate_request"
        }
    }

    public var message: String {
        switch self {
        case .orderNotFound:
            "We could not find that order on your account."
        case let .invalidState(status, action):
            "This order is \(status.rawValue), so it cannot be \(action.pastParticiple) now."
        case let .outsideRefundWindow(days):
            "This order was delivered more than \(days) days ago, which is outside the return window."
        case .finalSale:
            "This order contains a final-sale item, which cannot be refunded."
        case .alreadyRefunded:
            "This order has already been refunded."
        case .alreadyReplaced:
            "A replacement has already been sent for this order; only a person can agree to a second remedy."
        case let .refundLimitExceeded(limit, days):
            "You have reached the limit of \(limit) refunds in \(days) days."
        case .duplicateRequest:
            "This request was already carried out; nothing was done a second time."
        }
    }
}
