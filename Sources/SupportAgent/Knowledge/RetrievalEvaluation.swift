import Foundation
import SupportDomain
public import SupportSearch
import SupportIntentModel

/// Scores the retrieval service on questions labelled with the ids of the passages that answer them.
public struct RetrievalEvaluation: Sendable {
    public var n: Int
    /// Mean share of a question's relevant passages found in the top k.
    public var recallAt1: Double
    public var recallAt3: Double
    /// Share of questions with at least one relevant passage in the top k.
    public var hitAt1: Double
    public var hitAt3: Double
    /// Mean reciprocal rank of the first relevant passage (0 when none in the top 10).
    public var mrr: Double
    public var latencyMsP50: Double
    public var latencyMsP99: Double
    public var misses: [(question: String, expected: [String], got: [String])]

    public struct DataError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// Reads `question,relevant` rows; `relevant` holds ids separated by `|`. Unknown ids are an error naming the row.
    public static func load(path: String, knownIDs: Set<String>) throws -> [(question: String, relevant: [String], line: Int)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataError(message: "cannot read \(path)")
        }
        let examples = try LabelledCSV.parse(text, textColumn: "question", labelColumn: "relevant", name: path)
        return try examples.map { example in
            let ids = example.label.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !ids.isEmpty else { throw DataError(message: "\(path) line \(example.line): no relevant ids") }
            if let unknown = ids.first(where: { !knownIDs.contains($0) }) {
                throw DataError(message: "\(path) line \(example.line): unknown passage id \(unknown)")
            }
            return (example.text, ids, example.line)
        }
    }

    public static func run(_ questions: [(question: String, relevant: [String], line: Int)], index: SearchIndex)
        -> RetrievalEvaluation {
        run(questions) { index.search($0, limit: 10).hits.map(\.document.id) }
    }

    /// Scores any ranking: `rank` returns passage ids, best first.
    public static func run(_ questions: [(question: String, relevant: [String], line: Int)],
                           rank: (String) -> [String]) -> RetrievalEvaluation {
        var recall1 = 0.0, recall3 = 0.0, hit1 = 0.0, hit3 = 0.0, reciprocal = 0.0
        var latencies = LatencySamples()
        var misses: [(String, [String], [String])] = []
        for (question, relevant, _) in questions {
            let start = ContinuousClock.now
            let ranked = rank(question)
            latencies.record(ContinuousClock.now - start)
            let wanted = Set(relevant)
            recall1 += Double(Set(ranked.prefix(1)).intersection(wanted).count) / Double(wanted.count)
            recall3 += Double(Set(ranked.prefix(3)).intersection(wanted).count) / Double(wanted.count)
            hit1 += ranked.prefix(1).contains(where: wanted.contains) ? 1 : 0
            hit3 += ranked.prefix(3).contains(where: wanted.contains) ? 1 : 0
            if let rank = ranked.firstIndex(where: wanted.contains) { reciprocal += 1 / Double(rank + 1) }
            if !ranked.prefix(3).contains(where: wanted.contains) { misses.append((question, relevant, Array(ranked.prefix(3)))) }
        }
        let n = Double(max(1, questions.count))
        return RetrievalEvaluation(n: questions.count, recallAt1: recall1 / n, recallAt3: recall3 / n, hitAt1: hit1 / n,
                                   hitAt3: hit3 / n, mrr: reciprocal / n, latencyMsP50: latencies.percentile(0.5),
                                   latencyMsP99: latencies.percentile(0.99),
                                   misses: misses)
    }

    public func json() throws -> String {
        let object: [String: Any] = ["n": n, "recall_at_1": recallAt1, "recall_at_3": recallAt3, "hit_at_1": hitAt1,
                                     "hit_at_3": hitAt3, "mrr": mrr, "latency_ms_p50": latencyMsP50,
                                     "latency_ms_p99": latencyMsP99, "misses_at_3": misses.count]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]),
                      as: UTF8.self)
    }

    public var table: String {
        String(format: """
        questions: %d
        recall@1 %.3f   recall@3 %.3f   (hit@1 %.3f, hit@3 %.3f)   MRR %.3f
        query latency: p50 %.3f ms, p99 %.3f ms
        """, n, recallAt1, recallAt3, hitAt1, hitAt3, mrr, latencyMsP50, latencyMsP99)
    }
}
