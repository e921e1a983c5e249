import Vapor

/// Several async middlewares run as one: plain async calls from one to the next.
///
/// Vapor runs each `AsyncMiddleware` of a chain through a promise completed by a `Task` of its own, and the next one
/// through a future again; the API's ten middlewares cost every request ten tasks and as many future round trips
/// (issue 14: measured on the status benchmark). In a group only the group itself pays that once.
struct AsyncMiddlewareGroup: AsyncMiddleware {
    let middlewares: [any AsyncMiddleware]

    init(_ middlewares: [any AsyncMiddleware]) {
        self.middlewares = middlewares
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var responder = next
        for middleware in middlewares.reversed() {
            responder = Link(middleware: middleware, next: responder)
        }
        return try await responder.respond(to: request)
    }

    private struct Link: AsyncResponder {
        let middleware: any AsyncMiddleware
        let next: any AsyncResponder

        func respond(to request: Request) async throws -> Response {
            try await middleware.respond(to: request, chainingTo: next)
        }
    }
}
