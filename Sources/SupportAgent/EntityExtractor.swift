import Foundation
public import SupportDomain

/// Pulls order ids, the reason and any amounts out of a (redacted) message.
public struct EntityExtractor: Sendable {
    private let orderPatterns: [NSRegularExpression]

    /// `orderWords`: the words written before an order number, in every language the agent reads ("order",
    /// "Bestellung", "pedido", …), folded (lowercase, no accents).
    public init(orderWords: [String] = ["order", "orders", "ordr", "oder", "purchase", "purchse"]) {
        let words = orderWords.map {
            NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: "\\ ", with: " ").replacingOccurrences(of: " ", with: "\\s+")
        }
            .joined(separator: "|")
        orderPatterns = [
            Self.regex(#"#\s?(\d{1,12})\b"#),
            Self.regex(#"(?<![\p{L}])(?:"# + words + #")s?\s*(?:no\.?|nr\.?|n\s?[°º]|num(?:ber|ero|ro)?\.?|nummer|id|#)?\s*[:#,.]?\s*(?:is\s+|es\s+|ist\s+|e\s+)?#?(\d{1,12})\b"#),
        ]
    }

    private static func regex(_ pattern: String) -> NSRegularExpression {
        // Constant patterns of this file; the tests exercise every one.
        try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
    }

    /// A message that is nothing but a number (the answer to "which order?").
    private static let bareNumber = regex(#"^\D{0,30}?\b(\d{1,12})\b\D{0,30}$"#)
    private static let amount = regex(#"(?:[$€£]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:dollars|usd|eur|euros|bucks|gbp|pounds)\b)"#)

    /// The first order id the message names, in any common form.
    public func orderID(in text: String) -> OrderID? {
        guard text.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return nil } // every pattern needs a digit
        let folded = LanguageText.fold(text)
        let ns = folded as NSString
        let text = folded
        var best: (location: Int, id: Int64)?
        for pattern in orderPatterns {
            guard let match = pattern.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)),
                  let value = Int64(ns.substring(with: match.range(at: 1))), value > 0 else { continue }
            if best == nil || match.range.location < best!.location { best = (match.range.location, value) }
        }
        return best.map { OrderID($0.id) }
    }

    /// A lone number, used only when the agent has just asked which order.
    public func bareOrderNumber(in text: String) -> OrderID? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let ns = trimmed as NSString
        guard trimmed.count <= 60,
              let match = Self.bareNumber.firstMatch(in: trimmed, range: NSRange(location: 0, length: ns.length)),
              let value = Int64(ns.substring(with: match.range(at: 1))), value > 0 else { return nil }
        return OrderID(value)
    }

    /// Amounts named in the text. Noted for the reply, never used to pay.
    public func amounts(in text: String) -> [String] {
        let ns = text as NSString
        return Self.amount.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    private static let reasonCues: [(ReturnReason, [String])] = [
        (.wrongItem, ["wrong item", "wrong size", "wrong colour", "wrong color", "wrong product", "wrong one", "not what i ordered",
                      "different item", "different product", "sent me the wrong", "received the wrong", "incorrect item"]),
        (.missingPart, ["missing part", "missing piece", "missing parts", "missing pieces", "parts missing", "pieces missing",
                        "incomplete", "missing a ", "missing the ", "is missing", "are missing", "without the "]),
        (.damaged, ["cracked", "broken", "broke", "damaged", "damage", "smashed", "shattered", "dented", "scratched", "torn",
                    "crushed", "leaking", "arrived in pieces", "bent", "peeling", "peeled", "flaking", "ripped", "frayed",
                    "falling apart", "fell apart", "stained", "stain", "split", "chipped", "faded", "snapped", "torn off"]),
        (.defective, ["defective", "doesn't work", "does not work", "don't work", "not working", "stopped working", "faulty",
                      "malfunction", "won't turn on", "will not turn on", "dead on arrival", "doesnt work", "broken down", "defect"]),
        (.late, ["late", "delayed", "took too long", "too slow", "still hasn't arrived", "never arrived", "hasn't arrived", "not arrived"]),
        (.orderedByMistake, ["by mistake", "accidentally", "by accident", "ordered twice", "duplicate order", "mistakenly", "wrong order by me"]),
        (.changedMind, ["changed my mind", "change of mind", "no longer need", "no longer want", "don't need it", "don't want it",
                        "dont want it", "don't like it", "didn't like", "not needed anymore", "found it cheaper", "found a better"]),
    ]

    /// The reason for a refund or replacement, if the message gives one.
    public func reason(in text: String) -> ReturnReason? {
        let lowered = text.lowercased().replacingOccurrences(of: "’", with: "'")
        for (reason, cues) in Self.reasonCues where cues.contains(where: { Self.containsWords($0, in: lowered) }) {
            return reason
        }
        return nil
    }

    /// Whether `phrase` occurs in `text` as whole words ("late" is not in "chocolate" or "escalate").
    static func containsWords(_ phrase: String, in text: String) -> Bool {
        guard LanguageText.containsSubstring(phrase, in: text) else { return false }
        var searchStart = text.startIndex
        while let range = text.range(of: phrase, range: searchStart..<text.endIndex) {
            let startsWord = range.lowerBound == text.startIndex || !text[text.index(before: range.lowerBound)].isLetter
            let endsWord = range.upperBound == text.endIndex || !text[range.upperBound].isLetter || phrase.hasSuffix(" ")
            if startsWord && endsWord { return true }
            searchStart = text.index(after: range.lowerBound)
        }
        return false
    }
}
