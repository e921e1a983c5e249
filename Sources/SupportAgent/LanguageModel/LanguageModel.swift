import Foundation

/// One chat message sent to a language model.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A request for one completion, constrained to JSON by a schema when `schema` is set.
public struct ChatRequest: Sendable {
    public var messages: [ChatMessage]
    /// A JSON schema the answer must follow (as a JSON object).
    public var schema: [String: any Sendable]?
    public var maxTokens: Int
    public var temperature: Double

    public init(messages: [ChatMessage], schema: [String: any Sendable]? = nil, maxTokens: Int = 200, temperature: Double = 0) {
        self.messages = messages
        self.schema = schema
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}

/// Why a language-model call gave no usable answer. Every case falls back to the offline agent.
public enum LanguageModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    case circuitOpen
    case http(status: Int)
    case transport(String)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .timeout: "timeout"
        case .circuitOpen: "circuit open"
        case let .http(status): "HTTP \(status)"
        case let .transport(reason): "transport: \(reason)"
        case let .invalidResponse(reason): "invalid response: \(reason)"
        }
    }

    /// The case without its details, a closed set for metric labels.
    public var kind: String {
        switch self {
        case .timeout: "timeout"
        case .circuitOpen: "circuit_open"
        case .http: "http"
        case .transport: "transport"
        case .invalidResponse: "invalid_response"
        }
    }

    /// Worth another try: rate limiting, server errors, dropped connections.
    var isRetryable: Bool {
        switch self {
        case let .http(status): status == 429 || status >= 500
        case .transport, .timeout: true
        case .circuitOpen, .invalidResponse: false
        }
    }
}

/// A language model behind one protocol: Mistral, any OpenAI-compatible server, or a test double.
public protocol LanguageModelProvider: Sendable {
    /// A short name for logs and the `understood_by` field (`mistral`, `openai-compatible`).
    var name: String { get }
    /// The assistant message's text content.
    func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> String
}
