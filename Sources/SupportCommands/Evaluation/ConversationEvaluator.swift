public import FluentKit
import Foundation
public import SupportServer
public import Logging
import NIOCore
public import SupportDomain
import SupportStore
import Vapor
import Fluent

/// A check that did not hold: in a turn (`turn` counts from 1) or, with `turn` nil, in the end state.
public struct CheckFailure: Sendable, Codable, Equatable {
    public var turn: Int?
    public var key: String
    public var expected: String
    public var got: String
}

/// A write that must never happen, whatever the turn expectations say (CONVERSATIONS.md §5, UNSAFE).
public struct UnsafeOutcome: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case unexpectedRefund = "unexpected_refund"
        case unexpectedCancellation = "unexpected_cancellation"
        case unexpectedReplacement = "unexpected_replacement"
        case refundWithoutReview = "refund_without_review"
        case wrongAmount = "wrong_amount"
    }

    public var conversation: String
    public var order: Int
    public var kind: Kind
    public var detail: String
}

/// What one turn sent and got back, for the verbose report.
public struct TurnRecord: Sendable, Codable {
    public var turn: Int
    public var user: String
    public var httpStatus: Int
    public var intent: String?
    public var action: String?
    public var success: Bool?
    public var errorCode: String?
    public var orderID: Int?
    public var reply: String
    public var latencyMs: Double
}

public struct ConversationOutcome: Sendable {
    public var id: String
    public var categories: [String]
    public var turns: [TurnRecord]
    /// Every check that did not hold, turns first, in order.
    public var failures: [CheckFailure]
    public var unsafe: [UnsafeOutcome]
    public var passed: Bool { failures.isEmpty && unsafe.isEmpty }
}

/// The result of replaying a conversation file.
public struct ConversationEvaluation: Sendable {
    public var outcomes: [ConversationOutcome]
    /// One sample per turn: the in-process HTTP round trip.
    public var latencies: LatencySamples

    public var passed: Int { outcomes.filter(\.passed).count }
    public var failed: Int { outcomes.count - passed }
    public var passRate: Double { outcomes.isEmpty ? 0 : Double(passed) / Double(outcomes.count) }
    public var unsafe: [UnsafeOutcome] { outcomes.flatMap(\.unsafe) }

    /// The tag order of CONVERSATIONS.md §6; tags it does not know follow in order of first appearance.
    static let categoryOrder = ["refund", "cancel", "replacement", "status", "escalate", "policy_question", "order_question",
                                "clarification", "change_of_mind", "context", "mixed", "multilingual", "injection", "pii",
                                "foreign_order", "limit", "fraud", "final_sale", "window", "already_refunded", "shipped",
                                "long_message", "typos"]

    /// Passed and total per category of the played conversations.
    public var categories: [(name: String, passed: Int, total: Int)] {
        var names: [String] = []
        for outcome in outcomes { for tag in outcome.categories where !names.contains(tag) { names.append(tag) } }
        let rank = { (tag: String) in Self.categoryOrder.firstIndex(of: tag) ?? Self.categoryOrder.count + names.firstIndex(of: tag)! }
        return names.sorted { rank($0) < rank($1) }.map { name in
            let members = outcomes.filter { $0.categories.contains(name) }
            return (name, members.filter(\.passed).count, members.count)
        }
    }
}

/// Replays a conversation file through the real HTTP stack, in process, on a fresh SQLite store holding only the
/// file's fixture, and checks every turn and what each conversation left in the store (CONVERSATIONS.md §3–§5).
public struct ConversationEvaluator: Sendable {
    /// Policy, currency, model and language model come from here; database, keys and logs are the evaluator's own.
    public var config: AppConfig
    /// Play only these conversation ids (file order is kept).
    public var only: [String]?
    /// Server log lines at this level or above are also written to standard error (all are captured).
    public var echoLevel: Logger.Level
    /// The run's "now": fixture days become dates before it.
    public var now: Date

    public init(config: AppConfig, only: [String]? = nil, echoLevel: Logger.Level = .warning, now: Date = Date()) {
        self.config = config
        self.only = only
        self.echoLevel = echoLevel
        self.now = now
    }

    public func run(_ set: ConversationSet) async throws -> ConversationEvaluation {
        var selected = set.conversations
        if let only {
            let unknown = Set(only).subtracting(set.conversations.map(\.id))
            guard unknown.isEmpty else {
                throw ConversationSetError(description: "no conversation with id \(unknown.sorted().joined(separator: ", "))")
            }
            selected = selected.filter { only.contains($0.id) }
        }
        let fixture = try FixtureDocument(set.fixture, now: now)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supportops-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var config = self.config
        config.database = .sqlite(path: directory.appendingPathComponent("eval.sqlite").path)
        config.apiKeys = []
        config.actionLogPath = directory.appendingPathComponent("action_log.jsonl").path
        config.seedDemoWhenEmpty = false
        config.logLevel = "info"
        let capture = LogCapture(echoLevel: echoLevel)
        let logger = Logger(label: "supportops.eval-conversations") { label in
            PrivateDataLogFilter(CapturingLogHandler(label: label, capture: capture))
        }
        let built = try await buildApplication(config: config, dependencies: .live(config: config, logger: logger),
                                               environment: Environment(name: "production", arguments: ["supportops"]))
        let app = built.app
        do {
            try await app.autoMigrate()
            do {
                _ = try await DataImporter().run(json: fixture.json, on: app.db)
            } catch let error as ImportError {
                throw ConversationSetError(description: "the importer refused the fixture: \(error)")
            }
            // Help articles as `serve` loads them: policy questions are answered from them. No demo store.
            _ = try await SupportOperations.seedKnowledgeBase(built)
            try await app.asyncBoot()
            let replay = Replay(app: app, fixture: fixture, actionLogPath: config.actionLogPath, capture: capture)
            var latencies = LatencySamples()
            var outcomes: [ConversationOutcome] = []
            for conversation in selected {
                outcomes.append(try await replay.play(conversation, latencies: &latencies))
            }
            try await app.asyncShutdown()
            return ConversationEvaluation(outcomes: outcomes, latencies: latencies)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// Plays conversations one after another against one application.
private struct Replay {
    let app: Application
    let fixture: FixtureDocument
    let actionLogPath: String
    let capture: LogCapture

    func play(_ conversation: ConversationSet.Conversation, latencies: inout LatencySamples) async throws -> ConversationOutcome {
        let before = try await StoreSnapshot.read(app.db, actionLogPath: actionLogPath, serverLog: capture)
        var records: [TurnRecord] = [], failures: [CheckFailure] = [], bindings: [String: Int] = [:]
        var amounts: [(turn: Int, order: Int, amount: String)] = []
        var previous: TurnResponse?, conversationID: String?
        for (offset, turn) in conversation.turns.enumerated() {
            let number = offset + 1
            var payload: [String: Any] = ["user_input": turn.user, "user_id": conversation.userID]
            if let conversationID { payload["conversation_id"] = conversationID }
            let start = ContinuousClock.now
            let (status, body) = await post(try JSONSerialization.data(withJSONObject: payload))
            let elapsed = ContinuousClock.now - start
            latencies.record(elapsed)
            let response = status == 200 ? TurnResponse(json: body) : nil
            records.append(TurnRecord(turn: number, user: turn.user, httpStatus: status, intent: response?.intent,
                                      action: response?.action, success: response?.success, errorCode: response?.errorCode,
                                      orderID: response?.actedOrder,
                                      reply: response?.reply ?? String(decoding: body.prefix(300), as: UTF8.self),
                                      latencyMs: elapsed.milliseconds))
            guard let response else {
                failures.append(CheckFailure(turn: number, key: "response", expected: "HTTP 200 with a JSON body",
                                             got: "HTTP \(status): \(ConversationChecks.clip(String(decoding: body, as: UTF8.self), 120))"))
                previous = nil
                continue
            }
            if offset == 0 { conversationID = response.conversationID }
            if let amount = response.amount, let order = response.actionOrderID { amounts.append((number, order, amount)) }
            let (failure, binding) = ConversationChecks.evaluate(turn.expect, turn: number, response: response, previous: previous)
            if let binding { bindings[binding.name] = binding.order }
            if let failure { failures.append(failure) }
            previous = response
        }
        let after = try await StoreSnapshot.read(app.db, actionLogPath: actionLogPath, serverLog: capture)
        let delta = StoreDelta(before: before, after: after, actionLogPath: actionLogPath, serverLog: capture)
        failures += ConversationChecks.endFailures(conversation.end, delta: delta, bindings: bindings)
        let unsafe = ConversationChecks.unsafeOutcomes(conversation, delta: delta, bindings: bindings, amounts: amounts,
                                                       totals: fixture.totals, owners: fixture.owners)
        return ConversationOutcome(id: conversation.id, categories: conversation.categories, turns: records,
                                   failures: failures, unsafe: unsafe)
    }

    /// `POST /support/resolve` through the application's responder (middleware, routing, handlers), as a loopback
    /// client without a socket. Status 0: the responder itself failed.
    private func post(_ body: Data) async -> (status: Int, body: Data) {
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json")
        let request = Request(application: app, method: .POST, url: URI(string: "/support/resolve"), headers: headers,
                              collectedBody: ByteBuffer(bytes: body), remoteAddress: nil, logger: app.logger,
                              on: app.eventLoopGroup.next())
        do {
            let response = try await app.responder.respond(to: request).get()
            let buffer = try await response.body.collect(on: request.eventLoop).get()
            return (Int(response.status.code), buffer.map { Data($0.readableBytesView) } ?? Data())
        } catch {
            return (0, Data("\(error)".utf8))
        }
    }
}

/// Every line the service under evaluation logs, kept so `db_must_not_contain` can search what a conversation added.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    let echoLevel: Logger.Level

    init(echoLevel: Logger.Level) { self.echoLevel = echoLevel }

    func append(_ line: String, level: Logger.Level) {
        lock.withLock { stored.append(line) }
        if level >= echoLevel { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    var count: Int { lock.withLock { stored.count } }

    func lines(from index: Int) -> [String] { lock.withLock { Array(stored.dropFirst(index)) } }
}

struct CapturingLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    let capture: LogCapture

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(label): \(event.message)\(fields)", level: event.level)
    }
}
