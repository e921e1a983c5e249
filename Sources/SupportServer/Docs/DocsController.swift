import Foundation
import Vapor
import Yams

/// Serves the OpenAPI document (YAML as written, JSON converted once) and Swagger UI / ReDoc from assets
/// bundled with the service, so the docs render with no internet access.
struct DocsController {
    func register(on app: Application) throws {
        guard let specURL = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let yaml = try? String(contentsOf: specURL, encoding: .utf8) else {
            throw Abort(.internalServerError, reason: "openapi.yaml is missing from the bundle")
        }
        let json = try Self.convertToJSON(yaml)
        app.get("openapi.yaml") { _ in Self.respond(yaml, type: HTTPMediaType(type: "application", subType: "yaml")) }
        app.get("openapi.json") { _ in Self.respond(json, type: .json) }
        app.get("docs") { _ in Self.respond(Self.swaggerPage, type: .html) }
        app.get("redoc") { _ in Self.respond(Self.redocPage, type: .html) }
        for (name, type) in [("favicon.ico", HTTPMediaType(type: "image", subType: "x-icon")),
                             ("favicon.svg", HTTPMediaType(type: "image", subType: "svg+xml"))] {
            guard let url = Bundle.module.url(forResource: "Public/\(name)", withExtension: nil) else {
                throw Abort(.internalServerError, reason: "\(name) is missing from the bundle")
            }
            let data = try Data(contentsOf: url)
            app.get(PathComponent(stringLiteral: name)) { _ -> Response in
                let response = Response(status: .ok, body: .init(data: data))
                response.headers.contentType = type
                response.headers.cacheControl = .init(isPublic: true, maxAge: 86_400)
                return response
            }
        }
        app.get("assets", "vendor", "**") { request -> Response in
            let parts = request.parameters.getCatchall()
            guard parts.count == 2, ["swagger-ui", "redoc"].contains(parts[0]), Self.assetNames.contains(parts[1]),
                  let url = Bundle.module.url(forResource: "Public/vendor/\(parts[0])/\(parts[1])", withExtension: nil),
                  let data = try? Data(contentsOf: url) else {
                throw Abort(.notFound)
            }
            let response = Response(status: .ok, body: .init(data: data))
            response.headers.contentType = parts[1].hasSuffix(".css") ? .css : HTTPMediaType(type: "application", subType: "javascript")
            response.headers.cacheControl = .init(isPublic: true, maxAge: 86_400)
            return response
        }
    }

    static let assetNames: Set<String> = ["swagger-ui.css", "swagger-ui-bundle.js", "redoc.standalone.js"]

    static func respond(_ text: String, type: HTTPMediaType) -> Response {
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = type
        return response
    }

    static func convertToJSON(_ yaml: String) throws -> String {
        guard let object = try Yams.load(yaml: yaml) else { throw Abort(.internalServerError, reason: "empty openapi.yaml") }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    static let swaggerPage = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>SupportOps API — Swagger UI</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="/favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/assets/vendor/swagger-ui/swagger-ui.css"></head>
    <body><div id="swagger-ui"></div>
    <script src="/assets/vendor/swagger-ui/swagger-ui-bundle.js"></script>
    <script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null});</script>
    </body></html>
    """

    static let redocPage = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>SupportOps API — ReDoc</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="/favicon.svg" type="image/svg+xml"></head>
    <body><redoc spec-url="/openapi.json"></redoc>
    <script src="/assets/vendor/redoc/redoc.standalone.js"></script>
    </body></html>
    """
}
