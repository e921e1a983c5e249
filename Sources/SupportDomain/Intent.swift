/// What the customer wants, as the agent understood it.
public enum Intent: String, CaseIterable, Sendable, Codable {
    case refund, cancel, replacement, status, escalate, other

    /// The tool that serves this intent for one order, if any.
    public var needsOrder: Bool {
        switch self {
        case .refund, .cancel, .replacement, .status: true
        case .escalate, .other: false
        }
    }

    /// Whether acting on it changes something (money, an order, a shipment).
    public var isWrite: Bool { self == .refund || self == .cancel || self == .replacement }
}
