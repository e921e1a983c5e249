import CoreMetrics
import Prometheus

/// The process's metrics: one Prometheus registry behind swift-metrics, bootstrapped once (the metrics system can be
/// bootstrapped only once per process; tests build many applications in one). Vapor's own request counters and
/// latency timers (`http_requests_total`, `http_request_duration_seconds` by route pattern, method and status) land
/// here too, next to the agent's.
enum MetricsBackend {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                                   .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                                   .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                                                   .seconds(5), .seconds(10)]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Makes sure the backend is in place before the first request counts anything.
    static func start() { _ = registry }

    /// The Prometheus text exposition of everything counted so far.
    static func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
