import Foundation
public import SupportServer
import Logging
import SupportAgent
import SupportDomain
import SupportIntentModel
import SupportSearch

/// `eval`, `train` and `bench`: the offline model's commands. None of them needs the database.
public enum ModelOperations {
    public enum Understander: String, CaseIterable, Sendable {
        /// The trained model (the default agent).
        case offline
        /// The first rule-based version, kept as a reference point.
        case rules
        /// The configured language model (SUPPORTOPS_LLM_PROVIDER …), backed by the offline model.
        case llm
    }

    /// What `eval` scores: the agent's decision on a first message, or the model alone.
    public enum Stage: String, Sendable, CaseIterable {
        case agent, model
    }

    public static func evaluate(dataPath: String, textColumn: String, labelColumn: String, asJSON: Bool,
                                modelPath: String?, understander: Understander, minConfidence: Double,
                                config: AppConfig? = nil, showErrors: Int = 0,
                                stage: Stage = .agent) async throws -> String {
        let examples = try LabelledCSV.load(path: dataPath, textColumn: textColumn, labelColumn: labelColumn)
        let understanding: any IntentUnderstanding = switch understander {
        case .offline: try loadUnderstanding(modelPath: modelPath)
        case .rules: RuleBasedUnderstanding()
        case .llm:
            try {
                guard let config, config.languageModel != .offline else {
                    throw LabelledCSV.Error(message: "--provider llm needs SUPPORTOPS_LLM_PROVIDER=mistral or openai-compatible")
                }
                let logger = Logger(label: "supportops.eval")
                return try loadUnderstanding(config: config, provider: makeProvider(config: config, logger: logger), logger: logger)
            }()
        }
        let result = await IntentEvaluation.run(examples, with: understanding, minConfidence: minConfidence,
                                                stage: stage == .agent ? .agent : .model)
        if asJSON { return try result.json() }
        var text = "\(dataPath) — \(understander.rawValue), scoring the \(stage == .agent ? "agent's decision" : "model alone"); "
            + "below confidence \(minConfidence) with no supporting phrase the agent asks (counted as other)\n"
            + result.table
        if showErrors > 0 {
            text += "\n\nmisclassified (first \(min(showErrors, result.errors.count)) of \(result.errors.count)):\n"
            text += result.errors.prefix(showErrors).map { "  [\($0.label.rawValue) → \($0.predicted.rawValue)] \($0.text)" }
                .joined(separator: "\n")
        }
        return text
    }

    public static func train(dataPath: String, outPath: String) throws -> String {
        let examples = try LabelledCSV.load(path: dataPath)
        let started = Date()
        let model = try IntentTrainer().train(examples)
        let seconds = Date().timeIntervalSince(started)
        let data = try model.encoded()
        guard FileManager.default.createFile(atPath: outPath, contents: data) else {
            throw LabelledCSV.Error(message: "cannot write \(outPath)")
        }
        return "Trained on \(examples.count) examples in \(String(format: "%.2f", seconds)) s (temperature \(model.temperature)); "
            + "wrote \(outPath) (\(data.count / 1024) KiB)."
    }

    /// The retrieval index over the shipped policies and articles (what a fresh database serves).
    static func bundledIndex(policy: SupportPolicy) throws -> SearchIndex {
        let library = try PolicyLibrary.bundled(policy: policy)
        let policies = library.sections.map(KnowledgeBase.document)
        let articles = try ArticleMarkdown.bundled().enumerated().map { offset, article in
            var numbered = KnowledgeBase.fill(article, values: library.values)
            numbered.id = Int64(offset + 1)
            return KnowledgeBase.document(numbered)
        }
        return SearchIndex(documents: policies + articles)
    }

    /// Scores BM25 alone and, with an embedding model configured, BM25 fused with embeddings (the retrieval `serve`
    /// then uses); misses and JSON are of the retrieval `serve` uses.
    public static func evaluateRetrieval(dataPath: String, asJSON: Bool, showMisses: Int, config: AppConfig) throws -> String {
        let index = try bundledIndex(policy: config.policy)
        let questions = try RetrievalEvaluation.load(path: dataPath, knownIDs: Set(index.documents.map(\.id)))
        let lexical = RetrievalEvaluation.run(questions, index: index)
        var cache: [String: [Float]] = [:]
        let start = ContinuousClock.now
        let embedder = try loadEmbedder(config: config)
        let hybrid = embedder.map { HybridRetriever.build(index: index, embedder: $0, cache: &cache) }
        let embedSeconds = (ContinuousClock.now - start).seconds
        let fused = hybrid.map { retriever in RetrievalEvaluation.run(questions) { retriever.search($0, limit: 10).hits.map(\.document.id) } }
        let result = fused ?? lexical
        if asJSON {
            guard let fused else { return try lexical.json() }
            return "{\"bm25\": \(try lexical.json()), \"hybrid\": \(try fused.json())}"
        }
        var text = "\(dataPath) — \(index.documents.count) passages\n"
        if let fused {
            text += "BM25 alone:\n" + lexical.table + "\n\nBM25 + MiniLM embeddings (reciprocal rank fusion; passages embedded in "
                + String(format: "%.1f s", embedSeconds) + "):\n" + fused.table
        } else {
            text += lexical.table + "\n(BM25 alone; set SUPPORTOPS_EMBEDDING_MODEL to also score BM25 + embeddings)"
        }
        if showMisses > 0 {
            text += "\n\nnot in the top 3 (first \(min(showMisses, result.misses.count)) of \(result.misses.count)):\n"
                + result.misses.prefix(showMisses).map { "  \($0.question)\n    expected \($0.expected.joined(separator: " | "))\n    got      \($0.got.joined(separator: " | "))" }
                .joined(separator: "\n")
        }
        return text
    }

    /// Indexes `articles` generated articles and times queries against them.
    public static func benchRetrieval(articles count: Int, queries: Int) throws -> String {
        var rng = SplitMix64(seed: 42)
        // The articles' own words first (the most frequent), then 40,000 made-up ones; drawn with a skew towards the
        // front, as word frequencies are in real text.
        let real = Array(Set(try ArticleMarkdown.bundled().flatMap { TextAnalysis.words($0.body) }.filter { $0.count > 3 })).sorted()
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var made: [String] = []
        for n in 0..<40_000 {
            var made1 = ""
            for i in 0..<(5 + n % 5) { made1.append(letters[(n * 7 + i * 13 + n / 26) % 26]) }
            made.append(made1 + String(n % 97))
        }
        let unique = real + made
        func word() -> String {
            let u = Double(rng.next() % 1_000_000) / 1_000_000
            return unique[min(unique.count - 1, Int(Double(unique.count) * u * u * u))]
        }
        func sentence(_ words: Int) -> String { (0..<words).map { _ in word() }.joined(separator: " ") }
        let categories = KnowledgeArticle.categories.map(\.slug)
        var documents: [SearchDocument] = []
        documents.reserveCapacity(count)
        for n in 0..<count {
            documents.append(SearchDocument(id: "kb:generated-\(n)", kind: .article, title: sentence(5), summary: sentence(15),
                                            body: sentence(120), category: categories[n % categories.count],
                                            tags: [sentence(1), sentence(2)], articleID: Int64(n + 1), source: "kb/generated-\(n)"))
        }
        let start = ContinuousClock.now
        let index = SearchIndex(documents: documents)
        let indexing = ContinuousClock.now - start
        var latencies = LatencySamples()
        for q in 0..<queries {
            let query = sentence(2 + q % 5)
            let begin = ContinuousClock.now
            _ = index.search(query, limit: 10)
            latencies.record(ContinuousClock.now - begin)
        }
        return String(format: "indexed %d generated articles (%d-word vocabulary) in %.2f s\n%d queries of 2–6 words: p50 %.3f ms, p99 %.3f ms, max %.3f ms",
                      count, unique.count, indexing.seconds, queries, latencies.percentile(0.5), latencies.percentile(0.99),
                      latencies.maximum)
    }

    /// Times training and per-message classification of the bundled model.
    public static func bench(dataPath: String?, repeats: Int) async throws -> String {
        let examples = try dataPath.map { try LabelledCSV.load(path: $0) } ?? OfflineUnderstanding.bundledTrainingData()
        let trainStart = ContinuousClock.now
        let model = try IntentTrainer().train(try OfflineUnderstanding.bundledTrainingData())
        let training = ContinuousClock.now - trainStart
        let understanding = OfflineUnderstanding(classifier: model)
        var latencies = LatencySamples()
        let started = ContinuousClock.now
        for _ in 0..<repeats {
            for example in examples {
                _ = await latencies.measure { await understanding.understand(example.text) }
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        func ms(_ value: Double) -> String { String(format: "%.4f", value) }
        return """
        training: \(String(format: "%.2f", training.seconds)) s on the bundled examples
        classification of \(latencies.count) messages (\(examples.count) × \(repeats)):
          p50 \(ms(latencies.percentile(0.5))) ms   p99 \(ms(latencies.percentile(0.99))) ms   max \(ms(latencies.maximum)) ms
          throughput \(Int(Double(latencies.count) / seconds)) messages/s (one core)
        """
    }
}
