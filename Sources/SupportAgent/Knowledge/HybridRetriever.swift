import Foundation
public import SupportEmbedding
public import SupportSearch

/// Turns text into a unit vector; texts that mean the same are close (cosine = dot product).
public protocol TextEmbedder: Sendable {
    func embed(_ text: String) -> [Float]
    /// Names the model and its weights: vectors kept under another identity are not reused.
    var identity: String { get }
}

extension TextEmbedder {
    public var identity: String { String(describing: Self.self) }
}

/// Lexical BM25 ranking, optionally fused with a sentence-embedding ranking (reciprocal rank fusion). Embeddings find
/// paraphrases that share few words with the passage ("has my stuff been sent out yet" → order status); BM25 keeps
/// exact words, ids and rare terms. Without an embedder it is the BM25 index alone.
public struct HybridRetriever: Sendable {
    public let index: SearchIndex
    /// One unit vector per document of `index`, in the same order; empty without an embedder.
    public let vectors: [[Float]]
    public let embedder: (any TextEmbedder)?

    /// The usual RRF constant (Cormack et al. 2009); not tuned on our questions.
    public static let fusionK = 60.0
    /// How many candidates each ranking contributes.
    public static let candidates = 50
    /// Below this cosine a passage found only by meaning is not shown (unrelated texts score about 0–0.2 with MiniLM).
    public static let defaultDenseFloor: Float = 0.3

    public init(index: SearchIndex, vectors: [[Float]] = [], embedder: (any TextEmbedder)? = nil) {
        self.index = index
        self.vectors = vectors.count == index.documents.count ? vectors : []
        self.embedder = self.vectors.isEmpty ? nil : embedder
    }

    /// Embeds every document (reusing `cache`, keyed by id and text, so an unchanged passage is not embedded twice).
    public static func build(index: SearchIndex, embedder: (any TextEmbedder)?, cache: inout [String: [Float]]) -> HybridRetriever {
        guard let embedder else { return HybridRetriever(index: index) }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(index.documents.count)
        var fresh: [String: [Float]] = [:]
        for document in index.documents {
            let text = embeddingText(document)
            let key = cacheKey(document)
            let vector = cache[key] ?? embedder.embed(text)
            fresh[key] = vector
            vectors.append(vector)
        }
        cache = fresh
        return HybridRetriever(index: index, vectors: vectors, embedder: embedder)
    }

    /// A passage's key in the vector cache: its id and the text that is embedded.
    public static func cacheKey(_ document: SearchDocument) -> String { document.id + "\u{1}" + embeddingText(document) }

    /// What a passage is represented by: its title, summary and the start of its body (MiniLM reads 256 tokens at most,
    /// and the opening of a help passage states what it is about).
    public static func embeddingText(_ document: SearchDocument) -> String {
        let opening = document.body.split(whereSeparator: \.isWhitespace).prefix(60).joined(separator: " ")
        return "\(document.title). \(document.summary). \(opening)"
    }

    public var isHybrid: Bool { embedder != nil }

    /// Ranked passages: fused when embeddings are available, else BM25. Passages found only by meaning must reach
    /// `denseFloor`.
    public func search(_ query: String, kind: SearchDocument.Kind? = nil, category: String? = nil, limit: Int = 10,
                       offset: Int = 0, denseFloor: Float = HybridRetriever.defaultDenseFloor) -> (hits: [SearchIndex.Hit], total: Int) {
        guard let embedder else { return index.search(query, kind: kind, category: category, limit: limit, offset: offset) }
        let lexical = index.search(query, kind: kind, category: category, limit: max(Self.candidates, offset + limit)).hits
        let q = embedder.embed(String(query.prefix(2000)))
        var dense: [(doc: Int, cosine: Float)] = []
        for (d, document) in index.documents.enumerated() {
            if let kind, document.kind != kind { continue }
            if let category, document.category != category { continue }
            let cosine = Self.dot(q, vectors[d])
            if cosine >= denseFloor { dense.append((d, cosine)) }
        }
        dense.sort { $0.cosine > $1.cosine }
        dense = Array(dense.prefix(Self.candidates))
        guard !lexical.isEmpty || !dense.isEmpty else { return ([], 0) }

        var fused: [String: Double] = [:]
        for (rank, hit) in lexical.enumerated() { fused[hit.document.id, default: 0] += 1 / (Self.fusionK + Double(rank + 1)) }
        for (rank, entry) in dense.enumerated() {
            fused[index.documents[entry.doc].id, default: 0] += 1 / (Self.fusionK + Double(rank + 1))
        }
        var hits: [String: SearchIndex.Hit] = [:]
        for hit in lexical { hits[hit.document.id] = hit }
        let queryTerms = Set(SearchIndex.queryTerms(query))
        for entry in dense where hits[index.documents[entry.doc].id] == nil {
            let document = index.documents[entry.doc]
            hits[document.id] = SearchIndex.Hit(document: document, score: 0, coverage: 0, matchedTerms: queryTerms,
                                                queryTerms: queryTerms)
        }
        let ordered = fused.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let page = ordered.dropFirst(offset).prefix(limit).compactMap { entry -> SearchIndex.Hit? in
            guard var hit = hits[entry.key] else { return nil }
            hit.score = entry.value
            return hit
        }
        return (Array(page), ordered.count)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }
}

extension SentenceEmbedder: TextEmbedder {
    public var identity: String { weightsIdentity }
}
