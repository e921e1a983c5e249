public import Foundation

/// The time, injected so that "within 30 days" and "2 refunds in 30 days" are tested with a clock the test controls,
/// never with sleeps.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's time.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock stopped at one instant.
public struct FixedClock: WallClock {
    public let date: Date
    public init(_ date: Date) { self.date = date }
    public func now() -> Date { date }
}

/// A clock a test moves forward by hand ("a day later", "8 days later") instead of waiting.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func advance(by interval: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(interval) }
    }
}

/// New identifiers (conversation ids), injected so a test can predict them.
public protocol IDGenerator: Sendable {
    func newID() -> String
}

/// Random UUIDs, lowercased.
public struct RandomIDs: IDGenerator {
    public init() {}
    public func newID() -> String { UUID().uuidString.lowercased() }
}
