public import AsyncHTTPClient
import Foundation
import SupportDomain
import NIOCore
import NIOHTTP1

/// The chat-completions protocol spoken by Mistral, OpenAI, Ollama, vLLM and the llama.cpp server.
public struct ChatCompletionsProvider: LanguageModelProvider {
    /// How a JSON schema is asked for: OpenAI's and Mistral's `json_schema`, or llama.cpp's `json_object` + `schema`
    /// (llama.cpp answers `json_schema` with HTTP 500).
    public enum JSONMode: String, Sendable { case jsonSchema = "json_schema", jsonObject = "json_object" }

    public let name: String
    public let endpoint: String
    public let model: String
    let apiKey: String?
    let jsonMode: JSONMode
    let client: HTTPClient

    public init(name: String, baseURL: String, model: String, apiKey: String?, jsonMode: JSONMode,
                client: HTTPClient = .shared) {
        self.name = name
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base + "/chat/completions"
        self.model = model
        self.apiKey = apiKey
        self.jsonMode = jsonMode
        self.client = client
    }

    /// The body sent for `request` (exposed so tests can check exactly what leaves the process).
    func body(for request: ChatRequest) throws -> Data {
        var object: [String: Any] = [
            "model": model,
            "messages": request.messages.map { ["role": $0.role, "content": $0.content] },
            "max_tokens": request.maxTokens,
            "temperature": request.temperature,
            "stream": false,
        ]
        if let schema = request.schema {
            switch jsonMode {
            case .jsonSchema:
                object["response_format"] = ["type": "json_schema",
                                             "json_schema": ["name": "answer", "schema": schema, "strict": true] as [String: Any]]
            case .jsonObject:
                object["response_format"] = ["type": "json_object", "schema": schema] as [String: Any]
            }
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    public func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> String {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw LanguageModelError.timeout }
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "application/json")
        if let apiKey, !apiKey.isEmpty { http.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        http.body = .bytes(ByteBuffer(bytes: Array(try body(for: request))))
        let response: HTTPClientResponse
        let data: ByteBuffer
        do {
            let timeout = TimeAmount.microseconds(Int64(remaining.milliseconds * 1000))
            response = try await client.execute(http, timeout: timeout)
            data = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw LanguageModelError.timeout
        } catch let error as LanguageModelError {
            throw error
        } catch {
            throw ContinuousClock.now >= deadline ? LanguageModelError.timeout : LanguageModelError.transport("\(type(of: error))")
        }
        guard (200..<300).contains(response.status.code) else { throw LanguageModelError.http(status: Int(response.status.code)) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let first = choices.first,
              let message = first["message"] as? [String: Any] else {
            throw LanguageModelError.invalidResponse("not a chat completion")
        }
        if let content = message["content"] as? String { return content }
        // A tool call instead of text (some servers answer that way): its arguments are the JSON.
        if let calls = message["tool_calls"] as? [[String: Any]], let function = calls.first?["function"] as? [String: Any],
           let arguments = function["arguments"] as? String {
            return arguments
        }
        throw LanguageModelError.invalidResponse("no message content")
    }
}
