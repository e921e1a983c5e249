import Foundation
import NIOCore
import SupportDomain
import Vapor

/// `Idempotency-Key` on the API's writes: a retry with the same key and the same body gets the stored answer and acts on
/// nothing; the same key with another body gets 409; a key lives 24 hours. Keys are per caller (the API key's hash, or
/// the loopback caller), and the claim is a unique row, so two identical requests on two instances act once: the
/// second waits for the first one's answer. A 5xx is not kept, so the client may retry it.
struct IdempotencyMiddleware: AsyncMiddleware {
    let store: any IdempotencyStore
    let clock: any WallClock
    let paths: Set<String>

    static let header = "Idempotency-Key"
    static let lifetime: TimeInterval = 24 * 3600
    /// How long a duplicate waits for the first request's answer before it is told the request is still running.
    static let wait: Duration = .seconds(15)

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, paths.contains(request.url.path),
              let key = request.headers.first(name: Self.header) else {
            return try await next.respond(to: request)
        }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " }) else {
            throw APIProblem(status: .badRequest, code: "invalid_idempotency_key",
                             message: "Idempotency-Key must be 1 to 200 printable ASCII characters.", field: "Idempotency-Key")
        }
        // `collect(max:)` keeps the bytes as the request's body, so the handler reads them again.
        let body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        var hasher = SHA256()
        hasher.update(data: Data(request.url.path.utf8))
        if let body { hasher.update(data: Data(body.readableBytesView)) }
        let requestHash = PortalPage.hex(hasher.finalize())
        let scope = Self.scope(of: request)
        let deadline = ContinuousClock.now + Self.wait
        while true {
            switch try await store.begin(key: key, scope: scope, requestHash: requestHash, now: clock.now(), lifetime: Self.lifetime) {
            case .proceed:
                return try await carryOut(request, key: key, scope: scope, next: next)
            case let .replay(status, body, contentType):
                let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(string: body))
                response.headers.replaceOrAdd(name: .contentType, value: contentType)
                response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
                return response
            case .mismatch:
                throw APIProblem(status: .conflict, code: "idempotency_key_reused",
                                 message: "This Idempotency-Key was used with a different request. Use a new key for a new request.",
                                 field: "Idempotency-Key")
            case .inProgress:
                guard ContinuousClock.now < deadline else {
                    throw APIProblem(status: .conflict, code: "idempotency_key_in_progress",
                                     message: "A request with this Idempotency-Key is still being carried out. Retry shortly.",
                                     field: "Idempotency-Key")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func carryOut(_ request: Request, key: String, scope: String, next: any AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            // The error middleware outside turns this into its answer; the claim goes, so a retry runs.
            try? await store.abandon(key: key, scope: scope)
            throw error
        }
        guard response.status.code < 500,
              let buffer = try await response.body.collect(on: request.eventLoop).get() else {
            try? await store.abandon(key: key, scope: scope)
            return response
        }
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        try await store.complete(key: key, scope: scope, status: Int(response.status.code), body: text,
                                 contentType: response.headers.first(name: .contentType) ?? "application/json")
        response.body = .init(buffer: buffer)
        return response
    }

    /// Whose key it is: the SHA-256 of the bearer token (never the token itself), or the loopback caller.
    static func scope(of request: Request) -> String {
        guard let token = request.headers.bearerAuthorization?.token else { return "anonymous" }
        return "key:" + RandomTokens().hash(token)
    }
}
