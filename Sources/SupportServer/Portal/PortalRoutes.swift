import SupportDomain
import Vapor

extension PortalPath {
    /// The route pattern of this page: its segments, with `:id` where the case carries an id (the id given when
    /// registering is only a placeholder).
    var pattern: [PathComponent] {
        segments.map { segment in
            switch segment {
            case let .literal(text): .constant(text)
            case .id: .parameter("id")
            }
        }
    }
}

extension RoutesBuilder {
    /// Registers a GET handler on a portal page.
    @discardableResult
    func get(_ page: PortalPath, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        get(page.pattern, use: handler)
    }

    /// Registers a POST handler on a portal form target.
    @discardableResult
    func post(_ page: PortalPath, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        post(page.pattern, use: handler)
    }

    /// Registers a POST handler whose body may be larger than a form's (an upload), up to `bodyLimit` bytes.
    @discardableResult
    func post(_ page: PortalPath, bodyLimit: Int, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        let route = on(.POST, page.pattern, body: .collect(maxSize: ByteCount(value: bodyLimit)), use: handler)
        route.bodyLimit = bodyLimit
        return route
    }
}

extension Route {
    /// The largest body this route takes, for middleware that must read the body before the route does (the CSRF
    /// check); nil: the application's default.
    var bodyLimit: Int? {
        get { userInfo["supportops.bodyLimit"] as? Int }
        set { userInfo["supportops.bodyLimit"] = newValue }
    }
}

extension Request {
    func redirect(to page: PortalPath) -> Response { redirect(to: page.path) }

    /// The `:id` of a portal route as a typed id, or nil when it is missing or not a number.
    func id<Entity>(_: Identifier<Entity>.Type = Identifier<Entity>.self) -> Identifier<Entity>? {
        parameters.get("id", as: Int64.self).map(Identifier<Entity>.init(rawValue:))
    }
}

/// The placeholder id a route is registered with (`PortalPath.ticket(.route)`).
extension Identifier {
    static var route: Identifier { Identifier(rawValue: 0) }
}
