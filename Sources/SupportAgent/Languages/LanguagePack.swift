public import Foundation
import SupportDomain

/// Everything the agent knows about one language, read from `Resources/languages/CODE.json`: the words that detect it,
/// the cue phrases of each intent, yes/no, ordinals and references, and every sentence the agent writes. Adding a
/// language is adding a file.
public struct LanguagePack: Sendable, Decodable {
    public var code: String
    public var name: String
    public var locale: String
    public var detect: [String]
    public var orderWords: [String]
    public var intents: [String: [String]]
    public var negators: [String]
    public var withdraw: [String]
    public var instead: [String]
    public var affirm: [String]
    public var deny: [String]
    public var thanks: [String]
    public var questionCues: [String]
    public var ordinals: [String: [String]]
    public var otherRefs: [String]
    public var pronouns: [String]
    public var messages: [String: String]
    /// "too", "as well": the request of the previous turn, on another order.
    public var repeatCues: [String]
    /// English search words for a question's topic, by the phrases that ask it in this language (the index is English).
    public var topics: [String: [String]]
    /// "my", "mi", "mein": a question about the customer's own order rather than about the store.
    public var possessives: [String]
    /// Words after a request that call it off within its clause ("stornieren Sie die Bestellung nicht", "non serve più").
    public var postNegators: [String]
    /// "I changed my mind": a withdrawal while the agent waits for an answer, a reason otherwise ("cancel it, I changed
    /// my mind about the sheets").
    public var changedMind: [String]
    /// Unmistakable agreement ("yes", "do it"), as opposed to "ok" or "vale", which may only acknowledge.
    public var strongYes: [String]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        locale = try c.decode(String.self, forKey: .locale)
        detect = try c.decode([String].self, forKey: .detect)
        orderWords = try c.decode([String].self, forKey: .orderWords)
        intents = try c.decode([String: [String]].self, forKey: .intents)
        negators = try c.decode([String].self, forKey: .negators)
        withdraw = try c.decode([String].self, forKey: .withdraw)
        instead = try c.decode([String].self, forKey: .instead)
        affirm = try c.decode([String].self, forKey: .affirm)
        deny = try c.decode([String].self, forKey: .deny)
        thanks = try c.decode([String].self, forKey: .thanks)
        questionCues = try c.decode([String].self, forKey: .questionCues)
        ordinals = try c.decode([String: [String]].self, forKey: .ordinals)
        otherRefs = try c.decode([String].self, forKey: .otherRefs)
        pronouns = try c.decode([String].self, forKey: .pronouns)
        messages = try c.decode([String: String].self, forKey: .messages)
        repeatCues = try c.decodeIfPresent([String].self, forKey: .repeatCues) ?? []
        topics = try c.decodeIfPresent([String: [String]].self, forKey: .topics) ?? [:]
        possessives = try c.decodeIfPresent([String].self, forKey: .possessives) ?? []
        postNegators = try c.decodeIfPresent([String].self, forKey: .postNegators) ?? []
        changedMind = try c.decodeIfPresent([String].self, forKey: .changedMind) ?? []
        strongYes = try c.decodeIfPresent([String].self, forKey: .strongYes) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case code, name, locale, detect, intents, negators, withdraw, instead, affirm, deny, thanks, ordinals, pronouns, messages
        case repeatCues = "repeat", topics, possessives, postNegators = "post_negators", changedMind = "changed_mind", strongYes = "strong_yes"
        case orderWords = "order_words", questionCues = "question_cues", otherRefs = "other_refs"
    }

    /// A sentence of this language with its `{placeholders}` filled; English when this pack lacks the key.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        let template = messages[key] ?? LanguageCatalog.english.messages[key] ?? key
        guard !values.isEmpty, template.contains("{") else { return template }
        // One pass: each {name} with a value is replaced, any other brace text is kept as written.
        var output = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = values[name] { output += value } else { output += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    /// Cue phrases of `intent` found in `normalized` text (lowercased, accents folded), as whole words.
    func cues(_ intent: Intent, in normalized: String) -> [String] {
        (intents[intent.rawValue] ?? []).filter { LanguageText.containsPhrase($0, in: normalized) }
    }
}

/// The bundled language packs, loaded once.
public struct LanguageCatalog: Sendable {
    public let packs: [String: LanguagePack]
    /// Per pack, its detection words folded (computed once, not per message).
    private let vocabularies: [String: Set<String>]
    /// How many packs list each folded detection word.
    private let owners: [String: Int]
    /// Per pack, its order words folded.
    private let foldedOrderWords: [String: [String]]

    public init(packs: [String: LanguagePack]) {
        self.packs = packs
        vocabularies = packs.mapValues { Set($0.detect.map(LanguageText.fold)) }
        var owners: [String: Int] = [:]
        for vocabulary in vocabularies.values { for word in vocabulary { owners[word, default: 0] += 1 } }
        self.owners = owners
        foldedOrderWords = packs.mapValues { $0.orderWords.map(LanguageText.fold) }
    }

    public static let shared: LanguageCatalog = {
        var packs: [String: LanguagePack] = [:]
        if let directory = Bundle.module.url(forResource: "languages", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names.sorted() where name.hasSuffix(".json") {
                let url = directory.appendingPathComponent(name)
                // A broken pack is a build defect: LanguageCatalogTests load every file and fail on it.
                if let data = try? Data(contentsOf: url), let pack = try? JSONDecoder().decode(LanguagePack.self, from: data) {
                    packs[pack.code] = pack
                }
            }
        }
        return LanguageCatalog(packs: packs)
    }()

    public static var english: LanguagePack {
        guard let pack = shared.packs["en"] else { preconditionFailure("Resources/languages/en.json is missing or invalid") }
        return pack
    }

    public func pack(_ code: String?) -> LanguagePack { code.flatMap { packs[$0] } ?? Self.english }

    /// Every language's order words, for order numbers written in any language ("Bestellung 4417").
    public var allOrderWords: [String] {
        Array(Set(packs.values.flatMap(\.orderWords).map(LanguageText.fold))).sorted { $0.count > $1.count }
    }

    /// The message's language: the pack whose common words occur most often. Short or ambiguous messages ("7085",
    /// "ok") keep `fallback` (the conversation's language).
    public func detect(_ text: String, fallback: String?) -> String {
        let folded = LanguageText.fold(text)
        let words = LanguageText.words(folded)
        guard !words.isEmpty else { return fallback ?? "en" }
        var scores: [(String, Int)] = []
        for pack in packs.values {
            // A word several languages share ("es", "lo", "por") counts for each of them only by its share.
            let vocabulary = vocabularies[pack.code] ?? []
            let share = words.filter { vocabulary.contains($0) }.reduce(0.0) { $0 + 1 / Double(owners[$1] ?? 1) }
            var score = Int(share * 2)
            // Order words are strong evidence of the language too.
            score += (foldedOrderWords[pack.code] ?? []).filter { LanguageText.containsFoldedPhrase($0, in: folded) }.count
            scores.append((pack.code, score))
        }
        scores.sort { $0.1 != $1.1 ? $0.1 > $1.1 : ($0.0 == (fallback ?? "en")) }
        guard let best = scores.first, best.1 > 0 else { return fallback ?? "en" }
        if let fallback, let current = scores.first(where: { $0.0 == fallback }), current.1 == best.1 { return fallback }
        // One hit in a short message is too little to switch away from the conversation's language.
        if let fallback, fallback != best.0, best.1 < 4 { return fallback }
        return best.0
    }
}

/// Text helpers shared by the language code: folding, words, whole-phrase matching.
public enum LanguageText {
    /// Lowercased, accents removed, typographic apostrophes straightened: "¿Dónde está?" → "¿donde esta?".
    /// Letters of the Latin-1 Supplement and Latin Extended-A blocks fold through a table made once from Foundation's own
    /// diacritic folding (which costs a locale lookup per call: it was a third of a request's CPU); other scripts take
    /// Foundation's path.
    public static func fold(_ text: String) -> String {
        let lowered = text.lowercased()
        if lowered.utf8.allSatisfy({ $0 < 0x80 }) { return lowered }
        var scalars = String.UnicodeScalarView()
        for scalar in lowered.unicodeScalars {
            switch scalar.value {
            case 0..<0x80: scalars.append(scalar)
            case 0x2019: scalars.append("'")
            case 0x80..<0x180: scalars.append(contentsOf: latinFolds[Int(scalar.value) - 0x80].unicodeScalars)
            case 0x300..<0x370: continue // combining accents
            case 0x2000..<0x2070, 0x20AC: scalars.append(scalar) // punctuation: dashes, quotes, ellipsis; the euro sign
            default:
                return lowered.folding(options: [.diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
                    .replacingOccurrences(of: "’", with: "'")
            }
        }
        return String(scalars)
    }

    /// U+0080…U+017F folded one by one, once.
    private static let latinFolds: [String] = (0x80..<0x180).map { value in
        String(Character(Unicode.Scalar(UInt32(value))!))
            .folding(options: [.diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
    }

    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'") }).map(String.init)
    }

    /// Whether `phrase` occurs in `text` (already folded) on word boundaries.
    public static func containsPhrase(_ phrase: String, in text: String) -> Bool {
        firstRange(of: phrase, in: text) != nil
    }

    /// Whether `needle` occurs anywhere in `text` (bytes, no word boundaries): a cheap test before a regular expression.
    public static func containsSubstring(_ needle: String, in text: String) -> Bool {
        needle.isEmpty || containsBytes(needle, in: text) { _ in true }
    }

    /// Whether `word` occurs in `text` directly followed by a letter (an inflection such as "refund" + "ed" can only
    /// match there): bytes, a letter being ASCII a–z or any non-ASCII byte.
    public static func containsSubstringFollowedByLetter(_ word: String, in text: String) -> Bool {
        containsBytes(word, in: text) { next in next.map { ($0 >= 0x61 && $0 <= 0x7A) || $0 >= 0x80 } ?? false }
    }

    /// Whether the bytes of `needle` (not empty) occur in `text` where `accept` takes the byte after them (nil at the
    /// end). Native strings are contiguous UTF-8: the bytes are searched in place, no copies (this runs for every cue).
    private static func containsBytes(_ needle: String, in text: String, where accept: (UInt8?) -> Bool) -> Bool {
        var needle = needle, text = text
        return needle.withUTF8 { pattern in
            text.withUTF8 { haystack in
                guard let first = pattern.first, haystack.count >= pattern.count else { return false }
                var index = 0
                let last = haystack.count - pattern.count
                while index <= last {
                    if haystack[index] == first {
                        var offset = 1
                        while offset < pattern.count, haystack[index + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count, accept(index + offset < haystack.count ? haystack[index + offset] : nil) {
                            return true
                        }
                    }
                    index += 1
                }
                return false
            }
        }
    }

    /// `containsPhrase` for a phrase already folded (no folding per call).
    public static func containsFoldedPhrase(_ phrase: String, in text: String) -> Bool {
        !foldedRanges(of: phrase, in: text, limit: 1).isEmpty
    }

    public static func firstRange(of phrase: String, in text: String) -> Range<String.Index>? {
        ranges(of: phrase, in: text, limit: 1).first
    }

    /// Every whole-word occurrence of `phrase` (folded here) in `text` (already folded).
    public static func ranges(of phrase: String, in text: String, limit: Int = .max) -> [Range<String.Index>] {
        foldedRanges(of: fold(phrase), in: text, limit: limit)
    }

    /// Every whole-word occurrence of `phrase` (already folded) in `text`: a byte search over UTF-8 (no bridging to
    /// NSString), on word boundaries.
    public static func foldedRanges(of phrase: String, in text: String, limit: Int = .max) -> [Range<String.Index>] {
        // Most phrases are not in the text: one byte scan, no allocation, before the word-boundary search.
        guard !phrase.isEmpty, containsSubstring(phrase, in: text) else { return [] }
        var found: [Range<String.Index>] = []
        let needle = Array(phrase.utf8)
        let first = needle[0]
        let utf8 = text.utf8
        let phraseStartsWord = phrase.first.map(isWordCharacter) ?? true
        let phraseEndsWord = phrase.last.map(isWordCharacter) ?? true
        var position = utf8.startIndex
        while found.count < limit, let start = utf8[position...].firstIndex(of: first) {
            var candidate = start
            var matched = true
            for byte in needle {
                guard candidate < utf8.endIndex, utf8[candidate] == byte else { matched = false; break }
                candidate = utf8.index(after: candidate)
            }
            if matched, let lower = start.samePosition(in: text.unicodeScalars),
               let upper = candidate.samePosition(in: text.unicodeScalars) {
                let before = lower == text.startIndex || !phraseStartsWord
                    || !isWordCharacter(Character(text.unicodeScalars[text.unicodeScalars.index(before: lower)]))
                let after = upper == text.endIndex || !phraseEndsWord || !isWordCharacter(Character(text.unicodeScalars[upper]))
                if before && after { found.append(lower..<upper) }
            }
            position = utf8.index(after: start)
            if position >= utf8.endIndex { break }
        }
        return found
    }

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }

    /// The pieces of `text` between the matches of `separator`, trimmed, empty ones dropped.
    public static func split(_ text: String, at separator: NSRegularExpression) -> [String] {
        let ns = text as NSString
        var pieces: [String] = []
        var cursor = 0
        for match in separator.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            pieces.append(ns.substring(with: NSRange(location: cursor, length: match.range.location - cursor)))
            cursor = match.range.location + match.range.length
        }
        pieces.append(ns.substring(from: cursor))
        return pieces.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
