import Foundation
import SupportAgent
import SupportDomain
import SupportIntentModel

/// `eval`, `train` and `bench`: the offline model's commands. None of them needs the database.
public enum ModelOperations {
    public enum Understander: String, CaseIterable, Sendable {
        /// The trained model (the default agent).
        case offline
        /// The first rule-based version, kept as a reference point.
        case rules
    }

    public static func evaluate(dataPath: String, textColumn: String, labelColumn: String, asJSON: Bool,
                                modelPath: String?, understander: Understander, minConfidence: Double,
                                showErrors: Int = 0) async throws -> String {
        let examples = try LabelledCSV.load(path: dataPath, textColumn: textColumn, labelColumn: labelColumn)
        let understanding: any IntentUnderstanding = switch understander {
        case .offline: try loadUnderstanding(modelPath: modelPath)
        case .rules: RuleBasedUnderstanding()
        }
        let result = await IntentEvaluation.run(examples, with: understanding, minConfidence: minConfidence)
        if asJSON { return try result.json() }
        var text = "\(dataPath) — \(understander.rawValue); below confidence \(minConfidence) the agent asks (counted as other)\n"
            + result.table
        if showErrors > 0 {
            text += "\n\nmisclassified (first \(min(showErrors, result.errors.count)) of \(result.errors.count)):\n"
            text += result.errors.prefix(showErrors).map { "  [\($0.label.rawValue) → \($0.predicted.rawValue)] \($0.text)" }
                .joined(separator: "\n")
        }
        return text
    }

    public static func train(dataPath: String, outPath: String) throws -> String {
        let examples = try LabelledCSV.load(path: dataPath)
        let started = Date()
        let model = try IntentTrainer().train(examples)
        let seconds = Date().timeIntervalSince(started)
        let data = try model.encoded()
        guard FileManager.default.createFile(atPath: outPath, contents: data) else {
            throw LabelledCSV.Error(message: "cannot write \(outPath)")
        }
        return "Trained on \(examples.count) examples in \(String(format: "%.2f", seconds)) s (temperature \(model.temperature)); "
            + "wrote \(outPath) (\(data.count / 1024) KiB)."
    }

    /// Times training and per-message classification of the bundled model.
    public static func bench(dataPath: String?, repeats: Int) async throws -> String {
        let examples = try dataPath.map { try LabelledCSV.load(path: $0) } ?? OfflineUnderstanding.bundledTrainingData()
        let clock = ContinuousClock()
        let trainStart = clock.now
        let model = try IntentTrainer().train(try OfflineUnderstanding.bundledTrainingData())
        let training = clock.now - trainStart
        let understanding = OfflineUnderstanding(classifier: model)
        var latencies: [Double] = []
        latencies.reserveCapacity(examples.count * repeats)
        let started = clock.now
        for _ in 0..<repeats {
            for example in examples {
                let begin = clock.now
                _ = await understanding.understand(example.text)
                let elapsed = clock.now - begin
                latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            }
        }
        let total = clock.now - started
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        latencies.sort()
        func p(_ q: Double) -> Double { latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))] }
        return """
        training: \(training) on the bundled examples
        classification of \(latencies.count) messages (\(examples.count) × \(repeats)):
          p50 \(String(format: "%.4f", p(0.5))) ms   p99 \(String(format: "%.4f", p(0.99))) ms   max \(String(format: "%.4f", latencies.last ?? 0)) ms
          throughput \(Int(Double(latencies.count) / seconds)) messages/s (one core)
        """
    }
}
