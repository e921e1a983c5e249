import Foundation
import NIOCore
import Vapor

/// Bearer-key authentication for the API. With no keys configured only loopback clients are served.
struct APIKeyMiddleware: AsyncMiddleware {
    let keys: [String]
    let protectedPrefixes: [String]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard protectedPrefixes.contains(where: { request.url.path.hasPrefix($0) }) else {
            return try await next.respond(to: request)
        }
        if keys.isEmpty {
            // Behind a trusted proxy the client is the forwarded address, not the proxy on this machine.
            guard request.remoteAddress == nil || Self.isLoopback(request.clientAddress) else {
                throw APIProblem(status: .unauthorized, code: "unauthorized",
                                 message: "No API keys are configured, so the API only answers on loopback.")
            }
            return try await next.respond(to: request)
        }
        guard let presented = request.headers.bearerAuthorization?.token else {
            throw APIProblem(status: .unauthorized, code: "unauthorized",
                             message: "Missing API key: send the header Authorization: Bearer KEY.")
        }
        guard keys.contains(where: { Self.constantTimeEquals($0, presented) }) else {
            throw APIProblem(status: .unauthorized, code: "unauthorized", message: "The API key is not valid.")
        }
        return try await next.respond(to: request)
    }

    /// In-process requests (no socket) come from this process itself: the caller checks that case.
    static func isLoopback(_ ip: String?) -> Bool {
        guard let ip else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
