import Fluent
import Foundation
import NIOCore
import SupportDomain
import SupportServer
import SupportStore
import Testing
import VaporTesting

/// `Idempotency-Key` on POST /support/resolve: a retry never acts twice, even when it arrives at the same moment.
@Suite struct IdempotencyTests {
    static func post(_ h: TestHarness, _ body: String, key: String?, apiKey: String = testAPIKey) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json")
        headers.add(name: .authorization, value: "Bearer \(apiKey)")
        if let key { headers.add(name: "Idempotency-Key", value: key) }
        return try await h.app.testing().sendRequest(.POST, "/support/resolve", headers: headers, body: ByteBuffer(string: body))
    }

    @Test func aRetryGetsTheFirstAnswerAndActsOnce() async throws {
        try await TestHarness.with(apiKeys: [testAPIKey, "second-key-0123456789abcdef"]) { h in
            let refund = #"{"user_input": "order 1001 arrived broken, refund it please", "user_id": 1}"#
            let first = try await Self.post(h, refund, key: "retry-1")
            #expect(first.status == .ok)
            let again = try await Self.post(h, refund, key: "retry-1")
            #expect(again.status == .ok && again.body.string == first.body.string)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try await RefundModel.query(on: h.app.db).filter(\.$orderID == 1001).count() == 1)
            // The same key with another body is a conflict naming the header; nothing runs.
            let other = try await Self.post(h, #"{"user_input": "cancel order 1002", "user_id": 1}"#, key: "retry-1")
            #expect(other.status == .conflict)
            let problem = try h.json(other)
            #expect(problem["error"] as? String == "idempotency_key_reused" && problem["field"] as? String == "Idempotency-Key")
            // Keys belong to their API key: another caller's "retry-1" is its own.
            let theirs = try await Self.post(h, #"{"user_input": "where is order 1003?", "user_id": 1}"#, key: "retry-1",
                                             apiKey: "second-key-0123456789abcdef")
            #expect(theirs.status == .ok && theirs.headers.first(name: "Idempotent-Replayed") == nil)
            // A key that is no key is refused; without a key, requests run as before.
            #expect(try await Self.post(h, refund, key: String(repeating: "k", count: 201)).status == .badRequest)
            #expect(try await Self.post(h, #"{"user_input": "where is order 1003?", "user_id": 1}"#, key: nil).status == .ok)
            // A validation answer (4xx) is kept too: the same bad request gets the same 422.
            let empty = #"{"user_input": "", "user_id": 1}"#
            #expect(try await Self.post(h, empty, key: "bad-1").status == .unprocessableEntity)
            #expect(try await Self.post(h, empty, key: "bad-1").headers.first(name: "Idempotent-Replayed") == "true")
        }
    }

    @Test func simultaneousRetriesActOnce() async throws {
        try await TestHarness.with { h in
            let cancel = #"{"user_input": "please cancel order 1002", "user_id": 1}"#
            let responses = try await withThrowingTaskGroup(of: TestingHTTPResponse.self) { group in
                for _ in 0..<6 { group.addTask { try await Self.post(h, cancel, key: "same-moment") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.allSatisfy { $0.status == .ok })
            #expect(Set(responses.map(\.body.string)).count == 1)
            #expect(responses.filter { $0.headers.first(name: "Idempotent-Replayed") == "true" }.count == 5)
            let cancels = try await h.actionLogLines().filter { $0["action"] as? String == "cancel_order" }
            #expect(cancels.count == 1)
        }
    }
}

/// Rate limits on the API: per API key and per client address, one-minute windows, 429 with Retry-After.
@Suite struct RateLimitTests {
    @Test func overTheLimitIsA429UntilTheNextWindow() async throws {
        let clock = ManualClock(testNow)
        try await TestHarness.with(apiKeys: [testAPIKey, "second-key-0123456789abcdef"], clock: clock,
                                   adjust: { $0.rateLimitPerKey = 3; $0.rateLimitPerAddress = 5 }) { h in
            let question = #"{"user_input": "where is order 1003?", "user_id": 1}"#
            for _ in 0..<3 { #expect(try await IdempotencyTests.post(h, question, key: nil).status == .ok) }
            let limited = try await IdempotencyTests.post(h, question, key: nil)
            #expect(limited.status == .tooManyRequests)
            let retry = try #require(Int(limited.headers.first(name: .retryAfter) ?? ""))
            #expect((1...60).contains(retry))
            #expect(try h.json(limited)["error"] as? String == "rate_limited")
            // Another key has its own count, until the address's limit (5) stops both.
            let other = "second-key-0123456789abcdef"
            #expect(try await IdempotencyTests.post(h, question, key: nil, apiKey: other).status == .ok)
            #expect(try await IdempotencyTests.post(h, question, key: nil, apiKey: other).status == .tooManyRequests)
            // Nothing ran for the refused requests: the audit log has one status lookup per allowed request.
            let lookups = try await h.actionLogLines().filter { $0["action"] as? String == "get_order_status" }
            #expect(lookups.count == 4)
            // The next window lets them through again; the portal and /health were never limited.
            #expect(try await h.app.testing().sendRequest(.GET, "/health").status == .ok)
            clock.advance(by: Double(retry))
            #expect(try await IdempotencyTests.post(h, question, key: nil).status == .ok)
        }
    }

    @Test func aLimitOfZeroIsOff() throws {
        let config = try AppConfig.fromEnvironment(["SUPPORTOPS_RATE_LIMIT_PER_KEY": "0", "SUPPORTOPS_RATE_LIMIT_PER_ADDRESS": "50"])
        #expect(config.rateLimitPerKey == 0 && config.rateLimitPerAddress == 50)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["SUPPORTOPS_RATE_LIMIT_PER_KEY": "lots"]) }
    }
}
