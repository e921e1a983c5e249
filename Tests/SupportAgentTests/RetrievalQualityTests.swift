import Foundation
import SupportDomain
import SupportSearch
import Testing
@testable import SupportAgent

/// A regression guard on the labelled retrieval set in `evaluation/retrieval.csv` (not a timing test).
@Suite struct RetrievalQualityTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func labelledQuestionsFindTheirPassages() throws {
        let policies = try PolicyLibrary.bundled(policy: .standard).sections.map(KnowledgeBase.document)
        let articles = try ArticleMarkdown.bundled()
        #expect(articles.count >= 40)
        #expect(Set(articles.map(\.category)) == Set(KnowledgeArticle.categories.map(\.slug)))
        let index = SearchIndex(documents: policies + articles.map(KnowledgeBase.document))
        let path = Self.repository.appendingPathComponent("evaluation/retrieval.csv").path
        let questions = try RetrievalEvaluation.load(path: path, knownIDs: Set(index.documents.map(\.id)))
        #expect(questions.count >= 80)
        let result = RetrievalEvaluation.run(questions, index: index)
        #expect(result.hitAt3 >= 0.85, "hit@3 \(result.hitAt3)")
        #expect(result.mrr >= 0.78, "MRR \(result.mrr)")
    }

    @Test func unknownPassageIdsAreRefusedWithTheRow() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("retrieval-\(UUID().uuidString).csv")
        try "question,relevant\nhow do refunds work,kb:nope\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: RetrievalEvaluation.DataError.self) { try RetrievalEvaluation.load(path: file.path, knownIDs: ["kb:yes"]) }
    }
}
