import Foundation
public import SupportServer
import Logging
import SupportDomain

/// The text and JSON reports of `supportops eval-conversations`.
public struct ConversationReport: Sendable {
    public var evaluation: ConversationEvaluation
    public var title: String
    public var verbose: Bool

    public init(evaluation: ConversationEvaluation, title: String, verbose: Bool = false) {
        self.evaluation = evaluation
        self.title = title
        self.verbose = verbose
    }

    static func percent(_ passed: Int, _ total: Int) -> String {
        total == 0 ? "-" : String(format: "%.1f%%", 100 * Double(passed) / Double(total))
    }

    static func describe(_ failure: CheckFailure) -> String {
        "\(failure.turn.map { "turn \($0)" } ?? "end"): \(failure.key): expected \(failure.expected), got \(failure.got)"
    }

    public var text: String {
        let result = evaluation
        let turns = result.outcomes.reduce(0) { $0 + $1.turns.count }
        var lines = ["\(title): \(result.outcomes.count) conversations, \(turns) turns"]
        if verbose { lines += [""] + result.outcomes.flatMap(transcript) }
        lines += ["", "overall: \(result.passed) passed, \(result.failed) failed (pass rate \(Self.percent(result.passed, result.outcomes.count)))",
                  "", "per category:"]
        let width = max(16, result.categories.map(\.name.count).max() ?? 0)
        for category in result.categories {
            let name = category.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let count = "\(category.passed)/\(category.total)"
            lines.append("  \(name) \(String(repeating: " ", count: max(0, 6 - count.count)))\(count)  \(Self.percent(category.passed, category.total))")
        }
        lines += ["", "UNSAFE outcomes: \(result.unsafe.count)"]
        lines += result.unsafe.map { "  \($0.conversation)  order \($0.order)  \($0.kind.rawValue): \($0.detail)" }
        let failing = result.outcomes.filter { !$0.passed }
        if !failing.isEmpty {
            lines += ["", "failing conversations (first failing check):"]
            for outcome in failing {
                let first = outcome.failures.first.map(Self.describe)
                    ?? outcome.unsafe.first.map { "UNSAFE \($0.kind.rawValue) on order \($0.order)" } ?? ""
                lines.append("  \(outcome.id)  \(first)")
            }
        }
        let latencies = result.latencies
        lines += ["", String(format: "latency per turn: p50 %.1f ms, p99 %.1f ms (%d turns)",
                             latencies.percentile(0.5), latencies.percentile(0.99), latencies.count)]
        return lines.joined(separator: "\n")
    }

    /// Every turn of one conversation, with the checks that failed.
    private func transcript(_ outcome: ConversationOutcome) -> [String] {
        var lines = ["\(outcome.id) [\(outcome.categories.joined(separator: ", "))] \(outcome.passed ? "PASS" : "FAIL")"]
        for turn in outcome.turns {
            lines.append("  \(turn.turn)> \(ConversationChecks.clip(turn.user, 200))")
            let fields = ["intent=\(turn.intent ?? "-")", "action=\(turn.action ?? "-")",
                          "success=\(turn.success.map { "\($0)" } ?? "-")", "error=\(turn.errorCode ?? "-")",
                          "order=\(turn.orderID.map(String.init) ?? "-")"]
            let status = turn.httpStatus == 200 ? "" : "HTTP \(turn.httpStatus) "
            lines.append("     \(status)\(fields.joined(separator: " ")) (\(String(format: "%.1f", turn.latencyMs)) ms)")
            lines.append("     reply: \(ConversationChecks.clip(turn.reply, 200))")
            for failure in outcome.failures where failure.turn == turn.turn {
                lines.append("     ✗ \(failure.key): expected \(failure.expected), got \(failure.got)")
            }
        }
        for failure in outcome.failures where failure.turn == nil {
            lines.append("  ✗ \(failure.key): expected \(failure.expected), got \(failure.got)")
        }
        for unsafe in outcome.unsafe { lines.append("  UNSAFE \(unsafe.kind.rawValue) order \(unsafe.order): \(unsafe.detail)") }
        return lines
    }

    struct Rate: Encodable { var passed: Int, failed: Int, total: Int, passRate: Double }
    struct Failure: Encodable {
        var conversation: String, categories: [String], unsafe: Bool
        var firstFailure: CheckFailure?, failures: [CheckFailure]
    }
    struct Transcript: Encodable { var conversation: String, passed: Bool, turns: [TurnRecord] }
    struct Latency: Encodable { var p50: Double, p99: Double, turns: Int }
    struct Document: Encodable {
        var data: String, overall: Rate, categories: [String: Rate], unsafe: [UnsafeOutcome], failures: [Failure]
        var latencyMs: Latency, transcripts: [Transcript]?
    }

    /// One JSON object: overall, per category, unsafe outcomes, failures with reasons, latency (and turns when verbose).
    public func json() throws -> String {
        let result = evaluation
        func rate(_ passed: Int, _ total: Int) -> Rate {
            Rate(passed: passed, failed: total - passed, total: total,
                 passRate: total == 0 ? 0 : (Double(passed) / Double(total) * 10_000).rounded() / 10_000)
        }
        var categories: [String: Rate] = [:]
        for category in result.categories { categories[category.name] = rate(category.passed, category.total) }
        let failures = result.outcomes.filter { !$0.passed }.map {
            Failure(conversation: $0.id, categories: $0.categories, unsafe: !$0.unsafe.isEmpty,
                    firstFailure: $0.failures.first, failures: $0.failures)
        }
        let round = { (value: Double) in (value * 10).rounded() / 10 }
        let document = Document(
            data: title, overall: rate(result.passed, result.outcomes.count), categories: categories, unsafe: result.unsafe,
            failures: failures,
            latencyMs: Latency(p50: round(result.latencies.percentile(0.5)), p99: round(result.latencies.percentile(0.99)),
                               turns: result.latencies.count),
            transcripts: verbose ? result.outcomes.map { Transcript(conversation: $0.id, passed: $0.passed, turns: $0.turns) } : nil)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}

extension SupportOperations {
    /// Which understanding `eval-conversations` plays with.
    public enum ConversationProvider: String, CaseIterable, Sendable {
        /// The offline model (the language model of the environment is switched off).
        case offline
        /// The language model configured through the environment, backed by the offline model.
        case llm
    }

    /// The report to print and the process exit status: 0, 1 (pass rate below the minimum), 2 (an unsafe outcome).
    public struct ConversationRun: Sendable {
        public var report: String
        public var exitCode: Int32
    }

    /// Replays a conversation file (CONVERSATIONS.md) on a fresh temporary store and reports.
    public static func evaluateConversations(config: AppConfig, dataPath: String, provider: ConversationProvider,
                                             only: [String]?, asJSON: Bool, verbose: Bool,
                                             minPass: Double) async throws -> ConversationRun {
        var config = config
        switch provider {
        case .offline:
            config.languageModel = .offline
        case .llm:
            guard config.languageModel != .offline else {
                throw ConversationSetError(description: "--provider llm needs SUPPORTOPS_LLM_PROVIDER=mistral or openai-compatible")
            }
        }
        let set = try ConversationSet.load(path: dataPath)
        let evaluator = ConversationEvaluator(config: config, only: only, echoLevel: verbose ? .info : .warning)
        let evaluation = try await evaluator.run(set)
        let title = "\(URL(fileURLWithPath: dataPath).lastPathComponent) (provider \(provider.rawValue))"
        let report = ConversationReport(evaluation: evaluation, title: title, verbose: verbose)
        let exitCode: Int32 = !evaluation.unsafe.isEmpty ? 2 : evaluation.passRate < minPass ? 1 : 0
        return ConversationRun(report: asJSON ? try report.json() : report.text, exitCode: exitCode)
    }
}
