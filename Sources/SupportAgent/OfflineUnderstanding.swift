import Foundation
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

    private static let bundledModel: Result<IntentClassifier, any Error> = Result {
        guard let url = Bundle.module.url(forResource: "training/intents", withExtension: "csv") else {
            throw LabelledCSV.Error(message: "the bundled training data is missing")
        }
        return try IntentTrainer().train(try LabelledCSV.load(path: url.path))
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
