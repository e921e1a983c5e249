import Foundation
import OpenAPIRuntime
import SupportStore
import Vapor
import HTTPTypes

/// A client error with a stable code, the field at fault and a human message. Rendered as JSON.
struct APIProblem: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    var field: String?
}

/// Maps every error on the API routes to the spec's one problem body: 4xx for anything a client sent, a bare 500 with
/// the request id (and the details only in the log) for our own faults.
struct APIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return try Self.response(for: error, to: request)
        }
    }

    static func response(for error: any Error, to request: Request) throws -> Response {
        let problem = Self.problem(for: error)
        if problem.status.code >= 500 {
            // Only the underlying cause: the runtime's own description would include the request body (customer text).
            let underlying = (error as? ServerError)?.underlyingError ?? error
            let cause = DatabaseAvailability.kind(of: underlying) ?? String(describing: type(of: underlying))
            request.logger.error("request failed", metadata: ["error": .string(String(cause.prefix(300)))])
        }
        var body: [String: String] = ["error": problem.code, "message": problem.message]
        if let field = problem.field { body["field"] = field }
        if let id = request.storage[RequestIDKey.self] { body["request_id"] = id }
        let response = Response(status: problem.status)
        try response.content.encode(body, as: .json)
        if let id = request.storage[RequestIDKey.self] { response.headers.replaceOrAdd(name: "X-Request-ID", value: id) }
        if problem.status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        if problem.status == .serviceUnavailable { response.headers.replaceOrAdd(name: .retryAfter, value: "5") }
        return response
    }
}

/// What no route matched (and any error no group handled): browsers get the portal's 404 page, clients JSON.
struct UnmatchedRouteMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            if (error as? any AbortError)?.status == .notFound, let page = try? await Self.browserNotFoundPage(request) {
                return page
            }
            return try APIErrorMiddleware.response(for: error, to: request)
        }
    }

    /// A browser that follows a dead link outside the portal's routes gets the portal's 404 page, not JSON.
    static func browserNotFoundPage(_ request: Request) async throws -> Response? {
        let path = request.url.path
        guard request.method == .GET, !path.hasPrefix("/api/"), !path.hasPrefix("/support/"),
              request.headers[.accept].contains(where: { $0.contains("text/html") }) else { return nil }
        let view = try await request.view.render("error", ["title": "Not found", "status": "404",
                                                            "message": "We could not find that page."]).get()
        let response = try await view.encodeResponse(status: .notFound, for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

}

extension APIErrorMiddleware {
    static func problem(for error: any Error) -> APIProblem {
        switch error {
        case let problem as APIProblem:
            return problem
        case let server as ServerError:
            if let decoding = server.underlyingError as? DecodingError { return problem(for: decoding) }
            if let inner = server.underlyingError as? APIProblem { return inner }
            if (400..<500).contains(server.httpStatus.code) {
                return APIProblem(status: HTTPResponseStatus(statusCode: server.httpStatus.code), code: "bad_request",
                                  message: Self.clientMessage(server.causeDescription))
            }
            if server.underlyingError is ServerError || DatabaseAvailability.isUnavailable(server.underlyingError) {
                return problem(for: server.underlyingError)
            }
            // A missing body or a wrong content type never gets here: `JSONBodyCheck` answers them first.
            return APIProblem(status: .internalServerError, code: "internal", message: "Something went wrong on our side.")
        case let decoding as DecodingError:
            return problem(for: decoding)
        case let abort as any AbortError where abort.status == .payloadTooLarge:
            return APIProblem(status: .payloadTooLarge, code: "payload_too_large",
                              message: "The request body is larger than the 64 KB limit.")
        case let abort as any AbortError:
            let status = abort.status
            let code = status == .notFound ? "not_found" : status == .payloadTooLarge ? "payload_too_large" : "bad_request"
            return APIProblem(status: status, code: code,
                              message: status.code < 500 ? abort.reason : "Something went wrong on our side.")
        case _ where DatabaseAvailability.isUnavailable(error):
            return APIProblem(status: .serviceUnavailable, code: "unavailable",
                              message: "The service cannot reach its database right now; nothing was changed. Try again in a few seconds.")
        default:
            return APIProblem(status: .internalServerError, code: "internal", message: "Something went wrong on our side.")
        }
    }

    static func problem(for decoding: DecodingError) -> APIProblem {
        func path(_ context: DecodingError.Context, appending key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch decoding {
        case let .keyNotFound(key, context):
            let field = path(context, appending: key)
            return APIProblem(status: .badRequest, code: "missing_field", message: "The field \(field) is required.", field: field)
        case let .typeMismatch(type, context):
            let field = path(context)
            return APIProblem(status: .badRequest, code: "invalid_type",
                              message: "The field \(field) has the wrong type (expected \(Self.typeName(type))).", field: field)
        case let .valueNotFound(type, context):
            let field = path(context)
            return APIProblem(status: .badRequest, code: "invalid_type",
                              message: "The field \(field) must not be null (expected \(Self.typeName(type))).", field: field)
        case let .dataCorrupted(context):
            let field = path(context)
            if field.isEmpty {
                return APIProblem(status: .badRequest, code: "malformed_json", message: "The request body is not valid JSON.")
            }
            return APIProblem(status: .badRequest, code: "invalid_value", message: "The field \(field) has an invalid value.", field: field)
        @unknown default:
            return APIProblem(status: .badRequest, code: "bad_request", message: "The request body could not be read.")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "an object"
        }
    }

    /// The runtime's own description, stripped of internal type names.
    static func clientMessage(_ cause: String) -> String {
        cause.count < 200 ? cause : "The request could not be read."
    }
}
