public import Foundation

/// all-MiniLM-L6-v2 in plain Swift: turns a text into the 384-dimensional unit vector sentence-transformers gives it,
/// offline and without a runtime dependency, for semantic retrieval.
public final class SentenceEmbedder: Sendable {
    public static let dimension = 384
    public static let maxTokens = 256

    static let layerCount = 6
    static let headCount = 12
    static let headSize = 32
    static let intermediateSize = 1536
    static let layerNormEpsilon: Float = 1e-12

    private let tokenizer: WordPieceTokenizer
    /// The safetensors file stays memory-mapped: only the word-embedding rows of the tokens seen are read from it.
    private let weightsFile: SafeTensorsFile
    /// "all-MiniLM-L6-v2/SIZE/HASH": the weights' size and an FNV-1a hash of their first and last MiB (cheap at start,
    /// and different for any other file of weights).
    public let weightsIdentity: String

    static func identity(of data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let window = 1 << 20
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            let ranges = bytes.count <= 2 * window ? [0..<bytes.count] : [0..<window, (bytes.count - window)..<bytes.count]
            for range in ranges {
                for index in range {
                    hash ^= UInt64(bytes[index])
                    hash = hash &* 0x100_0000_01b3
                }
            }
        }
        return "all-MiniLM-L6-v2/\(data.count)/" + String(hash, radix: 16)
    }
    private let wordEmbeddingsOffset: Int
    private let positionEmbeddings: [Float]    // [512][384]
    private let tokenTypeEmbedding: [Float]    // [384], token type 0 (one sentence)
    private let embeddingNormGain: [Float]
    private let embeddingNormBias: [Float]
    private let layers: [EncoderLayer]

    /// Loads model.safetensors and vocab.txt from the directory; throws a clear error naming the missing/bad file.
    public init(modelDirectory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EmbeddingModelError.missingDirectory(path: modelDirectory.path)
        }
        let weightsURL = modelDirectory.appendingPathComponent("model.safetensors")
        let vocabularyURL = modelDirectory.appendingPathComponent("vocab.txt")
        tokenizer = try WordPieceTokenizer(vocabularyFile: vocabularyURL)
        let file = try SafeTensorsFile(url: weightsURL)
        weightsFile = file
        weightsIdentity = Self.identity(of: file.data)
        let d = Self.dimension
        let wordEmbeddings = try file.floatTensor("embeddings.word_embeddings.weight", shape: [tokenizer.size, d])
        wordEmbeddingsOffset = wordEmbeddings.lowerBound
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [512, d])
        tokenTypeEmbedding = Array(try file.floats("embeddings.token_type_embeddings.weight", shape: [2, d])[0..<d])
        embeddingNormGain = try file.floats("embeddings.LayerNorm.weight", shape: [d])
        embeddingNormBias = try file.floats("embeddings.LayerNorm.bias", shape: [d])
        layers = try (0..<Self.layerCount).map { try EncoderLayer(file: file, index: $0) }
    }

    /// L2-normalised mean-pooled embedding, identical (cosine ≥ 0.99999) to sentence-transformers.
    public func embed(_ text: String) -> [Float] {
        embed(tokenIDs: tokenize(text))
    }

    /// Ids including [CLS] … [SEP], truncated to `maxTokens`.
    public func tokenize(_ text: String) -> [Int] {
        tokenizer.tokenize(text, maxTokens: Self.maxTokens)
    }

    /// The forward pass. Scratch buffers are allocated per call, so concurrent calls share nothing mutable.
    func embed(tokenIDs ids: [Int]) -> [Float] {
        let tokens = ids.count
        let d = Self.dimension
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: tokens * d)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: tokens * 3 * d)
        let context = UnsafeMutablePointer<Float>.allocate(capacity: tokens * d)
        let projected = UnsafeMutablePointer<Float>.allocate(capacity: tokens * d)
        let intermediate = UnsafeMutablePointer<Float>.allocate(capacity: tokens * Self.intermediateSize)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tokens)
        defer {
            for buffer in [hidden, qkv, context, projected, intermediate, scores] { buffer.deallocate() }
        }

        // Embeddings: word + position + token type 0, then LayerNorm.
        weightsFile.data.withUnsafeBytes { raw in
            for (t, id) in ids.enumerated() {
                let row = UnsafeRawBufferPointer(rebasing: raw[(wordEmbeddingsOffset + 4 * id * d)..<(wordEmbeddingsOffset + 4 * (id + 1) * d)])
                UnsafeMutableRawBufferPointer(start: hidden + t * d, count: 4 * d).copyMemory(from: row)
            }
        }
        positionEmbeddings.withUnsafeBufferPointer { position in
            tokenTypeEmbedding.withUnsafeBufferPointer { tokenType in
                for t in 0..<tokens {
                    for i in 0..<d { hidden[t * d + i] += position[t * d + i] + tokenType[i] }
                }
            }
        }
        Kernels.layerNorm(hidden, rows: tokens, gain: embeddingNormGain, bias: embeddingNormBias)

        for layer in layers {
            Kernels.linear(hidden, rows: tokens, weight: layer.qkvWeight, bias: layer.qkvBias, inputs: d, outputs: 3 * d, into: qkv)
            Kernels.attention(qkv, tokens: tokens, heads: Self.headCount, headSize: Self.headSize, scores: scores, into: context)
            Kernels.linear(context, rows: tokens, weight: layer.attentionOutputWeight, bias: layer.attentionOutputBias,
                           inputs: d, outputs: d, into: projected)
            Kernels.addResidualAndNormalize(projected, residual: hidden, rows: tokens,
                                            gain: layer.attentionNormGain, bias: layer.attentionNormBias, into: hidden)
            Kernels.linear(hidden, rows: tokens, weight: layer.intermediateWeight, bias: layer.intermediateBias,
                           inputs: d, outputs: Self.intermediateSize, into: intermediate)
            Kernels.gelu(intermediate, count: tokens * Self.intermediateSize)
            Kernels.linear(intermediate, rows: tokens, weight: layer.outputWeight, bias: layer.outputBias,
                           inputs: Self.intermediateSize, outputs: d, into: projected)
            Kernels.addResidualAndNormalize(projected, residual: hidden, rows: tokens,
                                            gain: layer.outputNormGain, bias: layer.outputNormBias, into: hidden)
        }

        // Mean pooling over every token ([CLS] and [SEP] included), then L2 normalisation.
        var pooled = [Float](repeating: 0, count: d)
        for t in 0..<tokens {
            for i in 0..<d { pooled[i] += hidden[t * d + i] }
        }
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot() / Float(tokens)
        let scale = 1 / (Float(tokens) * max(norm, 1e-12))
        return pooled.map { $0 * scale }
    }
}

/// Cosine similarity; for the embedder's unit vectors it is their dot product.
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "cosine of vectors of different lengths")
    var dot: Float = 0, normA: Float = 0, normB: Float = 0
    for i in a.indices {
        dot += a[i] * b[i]
        normA += a[i] * a[i]
        normB += b[i] * b[i]
    }
    let denominator = (normA * normB).squareRoot()
    return denominator > 0 ? dot / denominator : 0
}

/// One transformer block's weights. PyTorch stores a Linear weight as [outputs][inputs], so each output's weights
/// are already a contiguous row: the matmul inner loop is a contiguous dot product without transposing.
struct EncoderLayer: Sendable {
    let qkvWeight: [Float]             // [3 × 384][384]: query rows, then key rows, then value rows
    let qkvBias: [Float]
    let attentionOutputWeight: [Float] // [384][384]
    let attentionOutputBias: [Float]
    let attentionNormGain: [Float]
    let attentionNormBias: [Float]
    let intermediateWeight: [Float]    // [1536][384]
    let intermediateBias: [Float]
    let outputWeight: [Float]          // [384][1536]
    let outputBias: [Float]
    let outputNormGain: [Float]
    let outputNormBias: [Float]

    init(file: SafeTensorsFile, index: Int) throws {
        let d = SentenceEmbedder.dimension, m = SentenceEmbedder.intermediateSize
        let p = "encoder.layer.\(index)."
        qkvWeight = try ["query", "key", "value"].flatMap { try file.floats(p + "attention.self.\($0).weight", shape: [d, d]) }
        qkvBias = try ["query", "key", "value"].flatMap { try file.floats(p + "attention.self.\($0).bias", shape: [d]) }
        attentionOutputWeight = try file.floats(p + "attention.output.dense.weight", shape: [d, d])
        attentionOutputBias = try file.floats(p + "attention.output.dense.bias", shape: [d])
        attentionNormGain = try file.floats(p + "attention.output.LayerNorm.weight", shape: [d])
        attentionNormBias = try file.floats(p + "attention.output.LayerNorm.bias", shape: [d])
        intermediateWeight = try file.floats(p + "intermediate.dense.weight", shape: [m, d])
        intermediateBias = try file.floats(p + "intermediate.dense.bias", shape: [m])
        outputWeight = try file.floats(p + "output.dense.weight", shape: [d, m])
        outputBias = try file.floats(p + "output.dense.bias", shape: [d])
        outputNormGain = try file.floats(p + "output.LayerNorm.weight", shape: [d])
        outputNormBias = try file.floats(p + "output.LayerNorm.bias", shape: [d])
    }
}
