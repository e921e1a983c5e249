public import Foundation
import SupportDomain
public import SupportIntentModel

/// The default understanding step: the trained intent model plus entity extraction, fully offline.
/// Messages that ask for two actions ("cancel order 5 and refund order 6") are split into clauses: the first
/// action is handled, the others are reported as secondary intents.
public struct OfflineUnderstanding: IntentUnderstanding {
    public let classifier: IntentClassifier
    private let extractor = EntityExtractor()

    public init(classifier: IntentClassifier) { self.classifier = classifier }

    /// The model trained from the repository's own examples, once per process.
    public static func bundled() throws -> OfflineUnderstanding {
        OfflineUnderstanding(classifier: try bundledModel.get())
    }

    /// The model trained from the bundled examples. The trained model ships beside them
    /// (`training/intents.model.json`, written by `scripts/train-bundled-model.sh`), with the fingerprint of the examples
    /// it was trained on: when that matches, start-up loads it (training took ~0.8 s of a 1.2 s cold start); when the
    /// examples changed and the model was not regenerated, it trains as before. A test keeps the two in step.
    private static let bundledModel: Result<IntentClassifier, any Error> = Result {
        guard let url = Bundle.module.url(forResource: "training/intents", withExtension: "csv") else {
            throw LabelledCSV.Error(message: "the bundled training data is missing")
        }
        if shipsCurrentModel, let shipped = Bundle.module.url(forResource: "training/intents.model", withExtension: "json"),
           let data = FileManager.default.contents(atPath: shipped.path),
           let model = try? IntentClassifier.load(data, path: shipped.path) {
            return model
        }
        return try IntentTrainer().train(try LabelledCSV.load(path: url.path))
    }

    /// FNV-1a (64 bit) of the training file's bytes, as hex: tells whether a shipped model was trained on these examples.
    public static func trainingFingerprint(_ bytes: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }

    /// Whether the shipped model was trained on the shipped examples (their fingerprint matches the one recorded beside
    /// it), so that start-up may load it instead of training.
    public static var shipsCurrentModel: Bool {
        guard let url = Bundle.module.url(forResource: "training/intents", withExtension: "csv"),
              let examples = FileManager.default.contents(atPath: url.path),
              let fingerprint = Bundle.module.url(forResource: "training/intents.model", withExtension: "fingerprint"),
              let recorded = try? String(contentsOf: fingerprint, encoding: .utf8) else { return false }
        return recorded.trimmingCharacters(in: .whitespacesAndNewlines) == trainingFingerprint(examples)
    }

    /// The training examples shipped with SupportOps.
    public static func bundledTrainingData() throws -> [LabelledExample] {
        guard let url = Bundle.module.url(forResource: "training/intents", withExtension: "csv") else {
            throw LabelledCSV.Error(message: "the bundled training data is missing")
        }
        return try LabelledCSV.load(path: url.path)
    }

    private static let clauseBreak = try! NSRegularExpression(
        pattern: #"[.;!?]+\s|\s(?:and also|and then|and|also|plus|as well as|then)\s"#, options: [.caseInsensitive])

    public func understand(_ redactedText: String) async -> Understanding {
        let whole = classifier.predict(redactedText)
        var understanding = Understanding(
            intent: whole.intent, confidence: whole.confidence,
            orderID: extractor.orderID(in: redactedText), reason: extractor.reason(in: redactedText),
            mentionedAmounts: extractor.amounts(in: redactedText))
        understanding.alternatives = whole.ranked.prefix(3).map(\.0)

        let clauses = Self.clauses(redactedText)
        guard clauses.count > 1 else { return understanding }
        var actions: [(Intent, String)] = []
        for clause in clauses {
            let prediction = classifier.predict(clause)
            if prediction.intent.isWrite, prediction.confidence >= 0.5, !actions.contains(where: { $0.0 == prediction.intent }) {
                actions.append((prediction.intent, clause))
            }
        }
        if actions.count > 1 {
            let (first, clause) = actions[0]
            understanding.intent = first
            understanding.orderID = extractor.orderID(in: clause) ?? understanding.orderID
            understanding.reason = extractor.reason(in: clause) ?? understanding.reason
            understanding.secondaryIntents = actions.dropFirst().map(\.0)
        } else if let only = actions.first, understanding.intent == .other {
            // One action inside a longer message ("Hi! I hope you are well. Please refund order 5.").
            understanding.intent = only.0
        }
        return understanding
    }

    static func clauses(_ text: String) -> [String] {
        LanguageText.split(text, at: clauseBreak).filter { $0.split(separator: " ").count >= 2 }
    }
}
