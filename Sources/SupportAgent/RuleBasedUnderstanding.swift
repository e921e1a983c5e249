import Foundation
import SupportSearch
import SupportDomain

/// A first, transparent understanding step: weighted cue phrases per intent, with negation
/// ("replace it, I don't want a refund") and tolerance for one typo in longer words.
public struct RuleBasedUnderstanding: IntentUnderstanding {
    private let extractor = EntityExtractor()

    public init() {}

    static let cues: [Intent: [(String, Double)]] = [
        .refund: [("refund", 3), ("money back", 3), ("reimburse", 3), ("reimbursement", 3), ("pay me back", 3),
                  ("get my money", 3), ("chargeback", 2), ("return it", 1.5), ("return this", 1.5), ("send it back", 1.5),
                  ("return", 1), ("credit back", 2), ("my money", 1.5)],
        .cancel: [("cancel", 3), ("cancellation", 3), ("call off", 2.5), ("stop the order", 3), ("stop my order", 3),
                  ("don't ship", 2.5), ("do not ship", 2.5), ("don't send", 2), ("abort", 2), ("withdraw my order", 3),
                  ("cancle", 3), ("cancell", 3)],
        .replacement: [("replace", 3), ("replacement", 3), ("exchange", 2.5), ("send another", 3), ("send a new", 3),
                       ("new one", 2.5), ("swap", 2), ("another one", 2), ("send me one that works", 3), ("reship", 2.5)],
        .status: [("where is", 3), ("where's", 3), ("status", 3), ("track", 3), ("tracking", 3), ("when will", 2.5),
                  ("hasn't arrived", 2.5), ("has not arrived", 2.5), ("not arrived", 2), ("not here yet", 2.5), ("arrive", 1.5),
                  ("shipped yet", 2.5), ("delivery date", 2), ("eta", 2), ("still waiting", 2), ("been shipped", 2),
                  ("whereabouts", 2), ("on its way", 1.5)],
        .escalate: [("human", 3), ("real person", 3), ("a person", 2.5), ("speak to", 2), ("talk to", 2), ("agent", 2),
                    ("representative", 3), ("manager", 3), ("supervisor", 3), ("escalate", 3), ("complaint", 2),
                    ("someone real", 3), ("live chat", 2), ("call me", 2), ("operator", 2)],
    ]

    private static let negations = ["don't want", "do not want", "dont want", "not", "no need for", "don't need", "do not need",
                                    "dont need", "rather than", "instead of", "no", "without", "never asked for", "didn't ask for"]

    /// "I don't want a refund", "not a replacement", "instead of a refund": the cue counts against its intent.
    static func isNegated(_ preceding: Substring) -> Bool {
        var window = preceding
        while window.last == " " || window.last == "," { window = window.dropLast() }
        for article in [" a", " an", " the", " my", " any", " for a", " for an", " for", " to"] where window.hasSuffix(article) {
            window = window.dropLast(article.count)
            break
        }
        return negations.contains { negation in
            window.hasSuffix(negation) && (window.count == negation.count || !window.dropLast(negation.count).last!.isLetter)
        }
    }

    public func understand(_ redactedText: String) async -> Understanding {
        let text = redactedText.lowercased().replacingOccurrences(of: "’", with: "'")
        var scores: [Intent: Double] = [:]
        var firstPosition: [Intent: String.Index] = [:]
        for (intent, cues) in Self.cues {
            for (cue, weight) in cues {
                for range in Self.occurrences(of: cue, in: text) {
                    let negated = Self.isNegated(text[text.startIndex..<range.lowerBound].suffix(30))
                    scores[intent, default: 0] += negated ? -weight : weight
                    if !negated, firstPosition[intent].map({ range.lowerBound < $0 }) ?? true { firstPosition[intent] = range.lowerBound }
                }
            }
        }
        for word in text.split(whereSeparator: { !$0.isLetter }) where word.count >= 5 {
            for (intent, target) in [(Intent.refund, "refund"), (.cancel, "cancel"), (.replacement, "replace"), (.status, "status")]
                where !word.hasPrefix(target) && Self.withinOneEdit(String(word.prefix(target.count + 1)), target) {
                scores[intent, default: 0] += 2
            }
        }
        let positive = scores.filter { $0.value > 0 }
        let orderID = extractor.orderID(in: redactedText)
        let reason = extractor.reason(in: redactedText)
        let amounts = extractor.amounts(in: redactedText)
        guard let best = positive.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }) else {
            return Understanding(intent: .other, confidence: 0.5, orderID: orderID, reason: reason, mentionedAmounts: amounts)
        }
        // Several actions asked for at once: handle the one named first, note the rest.
        let actionIntents = positive.keys.filter(\.isWrite)
            .sorted { (firstPosition[$0] ?? text.endIndex) < (firstPosition[$1] ?? text.endIndex) }
        let primary = actionIntents.count > 1 ? actionIntents[0] : best.key
        let total = positive.values.reduce(0, +)
        let share = positive[primary, default: 0] / total
        let strength = min(1, positive[primary, default: 0] / 3)
        let confidence = min(0.99, 0.4 + 0.35 * share + 0.25 * strength)
        let secondary = actionIntents.filter { $0 != primary }
        return Understanding(intent: primary, confidence: (confidence * 100).rounded() / 100, orderID: orderID, reason: reason,
                             mentionedAmounts: amounts, secondaryIntents: secondary)
    }

    static func occurrences(of cue: String, in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var searchStart = text.startIndex
        while let range = text.range(of: cue, range: searchStart..<text.endIndex) {
            let startsWord = range.lowerBound == text.startIndex || !text[text.index(before: range.lowerBound)].isLetter
            if startsWord { ranges.append(range) }
            searchStart = range.upperBound
        }
        return ranges
    }

    static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        TextAnalysis.withinOneEdit(Array(a), Array(b))
    }
}
