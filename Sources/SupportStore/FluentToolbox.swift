public import FluentKit
import Foundation
import Logging
import SQLKit
public import SupportDomain

/// The guarded tools on a Fluent database. Each invocation is one transaction: read, check `SupportRules`,
/// write the effect and its audit entry together; the action-log line follows the commit.
public struct FluentToolbox: SupportToolbox {
    let source: DatabaseSource
    var database: any Database { source.database }
    let policy: SupportPolicy
    let clock: any WallClock
    let actionLog: ActionLog?
    let logger: Logger

    public init(database: any Database, policy: SupportPolicy, clock: any WallClock, actionLog: ActionLog?,
                logger: Logger = Logger(label: "supportops.tools")) {
        self.init(source: .fixed(database), policy: policy, clock: clock, actionLog: actionLog, logger: logger)
    }

    public init(source: DatabaseSource, policy: SupportPolicy, clock: any WallClock, actionLog: ActionLog?,
                logger: Logger = Logger(label: "supportops.tools")) {
        self.source = source
        self.policy = policy
        self.clock = clock
        self.actionLog = actionLog
        self.logger = logger
    }

    public func fetchCustomer(_ id: CustomerID) async throws -> CustomerSnapshot? {
        try await HotPath.customer(id, on: source.reader())
    }

    public func fetchCustomers(limit: Int) async throws -> [CustomerSnapshot] {
        try await CustomerModel.query(on: database).sort(\.$id).limit(limit).all().map(\.snapshot)
    }

    public func fetchOrders(of customer: CustomerID) async throws -> [OrderSnapshot] {
        try await HotPath.orders(of: customer, on: source.reader())
    }

    public func fetchHistory(of customer: CustomerID) async throws -> CustomerHistory {
        try await HotPath.history(of: customer, on: source.reader())
    }

    public func run(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        let now = clock.now()
        let result: ToolResult
        if !invocation.action.isWrite, context.idempotencyKey == nil {
            // A read changes nothing but its audit row: no transaction and no customer lock, one read and one insert.
            let sql = try source.reader()
            switch invocation {
            case let .getOrderStatus(orderID): result = try await orderStatus(orderID, customer: context.customerID, on: sql)
            default: result = try await listOrders(context.customerID, on: sql)
            }
            let audit = AuditRecord(context: context, invocation: invocation, result: result, time: now)
            try await source.write { try await HotPath.insertAudit(audit, on: $0) }
            actionLog?.append(audit)
            return result
        }
        do {
            result = try await source.writeTransaction(durable: true) { tx in
                // Write first: the customer's row lock serialises one customer's tool calls on PostgreSQL (so the rolling
                // refund limit holds under concurrency), and on SQLite it takes the write lock before anything is read,
                // so a transaction never has to upgrade a stale read snapshot (SQLITE_BUSY_SNAPSHOT).
                try await lockCustomer(context.customerID, on: tx)
                if let key = context.idempotencyKey {
                    // Serialised by the row lock above, so two calls with one key cannot both pass this check.
                    try await HotPath.claimToolRequest(key: key, customer: context.customerID, action: invocation.action,
                                                       at: now, on: tx)
                }
                let result = try await perform(invocation, context: context, now: now, on: tx)
                try await HotPath.insertAudit(AuditRecord(context: context, invocation: invocation, result: result, time: now), on: tx)
                return result
            }
        } catch let refusal as ToolError {
            // The transaction rolled back; the refusal itself is still audited.
            result = .failure(invocation.action, orderID: invocation.orderID, refusal)
            let audit = AuditRecord(context: context, invocation: invocation, result: result, time: now)
            try await source.write { try await HotPath.insertAudit(audit, on: $0) }
        }
        actionLog?.append(AuditRecord(context: context, invocation: invocation, result: result, time: now))
        return result
    }

    public func preview(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        struct Rollback: Error { var result: ToolResult }
        do {
            try await source.writeTransaction(durable: false) { tx in
                try await lockCustomer(context.customerID, on: tx)
                // The real checks and writes, then a rollback: the preview cannot drift from what `run` does.
                throw Rollback(result: try await perform(invocation, context: context, now: clock.now(), on: tx))
            }
            throw StoreError.notSQL // unreachable: the transaction always throws
        } catch let rollback as Rollback {
            var result = rollback.result
            result.refundID = nil
            result.replacementID = nil
            result.escalationID = nil
            return result
        } catch let refusal as ToolError {
            return .failure(invocation.action, orderID: invocation.orderID, refusal)
        }
    }

    /// Takes the customer's row lock (PostgreSQL) or the write lock (SQLite) before anything is read.
    private func lockCustomer(_ customer: CustomerID, on tx: any SQLDatabase) async throws {
        try await tx.raw("UPDATE customers SET refund_guard = refund_guard + 1 WHERE id = \(bind: Int(customer.rawValue))").run()
    }

    private func perform(_ invocation: ToolInvocation, context: ToolContext, now: Date,
                         on tx: any SQLDatabase) async throws -> ToolResult {
        let customerID = context.customerID
        switch invocation {
        case let .issueRefund(orderID, reason):
            return try await refund(orderID, reason: reason, context: context, now: now, on: tx)
        case let .cancelOrder(orderID):
            guard let order = try await HotPath.orders(of: customerID, orderID: orderID, on: tx).first else {
                throw ToolError.orderNotFound
            }
            try SupportRules.checkCancel(order: order)
            try await HotPath.setStatus(.cancelled, of: orderID, on: tx)
            return ToolResult(action: .cancelOrder, orderID: orderID, amount: order.total, orderStatus: .cancelled)
        case let .requestReplacement(orderID, reason):
            let (order, _, counts) = try await facts(customer: customerID, order: orderID, now: now, on: tx)
            try SupportRules.checkReplacement(order: order, alreadyRefunded: counts.orderRefunded,
                                              alreadyReplaced: counts.orderReplaced, policy: policy, now: now)
            let replacementID = try await HotPath.insertReplacement(order: orderID, customer: customerID, reason: reason,
                                                                    at: now, on: tx)
            return ToolResult(action: .requestReplacement, orderID: orderID, orderStatus: .delivered,
                              replacementID: replacementID)
        case let .getOrderStatus(orderID):
            return try await orderStatus(orderID, customer: customerID, on: tx)
        case .listOrders:
            return try await listOrders(customerID, on: tx)
        case let .escalateCase(orderID, summary):
            // An escalation may name an order only if it is the caller's; otherwise it is filed without one.
            var ownedOrder: OrderID?
            if let orderID, try await !HotPath.orders(of: customerID, orderID: orderID, on: tx).isEmpty { ownedOrder = orderID }
            let escalation = try await HotPath.insertEscalation(customer: customerID, order: ownedOrder, refund: nil,
                                                                kind: "customer_request", summary: summary, at: now, on: tx)
            return ToolResult(action: .escalateCase, orderID: ownedOrder, escalationID: escalation)
        }
    }

    /// An order's status, only the caller's own (a foreign and a missing order are the same refusal).
    private func orderStatus(_ orderID: OrderID, customer: CustomerID, on sql: any SQLDatabase) async throws -> ToolResult {
        guard let snapshot = try await HotPath.orders(of: customer, orderID: orderID, on: sql).first else {
            return .failure(.getOrderStatus, orderID: orderID, .orderNotFound)
        }
        return ToolResult(action: .getOrderStatus, orderID: orderID, orderStatus: snapshot.status, order: snapshot)
    }

    private func listOrders(_ customer: CustomerID, on sql: any SQLDatabase) async throws -> ToolResult {
        ToolResult(action: .listOrders, orders: try await HotPath.orders(of: customer, limit: 20, on: sql))
    }

    /// The order with its lines if it is the customer's (a missing and a foreign order are the same `orderNotFound`),
    /// the customer, and the counts the rules need, in one statement.
    private func facts(customer: CustomerID, order: OrderID, now: Date,
                       on tx: any SQLDatabase) async throws -> (OrderSnapshot, CustomerSnapshot, HotPath.RefundCounts) {
        let windowStart = SupportRules.refundLimitWindowStart(policy: policy, now: now)
        let lookback = now.addingTimeInterval(-Double(SupportRules.fraudLookbackDays) * 86_400)
        guard let facts = try await HotPath.refundFacts(customer: customer, order: order, windowStart: windowStart,
                                                        lookback: lookback, on: tx) else {
            throw ToolError.orderNotFound
        }
        return facts
    }

    /// A refund in as few statements as the rules allow: one read (the order with its lines, the customer and every count
    /// the rules need), the insert, the order's new status (plus the escalation when it is held for review).
    private func refund(_ orderID: OrderID, reason: ReturnReason, context: ToolContext, now: Date,
                        on tx: any SQLDatabase) async throws -> ToolResult {
        let customerID = context.customerID
        let (snapshot, customer, counts) = try await facts(customer: customerID, order: orderID, now: now, on: tx)
        try SupportRules.checkRefund(order: snapshot, alreadyRefunded: counts.orderRefunded,
                                     alreadyReplaced: counts.orderReplaced, refundsInLimitWindow: counts.inLimitWindow,
                                     policy: policy, now: now, goodwill: context.goodwill)
        let signals = SupportRules.fraudSignals(order: snapshot, customer: customer,
                                                priorRefundRequestsIn90Days: counts.inFraudLookback, policy: policy, now: now)
        let status: RefundStatus = signals.isEmpty ? .approved : .pendingReview
        let refundID = try await HotPath.insertRefund(order: orderID, customer: customerID, amount: snapshot.total,
                                                      reason: reason, status: status, signals: signals, at: now, on: tx)
        var escalationID: EscalationID?
        if status == .approved {
            try await HotPath.setStatus(.returned, of: orderID, on: tx)
        } else {
            escalationID = try await HotPath.insertEscalation(
                customer: customerID, order: orderID, refund: refundID, kind: "fraud_review",
                summary: "Refund of \(snapshot.total.decimalString) held for review: "
                    + signals.map(\.rawValue).joined(separator: ", "), at: now, on: tx)
        }
        return ToolResult(action: .issueRefund, orderID: orderID, amount: snapshot.total, refundID: refundID,
                          refundStatus: status, fraudSignals: signals,
                          orderStatus: status == .approved ? .returned : snapshot.status, escalationID: escalationID)
    }
}

/// Store failures that are not business refusals.
public enum StoreError: Error, CustomStringConvertible {
    case notSQL
    case unsupportedDatabaseURL(String)
    /// A row the caller read a moment ago is gone.
    case notFound

    public var description: String {
        switch self {
        case .notSQL: "The configured database does not speak SQL."
        case let .unsupportedDatabaseURL(reason): reason
        case .notFound: "The record no longer exists."
        }
    }
}
