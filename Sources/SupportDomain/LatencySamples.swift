/// Timings collected by the evaluation and benchmark commands, summarised by nearest-rank percentiles.
public struct LatencySamples: Sendable {
    public private(set) var milliseconds: [Double] = []

    public init() {}

    public var count: Int { milliseconds.count }

    public mutating func record(_ duration: Duration) { milliseconds.append(duration.milliseconds) }

    /// Times `body` and records how long it took.
    public mutating func measure<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        let value = try await body()
        record(ContinuousClock.now - start)
        return value
    }

    /// The nearest-rank percentile (`q` in 0...1); 0 without samples.
    public func percentile(_ q: Double) -> Double {
        guard !milliseconds.isEmpty else { return 0 }
        let sorted = milliseconds.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    public var maximum: Double { milliseconds.max() ?? 0 }
}

extension Duration {
    public var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
