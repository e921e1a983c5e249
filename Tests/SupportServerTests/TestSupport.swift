import Foundation
import Logging
import NIOConcurrencyHelpers
import SupportDomain
import SupportStore
import Testing
import Vapor
import VaporTesting
@testable import SupportCommands
@testable import SupportServer
import Fluent
import NIOFoundationEssentialsCompat

/// A fixed "now" for every server test, so windows and limits are exact.
let testNow = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18T...Z
let testAPIKey = "test-key-0123456789abcdef"

/// Every log line any test's application writes, to prove that personal data never reaches the logs.
final class CapturedLogs: @unchecked Sendable {
    static let shared = CapturedLogs()
    private let lines = NIOLockedValueBox<[String]>([])
    private let bootstrapped = NIOLockedValueBox(false)

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
    var all: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    /// Routes the process-wide logging system (Vapor's request loggers included) into this buffer once.
    func bootstrapOnce() {
        bootstrapped.withLockedValue { done in
            guard !done else { return }
            done = true
            // The same filter production logging uses (SupportLogging.bootstrap) around a capturing handler.
            LoggingSystem.bootstrap { label in PrivateDataLogFilter(CapturingHandler(label: label)) }
        }
    }
}

struct CapturingHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let merged = metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 })
        CapturedLogs.shared.append("\(level) \(label) \(message) \(merged)")
    }
}

/// A real application on a temporary SQLite file, migrated and filled with the demo store as of `testNow`. With
/// `SUPPORTOPS_TEST_SERVER_DATABASE=postgres` (and `SUPPORTOPS_TEST_POSTGRES_URL`) each test gets a fresh PostgreSQL
/// database instead, so the whole suite runs on PostgreSQL too (`scripts/test.sh` runs it both ways).
struct TestHarness {
    let app: Application
    let services: Services
    let directory: URL
    let config: AppConfig
    /// The PostgreSQL database made for this test, dropped at shutdown.
    let scratchDatabase: ScratchPostgres?

    var actionLogPath: String { config.actionLogPath }

    static func make(apiKeys: [String] = [testAPIKey], database: DatabaseLocation? = nil, seed: Bool = true,
                     policy: SupportPolicy = .standard,
                     languageModel: AppConfig.LanguageModelSettings = .offline,
                     clock: any WallClock = FixedClock(testNow),
                     adjust: (inout AppConfig) -> Void = { _ in }) async throws -> TestHarness {
        CapturedLogs.shared.bootstrapOnce()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supportops-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scratch = database == nil ? try ScratchPostgres.makeIfRequested() : nil
        let location = try database ?? scratch?.location ?? .sqlite(path: directory.appendingPathComponent("test.sqlite").path)
        var config = AppConfig(database: location, apiKeys: apiKeys,
                               actionLogPath: directory.appendingPathComponent("action_log.jsonl").path,
                               logLevel: "debug", seedDemoWhenEmpty: false, policy: policy)
        config.languageModel = languageModel
        adjust(&config)
        var dependencies = AppDependencies.live(config: config)
        dependencies.clock = clock
        let built = try await buildApplication(config: config, dependencies: dependencies, environment: .testing)
        let app = built.app
        do {
            if case .postgres = location { try await app.autoRevert() }
            try await app.autoMigrate()
            if seed {
                _ = try await DemoSeeder(generatedCustomers: 5, generatedOrders: 20).run(on: app.db, now: testNow, reset: false)
                _ = try await SupportOperations.seedKnowledgeBase(built)
                _ = try await SupportOperations.seedPortalAccounts(built)
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return TestHarness(app: app, services: built.services, directory: directory, config: config, scratchDatabase: scratch)
    }

    func shutdown() async throws {
        try await app.asyncShutdown()
        scratchDatabase?.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` and always shuts the application down.
    static func with<T>(apiKeys: [String] = [testAPIKey], database: DatabaseLocation? = nil, seed: Bool = true,
                        policy: SupportPolicy = .standard, languageModel: AppConfig.LanguageModelSettings = .offline,
                        clock: any WallClock = FixedClock(testNow), adjust: (inout AppConfig) -> Void = { _ in },
                        _ body: (TestHarness) async throws -> T) async throws -> T {
        let harness = try await make(apiKeys: apiKeys, database: database, seed: seed, policy: policy, languageModel: languageModel,
                                     clock: clock, adjust: adjust)
        do {
            let value = try await body(harness)
            try await harness.shutdown()
            return value
        } catch {
            try? await harness.shutdown()
            throw error
        }
    }

    /// POSTs raw bytes to the resolve endpoint.
    func postRaw(_ body: String, contentType: String = "application/json", key: String? = testAPIKey) async throws
        -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: contentType)
        if let key { headers.add(name: .authorization, value: "Bearer \(key)") }
        return try await app.testing().sendRequest(.POST, "support/resolve", headers: headers,
                                                   body: ByteBuffer(string: body))
    }

    /// Resolves `text` for `user` and returns the decoded JSON object, expecting a 200.
    func resolve(_ text: String, user: Int, conversation: String? = nil) async throws -> [String: Any] {
        var payload: [String: Any] = ["user_input": text, "user_id": user]
        if let conversation { payload["conversation_id"] = conversation }
        let data = try JSONSerialization.data(withJSONObject: payload)
        let response = try await postRaw(String(decoding: data, as: UTF8.self))
        #expect(response.status == .ok, "\(response.body.string)")
        return try json(response)
    }

    func json(_ response: TestingHTTPResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
        return try #require(object as? [String: Any])
    }

    /// The ticket as the store reads it.
    func ticket(_ id: Int) async throws -> Ticket? {
        try await services.stores.tickets.fetchTicket(TicketID(Int64(id)))
    }

    /// All messages of a ticket, internal notes included, oldest first.
    func messages(_ id: Int) async throws -> [TicketMessage] {
        try await services.stores.tickets.fetchMessages(of: TicketID(Int64(id)), includeNotes: true)
    }

    /// The action log's lines, after writing what is buffered.
    func actionLogLines() async throws -> [[String: Any]] {
        services.stores.actionLog?.flush()
        guard let text = try? String(contentsOfFile: actionLogPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}

/// A fresh PostgreSQL database on the server of `SUPPORTOPS_TEST_POSTGRES_URL`, made with `psql` (the role needs
/// CREATEDB; `scripts/test.sh` grants it).
struct ScratchPostgres {
    let baseURL: String
    let name: String

    static func makeIfRequested() throws -> ScratchPostgres? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["SUPPORTOPS_TEST_SERVER_DATABASE"] == "postgres", let url = environment["SUPPORTOPS_TEST_POSTGRES_URL"]
        else { return nil }
        let scratch = ScratchPostgres(baseURL: url, name: "supportops_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
        try scratch.psql("CREATE DATABASE \(scratch.name)")
        return scratch
    }

    var location: DatabaseLocation {
        get throws {
            guard var components = URLComponents(string: baseURL) else { throw StoreError.unsupportedDatabaseURL(baseURL) }
            components.path = "/" + name
            return try DatabaseLocation(url: components.string ?? baseURL)
        }
    }

    func drop() { try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    func psql(_ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [baseURL, "-v", "ON_ERROR_STOP=1", "-qc", statement]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreError.unsupportedDatabaseURL("psql failed: \(statement)") }
    }
}

extension [String: Any] {
    var action: [String: Any]? { self["action_result"] as? [String: Any] }
    var errorCode: String? { (action?["error"] as? [String: Any])?["code"] as? String }
}
