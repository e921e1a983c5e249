import Fluent
import Foundation
@testable import SupportServer
import Vapor
import SupportStore
import SupportDomain
import Testing
import VaporTesting

/// What operators read: readiness for the load balancer and metrics for Prometheus.
@Suite struct OperationsEndpointTests {
    /// A database that cannot be reached (here: nothing listens on its port) is a 503 with Retry-After, not a 500.
    @Test func anUnreachableDatabaseIsA503WithRetryAfter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supportops-down-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = AppConfig(database: .postgres(url: "postgres://supportops:supportops@127.0.0.1:9/nothing_listens"),
                               apiKeys: [testAPIKey], actionLogPath: directory.appendingPathComponent("a.jsonl").path,
                               logLevel: "error", seedDemoWhenEmpty: false)
        let built = try await buildApplication(config: config, dependencies: .live(config: config), environment: .testing)
        do {
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.add(name: .authorization, value: "Bearer \(testAPIKey)")
            let response = try await built.app.testing().sendRequest(
                .POST, "/support/resolve", headers: headers,
                body: ByteBuffer(string: #"{"user_input": "where is my order 1003?", "user_id": 1}"#))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers.first(name: "Retry-After") == "5")
            let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(body?["error"] as? String == "unavailable")
        } catch {
            try? await built.app.asyncShutdown()
            throw error
        }
        try await built.app.asyncShutdown()
    }

    /// The benchmark's floor route is served only when switched on, and then does the status question's storage work:
    /// the tool's audit row and the conversation state are written, and another customer's order is not found.
    @Test func theBenchmarkFloorRouteIsOffUnlessSwitchedOn() async throws {
        let body = ByteBuffer(string: #"{"user_id": 1, "order_id": 1003}"#)
        var headers = HTTPHeaders()
        headers.contentType = .json
        try await TestHarness.with { h in
            #expect(h.config.benchmarkFloorRoute == false)
            let response = try await h.app.testing().sendRequest(.POST, "/benchmark/floor", headers: headers, body: body)
            #expect(response.status == .notFound)
        }
        #expect(try AppConfig.fromEnvironment(["SUPPORTOPS_BENCHMARK_FLOOR": "1"]).benchmarkFloorRoute)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["SUPPORTOPS_BENCHMARK_FLOOR": "maybe"]) }
        try await TestHarness.with(adjust: { $0.benchmarkFloorRoute = true }) { h in
            let audits = try await AuditEntryModel.query(on: h.app.db).count()
            let response = try await h.app.testing().sendRequest(.POST, "/benchmark/floor", headers: headers, body: body)
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(json?["status"] as? String == "shipped")
            #expect(json?["success"] as? Bool == true)
            #expect(try await AuditEntryModel.query(on: h.app.db).count() == audits + 1)
            let conversation = try #require(json?["conversation_id"] as? String)
            let state = try await h.services.stores.conversations.fetchState(conversationID: conversation, customer: CustomerID(1))
            #expect(state?.focusOrder == OrderID(1003))
            let foreign = try await h.app.testing().sendRequest(.POST, "/benchmark/floor", headers: headers,
                                                                body: ByteBuffer(string: #"{"user_id": 2, "order_id": 1003}"#))
            let refused = try JSONSerialization.jsonObject(with: Data(foreign.body.readableBytesView)) as? [String: Any]
            #expect(refused?["success"] as? Bool == false)
            #expect(refused?["status"] == nil)
        }
    }

    @Test func readyOnlyWhenMigratedAndIndexed() async throws {
        try await TestHarness.with { h in
            let ready = try await h.app.testing().sendRequest(.GET, "/ready")
            #expect(ready.status == .ok)
            let body = try h.json(ready)
            #expect(body["status"] as? String == "ready")
            #expect(body["database"] as? Bool == true && body["migrations"] as? Bool == true && body["knowledge"] as? Bool == true)
            // With the migrations reverted the instance is not ready, and says when to ask again.
            try await h.app.autoRevert()
            let notReady = try await h.app.testing().sendRequest(.GET, "/ready")
            #expect(notReady.status == .serviceUnavailable)
            #expect(notReady.headers.first(name: "Retry-After") == "5")
            let reverted = try h.json(notReady)
            #expect(reverted["status"] as? String == "not_ready" && reverted["migrations"] as? Bool == false)
            #expect(reverted["database"] as? Bool == true)
            try await h.app.autoMigrate()
        }
    }

    @Test func metricsCountRequestsResolutionsAndToolCalls() async throws {
        try await TestHarness.with { h in
            func value(_ text: String, _ prefix: String) -> Double {
                text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
                    .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
            }
            let before = try await h.app.testing().sendRequest(.GET, "/metrics").body.string
            _ = try await h.resolve("please cancel order 1002", user: 1)
            _ = try await h.resolve("I want a refund", user: 1) // which order? a clarification
            let response = try await h.app.testing().sendRequest(.GET, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType)?.hasPrefix("text/plain") == true)
            let text = response.body.string
            // Counters only go up; other tests in this process count too, so the test looks at the difference.
            #expect(value(text, #"supportops_tool_calls_total{action="cancel_order",result="ok"}"#)
                    - value(before, #"supportops_tool_calls_total{action="cancel_order",result="ok"}"#) >= 1)
            #expect(value(text, "supportops_clarifications_total") - value(before, "supportops_clarifications_total") >= 1)
            #expect(text.contains("supportops_resolutions_total{"))
            #expect(text.contains("http_requests_total{") && text.contains("http_request_duration_seconds_bucket{"))
            #expect(text.contains(#"supportops_outbox_messages{status="queued"}"#))
            // Nothing personal: no message text, no e-mail address.
            #expect(!text.contains("cancel order 1002") && !text.contains("@example.com"))
        }
    }
}
