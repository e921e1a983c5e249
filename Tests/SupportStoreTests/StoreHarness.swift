import FluentKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SupportDomain
import SupportStore
import Testing

/// Every store suite, one test at a time: the PostgreSQL cases share one database and reset it.
@Suite(.serialized) enum StoreTier {}

/// The databases every store test runs against: SQLite always, both with every statement on the event loops'
/// connections and, as the server runs, with the hot writes on SQLite's one writer and the hot reads on its readers
/// (`SQLiteWriter`, `SQLiteReaders`); PostgreSQL when
/// `SUPPORTOPS_TEST_POSTGRES_URL` is set (`scripts/test.sh` starts one when Debian's postgresql is installed; under CI it
/// must be).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, sqliteWriter = "sqlite+writer", postgres

    static var available: [Backend] {
        ProcessInfo.processInfo.environment["SUPPORTOPS_TEST_POSTGRES_URL"] == nil ? [.sqlite, .sqliteWriter]
            : [.sqlite, .sqliteWriter, .postgres]
    }

    var testDescription: String { rawValue }
}

/// A migrated database with the demo store as of `StoreHarness.now`, without Vapor: Fluent's `Databases` on a small
/// event-loop group, exactly as the server registers it (`DatabaseLocation.register`).
struct StoreHarness: Sendable {
    /// 2026-11-18T…Z, as the server tests.
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    let backend: Backend
    let databases: Databases
    let group: MultiThreadedEventLoopGroup
    let threadPool: NIOThreadPool
    let directory: URL
    let logger: Logger
    /// SQLite's one writer and its readers (backend `sqliteWriter`), opened once the database is migrated.
    var writer: SQLiteWriter? = nil
    var readers: SQLiteReaders? = nil

    /// A database handle on any of the group's loops (each loop has its own connection pool, as in the server).
    func database() -> any Database {
        databases.database(logger: logger, on: group.any())!
    }

    func stores(clock: any WallClock = FixedClock(StoreHarness.now)) -> FluentStores {
        FluentStores(source: .fixed(database(), writer: writer, readers: readers), policy: .standard, clock: clock,
                     actionLog: ActionLog(path: directory.appendingPathComponent("action_log.jsonl").path, logger: logger),
                     logger: logger)
    }

    static func with<T>(_ backend: Backend, seed: Bool = true, _ body: (StoreHarness) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supportops-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let threadPool = NIOThreadPool(numberOfThreads: 3)
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: group)
        var logger = Logger(label: "store-tests")
        logger.logLevel = .warning
        let location: DatabaseLocation = switch backend {
        case .sqlite, .sqliteWriter: .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres: try DatabaseLocation(url: ProcessInfo.processInfo.environment["SUPPORTOPS_TEST_POSTGRES_URL"] ?? "")
        }
        var harness = StoreHarness(backend: backend, databases: databases, group: group, threadPool: threadPool,
                                   directory: directory, logger: logger)
        do {
            try location.register(on: databases)
            let migrations = Migrations()
            for migration in SupportMigrations.all { migrations.add(migration) }
            if backend == .postgres, let sql = harness.database() as? any SQLDatabase {
                // Whatever an earlier (perhaps interrupted) run left behind goes.
                try await sql.raw("DROP SCHEMA public CASCADE").run()
                try await sql.raw("CREATE SCHEMA public").run()
            }
            let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: group.any())
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
            try await location.prepare(databases, eventLoops: group, logger: logger)
            if backend == .sqliteWriter, case let .sqlite(path) = location {
                harness.writer = try await SQLiteWriter.open(path: path, logger: logger)
                harness.readers = try await SQLiteReaders.open(path: path, logger: logger)
            }
            if seed {
                _ = try await DemoSeeder(generatedCustomers: 5, generatedOrders: 20).run(on: harness.database(), now: now, reset: false)
            }
            let value = try await body(harness)
            await harness.shutdown()
            return value
        } catch {
            await harness.shutdown()
            throw error
        }
    }

    func shutdown() async {
        await writer?.close()
        await readers?.close()
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }
}
