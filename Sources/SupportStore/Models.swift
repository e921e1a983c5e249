public import FluentKit
import Foundation
import SupportDomain

/// A customer row. `refundGuard` is bumped at the start of every tool transaction: the row lock it takes
/// serialises one customer's tool calls on SQLite and PostgreSQL alike, so the rolling limit holds under concurrency.
public final class CustomerModel: Model, @unchecked Sendable {
    public static let schema = "customers"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "name") public var name: String
    @Field(key: "email") public var email: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "refund_guard") public var refundGuard: Int

    public init() {}
    public init(id: Int? = nil, name: String, email: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.email = email
        self.createdAt = createdAt
        self.refundGuard = 0
    }

    var snapshot: CustomerSnapshot {
        CustomerSnapshot(id: CustomerID(Int64(id ?? 0)), name: name, createdAt: createdAt)
    }
}

public final class ProductModel: Model, @unchecked Sendable {
    public static let schema = "products"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "name") public var name: String
    @Field(key: "sku") public var sku: String
    @Field(key: "price_cents") public var priceCents: Int64
    @Field(key: "stock") public var stock: Int
    @Field(key: "final_sale") public var finalSale: Bool

    public init() {}
}

public final class OrderModel: Model, @unchecked Sendable {
    public static let schema = "orders"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Parent(key: "customer_id") public var customer: CustomerModel
    @Field(key: "status") public var status: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "shipped_at") public var shippedAt: Date?
    @OptionalField(key: "delivered_at") public var deliveredAt: Date?
    @Field(key: "total_cents") public var totalCents: Int64
    @Children(for: \.$order) public var items: [OrderItemModel]

    public init() {}
}

public final class OrderItemModel: Model, @unchecked Sendable {
    public static let schema = "order_items"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Parent(key: "order_id") public var order: OrderModel
    @Parent(key: "product_id") public var product: ProductModel
    @Field(key: "quantity") public var quantity: Int
    @Field(key: "unit_price_cents") public var unitPriceCents: Int64

    public init() {}
}

public final class RefundModel: Model, @unchecked Sendable {
    public static let schema = "refunds"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "order_id") public var orderID: Int
    @Field(key: "customer_id") public var customerID: Int
    @Field(key: "amount_cents") public var amountCents: Int64
    @Field(key: "reason") public var reason: String
    @Field(key: "status") public var status: String
    @Field(key: "fraud_signals") public var fraudSignals: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
    init(orderID: Int, customerID: Int, amount: Money, reason: String, status: RefundStatus, signals: [FraudSignal], at: Date) {
        self.orderID = orderID
        self.customerID = customerID
        self.amountCents = amount.minorUnits
        self.reason = reason
        self.status = status.rawValue
        self.fraudSignals = signals.map(\.rawValue).joined(separator: ",")
        self.createdAt = at
    }
}

public final class ReplacementModel: Model, @unchecked Sendable {
    public static let schema = "replacements"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "order_id") public var orderID: Int
    @Field(key: "customer_id") public var customerID: Int
    @Field(key: "reason") public var reason: String
    @Field(key: "status") public var status: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

public final class EscalationModel: Model, @unchecked Sendable {
    public static let schema = "escalations"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "customer_id") public var customerID: Int
    @OptionalField(key: "order_id") public var orderID: Int?
    @OptionalField(key: "refund_id") public var refundID: Int?
    @Field(key: "kind") public var kind: String
    /// The customer's message after redaction; never the raw text.
    @Field(key: "summary") public var summary: String
    @Field(key: "status") public var status: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

public final class AuditEntryModel: Model, @unchecked Sendable {
    public static let schema = "audit_entries"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "request_id") public var requestID: String
    @Field(key: "customer_id") public var customerID: Int
    @Field(key: "action") public var action: String
    /// JSON object of ids and closed-set values.
    @Field(key: "parameters") public var parameters: String
    /// JSON object of the outcome: success, codes, ids, amounts.
    @Field(key: "result") public var result: String

    public init() {}
}

public final class ConversationModel: Model, @unchecked Sendable {
    public static let schema = "conversations"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "customer_id") public var customerID: Int
    @OptionalField(key: "pending") public var pending: String?
    @Field(key: "turns") public var turns: Int
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}
}
