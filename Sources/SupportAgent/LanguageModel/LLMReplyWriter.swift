import Foundation
public import Logging
import SupportSearch

/// Writes the customer's reply. The template draft is always correct; a writer may only restyle it.
public protocol ReplyWriter: Sendable {
    /// The reply to send and who wrote it (`template` or `llm:NAME`).
    func write(draft: String, passages: [String]) async -> (text: String, writtenBy: String)
}

/// The deterministic templates, unchanged.
public struct TemplateReplyWriter: ReplyWriter {
    public init() {}
    public func write(draft: String, passages: [String]) async -> (text: String, writtenBy: String) { (draft, "template") }
}

/// Lets a language model restyle the draft, grounded only in the draft (the tool result) and the retrieved passages.
/// Its text is refused — and the draft sent — when it is empty, too long, drops a number the draft states, or
/// states a number that neither the draft nor the passages contain.
public struct LLMReplyWriter: ReplyWriter {
    let provider: any LanguageModelProvider
    let logger: Logger

    public init(provider: any LanguageModelProvider, logger: Logger = Logger(label: "supportops.llm")) {
        self.provider = provider
        self.logger = logger
    }

    static let schema: [String: any Sendable] = [
        "type": "object",
        "properties": ["reply": ["type": "string", "maxLength": 1200] as [String: any Sendable]] as [String: any Sendable],
        "required": ["reply"],
        "additionalProperties": false,
    ]

    public static func request(draft: String, passages: [String]) -> ChatRequest {
        let instructions = """
        Rewrite the draft reply to a shop customer so it reads warm, clear and short. Use only facts from the draft and \
        the policy passages. Keep every number, amount and order number of the draft exactly; add no other number, \
        date, amount, promise or order number. Answer with JSON only: {"reply": "..."}.
        """
        let content = "\(instructions)\n\nDraft:\n<<<\n\(draft)\n>>>\n\nPolicy passages:\n<<<\n"
            + passages.prefix(3).joined(separator: "\n---\n") + "\n>>>"
        return ChatRequest(messages: [ChatMessage(role: "system", content: instructions), ChatMessage(role: "user", content: content)],
                           schema: schema, maxTokens: 400, temperature: 0.2)
    }

    public func write(draft: String, passages: [String]) async -> (text: String, writtenBy: String) {
        do {
            let answer = try await provider.complete(Self.request(draft: draft, passages: passages), deadline: .now + .seconds(60))
            return (try Self.validate(answer, draft: draft, passages: passages), "llm:\(provider.name)")
        } catch {
            logger.notice("language-model reply not used; template sent", metadata: ["reason": .string("\(error)")])
            return (draft, "template")
        }
    }

    static func validate(_ answer: String, draft: String, passages: [String]) throws -> String {
        guard let start = answer.firstIndex(of: "{"), let end = answer.lastIndex(of: "}"), start < end,
              let object = try? JSONSerialization.jsonObject(with: Data(answer[start...end].utf8)) as? [String: Any],
              let reply = (object["reply"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !reply.isEmpty, reply.count <= 1200 else {
            throw LanguageModelError.invalidResponse("no reply")
        }
        let draftNumbers = numbers(in: draft)
        let allowed = draftNumbers.union(passages.reduce(into: Set<String>()) { $0.formUnion(numbers(in: $1)) })
        let stated = numbers(in: reply)
        if let invented = stated.first(where: { !allowed.contains($0) }) {
            throw LanguageModelError.invalidResponse("states \(invented), which the facts do not")
        }
        if let dropped = draftNumbers.first(where: { !stated.contains($0) }) {
            throw LanguageModelError.invalidResponse("drops \(dropped) from the draft")
        }
        return reply
    }

    /// Numbers as written ("49.99", "1001", "24"), so that "49.99" is not matched by "49".
    static func numbers(in text: String) -> Set<String> {
        var found: Set<String> = []
        var current = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            if character.isASCII && character.isNumber {
                current.append(character)
            } else if character == ".", !current.isEmpty, index + 1 < characters.count, characters[index + 1].isNumber {
                current.append(character)
            } else {
                if !current.isEmpty { found.insert(current) }
                current = ""
            }
        }
        if !current.isEmpty { found.insert(current) }
        return found
    }
}
