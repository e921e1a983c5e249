import Foundation
import Synchronization
import SupportDomain
import SupportSearch
import Testing
@testable import SupportAgent

/// Passage vectors are kept in the store: a start (or a second instance) embeds only passages it has not seen, under
/// the same model.
@Suite struct PassageVectorTests {
    /// A deterministic stand-in for a sentence model that counts its calls.
    final class CountingEmbedder: TextEmbedder {
        let identity: String
        private let calls = Mutex(0)
        init(identity: String) { self.identity = identity }
        var count: Int { calls.withLock { $0 } }

        func embed(_ text: String) -> [Float] {
            calls.withLock { $0 += 1 }
            var vector = [Float](repeating: 0, count: 16)
            for (offset, byte) in text.utf8.enumerated() { vector[(Int(byte) + offset) % 16] += 1 }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / max(norm, 1) }
        }
    }

    /// Articles and passage vectors in memory.
    final class MemoryArticles: ArticleStore {
        private struct State {
            var articles: [KnowledgeArticle]
            var vectors: [String: [Float]] = [:]
            var version = 0
        }
        private let state: Mutex<State>
        init(_ articles: [KnowledgeArticle]) { state = Mutex(State(articles: articles)) }
        var storedCount: Int { state.withLock { $0.vectors.count } }

        func edit(_ id: Int64, body: String) {
            state.withLock { state in
                if let index = state.articles.firstIndex(where: { $0.id == id }) { state.articles[index].body = body }
                state.version += 1
            }
        }

        func fetchAllArticles() async throws -> [KnowledgeArticle] { state.withLock { $0.articles } }
        func fetchArticle(id: Int64) async throws -> KnowledgeArticle? { state.withLock { $0.articles.first { $0.id == id } } }
        func fingerprint() async throws -> String { state.withLock { "\($0.articles.count)-\($0.version)" } }
        func recordView(id: Int64) async throws -> Bool { false }
        func recordFeedback(id: Int64, helpful: Bool) async throws -> Bool { false }
        func saveArticle(_ article: KnowledgeArticle, now: Date) async throws -> Int64 { article.id }
        func recordSearchMiss(_ query: String, at now: Date) async throws {}
        func recordSuggestionOpened(articleID: Int64, user: UserID, at now: Date) async throws {}
        func recordTicketOpened(user: UserID, at now: Date) async throws {}
        func storedVectors(keys: [String]) async throws -> [String: [Float]] {
            state.withLock { state in state.vectors.filter { keys.contains($0.key) } }
        }
        func storeVectors(_ vectors: [String: [Float]], at now: Date) async throws {
            state.withLock { state in state.vectors.merge(vectors) { kept, _ in kept } }
        }
    }

    static func article(_ id: Int64, _ title: String, _ body: String) -> KnowledgeArticle {
        KnowledgeArticle(id: id, slug: "article-\(id)", title: title, summary: title, body: body, category: "orders", tags: [])
    }

    @Test func aSecondStartEmbedsOnlyWhatItHasNotSeen() async throws {
        let policies = try PolicyLibrary.bundled(policy: .standard)
        let store = MemoryArticles([Self.article(1, "Tracking a parcel", "Use the tracking link in your e-mail."),
                                    Self.article(2, "Gift wrapping", "Gift wrapping is free at checkout.")])
        let embedder = CountingEmbedder(identity: "model-a")
        let first = KnowledgeBase(policies: policies, store: store, embedder: embedder)
        #expect(embedder.count == 0) // nothing is embedded before the index is built
        let passages = try await first.currentRetriever().index.documents.count
        #expect(passages == policies.sections.count + 2)
        #expect(embedder.count == passages)
        #expect(store.storedCount == passages)

        // Another start on the same store: every vector comes from the store, and searches rank the same.
        let second = KnowledgeBase(policies: policies, store: store, embedder: embedder)
        #expect(try await second.currentRetriever().isHybrid)
        #expect(embedder.count == passages)
        let firstHits = try await first.currentRetriever().search("where is my parcel", limit: 3).hits.map(\.document.id)
        #expect(try await second.currentRetriever().search("where is my parcel", limit: 3).hits.map(\.document.id) == firstHits)
        #expect(embedder.count == passages + 2) // the two queries

        // An edited article is embedded again, and only it.
        store.edit(2, body: "Gift wrapping costs nothing and comes with a card.")
        await second.invalidate()
        _ = try await second.currentRetriever()
        #expect(embedder.count == passages + 3)
        #expect(store.storedCount == passages + 1)

        // Another model never reuses these vectors.
        let other = CountingEmbedder(identity: "model-b")
        _ = try await KnowledgeBase(policies: policies, store: store, embedder: other).currentRetriever()
        #expect(other.count == passages)
    }
}
