import FluentKit
import Foundation
import SupportDomain
import SupportStore
import SQLKit
import Testing

extension StoreTier {
    /// The guarded tools on each database: the rules hold on what the transaction reads, and every call leaves its audit row.
    @Suite("Toolbox on SQLite and PostgreSQL")
    struct ToolboxStoreTests {
        static func context(_ customer: Int64, key: String? = nil) -> ToolContext {
            ToolContext(requestID: "req-\(UUID().uuidString.prefix(8))", customerID: CustomerID(customer), idempotencyKey: key)
        }

        func audits(_ h: StoreHarness, action: ToolAction) async throws -> [AuditEntryModel] {
            try await AuditEntryModel.query(on: h.database()).filter(\.$action == action.rawValue).all()
        }

        @Test("rules: amount from the database, foreign orders unknown, one refund, one remedy, the 30-day limit",
              arguments: Backend.available)
        func rules(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let toolbox = h.stores().toolbox
                let refund = try await toolbox.run(.issueRefund(OrderID(1001), reason: .damaged), context: Self.context(1))
                #expect(refund.success && refund.refundStatus == .approved)
                #expect(refund.amount == Money(minorUnits: 49_99))
                #expect(try await toolbox.run(.issueRefund(OrderID(1001), reason: .damaged), context: Self.context(1)).error == .alreadyRefunded)
                // Someone else's order and a missing one answer the same.
                #expect(try await toolbox.run(.issueRefund(OrderID(2001), reason: .damaged), context: Self.context(1)).error == .orderNotFound)
                #expect(try await toolbox.run(.issueRefund(OrderID(9_999_999), reason: .damaged), context: Self.context(1)).error == .orderNotFound)
                #expect(try await toolbox.run(.cancelOrder(OrderID(1003)), context: Self.context(1)).error == .invalidState(.shipped, action: .cancelOrder))
                #expect(try await toolbox.run(.issueRefund(OrderID(1004), reason: .damaged), context: Self.context(1)).error == .outsideRefundWindow(days: 30))
                #expect(try await toolbox.run(.issueRefund(OrderID(1005), reason: .damaged), context: Self.context(1)).error == .finalSale)
                let replaced = try await toolbox.run(.requestReplacement(OrderID(1006), reason: .damaged), context: Self.context(1))
                #expect(replaced.success && replaced.replacementID != nil)
                #expect(try await toolbox.run(.issueRefund(OrderID(1006), reason: .damaged), context: Self.context(1)).error == .alreadyReplaced)
                // Bob already had two refunds in the last 30 days.
                #expect(try await toolbox.run(.issueRefund(OrderID(2001), reason: .damaged), context: Self.context(2)).error
                    == .refundLimitExceeded(limit: 2, days: 30))
                // Fraud signals: a new account's refund is held, nothing paid.
                let held = try await toolbox.run(.issueRefund(OrderID(3001), reason: .damaged), context: Self.context(3))
                #expect(held.refundStatus == .pendingReview && held.fraudSignals.contains(.newAccount))
                // Every call is audited, refusals included.
                #expect(try await audits(h, action: .issueRefund).count == 9)
            }
        }

        @Test("a preview checks the same rules and writes nothing, not even an audit row", arguments: Backend.available)
        func previewWritesNothing(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let toolbox = h.stores().toolbox
                let preview = try await toolbox.preview(.cancelOrder(OrderID(1002)), context: Self.context(1))
                #expect(preview.success)
                #expect(try await toolbox.preview(.cancelOrder(OrderID(1003)), context: Self.context(1)).error
                    == .invalidState(.shipped, action: .cancelOrder))
                #expect(try await audits(h, action: .cancelOrder).isEmpty)
                #expect(try await OrderModel.find(1002, on: h.database())?.status == OrderStatus.pending.rawValue)
            }
        }

        @Test("the refund limit holds when refunds for one customer arrive at once", arguments: Backend.available)
        func limitUnderConcurrency(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                _ = try await DataImporter().run(json: Data(Self.fiveRefundableOrders.utf8), on: h.database())
                let results = try await withThrowingTaskGroup(of: ToolResult.self) { group in
                    for n in 0..<5 {
                        // Each task on its own handle (its own event loop and pool), as concurrent requests are.
                        let toolbox = h.stores().toolbox
                        group.addTask {
                            try await toolbox.run(.issueRefund(OrderID(Int64(50_001 + n)), reason: .defective), context: Self.context(500))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.filter { $0.refundStatus == .approved }.count == 2)
                #expect(results.filter { $0.error == .refundLimitExceeded(limit: 2, days: 30) }.count == 3)
                #expect(try await RefundModel.query(on: h.database()).filter(\.$customerID == 500).count() == 2)
            }
        }

        @Test("an idempotency key carries a call out once, even when the same call arrives twice at once",
              arguments: Backend.available)
        func idempotency(_ backend: Backend) async throws {
            try await StoreHarness.with(backend) { h in
                let results = try await withThrowingTaskGroup(of: ToolResult.self) { group in
                    for _ in 0..<4 {
                        let toolbox = h.stores().toolbox
                        group.addTask { try await toolbox.run(.cancelOrder(OrderID(1002)), context: Self.context(1, key: "ticket-1-proposal-1")) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.filter(\.success).count == 1)
                #expect(results.filter { $0.error == .duplicateRequest }.count == 3)
                #expect(try await OrderModel.find(1002, on: h.database())?.status == OrderStatus.cancelled.rawValue)
            }
        }

        @Test("the importer takes a good document whole, refuses a second import and a bad one, and moves ids on",
              arguments: Backend.available)
        func importer(_ backend: Backend) async throws {
            try await StoreHarness.with(backend, seed: false) { h in
                let summary = try await DataImporter().run(json: Data(Self.fiveRefundableOrders.utf8), on: h.database())
                #expect(summary.orders == 5 && summary.customers == 1)
                await #expect(throws: ImportError.self) {
                    try await DataImporter().run(json: Data(Self.fiveRefundableOrders.utf8), on: h.database())
                }
                await #expect(throws: ImportError.self) {
                    try await DataImporter().run(json: Data(#"{"customers": [{"id": "x"}]}"#.utf8), on: h.database())
                }
                #expect(try await OrderModel.query(on: h.database()).count() == 5)
                // New rows after explicit ids get fresh ids (PostgreSQL's sequences were moved past the imported ones).
                let escalation = try await h.stores().toolbox.run(.escalateCase(nil, summary: "help"), context: Self.context(500))
                #expect(escalation.success && escalation.escalationID != nil)
            }
        }

        @Test("SQLite: every connection commits NORMAL with a busy timeout; a write tool's transaction commits FULL")
        func sqliteDurability() async throws {
            try await StoreHarness.with(.sqlite) { h in
                @Sendable func setting(_ name: String, column: String? = nil, on database: any Database) async throws -> Int {
                    let sql = try #require(database as? any SQLDatabase)
                    let row = try #require(try await sql.raw(SQLQueryString("PRAGMA \(name)")).first())
                    return try row.decode(column: column ?? name, as: Int.self)
                }
                func eachConnection() async throws -> [[Int]] {
                    var found: [[Int]] = []
                    for loop in h.group.makeIterator() {
                        let database = try #require(h.databases.database(logger: h.logger, on: loop))
                        found.append([try await setting("synchronous", on: database), try await setting("busy_timeout", column: "timeout", on: database)])
                    }
                    return found
                }
                // synchronous: 1 = NORMAL, 2 = FULL.
                #expect(try await eachConnection() == [[1, 10_000], [1, 10_000]])
                let inside = try await SQLiteTuning.durableTransaction(on: h.database()) { tx in
                    try await setting("synchronous", on: tx)
                }
                #expect(inside == 2)
                let refund = try await h.stores().toolbox.run(.issueRefund(OrderID(1001), reason: .damaged), context: Self.context(1))
                #expect(refund.success)
                #expect(try await eachConnection() == [[1, 10_000], [1, 10_000]])
            }
        }

        /// One customer (500, a year old) with five delivered, refundable orders of 20.50.
        static let fiveRefundableOrders: String = {
            let delivered = ISO8601DateFormatter().string(from: StoreHarness.now.addingTimeInterval(-3 * 86_400))
            let created = ISO8601DateFormatter().string(from: StoreHarness.now.addingTimeInterval(-400 * 86_400))
            let orders = (0..<5).map { n in
                """
                {"id": \(50_001 + n), "customer_id": 500, "status": "delivered", "created_at": "\(delivered)",
                 "shipped_at": "\(delivered)", "delivered_at": "\(delivered)", "items": [{"product_id": 900, "quantity": 2, "unit_price": "10.25"}]}
                """
            }.joined(separator: ",")
            return """
            {"customers": [{"id": 500, "name": "Pat Quinn", "email": "pat500@example.com", "created_at": "\(created)"}],
             "products": [{"id": 900, "name": "Mug", "sku": "MUG-900", "price": "10.25", "stock": 5, "final_sale": false}],
             "orders": [\(orders)], "refunds": []}
            """
        }()
    }
}
