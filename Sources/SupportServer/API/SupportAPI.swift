import CoreMetrics
import Foundation
import OpenAPIRuntime
import SupportAgent
import SupportDomain
import NIOHTTP1

/// The HTTP API, implementing the protocol generated from `openapi.yaml`.
struct SupportAPI: APIProtocol {
    let pipeline: SupportPipeline
    let knowledge: KnowledgeBase
    let articles: any ArticleStore
    let health: any StoreHealth
    let databaseKind: String
    let currency: String
    /// Every migration this version needs (readiness), and the outbox (its depth on the metrics page).
    let expectedMigrations: Set<String>
    let outbox: any MailOutbox

    static let maxInputLength = MessageLimits.maxCharacters

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        do {
            try await health.ping()
            return .ok(.init(body: .json(.init(status: .ok, database: databaseKind, version: SupportOpsVersion.current))))
        } catch {
            return .serviceUnavailable(.init(body: .json(.init(status: .degraded, database: databaseKind,
                                                                 version: SupportOpsVersion.current))))
        }
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let database = (try? await health.ping()) != nil
        let migrations = database ? ((try? await health.appliedMigrations()).map { expectedMigrations.isSubset(of: $0) } ?? false)
            : false
        let knowledge = (try? await self.knowledge.currentIndex()) != nil
        let body = Components.Schemas.Readiness(status: database && migrations && knowledge ? .ready : .notReady,
                                                database: database, migrations: migrations, knowledge: knowledge)
        guard body.status == .ready else { return .serviceUnavailable(.init(headers: .init(retryAfter: 5), body: .json(body))) }
        return .ok(.init(body: .json(body)))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        // The outbox's depth is read when asked, so every instance reports the same shared numbers.
        if let counts = try? await outbox.countByStatus() {
            for status in OutboxStatus.allCases {
                Gauge(label: "supportops_outbox_messages", dimensions: [("status", status.rawValue)]).record(counts[status] ?? 0)
            }
        }
        return .ok(.init(body: .plainText(HTTPBody(MetricsBackend.exposition()))))
    }

    func resolveSupportRequest(_ input: Operations.ResolveSupportRequest.Input) async throws
        -> Operations.ResolveSupportRequest.Output {
        guard case let .json(body) = input.body else {
            throw APIProblem(status: .unsupportedMediaType, code: "unsupported_media_type", message: "The body must be JSON.")
        }
        let requestID = RequestContext.requestID ?? UUID().uuidString.lowercased()
        let text = body.userInput
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .unprocessableContent(.init(body: .json(problem("empty_input", "user_input must not be empty.",
                                                                   field: "user_input", requestID))))
        }
        if text.count > Self.maxInputLength {
            return .unprocessableContent(.init(body: .json(problem(
                "input_too_long", "user_input must be at most \(Self.maxInputLength) characters (got \(text.count)).",
                field: "user_input", requestID))))
        }
        if let conversation = body.conversationId,
           conversation.isEmpty || conversation.count > 100 || !conversation.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            return .unprocessableContent(.init(body: .json(problem(
                "invalid_conversation_id", "conversation_id must be 1 to 100 letters, digits, '-' or '_'.",
                field: "conversation_id", requestID))))
        }
        guard body.userId > 0 else {
            return .unprocessableContent(.init(body: .json(problem("invalid_user_id", "user_id must be a positive integer.",
                                                                   field: "user_id", requestID))))
        }
        let resolution: Resolution
        do {
            resolution = try await pipeline.resolve(ResolveInput(
                userInput: text, customerID: CustomerID(body.userId), conversationID: body.conversationId, requestID: requestID))
        } catch AgentError.customerNotFound {
            return .notFound(.init(body: .json(problem("customer_not_found", "No customer with this user_id.",
                                                       field: "user_id", requestID))))
        }
        return .ok(.init(body: .json(WireMapping.response(resolution, currency: currency))))
    }

    private func problem(_ code: String, _ message: String, field: String?, _ requestID: String) -> Components.Schemas.Problem {
        .init(error: code, message: message, field: field, requestId: requestID)
    }
}

/// The service's version, in one place: `info.version` of the bundled `openapi.yaml`. `/health`, the served API
/// document and `supportops --version` all report it.
public enum SupportOpsVersion {
    public static let current: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let yaml = try? String(contentsOf: url, encoding: .utf8) else { return "unknown" }
        return version(inSpec: yaml) ?? "unknown"
    }()

    /// The `version:` line of the spec's `info` block (the first top-level block that has one).
    static func version(inSpec yaml: String) -> String? {
        var inInfo = false
        for line in yaml.split(separator: "\n") {
            if !line.hasPrefix(" ") { inInfo = line.hasPrefix("info:"); continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard inInfo, trimmed.hasPrefix("version:") else { continue }
            return trimmed.dropFirst("version:".count).trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }
}
