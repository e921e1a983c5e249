import Foundation
import NIOCore
import SupportStore
import Testing
import Vapor
import VaporTesting
@testable import SupportServer
import Fluent
import FluentKit
import NIOFoundationEssentialsCompat

/// Everything a client can send gets a 4xx with a JSON body naming the problem, never a 5xx.
@Suite struct InputValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var body: String
        var contentType = "application/json"
        var status: HTTPResponseStatus
        var field: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty input", body: #"{"user_input": "", "user_id": 1}"#, status: .unprocessableEntity, field: "user_input"),
        Case(name: "blank input", body: #"{"user_input": "   \n ", "user_id": 1}"#, status: .unprocessableEntity, field: "user_input"),
        Case(name: "over-long input", body: #"{"user_input": "\#(String(repeating: "a", count: 4001))", "user_id": 1}"#,
             status: .unprocessableEntity, field: "user_input"),
        Case(name: "input of wrong type", body: #"{"user_input": 42, "user_id": 1}"#, status: .badRequest, field: "user_input"),
        Case(name: "user id of wrong type", body: #"{"user_input": "hi", "user_id": "one"}"#, status: .badRequest, field: "user_id"),
        Case(name: "fractional user id", body: #"{"user_input": "hi", "user_id": 1.5}"#, status: .badRequest, field: "user_id"),
        Case(name: "missing user id", body: #"{"user_input": "hi"}"#, status: .badRequest, field: "user_id"),
        Case(name: "missing input", body: #"{"user_id": 1}"#, status: .badRequest, field: "user_input"),
        Case(name: "null input", body: #"{"user_input": null, "user_id": 1}"#, status: .badRequest, field: "user_input"),
        Case(name: "negative user id", body: #"{"user_input": "hi", "user_id": -3}"#, status: .unprocessableEntity, field: "user_id"),
        Case(name: "malformed JSON", body: #"{"user_input": "hi", "user_id": 1"#, status: .badRequest),
        Case(name: "JSON array", body: #"[1, 2]"#, status: .badRequest),
        Case(name: "empty body", body: "", status: .badRequest),
        Case(name: "bad conversation id", body: #"{"user_input": "hi", "user_id": 1, "conversation_id": "a b<c>"}"#,
             status: .unprocessableEntity, field: "conversation_id"),
        Case(name: "unknown customer", body: #"{"user_input": "refund order 1001", "user_id": 987654}"#, status: .notFound,
             field: "user_id"),
        Case(name: "not JSON", body: "user_input=hi&user_id=1", contentType: "application/x-www-form-urlencoded",
             status: .unsupportedMediaType),
    ]

    @Test(arguments: cases)
    func badInputIsAClientError(_ badCase: Case) async throws {
        try await TestHarness.with(seed: true) { h in
            let response = try await h.postRaw(badCase.body, contentType: badCase.contentType)
            #expect(response.status == badCase.status, "\(badCase.name): \(response.status) \(response.body.string)")
            #expect(response.status.code < 500)
            let json = try h.json(response)
            #expect(json["error"] is String)
            #expect((json["message"] as? String)?.isEmpty == false)
            if let field = badCase.field { #expect(json["field"] as? String == field, "\(response.body.string)") }
            // Internal details never leak.
            #expect(!response.body.string.contains("DecodingError"))
            #expect(!response.body.string.contains("Swift."))
        }
    }

    @Test func exactlyFourThousandCharactersIsAccepted() async throws {
        try await TestHarness.with { h in
            let sentence = "The blender arrived cracked and I want my money back. "
            let text = String(("Please refund order 1001. " + String(repeating: sentence, count: 80)).prefix(4000))
            #expect(text.count == 4000)
            let body = try await h.resolve(text, user: 1)
            #expect(body["intent"] as? String == "refund")
        }
    }

    @Test func nothingStoredChangesOnABadRequest() async throws {
        try await TestHarness.with { h in
            let response = try await h.postRaw(#"{"user_input": "refund order 1001", "user_id": "1"}"#)
            #expect(response.status == .badRequest)
            #expect(try await SupportStore.RefundModel.query(on: h.app.db).count() == 2)
            #expect(try await SupportStore.AuditEntryModel.query(on: h.app.db).count() == 0)
        }
    }
}

@Suite struct AuthenticationTests {
    @Test func missingAndWrongKeysAreRefused() async throws {
        try await TestHarness.with { h in
            let body = #"{"user_input": "where is order 1003", "user_id": 1}"#
            let missing = try await h.postRaw(body, key: nil)
            #expect(missing.status == .unauthorized)
            #expect(try h.json(missing)["error"] as? String == "unauthorized")
            let wrong = try await h.postRaw(body, key: "not-the-right-key-at-all")
            #expect(wrong.status == .unauthorized)
            let right = try await h.postRaw(body)
            #expect(right.status == .ok)
            // Nothing ran for the refused calls.
            #expect(try await SupportStore.AuditEntryModel.query(on: h.app.db).count() == 1)
        }
    }

    @Test func withoutKeysOnlyLoopbackIsServed() async throws {
        #expect(APIKeyMiddleware.isLoopback("127.0.0.1"))
        #expect(APIKeyMiddleware.isLoopback("::1"))
        #expect(!APIKeyMiddleware.isLoopback("10.1.2.3"))
        #expect(!APIKeyMiddleware.isLoopback("192.168.0.8"))
        #expect(!APIKeyMiddleware.isLoopback(nil))
        try await TestHarness.with(apiKeys: []) { h in
            // A real socket on loopback.
            let response = try await h.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
                .sendRequest(.POST, "support/resolve", headers: ["Content-Type": "application/json"],
                             body: ByteBuffer(string: #"{"user_input": "where is order 1003", "user_id": 1}"#))
            #expect(response.status == .ok)
        }
    }

    /// Behind a trusted proxy the forwarded address is the client: limits count per client, and a remote client
    /// coming through a proxy on this machine is not "loopback". From anyone else the header is ignored.
    @Test func forwardedAddressesCountOnlyFromTrustedProxies() async throws {
        let trusted = TrustedProxies(["127.0.0.1", "10.0.0.0/8"])
        #expect(trusted.contains("127.0.0.1") && trusted.contains("10.200.3.4") && !trusted.contains("11.0.0.1"))
        #expect(!trusted.contains("not an address") && TrustedProxies.isValid("10.0.0.0/8") && !TrustedProxies.isValid("10.0.0.0/40"))
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["SUPPORTOPS_TRUSTED_PROXIES": "localhost"]) }
        try await TestHarness.with(apiKeys: [], adjust: { $0.rateLimitPerAddress = 2; $0.trustedProxies = ["127.0.0.1"] }) { h in
            // A remote client through the local proxy gets no key-free access.
            let remote = try await Self.send(h, from: "203.0.113.5")
            #expect(remote == .unauthorized)
            // A client on this machine through the proxy does, with its own count.
            #expect(try await Self.send(h, from: "127.0.0.2") == .ok)
            #expect(try await Self.send(h, from: "127.0.0.2") == .ok)
            #expect(try await Self.send(h, from: "127.0.0.2") == .tooManyRequests)
            #expect(try await Self.send(h, from: "127.0.0.3") == .ok)
        }
        try await TestHarness.with(apiKeys: [], adjust: { $0.rateLimitPerAddress = 2 }) { h in
            // Nobody trusted: the header changes nothing (no key-free access claimed, no escape from the limit).
            let first = try await Self.send(h, from: "127.0.0.2")
            #expect(first == .ok)
            #expect(try await Self.send(h, from: "127.0.0.3") == .ok)
            #expect(try await Self.send(h, from: "127.0.0.4") == .tooManyRequests)
            #expect(try await Self.send(h, from: "203.0.113.5") == .tooManyRequests)
        }
    }

    /// A resolve over a real socket from 127.0.0.1, as a proxy forwarding for `client`.
    static func send(_ h: TestHarness, from client: String?) async throws -> HTTPStatus {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let client { headers.add(name: .xForwardedFor, value: "\(client), 127.0.0.1") }
        return try await h.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            .sendRequest(.POST, "support/resolve", headers: headers,
                         body: ByteBuffer(string: #"{"user_input": "where is order 1003", "user_id": 1}"#)).status
    }

    @Test func shortKeysAreRejectedAtStartup() throws {
        #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.fromEnvironment(["SUPPORTOPS_API_KEYS": "short"])
        }
        let config = try AppConfig.fromEnvironment(["SUPPORTOPS_API_KEYS": "aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbb"])
        #expect(config.apiKeys.count == 2)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["DATABASE_URL": "mysql://x"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["SUPPORTOPS_RETURN_WINDOW_DAYS": "soon"]) }
    }
}

@Suite struct DocumentationTests {
    @Test func specAndDocsAreServedWithoutTheInternet() async throws {
        try await TestHarness.with(seed: false) { h in
            let tester = try h.app.testing()
            let json = try await tester.sendRequest(.GET, "openapi.json")
            #expect(json.status == .ok)
            let spec = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any])
            #expect((spec["paths"] as? [String: Any])?["/support/resolve"] != nil)
            let yaml = try await tester.sendRequest(.GET, "openapi.yaml")
            #expect(yaml.body.string.hasPrefix("openapi:"))
            for page in ["docs", "redoc"] {
                let html = try await tester.sendRequest(.GET, page)
                #expect(html.status == .ok)
                #expect(!html.body.string.contains("http://") && !html.body.string.contains("https://"), "\(page) must not load from a CDN")
            }
            for asset in ["swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "redoc/redoc.standalone.js"] {
                let response = try await tester.sendRequest(.GET, "assets/vendor/\(asset)")
                #expect(response.status == .ok)
                #expect(response.body.readableBytes > 10_000)
            }
            let traversal = try await tester.sendRequest(.GET, "assets/vendor/redoc/..%2F..%2Fopenapi.yaml")
            #expect(traversal.status == .notFound)
            let health = try await tester.sendRequest(.GET, "health")
            #expect(health.status == .ok)
            #expect(try h.json(health)["database"] as? String == h.config.database.kind)
        }
    }
}
