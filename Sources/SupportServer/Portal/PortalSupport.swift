import Foundation
import SupportDomain
import Leaf
import LeafKit
import SupportStore
import Vapor

enum PortalUserKey: StorageKey { typealias Value = PortalAccount }

extension Request {
    /// The signed-in portal user, loaded from the session.
    var portalUser: PortalAccount? { storage[PortalUserKey.self] }

    /// The signed-in user, or a redirect to the sign-in page.
    func requirePortalUser() throws -> PortalAccount {
        guard let user = portalUser else {
            // Half-way through signing in: back to what is still owed (a code, or setting up an authenticator).
            let owed = session.data["pending_owed"].flatMap(SignIn.Pending.init(rawValue:))
            throw Abort.redirect(to: (owed == .enrol ? PortalPath.twoStepSetup : owed == .code ? .signInCode : .login).path)
        }
        return user
    }

    /// A signed-in agent or admin; anyone else gets the 404 an unknown page gets.
    func requireStaff() throws -> PortalAccount {
        let user = try requirePortalUser()
        guard user.role.isStaff else { throw Abort(.notFound) }
        return user
    }

    /// The session's CSRF token, created on first use.
    var csrfToken: String {
        if let token = session.data["csrf"] { return token }
        let token = PortalPage.randomHex(bytes: 24)
        session.data["csrf"] = token
        return token
    }
}

/// Loads the signed-in user (if any) and refuses every POST whose `csrf` field does not match the session's token.
/// A staff account without two-step sign-in (made staff while signed in, or reset by an admin) is not signed in: its
/// session owes the setup first.
struct PortalSessionMiddleware: AsyncMiddleware {
    let accounts: any AccountDirectory
    let clock: any WallClock

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let raw = request.session.data["user_id"], let id = Int64(raw),
           let user = try await accounts.fetchAccount(UserID(id)) {
            if user.isActive, Int(request.session.data["epoch"] ?? "0") == user.sessionEpoch {
                if user.role.requiresTwoStep, !user.hasTwoStep {
                    SignIn.setPending(request, account: user, owed: .enrol, now: clock.now())
                } else {
                    request.storage[PortalUserKey.self] = user
                }
            } else {
                // Signed in before the password was reset: this session is over.
                request.session.data["user_id"] = nil
            }
        }
        if request.method == .POST {
            // Middleware runs before the route collects a streamed body: read all of it first, or the token of a
            // larger form (not yet arrived) would look missing.
            if request.body.data == nil {
                // As much as the route takes: an upload's route allows more than a form's.
                let limit = request.route?.bodyLimit ?? request.application.routes.defaultMaxBodySize.value
                _ = try await request.body.collect(max: limit).get()
            }
            struct Token: Content { var csrf: String? }
            let presented = (try? request.content.decode(Token.self))?.csrf ?? ""
            guard let expected = request.session.data["csrf"], !presented.isEmpty,
                  APIKeyMiddleware.constantTimeEquals(expected, presented) else {
                throw Abort(.forbidden, reason: "This form has expired or did not come from this site. Please try again.")
            }
        }
        return try await next.respond(to: request)
    }
}

/// Friendly error pages for the portal: a readable message, never a stack trace.
struct PortalErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            if let abort = error as? any AbortError, (300..<400).contains(abort.status.code),
               let location = abort.headers.first(name: .location) {
                return request.redirect(to: location)
            }
            let unavailable = DatabaseAvailability.isUnavailable(error)
            let status = unavailable ? .serviceUnavailable : (error as? any AbortError)?.status ?? .internalServerError
            let message: String
            switch status {
            case .serviceUnavailable where unavailable:
                message = "We cannot reach our database right now, so nothing was changed. Please try again in a few seconds."
            case .notFound: message = "We could not find that page."
            case .forbidden: message = (error as? any AbortError)?.reason ?? "You cannot do that."
            case .tooManyRequests: message = (error as? any AbortError)?.reason ?? "Too many attempts. Please wait a little."
            default:
                if status.code < 500, let abort = error as? any AbortError { message = abort.reason } else {
                    request.logger.error("portal request failed", metadata: ["error": .string(String(describing: type(of: error)))])
                    message = "Something went wrong on our side. Please try again."
                }
            }
            struct ErrorPage: Encodable { var status: Int; var message: String }
            let page = try await PortalPage.render(request, "error", title: "Error", status: status,
                                                   context: ErrorPage(status: Int(status.code), message: message))
            if unavailable { page.headers.replaceOrAdd(name: .retryAfter, value: "5") }
            return page
        }
    }
}

/// Builds the context every template receives.
enum PortalPage {
    /// What every page shows: its title, the CSRF token, the signed-in user, a notice or an error.
    private static func base(_ request: Request, title: String, notice: String?, error: String?,
                             extra: [String: LeafData]) -> [String: LeafData] {
        var context: [String: LeafData] = ["title": .string(title), "csrf": .string(request.csrfToken)]
        if let user = request.portalUser {
            context["user"] = .dictionary(["name": .string(user.name), "email": .string(user.email), "role": .string(user.role.rawValue)])
        }
        if let notice { context["notice"] = .string(notice) }
        if let error { context["error"] = .string(error) }
        return context.merging(extra) { $1 }
    }

    /// A secret token: `bytes` random bytes from the system generator, as lowercase hex.
    static func randomHex(bytes: Int) -> String { hex([UInt8].random(count: bytes)) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// "2026-11-25 14:03 UTC": one readable, unambiguous form for every page.
    static func timestamp(_ date: Date) -> String { date.utcString("yyyy-MM-dd HH:mm 'UTC'") }

    /// Renders a page from a typed context (see `PageContext`).
    static func render(_ request: Request, _ template: String, title: String, status: HTTPResponseStatus = .ok,
                       notice: String? = nil, error: String? = nil, context: some Encodable) async throws -> Response {
        try await render(request, template, title: title, status: status, notice: notice, error: error,
                         extra: try PageContext.leafData(context))
    }

    /// Renders a page that needs only the common context.
    static func render(_ request: Request, _ template: String, title: String, status: HTTPResponseStatus = .ok,
                       notice: String? = nil, error: String? = nil) async throws -> Response {
        try await render(request, template, title: title, status: status, notice: notice, error: error, extra: [:])
    }

    private static func render(_ request: Request, _ template: String, title: String, status: HTTPResponseStatus,
                               notice: String?, error: String?, extra: [String: LeafData]) async throws -> Response {
        let html = try await request.leaf.render(path: template, context: base(request, title: title, notice: notice,
                                                                                  error: error, extra: extra)).get()
        let response = Response(status: status, body: .init(buffer: html))
        response.headers.contentType = .html
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
