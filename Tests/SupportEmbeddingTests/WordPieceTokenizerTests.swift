import Foundation
import Testing
@testable import SupportEmbedding

/// The BERT normalisation and WordPiece rules on a tiny vocabulary, so they are checked even without the model.
@Suite struct WordPieceTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "un", "##aff", "##able", ",", "!", "$",
                             "cafe", "中", "国", "-", "a", "##b"]

    static func tokenizer() throws -> WordPieceTokenizer {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).txt")
        try (vocabulary.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try WordPieceTokenizer(vocabularyFile: file)
    }

    func tokens(_ text: String, maxTokens: Int = 256) throws -> [String] {
        try Self.tokenizer().tokenize(text, maxTokens: maxTokens).map { Self.vocabulary[$0] }
    }

    @Test func lowercasesStripsAccentsAndSplitsPunctuation() throws {
        #expect(try tokens("Hello, WORLD!") == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(try tokens("Café $") == ["[CLS]", "cafe", "$", "[SEP]"])
        #expect(try tokens("hello\u{200D}world") == ["[CLS]", "[UNK]", "[SEP]"])  // a format character is dropped
        #expect(try tokens("hello\u{00A0}world\u{3000}hello") == ["[CLS]", "hello", "world", "hello", "[SEP]"])
    }

    @Test func greedyLongestMatchWithContinuations() throws {
        #expect(try tokens("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(try tokens("unaffablex") == ["[CLS]", "[UNK]", "[SEP]"])  // any unmatched rest makes the word [UNK]
        #expect(try tokens("ab-ab") == ["[CLS]", "a", "##b", "-", "a", "##b", "[SEP]"])
        #expect(try tokens(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test func cjkIdeographsAreSeparateWords() throws {
        #expect(try tokens("中国hello") == ["[CLS]", "中", "国", "hello", "[SEP]"])
    }

    @Test func truncationKeepsClsAndSep() throws {
        let ids = try tokens(String(repeating: "hello ", count: 10), maxTokens: 5)
        #expect(ids == ["[CLS]", "hello", "hello", "hello", "[SEP]"])
        #expect(try tokens("unaffable unaffable", maxTokens: 4) == ["[CLS]", "un", "##aff", "[SEP]"])
    }
}
