import Foundation
public import SupportDomain

/// Who read a message: the offline model, or a language model (checked and backed by the offline model).
public enum Understander: Sendable, Hashable, CustomStringConvertible {
    case offline
    case languageModel(provider: String)

    /// `offline` or `llm:PROVIDER`, as the API's `understood_by` reports it.
    public var description: String {
        switch self {
        case .offline: "offline"
        case let .languageModel(provider): "llm:\(provider)"
        }
    }

    public var isLanguageModel: Bool { self != .offline }
}

/// What the agent made of a message: the intent with a confidence and the extracted fields.
public struct Understanding: Sendable, Hashable {
    public var intent: Intent
    public var confidence: Double
    public var orderID: OrderID?
    public var reason: ReturnReason?
    public var mentionedAmounts: [String]
    /// Other intents the message also asked for ("cancel order 5 and refund order 6").
    public var secondaryIntents: [Intent]
    /// The most likely intents, best first (for "did you mean …?" when unsure).
    public var alternatives: [Intent] = []
    /// Which path answered.
    public var understoodBy: Understander = .offline
    /// Why the language model's answer was not used, when one was asked.
    public var fallbackReason: String?

    public init(intent: Intent, confidence: Double, orderID: OrderID?, reason: ReturnReason?,
                mentionedAmounts: [String] = [], secondaryIntents: [Intent] = []) {
        self.intent = intent
        self.confidence = confidence
        self.orderID = orderID
        self.reason = reason
        self.mentionedAmounts = mentionedAmounts
        self.secondaryIntents = secondaryIntents
    }
}

/// Turns a redacted message into an `Understanding`. The offline model and language-model providers implement it.
public protocol IntentUnderstanding: Sendable {
    func understand(_ redactedText: String) async -> Understanding
    /// The message read with the (redacted) conversation so far: language, order in focus, the open question.
    func understand(_ redactedText: String, context: DialogueState?) async -> Understanding
}

extension IntentUnderstanding {
    /// Understandings that read one message at a time ignore the conversation.
    public func understand(_ redactedText: String, context: DialogueState?) async -> Understanding {
        await understand(redactedText)
    }
}
