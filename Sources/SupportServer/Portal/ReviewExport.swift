import Foundation
import SupportDomain

/// Reviewed conversations as a conversation-test document (`../shared/eval/CONVERSATIONS.md`): `about`, a `fixture`
/// (the customers' orders, products and earlier refunds, days before now) and the `conversations`, each turn's
/// expectation taken from the lead's verdict. No personal data: customers are renamed, the turns' text was redacted
/// before it was stored.
///
/// What a verdict becomes: a turn marked wrong expects the intent and the write the lead chose (`action` null for
/// none); a turn marked right expects what the agent did (intent, write, order, success); a turn not reviewed accepts
/// anything (`{}`). The end state lists the writes those expectations ask for: cancellations and replacements exactly,
/// refunds as optional entries (whether a refund is paid or held for review depends on the store's state then).
/// The fixture is the store as it is now, without the refunds and replacements made from the conversation's first
/// turn on; an order the conversation cancelled is set back to `processing`, one it refunded back to `delivered`.
enum ReviewExport {
    struct CustomerStore {
        var createdAt: Date?
        var orders: [OrderSnapshot]
        var history: CustomerHistory
    }

    static func document(conversations: [[ConversationTurn]], stores: [CustomerID: CustomerStore], now: Date) -> [String: Any] {
        func daysAgo(_ date: Date) -> Int { max(0, Int((now.timeIntervalSince(date) / 86_400).rounded(.down))) }
        var customers: [[String: Any]] = []
        var products: [Int64: [String: Any]] = [:]
        var orders: [[String: Any]] = []
        var refunds: [[String: Any]] = []
        var exported: [[String: Any]] = []

        // Per customer, over all of their exported conversations: the earliest start, and the orders any of them
        // cancelled or refunded (a customer's store is written once, whichever of their conversations comes first).
        var started: [CustomerID: Date] = [:]
        var cancelledHere: [CustomerID: Set<OrderID>] = [:]
        var refundedHere: [CustomerID: Set<OrderID>] = [:]
        for turns in conversations {
            guard let first = turns.first else { continue }
            let customer = first.customerID
            started[customer] = min(started[customer] ?? first.createdAt, first.createdAt)
            cancelledHere[customer, default: []].formUnion(
                turns.filter { $0.action == .cancelOrder && $0.success == true }.compactMap(\.orderID))
            // A refund marks its order returned; before it, the order was delivered (refunds are for delivered orders).
            refundedHere[customer, default: []].formUnion(
                turns.filter { $0.action == .issueRefund && $0.success == true }.compactMap(\.orderID))
        }
        for (customer, store) in stores.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let since = started[customer] else { continue }
            let cancelled = cancelledHere[customer] ?? [], refunded = refundedHere[customer] ?? []
            customers.append(["id": customer.rawValue, "name": "Customer \(customer.rawValue)",
                              "email": "customer\(customer.rawValue)@example.invalid",
                              "created_days_ago": store.createdAt.map(daysAgo) ?? 400])
            for order in store.orders {
                var row: [String: Any] = [
                    "id": order.id.rawValue, "customer_id": customer.rawValue,
                    "status": cancelled.contains(order.id) ? OrderStatus.processing.rawValue
                        : refunded.contains(order.id) ? OrderStatus.delivered.rawValue : order.status.rawValue,
                    "created_days_ago": daysAgo(order.createdAt),
                    "items": order.lines.map { ["product_id": $0.productID.rawValue, "quantity": $0.quantity,
                                                "unit_price": $0.unitPrice.decimalString] as [String: Any] },
                ]
                if let shipped = order.shippedAt, !cancelled.contains(order.id) { row["shipped_days_ago"] = daysAgo(shipped) }
                if let delivered = order.deliveredAt, !cancelled.contains(order.id) { row["delivered_days_ago"] = daysAgo(delivered) }
                orders.append(row)
                for line in order.lines where products[line.productID.rawValue] == nil {
                    products[line.productID.rawValue] = ["id": line.productID.rawValue, "name": line.productName, "sku": line.sku,
                                                         "price": line.unitPrice.decimalString, "stock": 10,
                                                         "final_sale": line.finalSale]
                }
            }
            for refund in store.history.refunds where refund.createdAt < since && refund.status != .rejected {
                refunds.append(["order_id": refund.orderID.rawValue, "customer_id": customer.rawValue,
                                "reason": "earlier refund", "created_days_ago": daysAgo(refund.createdAt),
                                "amount": refund.amount.decimalString])
            }
        }

        for (index, turns) in conversations.enumerated() {
            guard let first = turns.first else { continue }
            let customer = first.customerID
            var expectations: [[String: Any]] = []
            var endRefunds: [[String: Any]] = []
            var endCancelled: [Int64] = []
            var endReplacements: [Int64] = []
            var categories: [String] = []
            func expectWrite(_ action: ToolAction?, order: OrderID?) {
                guard let action, let order else { return }
                switch action {
                case .issueRefund: endRefunds.append(["order": order.rawValue, "status": "approved", "optional": true])
                case .cancelOrder: endCancelled.append(order.rawValue)
                case .requestReplacement: endReplacements.append(order.rawValue)
                default: break
                }
            }
            for turn in turns {
                var expect: [String: Any] = [:]
                switch turn.review?.verdict {
                case .wrong?:
                    let intent = turn.review?.intent ?? turn.intent
                    let action = turn.review?.action
                    expect["intent"] = intent.rawValue
                    expect["action"] = action?.rawValue ?? NSNull()
                    expectWrite(action, order: turn.orderID)
                    if !categories.contains(intent.rawValue), intent != .other { categories.append(intent.rawValue) }
                case .right?:
                    expect["intent"] = turn.intent.rawValue
                    expect["action"] = turn.write?.rawValue ?? NSNull()
                    if let write = turn.write, let order = turn.orderID {
                        expect["order_id"] = order.rawValue
                        expect["success"] = turn.success ?? false
                        if turn.success == true { expectWrite(write, order: order) }
                    }
                    expect["needs_clarification"] = turn.needsClarification
                    if !categories.contains(turn.intent.rawValue), turn.intent != .other { categories.append(turn.intent.rawValue) }
                case nil:
                    break
                }
                expectations.append(["user": turn.text, "expect": expect])
            }
            if turns.contains(where: \.needsClarification) { categories.append("clarification") }
            if turns.contains(where: { $0.language != "en" }) { categories.append("multilingual") }
            if categories.isEmpty { categories = ["policy_question"] }
            exported.append([
                "id": "r\(index + 1)", "user_id": customer.rawValue, "categories": categories,
                "note": "Reviewed in production (conversation \(first.conversationID), \(turns.count) turns); "
                    + turns.compactMap { turn in turn.review.map { "turn: \($0.verdict.rawValue) (\($0.reviewer))" } }.joined(separator: "; "),
                "turns": expectations,
                "end": ["refunds": endRefunds, "cancelled": endCancelled, "replacements": endReplacements] as [String: Any],
            ])
        }
        return [
            "about": ["purpose": "Conversations a lead reviewed on the SupportOps review page, as regression tests",
                      "format": "CONVERSATIONS.md", "conversations": exported.count,
                      "turns": exported.reduce(0) { $0 + (($1["turns"] as? [Any])?.count ?? 0) }] as [String: Any],
            "fixture": ["customers": customers, "products": products.keys.sorted().compactMap { products[$0] },
                        "orders": orders, "refunds": refunds] as [String: Any],
            "conversations": exported,
        ]
    }
}
