public import Foundation

/// Where an order is in its life; the allowed actions follow from it.
public enum OrderStatus: String, CaseIterable, Sendable, Codable {
    case pending, processing, shipped, delivered, cancelled, returned

    /// Cancel is allowed only before the parcel leaves the warehouse.
    public var isCancellable: Bool { self == .pending || self == .processing }
}

/// One line of an order as the tools see it: the product, its price at purchase time and whether it was final sale.
public struct OrderLine: Sendable, Hashable, Codable {
    public var productID: ProductID
    public var productName: String
    public var sku: String
    public var quantity: Int
    public var unitPrice: Money
    public var finalSale: Bool

    public init(productID: ProductID, productName: String, sku: String, quantity: Int, unitPrice: Money, finalSale: Bool) {
        self.productID = productID
        self.productName = productName
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.finalSale = finalSale
    }

    public var lineTotal: Money { unitPrice * quantity }
}

/// An order as stored: the single source of truth for amounts.
public struct OrderSnapshot: Sendable, Hashable, Codable {
    public var id: OrderID
    public var customerID: CustomerID
    public var status: OrderStatus
    public var createdAt: Date
    public var shippedAt: Date?
    public var deliveredAt: Date?
    public var lines: [OrderLine]
    public var total: Money

    public init(id: OrderID, customerID: CustomerID, status: OrderStatus, createdAt: Date, shippedAt: Date?,
                deliveredAt: Date?, lines: [OrderLine], total: Money) {
        self.id = id
        self.customerID = customerID
        self.status = status
        self.createdAt = createdAt
        self.shippedAt = shippedAt
        self.deliveredAt = deliveredAt
        self.lines = lines
        self.total = total
    }

    public var containsFinalSaleItem: Bool { lines.contains { $0.finalSale } }
}

/// A customer as the rules need them: no contact data beyond what is stored.
public struct CustomerSnapshot: Sendable, Hashable, Codable {
    public var id: CustomerID
    public var name: String
    public var createdAt: Date

    public init(id: CustomerID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// The state of a refund: paid, held for a person, or refused by a person.
public enum RefundStatus: String, CaseIterable, Sendable, Codable {
    case approved
    case pendingReview = "pending_review"
    case rejected
}

/// Why a customer wants their money back (or a replacement), as a closed set: free text never reaches the audit log.
public enum ReturnReason: String, CaseIterable, Sendable, Codable {
    case damaged, defective, late
    case wrongItem = "wrong_item"
    case missingPart = "missing_part"
    case changedMind = "changed_mind"
    case orderedByMistake = "ordered_by_mistake"
    case notGiven = "not_given"
}

/// Lifecycle of a case handed to a person.
public enum EscalationStatus: String, CaseIterable, Sendable, Codable {
    case open
    case inProgress = "in_progress"
    case resolved
}
