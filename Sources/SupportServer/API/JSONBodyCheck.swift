import Foundation
import SupportDomain
import Vapor
import NIOFoundationEssentialsCompat

/// Checks a JSON request body's field types before the generated decoder sees it, so that every type error
/// names its field (the decoder reports some, such as 1.5 for an integer, as "invalid JSON" without one).
struct JSONBodyCheck: AsyncMiddleware {
    enum Expectation: Sendable {
        case string, integer
    }

    let path: String
    let fields: [(name: String, type: Expectation, required: Bool)]
    /// Larger bodies are refused with 413 before any of them is parsed.
    var maxBytes = 64 * 1024

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.url.path == path, request.method == .POST else { return try await next.respond(to: request) }
        guard request.headers.contentType?.subType == "json" else {
            let empty = request.headers.contentType == nil && (request.body.data?.readableBytes ?? 0) == 0
                && request.headers.first(name: .contentLength).flatMap(Int.init) ?? 0 == 0
                && !request.headers.contains(name: .transferEncoding)
            if empty { throw APIProblem(status: .badRequest, code: "missing_body", message: "The request needs a JSON body.") }
            throw APIProblem(status: .unsupportedMediaType, code: "unsupported_media_type",
                             message: "The request body must be JSON (Content-Type: application/json).")
        }
        // `collect(max:)` keeps what it read as the request's body, so the route that follows reads it again. Iterating
        // the body as an async sequence instead would drain a streamed body (anything that did not arrive with the head,
        // about 1 KB and up over a real socket) and leave the route waiting forever for bytes already consumed.
        let buffer = try await request.body.collect(max: maxBytes).get()
        let data = buffer.map { Data(buffer: $0) } ?? Data()
        guard !data.isEmpty else {
            throw APIProblem(status: .badRequest, code: "missing_body", message: "The request needs a JSON body.")
        }
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw APIProblem(status: .badRequest, code: "malformed_json", message: "The request body is not valid JSON.")
        }
        guard case let .object(object) = root else {
            throw APIProblem(status: .badRequest, code: "invalid_type", message: "The request body must be a JSON object.")
        }
        for field in fields {
            switch (object[field.name], field.type) {
            case (nil, _):
                if field.required {
                    throw APIProblem(status: .badRequest, code: "missing_field", message: "The field \(field.name) is required.",
                                     field: field.name)
                }
            case (.string?, .string), (.int?, .integer):
                continue
            case (.null?, _) where !field.required:
                continue
            case let (value?, expected):
                let wanted = expected == .string ? "a string" : "an integer"
                throw APIProblem(status: .badRequest, code: "invalid_type",
                                 message: "The field \(field.name) must be \(wanted), not \(value.typeName).", field: field.name)
            }
        }
        return try await next.respond(to: request)
    }
}
