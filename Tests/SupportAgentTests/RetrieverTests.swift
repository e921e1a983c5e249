import Foundation
import SupportSearch
import SupportDomain
import Testing
@testable import SupportAgent

/// The search index over the shipped policy sections.
@Suite("SearchIndex over policies")
struct RetrieverTests {
    let index: SearchIndex

    init() throws {
        index = SearchIndex(documents: try PolicyLibrary.bundled(policy: .standard).sections.map(KnowledgeBase.document))
    }

    func top(_ query: String, governing: String? = nil) -> SearchIndex.Hit? {
        index.search(query, limit: 1) { governing != nil && $0.source == governing ? 2 : 1 }.hits.first
    }

    @Test("queries find the document that answers them",
          arguments: [("how long does a refund take", "refunds.md"),
                      ("can I cancel after it shipped", "cancellations.md"),
                      ("is my data private", "privacy.md"),
                      ("card number", "privacy.md"),
                      ("what does a replacement cost", "replacements.md"),
                      ("my parcel is late or lost", "shipping.md"),
                      ("why was my refund reviewed for fraud", "fraud-and-limits.md")])
    func topHit(query: String, source: String) throws {
        #expect(try #require(top(query)).document.source == source)
    }

    @Test("the refund-time question finds the exact section, typos included")
    func refundTime() throws {
        #expect(try #require(top("how long does a refund take")).document.title == "How long a refund takes")
        #expect(try #require(top("how lnog does a refnud take")).document.title == "How long a refund takes")
        #expect(try #require(top("card number")).document.title == "Card numbers")
        #expect(try #require(top("card number")).document.id == "policy:privacy.md#card-numbers")
    }

    @Test("results are sorted by score and respect the limit and offset")
    func sortedAndLimited() {
        let all = index.search("refund window after delivery", limit: 100)
        for limit in [1, 2, 3, 5] {
            let hits = index.search("refund window after delivery", limit: limit).hits
            #expect(hits.count == limit)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            #expect(hits.map(\.document.id) == all.hits.prefix(limit).map(\.document.id))
        }
        let second = index.search("refund window after delivery", limit: 2, offset: 2).hits
        #expect(second.map(\.document.id) == Array(all.hits[2..<4]).map(\.document.id))
        #expect(index.search("refund", limit: 5, offset: 10_000).hits.isEmpty)
    }

    @Test("a query with no known words finds nothing; hostile queries are only text")
    func noMatch() {
        #expect(index.search("quantum chromodynamics").hits.isEmpty)
        #expect(index.search("").hits.isEmpty)
        #expect(index.search("the and of to").hits.isEmpty)
        #expect(index.search("\" OR 1=1 -- ( * ) ^ : {} []").hits.isEmpty)
        #expect(index.search(String(repeating: "refund ", count: 2000)).hits.count > 0)
    }

    @Test("the governing document is preferred when asked")
    func boost() throws {
        #expect(try #require(top("limit")).document.source == "fraud-and-limits.md")
        #expect(try #require(top("limit", governing: "refunds.md")).document.source == "refunds.md")
    }

    @Test("snippets are escaped and mark the matching words")
    func snippet() throws {
        let hit = try #require(top("how long does a refund take"))
        #expect(hit.snippet.contains("<mark>"))
        let document = SearchDocument(id: "x", kind: .article, title: "T", summary: "S", body: "Refunds <b>fast</b> & safe.",
                                      category: "returns", tags: [], source: "kb/x")
        let marked = SearchIndex.snippet(document, stems: [TextAnalysis.stem("refunds")])
        #expect(marked == "<mark>Refunds</mark> &lt;<mark>b</mark>&gt;fast&lt;/b&gt; &amp; safe.".replacingOccurrences(of: "<mark>b</mark>", with: "b"))
    }

    @Test("terms are lower-cased, stemmed and free of stopwords")
    func terms() {
        #expect(TextAnalysis.terms("Refunds, refunded and REFUND!") == ["refund", "refund", "refund"])
        #expect(TextAnalysis.terms("deliveries delivery") == ["delivery", "delivery"])
        #expect(TextAnalysis.terms("how can I do this?").isEmpty)
        #expect(TextAnalysis.terms("a x 7 42") == ["42"])
        #expect(TextAnalysis.stem("bus") == "bus")
        #expect(TextAnalysis.stem("items") == "item")
        #expect(TextAnalysis.stem("replies") == "reply")
        #expect(TextAnalysis.stem("shipping") == TextAnalysis.stem("shipped"))
    }
}
