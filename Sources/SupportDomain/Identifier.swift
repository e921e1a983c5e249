/// A typed integer id, so that an order id can never be passed where a customer id is expected.
public struct Identifier<Entity>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

public enum CustomerTag {}
public enum OrderTag {}
public enum ProductTag {}
public enum RefundTag {}
public enum ReplacementTag {}
public enum EscalationTag {}

public typealias CustomerID = Identifier<CustomerTag>
public typealias OrderID = Identifier<OrderTag>
public typealias ProductID = Identifier<ProductTag>
public typealias RefundID = Identifier<RefundTag>
public typealias ReplacementID = Identifier<ReplacementTag>
public typealias EscalationID = Identifier<EscalationTag>
