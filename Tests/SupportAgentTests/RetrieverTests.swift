import Foundation
import Testing
import SupportDomain
@testable import SupportAgent

@Suite("PolicyRetriever")
struct RetrieverTests {
    let retriever: PolicyRetriever

    init() throws {
        retriever = PolicyRetriever(library: try PolicyLibrary.bundled(policy: .standard))
    }

    @Test("queries find the document that answers them",
          arguments: [("how long does a refund take", "refunds.md"),
                      ("can I cancel after it shipped", "cancellations.md"),
                      ("is my data private", "privacy.md"),
                      ("card number", "privacy.md"),
                      ("is my data private, what about my card number", "privacy.md"),
                      ("what does a replacement cost", "replacements.md"),
                      ("my parcel is late or lost", "shipping.md"),
                      ("why was my refund reviewed for fraud", "fraud-and-limits.md")])
    func topHit(query: String, source: String) throws {
        let top = try #require(retriever.retrieve(query).first)
        #expect(top.section.source == source)
    }

    @Test("the refund-time question finds the exact section")
    func refundTime() throws {
        let top = try #require(retriever.retrieve("how long does a refund take").first)
        #expect(top.section.heading == "How long a refund takes")
        let card = try #require(retriever.retrieve("card number").first)
        #expect(card.section.heading == "Card numbers")
    }

    @Test("results are sorted by score and respect the limit")
    func sortedAndLimited() {
        for limit in [1, 2, 3, 5] {
            let hits = retriever.retrieve("refund window after delivery", limit: limit)
            #expect(hits.count == limit)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            #expect(hits.allSatisfy { $0.score > 0 })
        }
        #expect(retriever.retrieve("refund", limit: 0).isEmpty)
    }

    @Test("a query with no known words finds nothing")
    func noMatch() {
        #expect(retriever.retrieve("quantum chromodynamics").isEmpty)
        #expect(retriever.retrieve("").isEmpty)
        #expect(retriever.retrieve("the and of to").isEmpty)
    }

    @Test("the intent boosts its governing document")
    func intentBoost() throws {
        // Without an intent the fraud document wins; with the refund intent the refunds document does.
        let plain = try #require(retriever.retrieve("limit").first)
        #expect(plain.section.source == "fraud-and-limits.md")
        let boosted = try #require(retriever.retrieve("limit", intent: .refund).first)
        #expect(boosted.section.source == "refunds.md")

        let cancel = try #require(retriever.retrieve("order number", intent: .cancel).first)
        #expect(cancel.section.source == "cancellations.md")
        let status = try #require(retriever.retrieve("order number", intent: .status).first)
        #expect(status.section.source == "shipping.md")
        let escalate = try #require(retriever.retrieve("order number", intent: .escalate).first)
        #expect(escalate.section.source == "escalation.md")
        let replacement = try #require(retriever.retrieve("order number", intent: .replacement).first)
        #expect(replacement.section.source == "replacements.md")
    }

    @Test("the boost is score × 1.5 + 2 for sections of the governing document only")
    func boostFormula() throws {
        let all = 100
        let plain = retriever.retrieve("refund window", limit: all)
        let boosted = retriever.retrieve("refund window", intent: .refund, limit: all)
        let plainScores = Dictionary(uniqueKeysWithValues: plain.map { ("\($0.section.source)#\($0.section.heading)", $0.score) })
        for hit in boosted {
            let key = "\(hit.section.source)#\(hit.section.heading)"
            let base = plainScores[key] ?? 0
            if hit.section.source == "refunds.md" {
                #expect(abs(hit.score - (base * 1.5 + 2)) < 1e-9)
            } else {
                #expect(abs(hit.score - base) < 1e-9)
            }
        }
        // Intents without a governing document change nothing.
        #expect(retriever.retrieve("refund window", intent: .other, limit: all) == plain)
    }

    @Test("terms are lower-cased, stemmed and free of stopwords")
    func terms() {
        #expect(PolicyRetriever.terms("Refunds, refunded and REFUND!") == ["refund", "refund", "refund"])
        #expect(PolicyRetriever.terms("cancelling cancelled") == ["cancell", "cancell"])
        #expect(PolicyRetriever.terms("deliveries delivery") == ["delivery", "delivery"])
        #expect(PolicyRetriever.terms("how can I do this?").isEmpty)
        #expect(PolicyRetriever.terms("a x 7 42") == ["42"])
    }

    @Test("stemming leaves short words alone")
    func stem() {
        #expect(PolicyRetriever.stem("bus") == "bus")
        #expect(PolicyRetriever.stem("items") == "item")
        #expect(PolicyRetriever.stem("cancellations") == "cancell")
        #expect(PolicyRetriever.stem("replies") == "reply")
    }
}
