import Foundation
public import SupportDomain

/// What a message does in the conversation, beyond its intent.
public enum DialogueAct: String, Sendable, Hashable {
    /// "Refund order 7001": do it.
    case request
    /// "Can I still cancel 7012?": check, answer, offer; do not act.
    case orderQuestion
    /// "Are sale items refundable?": answer from policy; no tool.
    case policyQuestion
    /// "yes", "do it", "sí": agrees to the open question.
    case affirm
    /// "no", "not that one".
    case deny
    /// "never mind", "I'll keep it": calls the request off.
    case withdraw
    /// "thanks!", "bye".
    case thanks
    /// Nothing the agent can act on.
    case other
}

/// How a message points at an order other than by its number.
public enum OrderReference: Sendable, Hashable {
    case ordinal(Int)
    case pronoun
    case other
    case product([String])
}

/// A message read against the conversation: language, act, intent after negations, and the order it points at.
public struct Reading: Sendable {
    public var language: String
    public var act: DialogueAct
    public var intent: Intent
    public var orderID: OrderID?
    public var reference: OrderReference?
    /// Intents the message names but calls off ("I don't want my money back").
    public var negated: Set<Intent>
    /// Write intents the message asks for, in the order they are named (after negations).
    public var requested: [Intent]
    /// Both a refund and a replacement asked for, with nothing saying which: ask.
    public var undecidedRemedy: Bool
    /// Whether a cue phrase of the language supports `intent` (otherwise it is the classifier's guess alone).
    public var cued: Bool
    /// "too", "as well": the previous request again, on the order this message names.
    public var repeats: Bool = false
    /// A status question besides the act ("never mind, I'll keep it. when will it ship?").
    public var asksStatus: Bool = false
    /// English search words for the topic of a question written in another language.
    public var topicQuery: String = ""
    /// "my order", "mi pedido": about the customer's own orders.
    public var possessive: Bool = false
}

/// Reads acts, negations and references with the language packs: phrases, not training rows, so the same rules work
/// for every language with a pack.
public struct MessageReader: Sendable {
    let catalog: LanguageCatalog

    public init(catalog: LanguageCatalog = .shared) { self.catalog = catalog }

    /// Order numbers after the order words of every bundled language.
    static let extractor = EntityExtractor(orderWords: LanguageCatalog.shared.allOrderWords)

    static let writeIntents: [Intent] = [.refund, .cancel, .replacement]
    static let cueIntents: [Intent] = [.refund, .cancel, .replacement, .status, .escalate]

    /// Cue occurrences of every intent in `folded`, with their position (a cue preceded closely by a negator counts as
    /// negated). English cues are checked too for a message in another language (customers mix "refund" in).
    func cueHits(_ folded: String, pack: LanguagePack) -> [(intent: Intent, position: Int, negated: Bool)] {
        let cues = FoldedCues.of(pack)
        var hits: [(Intent, Int, Bool)] = []
        for intent in Self.cueIntents {
            for (cue, key) in zip(cues.intents[intent] ?? [], cues.keys[intent] ?? []) {
                // Every way a cue matches (as written, or inflected) contains its key: most cues stop at this byte scan.
                guard LanguageText.containsSubstring(key, in: folded) else { continue }
                for range in LanguageText.foldedRanges(of: cue, in: folded) + Self.stemRanges(of: cue, in: folded, pack: pack) {
                    let position = folded.distance(from: folded.startIndex, to: range.lowerBound)
                    let before = LanguageText.words(String(folded[..<range.lowerBound])).suffix(4)
                    // A clause break between the negator and the cue ends the negation ("no, refund it").
                    let clauseStart = folded[..<range.lowerBound].lastIndex(where: { ",.;!?".contains($0) })
                    let clause = clauseStart.map { LanguageText.words(String(folded[$0..<range.lowerBound])).suffix(4) } ?? before
                    // What follows the request up to the end of its clause ("…die Bestellung 8123 nicht", "…non serve più").
                    let after = folded[range.upperBound...].prefix { !",.;!?".contains($0) }
                    // Elision: "n'annulez pas".
                    let elided = folded[..<range.lowerBound].hasSuffix("n'")
                    // Only a request can be called off ("no complaints", "I don't want a refund"): "never arrived" and
                    // "not received" still ask where an order is.
                    let negated = (Self.writeIntents.contains(intent) || intent == .escalate)
                        && (cues.negators.contains { LanguageText.containsFoldedPhrase($0, in: clause.joined(separator: " ")) }
                            || elided || cues.postNegators.contains { LanguageText.containsFoldedPhrase($0, in: String(after)) })
                    hits.append((intent, position, negated))
                }
            }
        }
        return hits.sorted { $0.1 < $1.1 }
    }

    public func read(_ text: String, state: DialogueState?, understood: Understanding) -> Reading {
        let language = catalog.detect(text, fallback: state?.language)
        let pack = catalog.pack(language)
        var folded = LanguageText.fold(text)
        // "I changed my mind" while the agent waits for an answer calls the pending request off; its words are not
        // read as cues ("cambiato" is not "cambiare").
        let phrases = FoldedCues.of(pack).phrases
        var changedMind = false
        for phrase in phrases.changedMind {
            for range in LanguageText.foldedRanges(of: phrase, in: folded).reversed() {
                folded.replaceSubrange(range, with: String(repeating: " ", count: folded[range].count))
                changedMind = true
            }
        }
        let trimmed = folded.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        func phraseList(_ list: KeyPath<FoldedPhrases, [String]>) -> [String] { phrases[keyPath: list] }
        func has(_ list: KeyPath<FoldedPhrases, [String]>) -> Bool {
            phrases[keyPath: list].contains { LanguageText.containsFoldedPhrase($0, in: folded) }
        }
        let stripped = trimmed.filter { !"!¡.,¿?".contains($0) }.trimmingCharacters(in: .whitespaces)
        func isExactly(_ list: KeyPath<FoldedPhrases, [String]>) -> Bool { phrases[keyPath: list].contains(stripped) }
        let words = LanguageText.words(folded)
        let hits = cueHits(folded, pack: pack)
        let negated = Set(hits.filter(\.negated).map(\.intent)).subtracting(hits.filter { !$0.negated }.map(\.intent))
        var positives: [Intent] = []
        for hit in hits where !hit.negated && !positives.contains(hit.intent) { positives.append(hit.intent) }
        let requestedWrites = positives.filter(Self.writeIntents.contains)
        let insteadWord = has(\.instead)

        // The intent: the classifier for English (trained on English), the packs' cues for every language; negated
        // intents never stand.
        var intent = understood.intent
        // The model reads English (the offline one is trained on it) or any language (a language model).
        let modelReads = pack.code == "en" || understood.understoodBy.isLanguageModel
        intent = Self.choose(positives: positives, hits: hits, classifier: understood, english: modelReads)
        // English, where the model is trained: when it reads the message as out of scope, a cue word alone ("cancel my
        // card", "a new card") acts only with an order in sight (a number, or an order already under discussion).
        let orderInSight = Self.extractor.orderID(in: text) != nil || state?.focusOrder != nil || state?.question != nil
        if pack.code == "en", understood.intent == .other, !orderInSight { intent = .other }
        // …and a cue the model barely agrees with, with no order in sight, is a guess: the agent asks (see `cued`).
        let weak = pack.code == "en" && !orderInSight && understood.confidence < 0.5
        if negated.contains(intent) { intent = .other }
        var undecided = false
        // Both a refund and a replacement named, neither called off: a remedy is chosen only when the message says
        // which ("…so rather send a replacement") and, in English, the model agrees; otherwise the agent asks. (A
        // negated one is already out: "not my money back, a new one" is a replacement.)
        if requestedWrites.contains(.refund), requestedWrites.contains(.replacement), intent == .refund || intent == .replacement {
            let insteadAt = phraseList(\.instead).compactMap { LanguageText.firstRange(of: $0, in: folded) }
                .map { folded.distance(from: folded.startIndex, to: $0.lowerBound) }.max()
            let after = insteadAt.flatMap { at in
                hits.first(where: { !$0.negated && $0.position > at && ($0.intent == .refund || $0.intent == .replacement) })?.intent
            }
            if let after {
                intent = after
            } else {
                undecided = true
            }
        }

        // The act. Whether it is a question is read in the sentence that carries the request ("seriously? fine. then
        // send me a new pair" asks for something; "can I still cancel 7012?" asks about something).
        let mainCue = hits.first(where: { !$0.negated && $0.intent == intent })?.position
        // With no phrase to anchor it, the whole message is read ("¿cómo va mi pedido 8031? Lo hice hace una semana.").
        let sentence = mainCue == nil ? folded : Self.sentence(in: folded, at: mainCue)
        let questionCues = phraseList(\.questionCues)
        let isQuestion = !Self.asksToAct(sentence) && (sentence.contains("?") || sentence.contains("¿")
            || questionCues.contains { cue in sentence.hasPrefix(cue + " ") || (cue.contains(" ") && LanguageText.containsPhrase(cue, in: sentence)) })
        let act: DialogueAct
        let denyWords = phraseList(\.deny).filter { !$0.contains(" ") }
        let startsWithNo = words.first.map { denyWords.contains($0) } ?? false
        // A withdrawal wins over a request in the same message unless the customer says what they want instead
        // ("forget it, I'll keep it, the replacement is not needed"): in doubt, nothing is written.
        let withdraws = (has(\.withdraw) || (changedMind && state?.question != nil))
            && (requestedWrites.filter({ !negated.contains($0) }).isEmpty || !insteadWord)
        if words.count <= 5, isExactly(\.deny) || (startsWithNo && has(\.thanks) && positives.isEmpty) {
            act = .deny
        } else if withdraws && words.count <= 40 {
            act = .withdraw
        } else if words.count <= 7, isExactly(\.affirm)
                    || (has(\.affirm) && positives.isEmpty && !isQuestion && ((words.count <= 4 && !has(\.thanks)) || (has(\.thanks) && state?.question != nil && has(\.strongYes)))) {
            // "yes please do it, thx" agrees; the thanks is politeness.
            act = .affirm
        } else if words.count <= 7, isExactly(\.thanks) || (has(\.thanks) && positives.isEmpty && !isQuestion && words.count <= 6) {
            act = .thanks
        } else if withdraws
                    || (!negated.isEmpty && positives.filter(Self.writeIntents.contains).isEmpty && words.count <= 30
                        && state?.lastIntent.map { negated.contains($0) } == true) {
            act = .withdraw
        } else if isQuestion && intent != .escalate && !Self.asksToAct(folded) {
            act = .orderQuestion // becomes a policy question when no order is involved (decided with the order)
        } else if intent == .other && positives.isEmpty {
            act = .other
        } else {
            act = .request
        }
        if act == .withdraw { intent = .other } // …and it requests nothing (see `requested` below)

        // The order: a number (in any language's words), else a reference.
        let extractor = Self.extractor
        var orderID = extractor.orderID(in: text)
        var reference: OrderReference?
        if orderID == nil {
            for (number, ordinalPhrases) in phrases.ordinals.sorted(by: { $0.key < $1.key })
            where ordinalPhrases.contains(where: { LanguageText.containsFoldedPhrase($0, in: folded) }) {
                reference = .ordinal(number)
            }
            if reference == nil, has(\.otherRefs) { reference = .other }
            if reference == nil, words.count <= 12, has(\.pronouns) || act == .affirm { reference = .pronoun }
            if reference == nil || reference == .pronoun, state?.question != nil || words.count <= 6 {
                if let bare = extractor.bareOrderNumber(in: text) { orderID = bare; reference = nil }
            }
            if reference == nil || reference == .pronoun {
                reference = words.count >= 1 ? (reference ?? .product(words.filter { $0.count >= 3 })) : reference
            }
        }
        var reading = Reading(language: language, act: act, intent: intent, orderID: orderID, reference: reference,
                              negated: negated, requested: act == .withdraw ? [] : requestedWrites, undecidedRemedy: undecided,
                              cued: positives.contains(intent) && !weak)
        reading.repeats = has(\.repeatCues)
        reading.possessive = has(\.possessives)
        reading.asksStatus = isQuestion && positives.contains(.status)
        reading.topicQuery = phrases.topics.filter { _, topicPhrases in
            topicPhrases.contains { LanguageText.containsFoldedPhrase($0, in: folded) }
        }.keys.sorted().joined(separator: " ")
        return reading
    }

    /// Inflected forms of a long one-word cue in a language other than English ("reembolsar" → "reembolsarais",
    /// "stornieren" → "storniert"): words sharing all but the cue's last two letters, not much longer than it.
    static func stemRanges(of cue: String, in text: String, pack: LanguagePack) -> [Range<String.Index>] {
        if pack.code == "en" {
            // English inflects little: "gets here", "refunded", "cancelling".
            let parts = cue.split(separator: " ", maxSplits: 1).map(String.init)
            guard let first = parts.first, LanguageText.containsSubstringFollowedByLetter(first, in: text),
                  first.count >= 3, first.allSatisfy(\.isLetter) else { return [] }
            let rest = parts.count > 1 ? "\\s+" + NSRegularExpression.escapedPattern(for: parts[1]).replacingOccurrences(of: " ", with: "\\s+") : ""
            let pattern = "(?<![\\p{L}])" + NSRegularExpression.escapedPattern(for: first) + "(?:s|es|ed|d|ing|ling)" + rest + "(?![\\p{L}])"
            guard let regex = RegexCache.shared.regex(pattern) else { return [] }
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text) }
        }
        guard !cue.contains("-") else { return [] }
        if cue.contains(" ") {
            // "devolver el dinero" → "devolváis el dinero": the first word inflected, the rest as written.
            let parts = cue.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count >= 6, LanguageText.containsSubstring(parts[1], in: text),
                  LanguageText.containsSubstring(String(parts[0].prefix(parts[0].count - 2)), in: text) else { return [] }
            let pattern = "(?<![\\p{L}])" + NSRegularExpression.escapedPattern(for: String(parts[0].prefix(parts[0].count - 2)))
                + "\\p{L}{0,5}\\s+" + NSRegularExpression.escapedPattern(for: parts[1]).replacingOccurrences(of: " ", with: "\\s+")
            guard let regex = RegexCache.shared.regex(pattern) else { return [] }
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text) }
        }
        guard cue.count >= 6 else { return [] }
        let stem = String(cue.prefix(cue.count - 2))
        var found: [Range<String.Index>] = []
        for range in LanguageText.ranges(of: stem, in: text).isEmpty ? Self.prefixRanges(of: stem, in: text) : [] {
            found.append(range)
        }
        return found.filter { range in
            let word = text[range.lowerBound...].prefix { $0.isLetter }
            return word.count != cue.count || String(word) != cue ? word.count <= cue.count + 4 : false
        }
    }

    /// Occurrences of `stem` at the start of a word.
    static func prefixRanges(of stem: String, in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        var start = text.startIndex
        while start < text.endIndex, let range = text.range(of: stem, range: start..<text.endIndex) {
            let before = range.lowerBound == text.startIndex || !text[text.index(before: range.lowerBound)].isLetter
            if before { found.append(range) }
            start = text.index(after: range.lowerBound)
        }
        return found
    }

    /// The sentence of `text` around `position` (the whole text when nil): up to and including its end mark.
    static func sentence(in text: String, at position: Int?) -> String {
        var sentences: [(start: Int, text: String)] = []
        var current = ""
        var start = 0
        for (offset, character) in text.enumerated() {
            current.append(character)
            if ".!?\n".contains(character) {
                sentences.append((start, current))
                current = ""
                start = offset + 1
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { sentences.append((start, current)) }
        guard let position else { return sentences.last(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })?.text
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? text }
        let found = sentences.last(where: { $0.start <= position })?.text ?? text
        return found.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// "please cancel", "I want", "quiero": a question form that still asks the agent to act ("could you cancel 7022?").
    static func asksToAct(_ folded: String) -> Bool {
        ["could you", "can you", "would you", "will you", "please", "i want", "i would like", "i'd like", "i need",
         "send me", "just send", "give me", "vous pouvez", "pourriez", "merci de", "pouvez-vous m'en",
         "podrian", "podria", "puede", "pueden", "quiero", "pourriez-vous", "pouvez-vous", "je voudrais", "je veux",
         "konnen sie", "konnten sie", "bitte", "ich mochte", "podem", "pode", "quero", "gostaria", "potete", "puo",
         "vorrei", "voglio", "por favor", "per favore", "s'il vous plait", "svp", "xfa", "pls", "plz"]
            .contains { LanguageText.containsPhrase($0, in: folded) }
    }

    /// The intent from the cue phrases, the classifier breaking ties (and deciding alone when no cue is present).
    /// An explicit request for a person wins: handing over is always safe. A write intent outranks a status mention.
    static func choose(positives: [Intent], hits: [(intent: Intent, position: Int, negated: Bool)], classifier: Understanding,
                       english: Bool) -> Intent {
        // No cue: the classifier alone (the pipeline asks when it is unsure); other languages have no classifier.
        guard !positives.isEmpty else { return english ? classifier.intent : .other }
        if positives.contains(.escalate) { return .escalate }
        let writes = positives.filter(Self.writeIntents.contains)
        if !writes.isEmpty {
            // A long story names several things; the request is where the customer asks ("…please cancel order 1002"):
            // the last write phrase, whatever the model made of the whole.
            let long = (hits.map(\.position).max() ?? 0) > 400
            if long, writes.count > 1, let last = hits.last(where: { !$0.negated && writes.contains($0.intent) }) {
                return last.intent
            }
            if english, writes.contains(classifier.intent) { return classifier.intent }
            // Several: the one named last is usually the one the customer settled on ("…so I'd rather have my money back").
            return hits.last(where: { !$0.negated && writes.contains($0.intent) })?.intent ?? writes[0]
        }
        if english, positives.contains(classifier.intent) { return classifier.intent }
        return positives[0]
    }

    /// The separate requests of a message that asks for several things on different orders ("cancel 7022 and refund
    /// 7020", "where is 7093? and cancel 7094"): one (intent, order) per clause that names both.
    public func requests(in text: String, language: String, ownOrders: Set<Int64> = []) -> [(intent: Intent, order: OrderID)] {
        let pack = catalog.pack(language)
        var found: [(Intent, OrderID)] = []
        // A clause that names an order but asks nothing lends its order to the next one that asks without naming
        // one ("…the robot from order 8034 arrived without its brush and the charger is dead, can you send another?").
        var unclaimed: OrderID?
        for clause in Self.clauses(text) {
            let own = clause.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }.first(where: ownOrders.contains)
            let named = Self.extractor.orderID(in: clause) ?? own.map({ OrderID(rawValue: $0) })
            let hits = cueHits(LanguageText.fold(clause), pack: pack).filter { !$0.negated }
            if hits.isEmpty {
                if let named { unclaimed = named }
                continue
            }
            guard let order = named ?? unclaimed else { continue }
            unclaimed = nil
            var positives: [Intent] = []
            for hit in hits where !positives.contains(hit.intent) { positives.append(hit.intent) }
            let none = Understanding(intent: .other, confidence: 0, orderID: nil, reason: nil)
            let intent = Self.choose(positives: positives, hits: hits, classifier: none, english: false)
            guard intent != .other, intent != .escalate, !found.contains(where: { $0.1 == order }) else { continue }
            found.append((intent, order))
        }
        return found
    }

    /// Sentences and "and"-joined parts of a message.
    static func clauses(_ text: String) -> [String] {
        LanguageText.split(text, at: clauseBreak)
    }

    // A constant pattern; DialogueReadingTests and the conversation sets exercise it.
    private static let clauseBreak = try! NSRegularExpression(
        pattern: #"[.;!?]+\s|\s(?:and also|and then|and while you're at it|while you're at it|and|also|plus|y|et|und|e)\s|\s?\d\)\s"#,
        options: [.caseInsensitive])
}

/// Compiled patterns by source: the cue patterns are built from the packs' phrases and used on every message, so each
/// is compiled once per process (compiling them per message made a turn about three times slower, measured).
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression] = [:]

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let known = compiled[pattern] { return known }
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        compiled[pattern] = regex
        return regex
    }
}

/// A pack's cue phrases, negators and post-negators, folded once per process (with English's when the pack is another
/// language), instead of once per message.
struct FoldedCues: Sendable {
    var intents: [Intent: [String]]
    /// Per cue of `intents`, a piece of text any match of it contains (as written or inflected, see
    /// `MessageReader.stemRanges`): the first word without its last two letters.
    var keys: [Intent: [String]]
    var negators: [String]
    var postNegators: [String]
    /// The pack's phrase lists (with English's for another language), folded.
    var phrases: FoldedPhrases

    private static let byPack: [String: FoldedCues] = LanguageCatalog.shared.packs.mapValues(make)

    static func of(_ pack: LanguagePack) -> FoldedCues { byPack[pack.code] ?? make(pack) }

    private static func make(_ pack: LanguagePack) -> FoldedCues {
        var packs = [pack]
        if pack.code != "en" { packs.append(LanguageCatalog.english) }
        var intents: [Intent: [String]] = [:]
        for intent in Intent.allCases {
            intents[intent] = Array(Set(packs.flatMap { $0.intents[intent.rawValue] ?? [] }.map(LanguageText.fold))).sorted()
        }
        let keys = intents.mapValues { cues in cues.map(key) }
        return FoldedCues(intents: intents, keys: keys,
                          negators: Array(Set(packs.flatMap(\.negators).map(LanguageText.fold))).sorted(),
                          postNegators: Array(Set(packs.flatMap(\.postNegators).map(LanguageText.fold))).sorted(),
                          phrases: FoldedPhrases(pack))
    }

    /// The first word of a folded cue without its last two letters (the whole word when it is shorter than three).
    /// An exact match contains the whole cue; an English inflection its whole first word; another language's inflection
    /// the first word less its last two letters.
    static func key(_ cue: String) -> String {
        let first = cue.split(separator: " ", maxSplits: 1).first.map(String.init) ?? cue
        return first.count >= 3 ? String(first.prefix(first.count - 2)) : first
    }
}

/// A pack's phrase lists folded once per process, with English's added for another language (customers mix English in).
struct FoldedPhrases: Sendable {
    var instead, deny, affirm, thanks, strongYes, withdraw, questionCues, otherRefs, pronouns, repeatCues, possessives,
        changedMind: [String]
    /// Ordinal number → its phrases.
    var ordinals: [Int: [String]]
    /// Topic (English search words) → its phrases in the pack's language.
    var topics: [String: [String]]

    init(_ pack: LanguagePack) {
        let english = LanguageCatalog.english
        func list(_ path: KeyPath<LanguagePack, [String]>) -> [String] {
            (pack[keyPath: path] + (pack.code == "en" ? [] : english[keyPath: path])).map(LanguageText.fold)
        }
        instead = list(\.instead)
        deny = list(\.deny)
        affirm = list(\.affirm)
        thanks = list(\.thanks)
        strongYes = list(\.strongYes)
        withdraw = list(\.withdraw)
        questionCues = list(\.questionCues)
        otherRefs = list(\.otherRefs)
        pronouns = list(\.pronouns)
        repeatCues = list(\.repeatCues)
        possessives = list(\.possessives)
        changedMind = list(\.changedMind)
        var ordinals: [Int: [String]] = [:]
        for (key, phrases) in pack.ordinals.merging(pack.code == "en" ? [:] : english.ordinals, uniquingKeysWith: +) {
            if let number = Int(key) { ordinals[number, default: []] += phrases.map(LanguageText.fold) }
        }
        self.ordinals = ordinals
        topics = pack.topics.mapValues { $0.map(LanguageText.fold) }
    }
}
