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
        try await HotPath.customer(id, on: database)
    }

    public func fetchCustomers(limit: Int) async throws -> [CustomerSnapshot] {
        try await CustomerModel.query(on: database).sort(\.$id).limit(limit).all().map(\.snapshot)
    }

    public func fetchOrders(of customer: CustomerID) async throws -> [OrderSnapshot] {
        try await HotPath.orders(of: customer, on: database)
    }

    public func fetchHistory(of customer: CustomerID) async throws -> CustomerHistory {
        try await HotPath.history(of: customer, on: database)
    }

    public func run(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        let now = clock.now()
        let result: ToolResult
        if !invocation.action.isWrite, context.idempotencyKey == nil {
            // A read changes nothing but its audit row: no transaction and no customer lock, one read and one insert.
            switch invocation {
            case let .getOrderStatus(orderID): result = try await orderStatus(orderID, customer: context.customerID, on: database)
            default: result = try await listOrders(context.customerID, on: database)
            }
            let audit = AuditRecord(context: context, invocation: invocation, result: result, time: now)
            try await HotPath.insertAudit(audit, on: database)
            await actionLog?.append(audit)
            return result
        }
        do {
            result = try await SQLiteTuning.durableTransaction(on: database) { tx in
                // Write first: the customer's row lock serialises one customer's tool calls on PostgreSQL (so the rolling
                // refund limit holds under concurrency), and on SQLite it takes the write lock before anything is read,
                // so a transaction never has to upgrade a stale read snapshot (SQLITE_BUSY_SNAPSHOT).
                try await lockCustomer(context.customerID, on: tx)
                if let key = context.idempotencyKey {
                    // Serialised by the row lock above, so two calls with one key cannot both pass this check.
                    guard try await ToolRequestModel.query(on: tx).filter(\.$key == key).count() == 0 else {
                        throw ToolError.duplicateRequest
                    }
                    let request = ToolRequestModel()
                    request.key = key
                    request.customerID = Int(context.customerID.rawValue)
                    request.action = invocation.action.rawValue
                    request.createdAt = now
                    try await request.create(on: tx)
                }
                let result = try await perform(invocation, context: context, now: now, on: tx)
                try await record(AuditRecord(context: context, invocation: invocation, result: result, time: now), on: tx)
                return result
            }
        } catch let refusal as ToolError {
            // The transaction rolled back; the refusal itself is still audited.
            result = .failure(invocation.action, orderID: invocation.orderID, refusal)
            try await record(AuditRecord(context: context, invocation: invocation, result: result, time: now), on: database)
        }
        await actionLog?.append(AuditRecord(context: context, invocation: invocation, result: result, time: now))
        return result
    }

    public func preview(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        struct Rollback: Error { var result: ToolResult }
        do {
            try await database.guardedTransaction { tx in
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
    private func lockCustomer(_ customer: CustomerID, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else { throw StoreError.notSQL }
        try await sql.raw("UPDATE customers SET refund_guard = refund_guard + 1 WHERE id = \(bind: Int(customer.rawValue))").run()
    }

    private func perform(_ invocation: ToolInvocation, context: ToolContext, now: Date,
                         on tx: any Database) async throws -> ToolResult {
        let customerID = context.customerID
        switch invocation {
        case let .issueRefund(orderID, reason):
            return try await refund(orderID, reason: reason, context: context, now: now, on: tx)
        case let .cancelOrder(orderID):
            let order = try await fetchOwnedOrder(orderID, customer: customerID, on: tx)
            let snapshot = order.snapshot()
            try SupportRules.checkCancel(order: snapshot)
            order.status = OrderStatus.cancelled.rawValue
            try await order.save(on: tx)
            return ToolResult(action: .cancelOrder, orderID: orderID, amount: snapshot.total, orderStatus: .cancelled)
        case let .requestReplacement(orderID, reason):
            let order = try await fetchOwnedOrder(orderID, customer: customerID, on: tx)
            try SupportRules.checkReplacement(order: order.snapshot(), alreadyRefunded: try await hasRefund(orderID, on: tx),
                                              alreadyReplaced: try await hasReplacement(orderID, on: tx), policy: policy, now: now)
            let replacement = ReplacementModel()
            replacement.orderID = try order.requireID()
            replacement.customerID = order.$customer.id
            replacement.reason = reason.rawValue
            replacement.status = "requested"
            replacement.createdAt = now
            try await replacement.create(on: tx)
            return ToolResult(action: .requestReplacement, orderID: orderID, orderStatus: .delivered,
                              replacementID: replacement.id.map { ReplacementID(Int64($0)) })
        case let .getOrderStatus(orderID):
            return try await orderStatus(orderID, customer: customerID, on: tx)
        case .listOrders:
            return try await listOrders(customerID, on: tx)
        case let .escalateCase(orderID, summary):
            // An escalation may name an order only if it is the caller's; otherwise it is filed without one.
            var ownedOrder: OrderID?
            if let orderID, (try? await fetchOwnedOrder(orderID, customer: customerID, on: tx)) != nil { ownedOrder = orderID }
            let escalation = try await insertEscalation(customer: customerID, order: ownedOrder, refund: nil,
                                                        kind: "customer_request", summary: summary, now: now, on: tx)
            return ToolResult(action: .escalateCase, orderID: ownedOrder, escalationID: escalation)
        }
    }

    /// An order's status, only the caller's own (a foreign and a missing order are the same refusal).
    private func orderStatus(_ orderID: OrderID, customer: CustomerID, on db: any Database) async throws -> ToolResult {
        guard let snapshot = try await HotPath.orders(of: customer, orderID: orderID, on: db).first else {
            return .failure(.getOrderStatus, orderID: orderID, .orderNotFound)
        }
        return ToolResult(action: .getOrderStatus, orderID: orderID, orderStatus: snapshot.status, order: snapshot)
    }

    private func listOrders(_ customer: CustomerID, on db: any Database) async throws -> ToolResult {
        ToolResult(action: .listOrders, orders: try await HotPath.orders(of: customer, limit: 20, on: db))
    }

    /// A refund in as few statements as the rules allow: one read (the order with its lines, the customer and every count
    /// the rules need), the insert, the order's new status (plus the escalation when it is held for review).
    private func refund(_ orderID: OrderID, reason: ReturnReason, context: ToolContext, now: Date,
                        on tx: any Database) async throws -> ToolResult {
        let customerID = context.customerID
        let windowStart = SupportRules.refundLimitWindowStart(policy: policy, now: now)
        let lookback = now.addingTimeInterval(-Double(SupportRules.fraudLookbackDays) * 86_400)
        guard let (snapshot, customer, counts) = try await HotPath.refundFacts(
            customer: customerID, order: orderID, windowStart: windowStart, lookback: lookback, on: tx) else {
            throw ToolError.orderNotFound
        }
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
            escalationID = try await insertEscalation(
                customer: customerID, order: orderID, refund: Int(refundID.rawValue), kind: "fraud_review",
                summary: "Refund of \(snapshot.total.decimalString) held for review: "
                    + signals.map(\.rawValue).joined(separator: ", "), now: now, on: tx)
        }
        return ToolResult(action: .issueRefund, orderID: orderID, amount: snapshot.total, refundID: refundID,
                          refundStatus: status, fraudSignals: signals,
                          orderStatus: status == .approved ? .returned : snapshot.status, escalationID: escalationID)
    }

    /// The order if it belongs to `customer`; a missing and a foreign order are the same `orderNotFound`.
    private func fetchOwnedOrder(_ id: OrderID, customer: CustomerID, on db: any Database) async throws -> OrderModel {
        guard let orderID = Int(exactly: id.rawValue), let order = try await OrderModel.query(on: db)
            .filter(\.$id == orderID)
            .filter(\.$customer.$id == Int(customer.rawValue))
            .with(\.$items, { $0.with(\.$product) })
            .first()
        else { throw ToolError.orderNotFound }
        return order
    }

    private func hasRefund(_ id: OrderID, on db: any Database) async throws -> Bool {
        try await RefundModel.query(on: db)
            .filter(\.$orderID == Int(id.rawValue))
            .filter(\.$status != RefundStatus.rejected.rawValue)
            .count() > 0
    }

    private func hasReplacement(_ id: OrderID, on db: any Database) async throws -> Bool {
        try await ReplacementModel.query(on: db).filter(\.$orderID == Int(id.rawValue)).count() > 0
    }

    private func insertEscalation(customer: CustomerID, order: OrderID?, refund: Int?, kind: String, summary: String,
                                  now: Date, on db: any Database) async throws -> EscalationID {
        let escalation = EscalationModel()
        escalation.customerID = Int(customer.rawValue)
        escalation.orderID = order.map { Int($0.rawValue) }
        escalation.refundID = refund
        escalation.kind = kind
        escalation.summary = String(summary.prefix(MessageLimits.maxCharacters))
        escalation.status = EscalationStatus.open.rawValue
        escalation.createdAt = now
        try await escalation.create(on: db)
        return EscalationID(Int64(try escalation.requireID()))
    }

    private func record(_ audit: AuditRecord, on db: any Database) async throws {
        try await HotPath.insertAudit(audit, on: db)
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
