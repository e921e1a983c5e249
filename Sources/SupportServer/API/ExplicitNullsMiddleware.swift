import Foundation
import Vapor
import NIOFoundationEssentialsCompat

/// The generated encoder leaves out nil fields; the API promises them as explicit `null`s on these paths.
struct ExplicitNullsMiddleware: AsyncMiddleware {
    let paths: Set<String>
    let keys: [String]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        guard paths.contains(request.url.path), response.status == .ok,
              response.headers.contentType?.subType == "json",
              let buffer = try await response.body.collect(on: request.eventLoop).get(),
              var object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            return response
        }
        Self.fillNulls(&object, keys: keys)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        response.body = .init(data: data)
        response.headers.replaceOrAdd(name: .contentLength, value: String(data.count))
        return response
    }

    /// The resolve response's fields that are always present, `null` when not applicable.
    static let resolveResponseKeys = ["order_id", "action_result", "clarification_prompt"]

    static func fillNulls(_ object: inout [String: Any], keys: [String]) {
        for key in keys where object[key] == nil { object[key] = NSNull() }
    }
}
