import Foundation

/// BERT's uncased tokenizer (the BasicTokenizer normalisation, then greedy WordPiece) as Hugging Face `tokenizers`
/// runs it for all-MiniLM-L6-v2, so the ids match the ones the model was trained on.
struct WordPieceTokenizer: Sendable {
    static let maxCharactersPerWord = 100

    /// Vocabulary keyed by UTF-8 bytes, not `String`: Swift strings compare by canonical equivalence, which would let a
    /// decomposed Hangul syllable match its precomposed vocabulary entry where the reference tokenizer does not.
    private let vocabulary: [[UInt8]: Int32]
    let clsID: Int
    let sepID: Int
    let unkID: Int
    let size: Int

    init(vocabularyFile url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw EmbeddingModelError.missingFile(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmbeddingModelError.unreadableFile(path: path, reason: "\(error)")
        }
        var vocabulary: [[UInt8]: Int32] = [:]
        var id: Int32 = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var token = Array(line)
            while let last = token.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
                token.removeLast()
            }
            if !token.isEmpty { vocabulary[token] = id }  // a later duplicate wins, as in `tokenizers`
            id += 1
        }
        if data.last == UInt8(ascii: "\n") { id -= 1 }  // the final newline does not start a token
        func special(_ name: String) throws -> Int {
            guard let id = vocabulary[Array(name.utf8)] else {
                throw EmbeddingModelError.invalidFile(path: path, reason: "the vocabulary has no \(name) token")
            }
            return Int(id)
        }
        self.vocabulary = vocabulary
        clsID = try special("[CLS]")
        sepID = try special("[SEP]")
        unkID = try special("[UNK]")
        size = Int(id)
    }

    /// Token ids with [CLS] first and [SEP] last, at most `maxTokens` in all (longer texts are cut at the end).
    func tokenize(_ text: String, maxTokens: Int) -> [Int] {
        let budget = maxTokens - 2
        var ids = [clsID]
        var word: [Unicode.Scalar] = []
        func flush() {
            guard !word.isEmpty else { return }
            if ids.count - 1 < budget { appendWordPieces(of: word, to: &ids) }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in Self.normalize(text) {
            if ids.count - 1 >= budget { break }
            if scalar.properties.isWhitespace {
                flush()
            } else if Self.isPunctuation(scalar) {
                flush()
                word.append(scalar)
                flush()
            } else {
                word.append(scalar)
            }
        }
        flush()
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(sepID)
        return ids
    }

    /// Greedy longest-match-first WordPiece; a word with any unmatched rest, or too long, is a single [UNK].
    private func appendWordPieces(of word: [Unicode.Scalar], to ids: inout [Int]) {
        guard word.count <= Self.maxCharactersPerWord else { ids.append(unkID); return }
        var bytes: [UInt8] = []
        var boundaries = [0]  // byte offset where each scalar starts, then the end
        for scalar in word {
            bytes.append(contentsOf: String(scalar).utf8)
            boundaries.append(bytes.count)
        }
        var pieces: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int32?
            while start < end {
                var key: [UInt8] = start > 0 ? [UInt8(ascii: "#"), UInt8(ascii: "#")] : []
                key.append(contentsOf: bytes[boundaries[start]..<boundaries[end]])
                if let id = vocabulary[key] { match = id; break }
                end -= 1
            }
            guard let match else { ids.append(unkID); return }
            pieces.append(Int(match))
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    /// BertNormalizer: drop NUL, U+FFFD and control characters; whitespace becomes a space; CJK ideographs get spaces
    /// around them; NFD then drop non-spacing marks (accents); lowercase scalar by scalar.
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 || value == 0xFFFD || isControl(scalar) { continue }
            if value >= 0x80 { isASCII = false }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJKIdeograph(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(cleaned.count)
        if isASCII {
            for scalar in cleaned {
                let value = scalar.value
                result.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
            }
            return result
        }
        for scalar in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
        where category(scalar) != .nonspacingMark {
            if scalar.value < 0x80 {
                let value = scalar.value
                result.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Cc, Cf and Co except tab, newline and carriage return (which count as whitespace). Unassigned code points stay.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch category(scalar) {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// The general category as the reference tokenizer sees it: its category tables (the Rust crate
    /// `unicode_categories`) stop at Unicode 8.0, so a code point assigned later counts as unassigned there — a newer
    /// format character is kept, a newer punctuation mark does not split, a newer combining mark is not stripped.
    static func category(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory {
        guard let age = scalar.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return .unassigned }
        return scalar.properties.generalCategory
    }

    /// ASCII punctuation and symbols (BERT splits `$`, `+`, `<`, `^`, `|`, `~` too) and every Unicode punctuation class.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value)
        }
        switch category(scalar) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as one token each (not kana or hangul). The reference tokenizer
    /// starts extension E at U+2B920, not at U+2B820 as Google's BERT does; we follow the reference.
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value) || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2B73F).contains(value) || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
