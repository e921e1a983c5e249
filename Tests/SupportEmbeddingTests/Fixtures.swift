import Foundation
import SupportEmbedding

/// Where the model and the reference embeddings are; tests that need them are skipped (with the reason) without them.
enum Fixture {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The directory holding model.safetensors and vocab.txt (`.ci/run` sets it from the pip package).
    static let modelDirectory: URL? = ProcessInfo.processInfo.environment["SUPPORTOPS_EMBEDDING_MODEL"]
        .map { URL(fileURLWithPath: $0) }

    static let referenceFile: URL = ProcessInfo.processInfo.environment["SUPPORTOPS_MINILM_REFERENCE"]
        .map { URL(fileURLWithPath: $0) }
        ?? packageRoot.appendingPathComponent("../shared/eval/minilm_reference.json").standardized

    static let hasModel = modelDirectory != nil
    static let hasReference = hasModel && FileManager.default.isReadableFile(atPath: referenceFile.path)

    /// Loaded once for every test; a model directory that is set but broken fails the tests instead of skipping them.
    private static let loaded: Result<SentenceEmbedder, any Error>? = modelDirectory.map { directory in
        Result { try SentenceEmbedder(modelDirectory: directory) }
    }

    static func embedder() throws -> SentenceEmbedder {
        guard let loaded else { throw FixtureError.noModel }
        return try loaded.get()
    }

    struct Reference: Decodable {
        struct Case: Decodable {
            var text: String
            var token_ids: [Int]
            var embedding: [Float]
        }
        var cases: [Case]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: referenceFile))
    }

    enum FixtureError: Error { case noModel }
}
