import Foundation

/// A passage a reply relies on: the document, its section title and the excerpt shown to the customer.
public struct Citation: Sendable, Hashable, Codable {
    public var source: String
    public var section: String
    public var excerpt: String

    public init(source: String, section: String, excerpt: String) {
        self.source = source
        self.section = section
        self.excerpt = excerpt
    }
}

/// One step of the decision trace, for audits, tickets and the agents' playground.
public struct TraceStep: Sendable, Hashable, Codable {
    /// The stages of a turn, in the order they usually happen.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case redact, llm, understand, `continue`, decide, check, act, retrieve, reply
    }

    public var step: Kind
    public var detail: String

    public init(step: Kind, detail: String) {
        self.step = step
        self.detail = detail
    }
}
