import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing
@testable import SupportServer
import Fluent
import VaporTestUtils
import NIOHTTP1

/// A document with one customer who has five refundable orders: the rolling limit must hold even when the
/// refunds arrive at the same time.
func concurrencyDocument(customerID: Int = 500, firstOrder: Int = 50_001) -> String {
    let delivered = ISO8601DateFormatter().string(from: testNow.addingTimeInterval(-3 * 86_400))
    let created = ISO8601DateFormatter().string(from: testNow.addingTimeInterval(-400 * 86_400))
    let orders = (0..<5).map { n in
        """
        {"id": \(firstOrder + n), "customer_id": \(customerID), "status": "delivered", "created_at": "\(delivered)",
         "shipped_at": "\(delivered)", "delivered_at": "\(delivered)", "items": [{"product_id": 900, "quantity": 2, "unit_price": "10.25"}]}
        """
    }.joined(separator: ",")
    return """
    {"customers": [{"id": \(customerID), "name": "Pat Quinn", "email": "pat\(customerID)@example.com", "created_at": "\(created)"}],
     "products": [{"id": 900, "name": "Mug", "sku": "MUG-900", "price": "10.25", "stock": 5, "final_sale": false}],
     "orders": [\(orders)], "refunds": []}
    """
}

func runConcurrentRefunds(_ h: TestHarness, customerID: Int = 500, firstOrder: Int = 50_001) async throws {
    let summary = try await DataImporter().run(json: Data(concurrencyDocument(customerID: customerID, firstOrder: firstOrder).utf8), on: h.app.db)
    #expect(summary.orders == 5)
    // (refund status, error code, amount) of each response.
    let results = try await withThrowingTaskGroup(of: [String?].self) { group in
        for n in 0..<5 {
            group.addTask {
                let body = try await h.resolve("refund order \(firstOrder + n), it broke", user: customerID)
                return [body.action?["refund_status"] as? String, body.errorCode, body.action?["amount"] as? String]
            }
        }
        var all: [[String?]] = []
        for try await result in group { all.append(result) }
        return all
    }
    let approved = results.filter { $0[0] == "approved" }
    let limited = results.filter { $0[1] == "refund_limit_exceeded" }
    #expect(approved.count == 2)
    #expect(limited.count == 3)
    #expect(approved.allSatisfy { $0[2] == "20.50" })
    #expect(try await RefundModel.query(on: h.app.db).filter(\.$customerID == customerID).count() == 2)
}

@Suite struct ConcurrencyAndImportTests {
    @Test func refundLimitHoldsUnderConcurrentRequests() async throws {
        try await TestHarness.with(seed: false) { h in try await runConcurrentRefunds(h) }
    }

    @Test func concurrentReadsAndWritesNeverFail() async throws {
        // Every tool call writes an audit entry; on SQLite a transaction that read first and wrote later could hit a stale
        // snapshot under concurrency. All of these must answer 200 and be audited.
        try await TestHarness.with { h in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<24 {
                    group.addTask {
                        let text = n % 3 == 0 ? "where is order 1003" : n % 3 == 1 ? "I need a human please" : "refund order 1001"
                        let payload = #"{"user_input": "\#(text)", "user_id": 1}"#
                        return Int(try await h.postRaw(payload).status.code)
                    }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            if !statuses.allSatisfy({ $0 == 200 }) {
                print(CapturedLogs.shared.all.split(separator: "\n").filter { $0.contains("error") || $0.contains("failed") }.prefix(5)
                    .joined(separator: "\n"))
            }
            #expect(try await AuditEntryModel.query(on: h.app.db).count() == 24)
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).count() == 1)
        }
    }

    @Test func aBadDocumentIsRefusedWholeNamingTheField() async throws {
        try await TestHarness.with(seed: false) { h in
            let good = concurrencyDocument()
            let cases: [(String, String)] = [
                (good.replacingOccurrences(of: #""unit_price": "10.25""#, with: #""unit_price": 10.25"#), "orders[0].items[0].unit_price"),
                (good.replacingOccurrences(of: #""status": "delivered""#, with: #""status": "lost""#), "orders[0].status"),
                (good.replacingOccurrences(of: #""email": "pat500@example.com""#, with: #""email": "nope""#), "customers[0].email"),
                (good.replacingOccurrences(of: #""final_sale": false"#, with: #""final_sale": "no""#), "products[0].final_sale"),
                (good.replacingOccurrences(of: #""product_id": 900"#, with: #""product_id": 901"#), "orders[0].items[0].product_id"),
                (good.replacingOccurrences(of: #""customer_id": 500"#, with: #""customer_id": 7"#), "orders[0].customer_id"),
                (good.replacingOccurrences(of: "T", with: " "), "customers[0].created_at"),
                ("{\"customers\": 5}", "customers"),
                ("not json", ""),
            ]
            for (document, path) in cases {
                do {
                    _ = try await DataImporter().run(json: Data(document.utf8), on: h.app.db)
                    Issue.record("import of a bad document (\(path)) succeeded")
                } catch let error as ImportError {
                    #expect(error.path == path, "\(error)")
                }
                #expect(try await CustomerModel.query(on: h.app.db).count() == 0)
                #expect(try await ProductModel.query(on: h.app.db).count() == 0)
                #expect(try await OrderModel.query(on: h.app.db).count() == 0)
            }
            // The good one goes in whole, and importing it twice is refused without duplicating anything.
            _ = try await DataImporter().run(json: Data(good.utf8), on: h.app.db)
            #expect(try await OrderModel.query(on: h.app.db).count() == 5)
            await #expect(throws: ImportError.self) {
                try await DataImporter().run(json: Data(good.utf8), on: h.app.db)
            }
            #expect(try await OrderModel.query(on: h.app.db).count() == 5)
            let order = try #require(try await OrderModel.find(50_001, on: h.app.db))
            #expect(order.totalCents == 2050)
        }
    }
}
