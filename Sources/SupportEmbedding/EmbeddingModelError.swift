public import Foundation

/// Why the sentence-embedding model could not be loaded; every case names the file or directory at fault.
public enum EmbeddingModelError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case missingDirectory(path: String)
    case missingFile(path: String)
    case unreadableFile(path: String, reason: String)
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingDirectory(let path):
            "The embedding model directory \(path) does not exist (it should hold model.safetensors and vocab.txt)."
        case .missingFile(let path):
            "The embedding model file \(path) is missing."
        case .unreadableFile(let path, let reason):
            "The embedding model file \(path) could not be read: \(reason)."
        case .invalidFile(let path, let reason):
            "The embedding model file \(path) is not usable: \(reason)."
        }
    }

    public var errorDescription: String? { description }
}
