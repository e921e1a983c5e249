import Foundation

/// Removes personal data from a message before any model, log or store sees it:
/// e-mail addresses, card numbers (Luhn-checked), phone numbers, street addresses and personal names.
public struct Redactor: Sendable {
    public enum Kind: String, CaseIterable, Sendable, Codable {
        case email = "EMAIL", card = "CARD", phone = "PHONE", address = "ADDRESS", name = "NAME"
        public var placeholder: String { "[\(rawValue)]" }
    }

    public struct Result: Sendable, Hashable {
        public var text: String
        public var counts: [Kind: Int]
        public var total: Int { counts.values.reduce(0, +) }
    }

    public init() {}

    private static func regex(_ pattern: String, caseInsensitive: Bool = true) -> NSRegularExpression {
        // The patterns are constants of this file; a typo is a programmer error caught by the tests.
        try! NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
    }

    private static let email = regex(#"[A-Z0-9._%+\-]+@[A-Z0-9.\-]+\.[A-Z]{2,}"#)
    /// 13 to 19 digits, optionally grouped by spaces or dashes.
    private static let cardCandidate = regex(#"(?<![\d])(?:\d[ \-]?){12,18}\d(?![\d])"#)
    /// International or grouped phone numbers: at least 7 digits with the usual separators.
    private static let phoneCandidate = regex(#"(?<![\w#])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?)?\d{2,4}(?:[\s.\-]\d{2,4}){1,4}(?![\w])|(?<![\w#])\+?\d{9,15}(?![\w])"#)
    /// "221 Baker Street", "42 Elm St. Apt 5": capitalised street names with any street type, or lower-case names
    /// only with types that are not everyday words ("on its way", "on the road" stay as they are).
    private static let address = regex(#"\b\d{1,5}\s+(?:(?:[A-Z][\w'.\-]*\s+){1,4}(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|parkway|pkwy|square|sq|highway|hwy|close|crescent)|(?i:(?:[a-z][\w'.\-]*\s+){1,3}(?:street|avenue|ave|boulevard|blvd|terrace|parkway|pkwy|crescent)))\b\.?(?i:,?\s*(?:apt|apartment|unit|suite|ste|flat)\.?\s*#?\s*\w+)?"#, caseInsensitive: false)
    /// "my name is Jane Doe", "I'm Jane", "this is Jane Doe", "Mr. Smith", sign-offs like "Thanks, Jane".
    private static let introducedName = regex(#"\b(?i:my name is|my name's|i am|i'm|i’m|this is|name:)\s+((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+){0,2})"#, caseInsensitive: false)
    /// After "my name is" a name may be written in lower case.
    private static let lowerIntroducedName = regex(#"\b(?i:my name is|my name's|name:)\s+((?:[A-Za-z][a-z'\-]+)(?:\s+[A-Za-z][a-z'\-]+){0,2})"#, caseInsensitive: false)
    private static let honorific = regex(#"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+([A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)"#, caseInsensitive: false)
    private static let signOff = regex(#"(?:^|[\n.!]\s*)(?i:thanks|thank you|regards|best regards|kind regards|cheers|sincerely|best|br)\s*[,!\-–—]?\s+((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+)?)\s*\.?\s*$"#, caseInsensitive: false)
    /// Words that can never be part of a name that follows "my name is".
    private static let connectives: Set<String> = ["and", "but", "from", "at", "in", "on", "i", "my", "the", "a", "an", "to",
                                                   "with", "for", "of", "please", "here", "there", "about", "regarding", "so"]

    /// Words that follow "I'm" in normal speech and are not names.
    private static let notNames: Set<String> = [
        "Not", "So", "Very", "Really", "Still", "Just", "Writing", "Contacting", "Trying", "Looking", "Having",
        "Getting", "Going", "Sorry", "Unhappy", "Happy", "Angry", "Upset", "Disappointed", "Frustrated", "Done",
        "Tired", "Sure", "Afraid", "Waiting", "Here", "Calling", "Asking", "Reaching", "Fine", "Okay", "Ok", "The",
        "A", "An", "Your", "Customer", "Order", "Please", "Hoping", "Now", "Confused", "About", "In", "On", "At",
        "Never", "Always", "Also", "Again", "Absolutely", "Extremely", "Quite", "Pretty", "Totally", "Completely",
        "Requesting", "Wondering", "Unable", "Able", "Interested", "Concerned", "Worried", "Annoyed", "Furious",
        "Everyone", "All", "Team", "Guys", "Folks", "Mate", "Wishes", "Again", "Much", "So", "Lot", "You",
    ]

    /// Redacts `text`. `knownNames` (for example the caller's stored name) are removed wherever they appear.
    public func redact(_ text: String, knownNames: [String] = []) -> Result {
        var counts: [Kind: Int] = [:]
        var output = text

        output = Self.replace(Self.email, in: output, kind: .email, counts: &counts)
        output = Self.replace(Self.cardCandidate, in: output, kind: .card, counts: &counts) { match, _ in
            Self.passesLuhn(match)
        }
        output = Self.replace(Self.phoneCandidate, in: output, kind: .phone, counts: &counts) { match, preceding in
            let digits = match.filter(\.isNumber).count
            return digits >= 7 && digits <= 15 && !Self.looksLikeDate(match) && !Self.followsOrderWord(preceding)
        }
        output = Self.replace(Self.address, in: output, kind: .address, counts: &counts)
        for pattern in [Self.introducedName, Self.lowerIntroducedName, Self.honorific, Self.signOff] {
            output = Self.replaceGroup(pattern, in: output, kind: .name, counts: &counts)
        }
        for name in knownNames {
            output = Self.redactKnownName(name, in: output, counts: &counts)
        }
        return Result(text: output, counts: counts)
    }

    static func passesLuhn(_ candidate: String) -> Bool {
        let digits = candidate.compactMap(\.wholeNumberValue)
        guard (13...19).contains(digits.count) else { return false }
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            if index % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    private static let orderWord = regex(#"(?:order|orders|ordr|purchase|purchases|invoice|tracking|ref|reference|#|no\.?|number|nr\.?|id)\s*[:#]?\s*$"#)

    /// "order number 123456789" and "orders 1042 1043" are order ids, not phone numbers.
    private static func followsOrderWord(_ preceding: String) -> Bool {
        let ns = preceding as NSString
        return orderWord.firstMatch(in: preceding, range: NSRange(location: 0, length: ns.length)) != nil
    }

    private static func looksLikeDate(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$"#, options: .regularExpression) != nil
    }

    private static func replace(_ regex: NSRegularExpression, in text: String, kind: Kind, counts: inout [Kind: Int],
                                accept: (_ match: String, _ preceding: String) -> Bool = { _, _ in true }) -> String {
        let ns = text as NSString
        var result = ""
        var cursor = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let found = ns.substring(with: match.range)
            let start = max(0, match.range.location - 24)
            let preceding = ns.substring(with: NSRange(location: start, length: match.range.location - start))
            guard accept(found, preceding) else { continue }
            result += ns.substring(with: NSRange(location: cursor, length: match.range.location - cursor))
            result += kind.placeholder
            cursor = match.range.location + match.range.length
            counts[kind, default: 0] += 1
        }
        result += ns.substring(from: cursor)
        return result
    }

    private static func replaceGroup(_ regex: NSRegularExpression, in text: String, kind: Kind,
                                     counts: inout [Kind: Int]) -> String {
        let ns = text as NSString
        var result = ""
        var cursor = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            var range = match.range(at: 1)
            guard range.location != NSNotFound else { continue }
            var words = ns.substring(with: range).split(separator: " ").map(String.init)
            // Stop at the first word that is clearly not part of a name ("I'm Jane and ...", "I'm not happy").
            if let first = words.first, notNames.contains(first.capitalized) { continue }
            if let cut = words.firstIndex(where: { notNames.contains($0.capitalized) || connectives.contains($0.lowercased()) }) {
                words = Array(words[..<cut])
            }
            guard !words.isEmpty else { continue }
            let length = words.joined(separator: " ").utf16.count
            range = NSRange(location: range.location, length: length)
            result += ns.substring(with: NSRange(location: cursor, length: range.location - cursor))
            result += kind.placeholder
            cursor = range.location + range.length
            counts[kind, default: 0] += 1
        }
        result += ns.substring(from: cursor)
        return result
    }

    private static func redactKnownName(_ name: String, in text: String, counts: inout [Kind: Int]) -> String {
        var output = text
        let parts = name.split(separator: " ").map(String.init).filter { $0.count >= 3 }
        // Full name first, then each part on its own (first or last name alone).
        for candidate in [name] + parts where candidate.count >= 3 {
            let escaped = NSRegularExpression.escapedPattern(for: candidate)
            let regex = regex(#"\b"# + escaped + #"\b"#)
            output = replace(regex, in: output, kind: .name, counts: &counts)
        }
        return output
    }
}

/// Limits on what a customer may send, in one place for the API, the command line and the store.
public enum MessageLimits {
    /// The longest message the agent reads (the API refuses longer ones with 422 naming `user_input`).
    public static let maxCharacters = 4000
}
