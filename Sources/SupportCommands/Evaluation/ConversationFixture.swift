import FluentKit
import Foundation
import SupportServer
import SupportStore

/// The fixture of a conversation file as a `supportops import` document (CONVERSATIONS.md §2), with each order's
/// total in cents (the only amount a refund may have) and its owner.
struct FixtureDocument {
    var json: Data
    var totals: [Int: Int64]
    var owners: [Int: Int]

    init(_ fixture: ConversationSet.Fixture, now: Date) throws {
        // Whole seconds, as the reference formats them; every date of the run derives from this one `now`.
        let now = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970))
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        func iso(_ days: Int) -> String { formatter.string(from: now.addingTimeInterval(-Double(days) * 86_400)) }

        let prices = Dictionary(fixture.products.map { ($0.id, $0.price) }, uniquingKeysWith: { first, _ in first })
        var document = Document()
        var totals: [Int: Int64] = [:], owners: [Int: Int] = [:]
        for customer in fixture.customers {
            document.customers.append(.init(id: customer.id, name: customer.name, email: customer.email,
                                            createdAt: iso(customer.createdDaysAgo)))
        }
        for product in fixture.products {
            document.products.append(.init(id: product.id, name: product.name, sku: product.sku, price: product.price.text,
                                           stock: product.stock, finalSale: product.finalSale))
        }
        for order in fixture.orders {
            var items: [Document.Item] = [], total: Int64 = 0
            for item in order.items {
                guard let unit = item.unitPrice ?? prices[item.productID] else {
                    throw ConversationSetError(description: "fixture order \(order.id): unknown product \(item.productID)")
                }
                items.append(.init(productID: item.productID, quantity: item.quantity, unitPrice: unit.text))
                total += unit.cents * Int64(item.quantity)
            }
            document.orders.append(.init(id: order.id, customerID: order.customerID, status: order.status,
                                         createdAt: iso(order.createdDaysAgo), shippedAt: order.shippedDaysAgo.map(iso),
                                         deliveredAt: order.deliveredDaysAgo.map(iso), items: items))
            totals[order.id] = total
            owners[order.id] = order.customerID
        }
        for refund in fixture.refunds {
            guard let total = totals[refund.orderID] else {
                throw ConversationSetError(description: "fixture refund: unknown order \(refund.orderID)")
            }
            let amount = refund.amount?.text ?? "\(total / 100).\(total % 100 < 10 ? "0" : "")\(total % 100)"
            document.refunds.append(.init(orderID: refund.orderID, customerID: refund.customerID, amount: amount,
                                          reason: refund.reason, createdAt: iso(refund.createdDaysAgo)))
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        self.json = try encoder.encode(document)
        self.totals = totals
        self.owners = owners
    }

    /// The import document; optional dates are left out when absent, as `supportops import` expects.
    struct Document: Encodable {
        struct Customer: Encodable { var id: Int, name: String, email: String, createdAt: String }
        struct Product: Encodable { var id: Int, name: String, sku: String, price: String, stock: Int, finalSale: Bool }
        struct Item: Encodable { var productID: Int, quantity: Int, unitPrice: String }
        struct Order: Encodable {
            var id: Int, customerID: Int, status: String, createdAt: String, shippedAt: String?, deliveredAt: String?
            var items: [Item]
        }
        struct Refund: Encodable { var orderID: Int, customerID: Int, amount: String, reason: String, createdAt: String }

        var customers: [Customer] = []
        var products: [Product] = []
        var orders: [Order] = []
        var refunds: [Refund] = []
    }
}

/// The rows the end-state checks compare, read before the first and after the last turn of a conversation.
struct StoreSnapshot {
    struct Refund: Equatable, Sendable {
        var id: Int, order: Int, status: String, cents: Int64
    }

    var refunds: [Refund]
    var orderStatus: [Int: String]
    var replacements: [Int: Int]
    var escalations: [Int: String]
    var audit: [Int: String]
    var conversations: [String: String]
    var actionLogBytes: Int
    var serverLogLines: Int

    static func read(_ db: any Database, actionLogPath: String, serverLog: LogCapture) async throws -> StoreSnapshot {
        let refunds = try await RefundModel.query(on: db).all().map {
            Refund(id: $0.id ?? 0, order: $0.orderID, status: $0.status, cents: $0.amountCents)
        }
        var orders: [Int: String] = [:]
        for order in try await OrderModel.query(on: db).all() { orders[order.id ?? 0] = order.status }
        var replacements: [Int: Int] = [:]
        for row in try await ReplacementModel.query(on: db).all() { replacements[row.id ?? 0] = row.orderID }
        var escalations: [Int: String] = [:]
        for row in try await EscalationModel.query(on: db).all() {
            escalations[row.id ?? 0] = "\(row.kind) \(row.status) \(row.summary)"
        }
        var audit: [Int: String] = [:]
        for row in try await AuditEntryModel.query(on: db).all() {
            audit[row.id ?? 0] = "\(row.action) \(row.requestID) \(row.parameters) \(row.result)"
        }
        var conversations: [String: String] = [:]
        for row in try await ConversationModel.query(on: db).all() {
            conversations[row.id ?? ""] = "\(row.customerID) \(row.turns) \(row.pending ?? "")"
        }
        let bytes = FileManager.default.contents(atPath: actionLogPath)?.count ?? 0
        return StoreSnapshot(refunds: refunds, orderStatus: orders, replacements: replacements, escalations: escalations,
                             audit: audit, conversations: conversations, actionLogBytes: bytes,
                             serverLogLines: serverLog.count)
    }
}

/// What one conversation created or changed in the store, the action log and the server log.
struct StoreDelta: Sendable {
    var refunds: [StoreSnapshot.Refund] = []
    /// Orders whose status became `cancelled`.
    var cancelled: [Int] = []
    /// The order of each new replacement row.
    var replacements: [Int] = []
    var escalations = 0
    /// Text that `db_must_not_contain` searches, with where it was found.
    var texts: [(source: String, text: String)] = []

    init() {}

    init(before: StoreSnapshot, after: StoreSnapshot, actionLogPath: String, serverLog: LogCapture) {
        let known = Set(before.refunds.map(\.id))
        refunds = after.refunds.filter { !known.contains($0.id) }.sorted { $0.id < $1.id }
        cancelled = after.orderStatus.filter { $0.value == "cancelled" && before.orderStatus[$0.key] != "cancelled" }
            .map(\.key).sorted()
        replacements = after.replacements.filter { before.replacements[$0.key] == nil }.sorted { $0.key < $1.key }.map(\.value)
        let newEscalations = after.escalations.filter { before.escalations[$0.key] == nil }.sorted { $0.key < $1.key }
        escalations = newEscalations.count
        texts += newEscalations.map { ("escalations", $0.value) }
        texts += after.audit.filter { before.audit[$0.key] == nil }.sorted { $0.key < $1.key }.map { ("audit_entries", $0.value) }
        texts += after.conversations.filter { before.conversations[$0.key] != $0.value }.map { ("conversations", $0.value) }
        if let data = FileManager.default.contents(atPath: actionLogPath), data.count > before.actionLogBytes {
            texts.append(("action log", String(decoding: data.dropFirst(before.actionLogBytes), as: UTF8.self)))
        }
        let lines = serverLog.lines(from: before.serverLogLines)
        if !lines.isEmpty { texts.append(("server log", lines.joined(separator: "\n"))) }
    }
}
