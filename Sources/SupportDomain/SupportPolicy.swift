import Foundation

/// The numbers the guardrails enforce. Policy texts and configuration read the same values.
public struct SupportPolicy: Sendable, Hashable, Codable {
    /// Refunds and replacements are possible this many days after delivery.
    public var returnWindowDays: Int
    /// At most this many refunds per customer within `refundLimitWindowDays`.
    public var maxRefundsPerWindow: Int
    public var refundLimitWindowDays: Int
    public var fraud: FraudThresholds

    public init(returnWindowDays: Int = 30, maxRefundsPerWindow: Int = 2, refundLimitWindowDays: Int = 30,
                fraud: FraudThresholds = .init()) {
        self.returnWindowDays = returnWindowDays
        self.maxRefundsPerWindow = maxRefundsPerWindow
        self.refundLimitWindowDays = refundLimitWindowDays
        self.fraud = fraud
    }

    public static let standard = SupportPolicy()
}

/// When a refund waits for a person instead of being paid.
public struct FraudThresholds: Sendable, Hashable, Codable {
    /// Refunds at or above this amount are reviewed.
    public var highValue: Money
    /// Accounts younger than this many days are reviewed.
    public var newAccountDays: Int
    /// This many refund requests (any outcome) in the last 90 days, the current one included, trigger review.
    public var maxRefundRequestsIn90Days: Int

    public init(highValue: Money = Money(minorUnits: 500_00), newAccountDays: Int = 7, maxRefundRequestsIn90Days: Int = 4) {
        self.highValue = highValue
        self.newAccountDays = newAccountDays
        self.maxRefundRequestsIn90Days = maxRefundRequestsIn90Days
    }
}

/// A reason a refund is held for review.
public enum FraudSignal: String, CaseIterable, Sendable, Codable {
    case highValue = "high_value"
    case newAccount = "new_account"
    case frequentRefunds = "frequent_refund_requests"
}

extension Date {
    func adding(days: Int) -> Date { addingTimeInterval(TimeInterval(days) * 86_400) }
}
