import Foundation
import SQLKit
import SupportDomain
@testable import SupportStore
import Testing

extension StoreTier {
    @Suite("SQLite's one writer")
    struct SQLiteWriterTests {
        @Test("money commits FULL and everything else NORMAL; a failed transaction leaves nothing; writes run one at a time")
        func writer() async throws {
            try await StoreHarness.with(.sqliteWriter, seed: false) { h in
                let writer = try #require(h.writer)
                @Sendable func synchronous(_ sql: any SQLDatabase) async throws -> Int {
                    try #require(try await sql.raw("PRAGMA synchronous").first()).decode(column: "synchronous", as: Int.self)
                }
                // synchronous: 1 = NORMAL, 2 = FULL; the level follows what each write asks for.
                #expect(try await writer.transaction(durable: true) { try await synchronous($0) } == 2)
                #expect(try await writer.write { try await synchronous($0) } == 1)
                #expect(try await writer.transaction(durable: false) { try await synchronous($0) } == 1)

                struct Boom: Error {}
                await #expect(throws: Boom.self) {
                    try await writer.transaction(durable: true) { sql in
                        try await sql.raw("INSERT INTO products (id, sku, name, price_cents, stock, final_sale) VALUES (77, 'X-1', 'x', 100, 1, false)").run()
                        throw Boom()
                    }
                }
                let sql = try #require(h.database() as? any SQLDatabase)
                #expect(try await sql.raw("SELECT id FROM products WHERE id = 77").all().isEmpty)

                // Fifty writers at once: each runs alone and whole (each reads the count the one before it left).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<50 {
                        group.addTask {
                            try await writer.transaction(durable: n % 2 == 0) { sql in
                                let row = try #require(try await sql.raw("SELECT COUNT(*) AS n FROM products").first())
                                let count = try row.decode(column: "n", as: Int.self)
                                try await sql.raw("""
                                    INSERT INTO products (id, sku, name, price_cents, stock, final_sale)
                                    VALUES (\(bind: 1_000 + count), \(bind: "SKU-\(n)"), 'p', 100, 1, false)
                                    """).run()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                // Had two transactions interleaved, both would have read the same count and the second insert failed.
                let ids = try await sql.raw("SELECT id FROM products ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) }
                #expect(ids == Array(1_000..<1_050))

                await writer.close()
                await #expect(throws: SQLiteWriterClosed.self) { try await writer.write { try await synchronous($0) } }
            }
        }

        @Test("writes that arrive together commit together, and one that fails fails alone")
        func groupCommit() async throws {
            try await StoreHarness.with(.sqliteWriter, seed: false) { h in
                let writer = try #require(h.writer)
                // 200 inserts at once; ten of them reuse one SKU (unique), so exactly one of those ten can succeed.
                let succeeded = await withTaskGroup(of: Bool.self) { group in
                    for n in 0..<200 {
                        group.addTask {
                            let sku = n % 20 == 19 ? "SAME" : "SKU-\(n)"
                            return (try? await writer.write { sql in
                                try await sql.raw("""
                                    INSERT INTO products (id, sku, name, price_cents, stock, final_sale)
                                    VALUES (\(bind: 1 + n), \(bind: sku), 'p', 100, 1, false)
                                    """).run()
                            }) != nil
                        }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(succeeded == 191)
                let sql = try #require(h.database() as? any SQLDatabase)
                let stored = try #require(try await sql.raw("SELECT COUNT(*) AS n FROM products").first()).decode(column: "n", as: Int.self)
                #expect(stored == 191)
            }
        }

        @Test("a transaction already begun completes when its caller is cancelled, and the writer goes on")
        func cancelledCaller() async throws {
            try await StoreHarness.with(.sqliteWriter, seed: false) { h in
                let writer = try #require(h.writer)
                let (started, startedSignal) = AsyncStream<Void>.makeStream()
                let (proceed, proceedSignal) = AsyncStream<Void>.makeStream()
                @Sendable func insert(_ id: Int, on sql: any SQLDatabase) async throws {
                    try await sql.raw("""
                        INSERT INTO products (id, sku, name, price_cents, stock, final_sale)
                        VALUES (\(bind: id), \(bind: "SKU-\(id)"), 'p', 100, 1, false)
                        """).run()
                }
                let caller = Task {
                    try await writer.transaction(durable: true) { sql in
                        try await insert(501, on: sql)
                        startedSignal.yield()
                        for await _ in proceed { break }
                        try await insert(502, on: sql)
                    }
                }
                for await _ in started { break }
                caller.cancel()
                proceedSignal.yield()
                _ = try? await caller.value
                // Had the cancellation reached the statements, 502 and the COMMIT (or the ROLLBACK) would have been
                // skipped, and this write would fail inside a transaction that never ended.
                try await writer.write { try await insert(503, on: $0) }
                let sql = try #require(h.database() as? any SQLDatabase)
                let ids = try await sql.raw("SELECT id FROM products ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) }
                #expect(ids == [501, 502, 503])
            }
        }
    }
}
