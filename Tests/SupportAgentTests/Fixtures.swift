import Foundation
import SupportDomain

/// Deterministic fixtures for the agent tests. Never `Date()`.
enum AgentFixture {
    /// 2026-06-15T12:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_781_524_800)
    static let day: TimeInterval = 86_400

    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * day) }

    static func order(_ id: Int64, status: OrderStatus, deliveredDaysAgo: Double? = nil, createdDaysAgo: Double,
                      finalSale: Bool = false, total: Int64 = 49_99, name: String = "Blender") -> OrderSnapshot {
        let line = OrderLine(productID: ProductID(id), productName: name, sku: "SKU-\(id)", quantity: 1,
                             unitPrice: Money(minorUnits: total), finalSale: finalSale)
        return OrderSnapshot(id: OrderID(id), customerID: CustomerID(7), status: status, createdAt: daysAgo(createdDaysAgo),
                             shippedAt: deliveredDaysAgo.map { daysAgo($0 + 2) }, deliveredAt: deliveredDaysAgo.map(daysAgo),
                             lines: [line], total: Money(minorUnits: total))
    }
}
