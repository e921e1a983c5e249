import Foundation
@testable import SupportDomain

/// Shared, deterministic fixtures: a fixed reference date and small builders. Never `Date()`.
enum Fixture {
    /// 2026-06-15T12:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_781_524_800)
    static let day: TimeInterval = 86_400

    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * day) }

    static func line(price: Int64 = 49_99, quantity: Int = 1, finalSale: Bool = false, name: String = "Blender") -> OrderLine {
        OrderLine(productID: ProductID(1), productName: name, sku: "SKU-1", quantity: quantity,
                  unitPrice: Money(minorUnits: price), finalSale: finalSale)
    }

    static func order(id: Int64 = 1042, status: OrderStatus = .delivered, deliveredDaysAgo: Double? = 5,
                      lines: [OrderLine] = [line()], total: Money? = nil) -> OrderSnapshot {
        let delivered = deliveredDaysAgo.map(daysAgo)
        let shipped = deliveredDaysAgo.map { daysAgo($0 + 3) }
        return OrderSnapshot(id: OrderID(id), customerID: CustomerID(7), status: status,
                             createdAt: daysAgo((deliveredDaysAgo ?? 0) + 10),
                             shippedAt: status == .pending || status == .processing ? nil : shipped,
                             deliveredAt: status == .delivered ? delivered : nil,
                             lines: lines, total: total ?? lines.map(\.lineTotal).reduce(.zero, +))
    }

    static func customer(accountAgeDays: Double = 400) -> CustomerSnapshot {
        CustomerSnapshot(id: CustomerID(7), name: "Jane Doe", createdAt: daysAgo(accountAgeDays))
    }
}
