import Foundation
import Vapor

/// The request id of the request being handled, for handlers that the OpenAPI transport calls without the
/// Vapor request.
enum RequestContext {
    @TaskLocal static var requestID: String?
}

/// Gives every request an id (echoed as `X-Request-ID`) and makes it visible to the OpenAPI handlers.
struct RequestContextMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let id = UUID().uuidString.lowercased()
        request.logger[metadataKey: "request_id"] = .string(id)
        request.storage[RequestIDKey.self] = id
        let response = try await RequestContext.$requestID.withValue(id) {
            try await next.respond(to: request)
        }
        response.headers.replaceOrAdd(name: "X-Request-ID", value: id)
        return response
    }
}

enum RequestIDKey: StorageKey {
    typealias Value = String
}
