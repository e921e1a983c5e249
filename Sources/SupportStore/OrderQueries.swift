import FluentKit
import Foundation
import SQLKit
import SupportDomain

/// The hot-path reads and the audit insert as plain SQL decoded column by column into domain values: no Fluent model,
/// no per-row reflection. One round trip fetches orders with their lines (a join), newest first.
enum HotPath {
    static func sql(_ database: any Database) throws -> any SQLDatabase {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        return sql
    }

    static func customer(_ id: CustomerID, on sql: any SQLDatabase) async throws -> CustomerSnapshot? {
        let row = try await sql.raw("""
            SELECT id, name, created_at FROM customers WHERE id = \(bind: id.rawValue)
            """).first()
        guard let row else { return nil }
        return CustomerSnapshot(id: CustomerID(try row.decode(column: "id", as: Int64.self)),
                                name: try row.decode(column: "name", as: String.self),
                                createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    /// The customer's orders with their lines, newest first; with `orderID`, only that order if it is the customer's.
    static func orders(of customer: CustomerID, orderID: OrderID? = nil, limit: Int = 50,
                       on sql: any SQLDatabase) async throws -> [OrderSnapshot] {
        let filter: SQLQueryString = orderID.map { "o.id = \(bind: $0.rawValue) AND o.customer_id = \(bind: customer.rawValue)" }
            ?? "o.id IN (SELECT id FROM orders WHERE customer_id = \(bind: customer.rawValue) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit))"
        let rows = try await sql.raw("""
            SELECT \(orderColumns)
            FROM orders o
            LEFT JOIN order_items i ON i.order_id = o.id
            LEFT JOIN products p ON p.id = i.product_id
            WHERE \(filter)
            ORDER BY o.created_at DESC, o.id DESC, i.id ASC
            """).all()
        var orders: [OrderSnapshot] = []
        for row in rows { try append(row, to: &orders) }
        return orders
    }

    static let orderColumns: SQLQueryString = """
        o.id, o.customer_id, o.status, o.created_at, o.shipped_at, o.delivered_at, o.total_cents,
        i.id AS item_id, i.product_id, i.quantity, i.unit_price_cents, p.name, p.sku, p.final_sale
        """

    /// Adds a row of the orders-with-lines join: a new order, or one more line of the last one.
    private static func append(_ row: any SQLRow, to orders: inout [OrderSnapshot]) throws {
        let id = OrderID(try row.decode(column: "id", as: Int64.self))
        if orders.last?.id != id {
            orders.append(OrderSnapshot(
                id: id, customerID: CustomerID(try row.decode(column: "customer_id", as: Int64.self)),
                status: OrderStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                createdAt: try row.decode(column: "created_at", as: Date.self),
                shippedAt: try row.decode(column: "shipped_at", as: Date?.self),
                deliveredAt: try row.decode(column: "delivered_at", as: Date?.self), lines: [],
                total: Money(minorUnits: try row.decode(column: "total_cents", as: Int64.self))))
        }
        guard try !row.decodeNil(column: "item_id") else { return }
        orders[orders.count - 1].lines.append(OrderLine(
            productID: ProductID(try row.decode(column: "product_id", as: Int64.self)),
            productName: try row.decode(column: "name", as: String.self), sku: try row.decode(column: "sku", as: String.self),
            quantity: try row.decode(column: "quantity", as: Int.self),
            unitPrice: Money(minorUnits: try row.decode(column: "unit_price_cents", as: Int64.self)),
            finalSale: try row.decode(column: "final_sale", as: Bool.self)))
    }

    /// What a refund decides on, in one round trip (it runs under the customer's lock, where every round trip counts):
    /// the order with its lines if it is the customer's, the customer, and the counts the rules need. Nil when the order
    /// is not the customer's (or does not exist).
    static func refundFacts(customer: CustomerID, order: OrderID, windowStart: Date, lookback: Date,
                            on sql: any SQLDatabase) async throws -> (OrderSnapshot, CustomerSnapshot, RefundCounts)? {
        let rejected = RefundStatus.rejected.rawValue
        let rows = try await sql.raw("""
            SELECT \(orderColumns), c.name AS customer_name, c.created_at AS customer_created_at,
              (SELECT COUNT(*) FROM refunds WHERE customer_id = \(bind: customer.rawValue) AND created_at >= \(bind: windowStart)
                 AND status <> \(bind: rejected)) AS in_window,
              (SELECT COUNT(*) FROM refunds WHERE customer_id = \(bind: customer.rawValue) AND created_at >= \(bind: lookback)) AS in_lookback,
              (SELECT COUNT(*) FROM refunds WHERE order_id = \(bind: order.rawValue) AND status <> \(bind: rejected)) AS order_refunds,
              (SELECT COUNT(*) FROM replacements WHERE order_id = \(bind: order.rawValue)) AS order_replacements
            FROM orders o
            JOIN customers c ON c.id = o.customer_id
            LEFT JOIN order_items i ON i.order_id = o.id
            LEFT JOIN products p ON p.id = i.product_id
            WHERE o.id = \(bind: order.rawValue) AND o.customer_id = \(bind: customer.rawValue)
            ORDER BY i.id ASC
            """).all()
        guard let first = rows.first else { return nil }
        var orders: [OrderSnapshot] = []
        for row in rows { try append(row, to: &orders) }
        let snapshot = CustomerSnapshot(id: customer, name: try first.decode(column: "customer_name", as: String.self),
                                        createdAt: try first.decode(column: "customer_created_at", as: Date.self))
        let counts = RefundCounts(inLimitWindow: try first.decode(column: "in_window", as: Int.self),
                                  inFraudLookback: try first.decode(column: "in_lookback", as: Int.self),
                                  orderRefunded: try first.decode(column: "order_refunds", as: Int.self) > 0,
                                  orderReplaced: try first.decode(column: "order_replacements", as: Int.self) > 0)
        return (orders[0], snapshot, counts)
    }

    static func insertAudit(_ audit: AuditRecord, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO audit_entries (created_at, request_id, customer_id, action, parameters, result)
            VALUES (\(bind: audit.time), \(bind: audit.requestID), \(bind: audit.customerID.rawValue),
                    \(bind: audit.action.rawValue), \(bind: JSONLine.encode(audit.parameters)), \(bind: JSONLine.encode(audit.result)))
            """).run()
    }

    /// Records an idempotency key's first use; `duplicateRequest` when the key was used before.
    static func claimToolRequest(key: String, customer: CustomerID, action: ToolAction, at now: Date,
                                 on sql: any SQLDatabase) async throws {
        guard try await sql.raw("SELECT id FROM tool_requests WHERE request_key = \(bind: key)").first() == nil else {
            throw ToolError.duplicateRequest
        }
        try await sql.raw("""
            INSERT INTO tool_requests (request_key, customer_id, action, created_at)
            VALUES (\(bind: key), \(bind: customer.rawValue), \(bind: action.rawValue), \(bind: now))
            """).run()
    }

    static func insertReplacement(order: OrderID, customer: CustomerID, reason: ReturnReason, at now: Date,
                                  on sql: any SQLDatabase) async throws -> ReplacementID {
        guard let row = try await sql.raw("""
            INSERT INTO replacements (order_id, customer_id, reason, status, created_at)
            VALUES (\(bind: order.rawValue), \(bind: customer.rawValue), \(bind: reason.rawValue), 'requested', \(bind: now))
            RETURNING id
            """).first() else { throw StoreError.notFound }
        return ReplacementID(try row.decode(column: "id", as: Int64.self))
    }

    /// An open escalation; the summary is the customer's redacted message, cut to the message limit.
    static func insertEscalation(customer: CustomerID, order: OrderID?, refund: RefundID?, kind: String, summary: String,
                                 at now: Date, on sql: any SQLDatabase) async throws -> EscalationID {
        guard let row = try await sql.raw("""
            INSERT INTO escalations (customer_id, order_id, refund_id, kind, summary, status, created_at)
            VALUES (\(bind: customer.rawValue), \(bind: order?.rawValue), \(bind: refund?.rawValue), \(bind: kind),
                    \(bind: String(summary.prefix(MessageLimits.maxCharacters))), \(bind: EscalationStatus.open.rawValue), \(bind: now))
            RETURNING id
            """).first() else { throw StoreError.notFound }
        return EscalationID(try row.decode(column: "id", as: Int64.self))
    }

    /// What the refund rules count.
    struct RefundCounts {
        var inLimitWindow: Int
        var inFraudLookback: Int
        var orderRefunded: Bool
        var orderReplaced: Bool
    }

    static func insertRefund(order: OrderID, customer: CustomerID, amount: Money, reason: ReturnReason, status: RefundStatus,
                             signals: [FraudSignal], at now: Date, on sql: any SQLDatabase) async throws -> RefundID {
        guard let row = try await sql.raw("""
            INSERT INTO refunds (order_id, customer_id, amount_cents, reason, status, fraud_signals, created_at)
            VALUES (\(bind: order.rawValue), \(bind: customer.rawValue), \(bind: amount.minorUnits), \(bind: reason.rawValue),
                    \(bind: status.rawValue), \(bind: signals.map(\.rawValue).joined(separator: ",")), \(bind: now))
            RETURNING id
            """).first() else { throw StoreError.notFound }
        return RefundID(try row.decode(column: "id", as: Int64.self))
    }

    static func setStatus(_ status: OrderStatus, of order: OrderID, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE orders SET status = \(bind: status.rawValue) WHERE id = \(bind: order.rawValue)").run()
    }

    static func history(of customer: CustomerID, limit: Int = 50, on sql: any SQLDatabase) async throws -> CustomerHistory {
        let refunds = try await sql.raw("""
            SELECT id, order_id, amount_cents, status, created_at FROM refunds WHERE customer_id = \(bind: customer.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
            """).all().map { row in
            CustomerHistory.Refund(id: RefundID(try row.decode(column: "id", as: Int64.self)),
                                   orderID: OrderID(try row.decode(column: "order_id", as: Int64.self)),
                                   amount: Money(minorUnits: try row.decode(column: "amount_cents", as: Int64.self)),
                                   status: RefundStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .rejected,
                                   createdAt: try row.decode(column: "created_at", as: Date.self))
        }
        let replacements = try await sql.raw("""
            SELECT id, order_id, created_at FROM replacements WHERE customer_id = \(bind: customer.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
            """).all().map { row in
            CustomerHistory.Replacement(id: ReplacementID(try row.decode(column: "id", as: Int64.self)),
                                        orderID: OrderID(try row.decode(column: "order_id", as: Int64.self)),
                                        createdAt: try row.decode(column: "created_at", as: Date.self))
        }
        return CustomerHistory(refunds: refunds, replacements: replacements)
    }
}
