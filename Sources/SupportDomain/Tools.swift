public import Foundation

/// The six actions the agent may take. Each is one transaction in the store.
public enum ToolAction: String, CaseIterable, Sendable, Codable {
    case issueRefund = "issue_refund"
    case cancelOrder = "cancel_order"
    case requestReplacement = "request_replacement"
    case getOrderStatus = "get_order_status"
    case escalateCase = "escalate_case"
    case listOrders = "list_orders"

    public var isWrite: Bool {
        switch self {
        case .issueRefund, .cancelOrder, .requestReplacement, .escalateCase: true
        case .getOrderStatus, .listOrders: false
        }
    }

    var pastParticiple: String {
        switch self {
        case .issueRefund: "refunded"
        case .cancelOrder: "cancelled"
        case .requestReplacement: "replaced"
        case .getOrderStatus: "looked up"
        case .escalateCase: "escalated"
        case .listOrders: "listed"
        }
    }
}

/// One request to a tool, with everything it needs. Amounts are never part of it: they come from the database.
public enum ToolInvocation: Sendable, Hashable {
    case issueRefund(OrderID, reason: ReturnReason)
    case cancelOrder(OrderID)
    case requestReplacement(OrderID, reason: ReturnReason)
    case getOrderStatus(OrderID)
    case escalateCase(OrderID?, summary: String)
    case listOrders

    public var action: ToolAction {
        switch self {
        case .issueRefund: .issueRefund
        case .cancelOrder: .cancelOrder
        case .requestReplacement: .requestReplacement
        case .getOrderStatus: .getOrderStatus
        case .escalateCase: .escalateCase
        case .listOrders: .listOrders
        }
    }

    public var orderID: OrderID? {
        switch self {
        case let .issueRefund(id, _), let .cancelOrder(id), let .requestReplacement(id, _), let .getOrderStatus(id): id
        case let .escalateCase(id, _): id
        case .listOrders: nil
        }
    }

    public var reason: ReturnReason? {
        switch self {
        case let .issueRefund(_, reason), let .requestReplacement(_, reason): reason
        default: nil
        }
    }

    /// What the audit log records of the call: ids and closed-set values only, never free text.
    public var auditParameters: [String: String] {
        var parameters: [String: String] = [:]
        if let orderID { parameters["order_id"] = orderID.description }
        switch self {
        case let .issueRefund(_, reason), let .requestReplacement(_, reason): parameters["reason"] = reason.rawValue
        case let .escalateCase(_, summary): parameters["summary_chars"] = String(summary.count)
        default: break
        }
        return parameters
    }
}

/// Who is calling and on behalf of which request; the customer is the only one whose orders can be touched.
public struct ToolContext: Sendable, Hashable {
    public var requestID: String
    public var customerID: CustomerID
    /// When set, the toolbox carries out the call at most once for this key (a double-submitted confirmation).
    public var idempotencyKey: String?
    /// The support agent who ran the tool on the customer's behalf (nil: the customer, through the assistant).
    public var actingAgent: UserID?
    /// A lead's goodwill override of the refund window and limit (only with `actingAgent`); audited as an override.
    public var goodwill: Bool

    public init(requestID: String, customerID: CustomerID, idempotencyKey: String? = nil, actingAgent: UserID? = nil,
                goodwill: Bool = false) {
        self.requestID = requestID
        self.customerID = customerID
        self.idempotencyKey = idempotencyKey
        self.actingAgent = actingAgent
        self.goodwill = goodwill && actingAgent != nil
    }
}

/// The outcome of a tool call, successful or refused, in one shape for the API, the audit log and the reply.
public struct ToolResult: Sendable, Hashable {
    public var action: ToolAction
    public var success: Bool
    public var orderID: OrderID?
    public var amount: Money?
    public var refundID: RefundID?
    public var refundStatus: RefundStatus?
    public var fraudSignals: [FraudSignal]
    public var orderStatus: OrderStatus?
    public var replacementID: ReplacementID?
    public var escalationID: EscalationID?
    public var order: OrderSnapshot?
    public var orders: [OrderSnapshot]?
    public var error: ToolError?

    public init(action: ToolAction, success: Bool = true, orderID: OrderID? = nil, amount: Money? = nil,
                refundID: RefundID? = nil, refundStatus: RefundStatus? = nil, fraudSignals: [FraudSignal] = [],
                orderStatus: OrderStatus? = nil, replacementID: ReplacementID? = nil, escalationID: EscalationID? = nil,
                order: OrderSnapshot? = nil, orders: [OrderSnapshot]? = nil, error: ToolError? = nil) {
        self.action = action
        self.success = success
        self.orderID = orderID
        self.amount = amount
        self.refundID = refundID
        self.refundStatus = refundStatus
        self.fraudSignals = fraudSignals
        self.orderStatus = orderStatus
        self.replacementID = replacementID
        self.escalationID = escalationID
        self.order = order
        self.orders = orders
        self.error = error
    }

    public static func failure(_ action: ToolAction, orderID: OrderID?, _ error: ToolError) -> ToolResult {
        // A missing or foreign order must not even echo the id back as if it were known.
        ToolResult(action: action, success: false, orderID: error == .orderNotFound ? nil : orderID, error: error)
    }

    /// What the audit log records of the result: codes, ids and amounts, nothing personal.
    public var auditSummary: [String: String] {
        var summary = ["success": String(success)]
        if let error { summary["error"] = error.code }
        if let amount { summary["amount"] = amount.decimalString }
        if let refundID { summary["refund_id"] = refundID.description }
        if let refundStatus { summary["refund_status"] = refundStatus.rawValue }
        if !fraudSignals.isEmpty { summary["fraud_signals"] = fraudSignals.map(\.rawValue).joined(separator: ",") }
        if let orderStatus { summary["order_status"] = orderStatus.rawValue }
        if let replacementID { summary["replacement_id"] = replacementID.description }
        if let escalationID { summary["escalation_id"] = escalationID.description }
        if let orders { summary["orders"] = String(orders.count) }
        return summary
    }
}

/// One audit record per tool call, written in the same transaction as the call's effect.
public struct AuditRecord: Sendable, Hashable, Codable {
    public var time: Date
    public var requestID: String
    public var customerID: CustomerID
    public var action: ToolAction
    public var parameters: [String: String]
    public var result: [String: String]

    public init(time: Date, requestID: String, customerID: CustomerID, action: ToolAction,
                parameters: [String: String], result: [String: String]) {
        self.time = time
        self.requestID = requestID
        self.customerID = customerID
        self.action = action
        self.parameters = parameters
        self.result = result
    }

    public init(context: ToolContext, invocation: ToolInvocation, result: ToolResult, time: Date) {
        var parameters = invocation.auditParameters
        if let agent = context.actingAgent { parameters["agent_id"] = agent.description }
        if context.goodwill { parameters["override"] = "goodwill" }
        self.init(time: time, requestID: context.requestID, customerID: context.customerID,
                  action: invocation.action, parameters: parameters, result: result.auditSummary)
    }
}

/// Stored as `{"action": "issue_refund", "order_id": 1042, "reason": "damaged"}` (a proposal kept on a ticket).
extension ToolInvocation: Codable {
    enum CodingKeys: String, CodingKey { case action, orderID = "order_id", reason, summary }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let action = try container.decode(ToolAction.self, forKey: .action)
        let orderID = try container.decodeIfPresent(OrderID.self, forKey: .orderID)
        let reason = try container.decodeIfPresent(ReturnReason.self, forKey: .reason) ?? .notGiven
        switch (action, orderID) {
        case let (.issueRefund, id?): self = .issueRefund(id, reason: reason)
        case let (.cancelOrder, id?): self = .cancelOrder(id)
        case let (.requestReplacement, id?): self = .requestReplacement(id, reason: reason)
        case let (.getOrderStatus, id?): self = .getOrderStatus(id)
        case (.escalateCase, _): self = .escalateCase(orderID, summary: try container.decodeIfPresent(String.self, forKey: .summary) ?? "")
        case (.listOrders, _): self = .listOrders
        default:
            throw DecodingError.dataCorruptedError(forKey: .orderID, in: container, debugDescription: "\(action.rawValue) needs an order")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encodeIfPresent(orderID, forKey: .orderID)
        switch self {
        case let .issueRefund(_, reason), let .requestReplacement(_, reason): try container.encode(reason, forKey: .reason)
        case let .escalateCase(_, summary): try container.encode(summary, forKey: .summary)
        default: break
        }
    }
}

extension ToolResult {
    /// Whether this outcome hands the case to a person: an escalation, or a refund held for review. Decided here once,
    /// for the API's `escalated` and for tickets alike.
    public var handsOverToPerson: Bool {
        (success && action == .escalateCase) || refundStatus == .pendingReview
    }
}
