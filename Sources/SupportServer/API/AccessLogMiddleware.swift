import Foundation
import Logging
import Vapor

/// One log line per request, when it is answered: the request id (also on the audit rows of what it did), method,
/// route pattern, status and latency. The pattern ("/tickets/:id"), never the path or query, so no token, search
/// term or id of a person reaches the log. With SUPPORTOPS_LOG_FORMAT=json each line is one JSON object.
struct AccessLogMiddleware: AsyncMiddleware {
    let level: Logger.Level

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next.respond(to: request)
            log(request, status: response.status, since: started)
            return response
        } catch {
            log(request, status: (error as? any AbortError)?.status ?? .internalServerError, since: started)
            throw error
        }
    }

    private func log(_ request: Request, status: HTTPResponseStatus, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.logger.log(level: level, "request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(status.code),
            "duration_ms": .string(String(format: "%.1f", milliseconds)),
        ])
    }
}
