public import FluentKit
import Foundation
import SQLKit
import SupportDomain

/// Fills a deterministic demo store: a fixed catalogue, one named customer per demo scenario, and as many
/// generated customers and orders as asked (a fixed RNG seed, so the same arguments give the same store).
/// Dates are relative to `now`, so the scenarios (for example "delivered 5 days ago") work whenever it runs.
public struct DemoSeeder: Sendable {
    public struct Summary: Sendable, CustomStringConvertible {
        public var customers = 0, products = 0, orders = 0, items = 0, refunds = 0
        public var skipped = false
        public var description: String {
            skipped ? "The database already holds customers; nothing seeded (use --reset to start over)."
                : "Seeded \(customers) customers, \(products) products, \(orders) orders (\(items) items), \(refunds) past refunds."
        }
    }

    public var generatedCustomers: Int
    public var generatedOrders: Int
    public var seed: UInt64

    public init(generatedCustomers: Int = 40, generatedOrders: Int = 160, seed: UInt64 = 0x5EED_2026) {
        self.generatedCustomers = generatedCustomers
        self.generatedOrders = generatedOrders
        self.seed = seed
    }

    static let catalogue: [(name: String, sku: String, cents: Int64, finalSale: Bool)] = [
        ("Blender", "KIT-BLND-01", 49_99, false), ("Desk lamp", "HOM-LAMP-02", 34_50, false),
        ("Wireless headphones", "ELE-HEAD-03", 129_00, false), ("Coffee grinder", "KIT-GRND-04", 59_90, false),
        ("Clearance vase", "HOM-VASE-05", 19_99, true), ("4K monitor", "ELE-MON4-06", 899_00, false),
        ("Cotton bath towels (set of 4)", "HOM-TOWL-07", 39_00, false), ("Bluetooth speaker", "ELE-SPKR-08", 79_99, false),
        ("Cast-iron skillet", "KIT-SKIL-09", 44_00, false), ("Throw blanket", "HOM-BLNK-10", 29_95, false),
        ("Electric kettle", "KIT-KETL-11", 39_99, false), ("Smart plug (2-pack)", "ELE-PLUG-12", 24_99, false),
        ("Last-season sneakers", "APP-SNKR-13", 49_00, true), ("Air fryer", "KIT-FRYR-14", 99_00, false),
        ("Standing desk", "HOM-DESK-15", 549_00, false), ("USB-C charger", "ELE-CHRG-16", 19_00, false),
        ("Chef's knife", "KIT-KNFE-17", 69_00, false), ("Floor rug", "HOM-RUG0-18", 149_00, false),
        ("Robot vacuum", "ELE-VACU-19", 299_00, false), ("Tea set", "KIT-TEAS-20", 54_00, false),
    ]

    /// The named demo customers of the README, one per scenario.
    static let demoCustomers: [(id: Int, name: String, email: String, ageDays: Double)] = [
        (1, "Alice Martin", "alice@example.com", 400),
        (2, "Bob Chen", "bob@example.com", 300),
        (3, "Carol Diaz", "carol@example.com", 3),
        (4, "Dan Evans", "dan@example.com", 200),
        (5, "Erin Walsh", "erin@example.com", 250), // has orders but no portal account: signs up and confirms her e-mail
    ]

    /// Demo orders: id, customer, status, age in days at creation, days since delivery (or shipping), items (catalogue index, qty).
    static let demoOrders: [(id: Int, customer: Int, status: OrderStatus, createdDaysAgo: Double, shippedDaysAgo: Double?,
                             deliveredDaysAgo: Double?, items: [(Int, Int)])] = [
        (1001, 1, .delivered, 9, 7, 5, [(0, 1)]),            // refund succeeds: Blender 49.99
        (1002, 1, .pending, 0.2, nil, nil, [(1, 1)]),        // cancel succeeds
        (1003, 1, .shipped, 3, 2, nil, [(2, 1)]),            // cancel refused (shipped); status
        (1004, 1, .delivered, 50, 48, 45, [(3, 1)]),         // outside the refund window
        (1005, 1, .delivered, 6, 5, 3, [(4, 2)]),            // final sale
        (1006, 1, .delivered, 14, 12, 10, [(7, 1), (15, 1)]), // replacement
        (2001, 2, .delivered, 7, 6, 4, [(8, 1)]),            // refund limit reached
        (2002, 2, .returned, 25, 23, 20, [(9, 1)]),          // already refunded (past refund 1)
        (2003, 2, .returned, 18, 16, 15, [(10, 1)]),         // past refund 2
        (3001, 3, .delivered, 3, 2, 1, [(11, 1)]),           // new account: refund held for review
        (4001, 4, .delivered, 5, 4, 2, [(5, 1)]),            // high value: refund held for review
        (4002, 4, .processing, 1, nil, nil, [(13, 1)]),      // cancel succeeds
        (5001, 5, .delivered, 6, 4, 2, [(0, 1)]),            // refund after sign-up and e-mail confirmation
    ]

    static let demoRefunds: [(order: Int, customer: Int, daysAgo: Double)] = [(2002, 2, 12), (2003, 2, 8)]

    public func run(on database: any Database, now: Date, reset: Bool) async throws -> Summary {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        if reset {
            for table in ["email_verifications", "tool_requests", "outbox", "ticket_messages", "tickets", "login_attempts", "users", "kb_articles", "conversation_rollups", "conversation_turns", "conversations", "audit_entries", "escalations", "replacements", "refunds", "order_items", "orders",
                          "products", "customers"] {
                try await sql.delete(from: table).run()
            }
        } else if try await CustomerModel.query(on: database).count() > 0 {
            var summary = Summary()
            summary.skipped = true
            return summary
        }
        let ago: @Sendable (Double) -> Date = { now.addingTimeInterval(-$0 * 86_400) }
        return try await database.guardedTransaction { tx in
            var summary = Summary()
            var rng = SplitMix64(seed: seed)
            let sql = tx as! any SQLDatabase
            var productRows: [[any Encodable & Sendable]] = []
            for (index, product) in Self.catalogue.enumerated() {
                productRows.append([index + 1, product.name, product.sku, product.cents, 100 + index * 7, product.finalSale])
            }
            try await insert(sql, "products", ["id", "name", "sku", "price_cents", "stock", "final_sale"], productRows)
            summary.products = productRows.count

            var customerRows: [[any Encodable & Sendable]] = Self.demoCustomers.map { [$0.id, $0.name, $0.email, ago($0.ageDays), 0] }
            let firstNames = ["Maria", "James", "Aisha", "Wei", "Lucas", "Sofia", "Omar", "Hannah", "Ravi", "Elena", "Noah", "Yuki"]
            let lastNames = ["Garcia", "Smith", "Khan", "Li", "Rossi", "Novak", "Okafor", "Larsen", "Patel", "Kowalski", "Brown", "Sato"]
            let firstGenerated = 101
            for n in 0..<generatedCustomers {
                let id = firstGenerated + n
                let name = "\(firstNames[Int(rng.next() % 12)]) \(lastNames[Int(rng.next() % 12)])"
                customerRows.append([id, name, "customer\(id)@example.com", ago(30 + Double(rng.next() % 700)), 0])
            }
            try await insert(sql, "customers", ["id", "name", "email", "created_at", "refund_guard"], customerRows)
            summary.customers = customerRows.count

            var orderRows: [[any Encodable & Sendable]] = []
            var itemRows: [[any Encodable & Sendable]] = []
            var nextItemID = 1
            func addOrder(id: Int, customer: Int, status: OrderStatus, created: Date, shipped: Date?, delivered: Date?,
                          items: [(Int, Int)]) {
                var total: Int64 = 0
                for (productIndex, quantity) in items {
                    let price = Self.catalogue[productIndex].cents
                    total += price * Int64(quantity)
                    itemRows.append([nextItemID, id, productIndex + 1, quantity, price])
                    nextItemID += 1
                }
                orderRows.append([id, customer, status.rawValue, created, shipped, delivered, total])
            }
            for order in Self.demoOrders {
                addOrder(id: order.id, customer: order.customer, status: order.status, created: ago(order.createdDaysAgo),
                         shipped: order.shippedDaysAgo.map(ago), delivered: order.deliveredDaysAgo.map(ago), items: order.items)
            }
            let firstGeneratedOrder = 10_001
            for n in 0..<(generatedCustomers > 0 ? generatedOrders : 0) {
                let age = Double(rng.next() % 120_000) / 1000
                let status: OrderStatus = age < 1 ? .pending : age < 2 ? .processing : age < 5 ? .shipped
                    : (rng.next() % 20 == 0 ? .cancelled : .delivered)
                let shipped: Date? = age >= 2 && status != .cancelled ? ago(age - 1) : nil
                let delivered: Date? = status == .delivered ? ago(age - 4) : nil
                var items: [(Int, Int)] = []
                for _ in 0...(rng.next() % 3) { items.append((Int(rng.next() % UInt64(Self.catalogue.count)), 1 + Int(rng.next() % 2))) }
                addOrder(id: firstGeneratedOrder + n, customer: firstGenerated + Int(rng.next() % UInt64(generatedCustomers)),
                         status: status, created: ago(age), shipped: shipped, delivered: delivered, items: items)
                if orderRows.count >= 2_000 {
                    try await flushOrders(sql, &orderRows, &itemRows, into: &summary)
                }
            }
            try await flushOrders(sql, &orderRows, &itemRows, into: &summary)

            var refundRows: [[any Encodable & Sendable]] = []
            for (index, refund) in Self.demoRefunds.enumerated() {
                let total = Self.demoOrders.first { $0.id == refund.order }!.items
                    .reduce(Int64(0)) { $0 + Self.catalogue[$1.0].cents * Int64($1.1) }
                refundRows.append([index + 1, refund.order, refund.customer, total, ReturnReason.damaged.rawValue,
                                   RefundStatus.approved.rawValue, "", ago(refund.daysAgo)])
            }
            try await insert(sql, "refunds", ["id", "order_id", "customer_id", "amount_cents", "reason", "status", "fraud_signals",
                                              "created_at"], refundRows)
            summary.refunds = refundRows.count
            try await resetIdentitySequences(sql, tables: explicitIDTables)
            return summary
        }
    }

    private func flushOrders(_ sql: any SQLDatabase, _ orders: inout [[any Encodable & Sendable]],
                             _ items: inout [[any Encodable & Sendable]], into summary: inout Summary) async throws {
        try await insert(sql, "orders", ["id", "customer_id", "status", "created_at", "shipped_at", "delivered_at", "total_cents"], orders)
        try await insert(sql, "order_items", ["id", "order_id", "product_id", "quantity", "unit_price_cents"], items)
        summary.orders += orders.count
        summary.items += items.count
        orders.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
    }
}

/// Multi-row inserts in chunks that stay under SQLite's bound-parameter limit.
func insert(_ sql: any SQLDatabase, _ table: String, _ columns: [String], _ rows: [[any Encodable & Sendable]]) async throws {
    guard !rows.isEmpty else { return }
    let chunk = max(1, 30_000 / columns.count)
    var start = 0
    while start < rows.count {
        let slice = rows[start..<min(rows.count, start + chunk)]
        var builder = sql.insert(into: table).columns(columns)
        for row in slice { builder = builder.values(row.map { SQLBind($0) }) }
        try await builder.run()
        start += chunk
    }
}

extension DemoSeeder {
    /// Portal accounts for the first four demo customers (linked to their orders), one agent and one admin, all with
    /// `passwordHash`; only into an empty accounts table. Returns how many were added.
    public func seedAccounts(on database: any Database, passwordHash: String, now: Date) async throws -> Int {
        guard try await UserModel.query(on: database).count() == 0 else { return 0 }
        var accounts: [UserModel] = []
        for customer in try await CustomerModel.query(on: database).filter(\.$id <= 4).sort(\.$id).all() {
            accounts.append(UserModel(email: customer.email, name: customer.name, passwordHash: passwordHash, role: .customer,
                                      customerID: customer.id, createdAt: now))
        }
        accounts.append(UserModel(email: "agent@example.com", name: "Sam Agent", passwordHash: passwordHash, role: .agent,
                                  customerID: nil, createdAt: now))
        accounts.append(UserModel(email: "lead@example.com", name: "Lee Lead", passwordHash: passwordHash, role: .lead,
                                  customerID: nil, createdAt: now))
        accounts.append(UserModel(email: "admin@example.com", name: "Ada Admin", passwordHash: passwordHash, role: .admin,
                                  customerID: nil, createdAt: now))
        let rows = accounts
        try await database.guardedTransaction { tx in
            for account in rows { try await account.create(on: tx) }
        }
        return rows.count
    }
}
