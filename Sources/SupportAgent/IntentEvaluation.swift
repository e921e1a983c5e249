import Foundation
public import SupportDomain
public import SupportIntentModel

/// Scores an understanding step on labelled messages: accuracy, macro-F1, per-intent precision and recall,
/// the confusion matrix, and classification latency.
public struct IntentEvaluation: Sendable {
    public struct PerIntent: Sendable, Codable {
        public var support: Int
        public var predicted: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public var n: Int
    public var accuracy: Double
    public var macroF1: Double
    public var perIntent: [String: PerIntent]
    /// confusion[gold][predicted] = count
    public var confusion: [String: [String: Int]]
    public var skippedLabels: [String: Int]
    public var latencyMsP50: Double
    public var latencyMsP99: Double
    public var messagesPerSecond: Double
    /// Misclassified messages (text, label, predicted), in file order.
    public var errors: [(text: String, label: Intent, predicted: Intent)] = []

    /// Scores the agent's decision: the understood intent, or `other` when its confidence is below `minConfidence`
    /// (the agent then asks instead of acting, exactly as it does in production).
    /// What is scored: the agent's decision (the model read together with the language packs' phrases, negations and
    /// acts, as `SupportPipeline` decides on a first message), or the model's intent alone.
    public enum Stage: String, Sendable, CaseIterable { case agent, model }

    public static func run(_ examples: [LabelledExample], with understanding: any IntentUnderstanding,
                           minConfidence: Double = 0, redactor: Redactor = Redactor(),
                           stage: Stage = .agent) async -> IntentEvaluation {
        let reader = MessageReader()
        var skipped: [String: Int] = [:]
        var gold: [Intent] = []
        var predicted: [Intent] = []
        var latencies = LatencySamples()
        var errors: [(text: String, label: Intent, predicted: Intent)] = []
        let clock = ContinuousClock()
        let started = clock.now
        for example in examples {
            guard let label = Intent(rawValue: example.label.lowercased()) else {
                skipped[example.label, default: 0] += 1
                continue
            }
            // The same path as production: redaction first, then understanding.
            let redacted = redactor.redact(example.text).text
            let decided: Intent = await latencies.measure {
                let result = await understanding.understand(redacted)
                switch stage {
                case .model:
                    return result.confidence < minConfidence ? Intent.other : result.intent
                case .agent:
                    let reading = reader.read(redacted, state: nil, understood: result)
                    if reading.act == .withdraw || reading.act == .thanks { return .other }
                    return !reading.cued && result.confidence < minConfidence ? .other : reading.intent
                }
            }
            gold.append(label)
            predicted.append(decided)
            if label != decided { errors.append((example.text, label, decided)) }
        }
        let seconds = (clock.now - started).seconds
        var confusion: [String: [String: Int]] = [:]
        for (g, p) in zip(gold, predicted) { confusion[g.rawValue, default: [:]][p.rawValue, default: 0] += 1 }
        var perIntent: [String: PerIntent] = [:]
        var f1s: [Double] = []
        for intent in Intent.allCases {
            let support = gold.filter { $0 == intent }.count
            let predictedCount = predicted.filter { $0 == intent }.count
            guard support > 0 || predictedCount > 0 else { continue }
            let truePositives = zip(gold, predicted).filter { $0 == intent && $1 == intent }.count
            let precision = predictedCount == 0 ? 0 : Double(truePositives) / Double(predictedCount)
            let recall = support == 0 ? 0 : Double(truePositives) / Double(support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            perIntent[intent.rawValue] = PerIntent(support: support, predicted: predictedCount, precision: precision,
                                                   recall: recall, f1: f1)
            if support > 0 { f1s.append(f1) }
        }
        let correct = zip(gold, predicted).filter { $0 == $1 }.count
        return IntentEvaluation(
            n: gold.count, accuracy: gold.isEmpty ? 0 : Double(correct) / Double(gold.count),
            macroF1: f1s.isEmpty ? 0 : f1s.reduce(0, +) / Double(f1s.count), perIntent: perIntent, confusion: confusion,
            skippedLabels: skipped, latencyMsP50: latencies.percentile(0.5), latencyMsP99: latencies.percentile(0.99),
            messagesPerSecond: seconds > 0 ? Double(gold.count) / seconds : 0, errors: errors)
    }

    public func json() throws -> String {
        var object: [String: Any] = [
            "n": n, "accuracy": accuracy, "macro_f1": macroF1, "latency_ms_p50": latencyMsP50, "latency_ms_p99": latencyMsP99,
            "messages_per_second": messagesPerSecond, "confusion": confusion, "skipped_labels": skippedLabels,
        ]
        object["per_intent"] = perIntent.mapValues {
            ["support": $0.support, "predicted": $0.predicted, "precision": $0.precision, "recall": $0.recall, "f1": $0.f1]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    public var table: String {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        var lines = ["messages: \(n)   accuracy: \(pct(accuracy))   macro-F1: \(String(format: "%.3f", macroF1))",
                     "latency per message: p50 \(String(format: "%.3f", latencyMsP50)) ms, p99 \(String(format: "%.3f", latencyMsP99)) ms, "
                        + "throughput \(Int(messagesPerSecond)) messages/s", ""]
        lines.append("intent        support  precision  recall    F1")
        for intent in Intent.allCases {
            guard let row = perIntent[intent.rawValue] else { continue }
            lines.append(intent.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: "%9d  %9@  %6@  %.3f", row.support, pct(row.precision) as NSString, pct(row.recall) as NSString, row.f1))
        }
        let present = Intent.allCases.filter { perIntent[$0.rawValue] != nil }
        lines.append("")
        lines.append("confusion (rows: label, columns: predicted)")
        lines.append("".padding(toLength: 12, withPad: " ", startingAt: 0)
            + present.map { String($0.rawValue.prefix(7)).padding(toLength: 8, withPad: " ", startingAt: 0) }.joined())
        for g in present {
            lines.append(g.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + present.map {
                String(confusion[g.rawValue]?[$0.rawValue] ?? 0).padding(toLength: 8, withPad: " ", startingAt: 0)
            }.joined())
        }
        if !skippedLabels.isEmpty {
            lines.append("")
            lines.append("skipped (labels outside the six intents): "
                + skippedLabels.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
