import Foundation

/// Tokenising, stop words and a light English stemmer shared by indexing and querying.
public enum TextAnalysis {
    public static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are",
        "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "i", "me", "my", "we", "our", "you",
        "your", "he", "she", "they", "them", "do", "does", "did", "have", "has", "had", "can", "could", "would", "will",
        "please", "hi", "hello", "thanks", "thank", "so", "as", "am", "what", "how", "when", "which", "who", "there", "any",
        "some", "about", "into", "up", "out", "just", "also", "than", "then", "too", "very", "im", "ive", "get", "got", "want",
        "need", "should", "may", "might", "much", "many", "all", "more", "yet", "still", "us", "let",
    ]

    /// Lower-cased words of letters and digits (apostrophes dropped), at most `limit` of them.
    public static func words(_ text: String, limit: Int = 10_000) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var nonASCII = false
        func flush() {
            guard !current.isEmpty else { return }
            if nonASCII {
                // Rare path: letters beyond ASCII are lower-cased and filtered by Unicode properties.
                let word = String(decoding: current, as: UTF8.self).lowercased().replacingOccurrences(of: "’", with: "")
                words += word.components(separatedBy: CharacterSet.alphanumerics.inverted).filter { !$0.isEmpty }
            } else {
                words.append(String(decoding: current, as: UTF8.self))
            }
            current.removeAll(keepingCapacity: true)
            nonASCII = false
        }
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                current.append(byte + 32)
            case UInt8(ascii: "'"):
                continue
            case 0x80...:
                // Part of a multi-byte character: the Unicode path lower-cases it, drops typographic apostrophes
                // and splits at other punctuation.
                current.append(byte)
                nonASCII = true
            default:
                flush()
                if words.count >= limit { return words }
            }
        }
        flush()
        if words.count > limit { words.removeLast(words.count - limit) }
        return words
    }

    /// Index terms: words without stop words, stemmed.
    public static func terms(_ text: String, limit: Int = 10_000) -> [String] {
        words(text, limit: limit).compactMap { word in
            guard word.count > 1, !stopwords.contains(word) else { return nil }
            return stem(word)
        }
    }

    /// A light suffix-stripping stemmer: "refunds", "refunded", "refunding" → "refund"; "deliveries" → "delivery".
    public static func stem(_ word: String) -> String {
        guard word.count > 3, word.allSatisfy({ $0.isLetter }) else { return word }
        var w = word
        func strip(_ suffix: String, minStem: Int = 3, replacement: String = "") -> Bool {
            guard w.hasSuffix(suffix), w.count - suffix.count >= minStem else { return false }
            w = String(w.dropLast(suffix.count)) + replacement
            return true
        }
        if strip("sses", replacement: "ss") {} else if strip("ies", minStem: 2, replacement: "y") {} else if w.hasSuffix("ss") || w.hasSuffix("us") || w.hasSuffix("is") {} else if strip("s") {}
        if strip("ied", minStem: 2, replacement: "y") {} else if strip("eed", replacement: "ee") {} else if strip("ed") || strip("ing") {
            if let last = w.last, let previous = w.dropLast().last, last == previous, !"lsz".contains(last) { w.removeLast() }
        }
        for (suffix, replacement) in [("ational", "ate"), ("ization", "ize"), ("fulness", "ful"), ("iveness", "ive"),
                                      ("ation", "ate"), ("ment", ""), ("ness", ""), ("ably", "able"), ("ly", "")] where strip(suffix, minStem: 4, replacement: replacement) {
            break
        }
        if w.hasSuffix("e"), w.count > 4 { w.removeLast() }
        return w
    }

    /// One edit apart (insert, delete, substitute or swap of neighbours).
    public static func withinOneEdit(_ a: [Character], _ b: [Character]) -> Bool {
        if abs(a.count - b.count) > 1 { return false }
        var i = 0, j = 0, edits = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { i += 1; j += 1; continue }
            edits += 1
            if edits > 1 { return false }
            if a.count == b.count, i + 1 < a.count, a[i] == b[j + 1], a[i + 1] == b[j] { i += 2; j += 2; continue }
            if a.count > b.count { i += 1 } else if a.count < b.count { j += 1 } else { i += 1; j += 1 }
        }
        return edits + (a.count - i) + (b.count - j) <= 1
    }
}
