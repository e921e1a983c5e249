import Foundation
import SupportDomain
import Vapor

/// Counts in this process: right for SQLite, which one instance serves (PostgreSQL deployments count in the database,
/// shared by every instance).
final class LocalRateLimiter: RateLimiter, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: (start: Int64, hits: Int)] = [:]

    func hit(_ bucket: String, limit: Int, window: Int, now: Date) async throws -> RateDecision {
        let (start, remaining) = Self.window(of: now, length: window)
        let hits: Int = lock.withLock {
            var entry = counts[bucket] ?? (start, 0)
            if entry.start != start { entry = (start, 0) }
            entry.hits += 1
            counts[bucket] = entry
            return entry.hits
        }
        return RateDecision(allowed: hits <= limit, retryAfterSeconds: hits <= limit ? 0 : max(1, remaining))
    }

    func purge(before date: Date) async throws {
        let cutoff = Int64(date.timeIntervalSince1970)
        lock.withLock { counts = counts.filter { $0.value.start >= cutoff } }
    }
}

/// Rate limits on the API, per client address and per API key, each in one-minute windows: over the limit a request
/// gets 429 with `Retry-After` (seconds to the next window) and runs nothing. 0 turns a limit off.
struct RateLimitMiddleware: AsyncMiddleware {
    let limiter: any RateLimiter
    let clock: any WallClock
    let perAddress: Int
    let perKey: Int
    let prefixes: [String]

    static let window = 60

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard prefixes.contains(where: { request.url.path.hasPrefix($0) }) else { return try await next.respond(to: request) }
        let now = clock.now()
        var buckets: [(String, Int, String)] = []
        if perAddress > 0 {
            buckets.append(("address:" + (request.clientAddress ?? "local"), perAddress, "this address"))
        }
        if perKey > 0, request.headers.bearerAuthorization != nil {
            buckets.append((IdempotencyMiddleware.scope(of: request), perKey, "this API key"))
        }
        for (bucket, limit, whose) in buckets {
            let decision = try await limiter.hit(bucket, limit: limit, window: Self.window, now: now)
            guard decision.allowed else {
                let response = try APIErrorMiddleware.response(for: APIProblem(
                    status: .tooManyRequests, code: "rate_limited",
                    message: "Too many requests from \(whose): at most \(limit) a minute. Retry after \(decision.retryAfterSeconds) s."),
                    to: request)
                response.headers.replaceOrAdd(name: .retryAfter, value: String(decision.retryAfterSeconds))
                return response
            }
        }
        return try await next.respond(to: request)
    }
}
