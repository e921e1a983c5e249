import FluentKit
import Foundation
import SupportStore
import Testing
import Vapor
import VaporTesting
@testable import SupportCommands
@testable import SupportServer
import Fluent

/// A browser stand-in: keeps the session cookie and the page's CSRF token.
final class PortalClient: @unchecked Sendable {
    let h: TestHarness
    var cookie: String?
    var csrf: String?

    init(_ h: TestHarness) { self.h = h }

    @discardableResult
    func get(_ path: String) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let cookie { headers.add(name: .cookie, value: cookie) }
        let response = try await h.app.testing().sendRequest(.GET, path, headers: headers)
        remember(response)
        if let range = response.body.string.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) {
            csrf = String(response.body.string[range].split(separator: "\"")[3])
        }
        return response
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String], withToken: Bool = true) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let cookie { headers.add(name: .cookie, value: cookie) }
        headers.contentType = .urlEncodedForm
        var all = fields
        if withToken, let csrf { all["csrf"] = csrf }
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        let response = try await h.app.testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    private func remember(_ response: TestingHTTPResponse) {
        if let value = response.headers.setCookie?["supportops_session"]?.string { cookie = "supportops_session=\(value)" }
    }
}

@Suite struct PortalTests {
    @Test func pagesRenderWithOurOwnAssets() async throws {
        try await TestHarness.with { h in
            let client = PortalClient(h)
            let home = try await client.get("/")
            #expect(home.status == .ok)
            #expect(home.body.string.contains("/css/portal.css"))
            #expect(!home.body.string.contains("http://") && !home.body.string.contains("https://"))
            try await client.get("/login")
            #expect(client.csrf != nil)
            let css = try await client.get("/css/portal.css")
            #expect(css.status == .ok && css.body.readableBytes > 500)
            let missing = try await client.get("/no-such-page")
            #expect(missing.status == .notFound)
        }
    }

    @Test func registerLogOutAndLogIn() async throws {
        try await TestHarness.with { h in
            let client = PortalClient(h)
            try await client.get("/register")
            let short = try await client.post("/register", ["name": "Robin Lee", "email": "robin@example.net",
                                                           "password": "short", "password_confirm": "short"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.body.string.contains("at least 10 characters"))
            let created = try await client.post("/register", ["name": "Robin Lee", "email": "Robin@Example.net",
                                                             "password": "a long secret 42", "password_confirm": "a long secret 42"])
            #expect(created.status == .seeOther)
            let profile = try await client.get("/profile?welcome=1")
            #expect(profile.status == .ok)
            #expect(profile.body.string.contains("Robin Lee"))
            let row = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "robin@example.net").first())
            #expect(row.passwordHash.hasPrefix("$2"))
            #expect(!row.passwordHash.contains("a long secret"))
            #expect(row.customerID != nil)
            try await client.post("/logout", [:])
            #expect(try await client.get("/profile").status == .seeOther)
            try await client.get("/login")
            let wrong = try await client.post("/login", ["email": "robin@example.net", "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            let before = client.cookie
            let right = try await client.post("/login", ["email": "robin@example.net", "password": "a long secret 42"])
            #expect(right.status == .seeOther)
            #expect(client.cookie != nil && client.cookie != before, "signing in must start a new session")
            #expect(try await client.get("/profile").body.string.contains("Robin Lee"))
        }
    }

    @Test func anExistingCustomersOrdersAreNotClaimedBySignUp() async throws {
        try await TestHarness.with { h in
            try await UserModel.query(on: h.app.db).filter(\.$email == "alice@example.com").delete()
            let client = PortalClient(h)
            try await client.get("/register")
            let created = try await client.post("/register", ["name": "Not Alice", "email": "alice@example.com",
                                                             "password": "another secret", "password_confirm": "another secret"])
            #expect(created.status == .seeOther)
            let row = try #require(try await UserModel.query(on: h.app.db).filter(\.$email == "alice@example.com").first())
            #expect(row.customerID == nil)
        }
    }

    @Test func formsWithoutTheTokenAreRefused() async throws {
        try await TestHarness.with { h in
            let client = PortalClient(h)
            try await client.get("/login")
            let refused = try await client.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword],
                                                withToken: false)
            #expect(refused.status == .forbidden)
            #expect(refused.body.string.contains("expired"))
            let forged = try await client.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword,
                                                          "csrf": "00ff00ff"], withToken: false)
            #expect(forged.status == .forbidden)
            #expect(try await LoginAttemptModel.query(on: h.app.db).count() == 0)
        }
    }

    @Test func signInIsThrottled() async throws {
        try await TestHarness.with { h in
            let client = PortalClient(h)
            try await client.get("/login")
            for _ in 0..<PortalController.maxFailedLogins {
                #expect(try await client.post("/login", ["email": "alice@example.com", "password": "guess guess"]).status == .unauthorized)
            }
            let blocked = try await client.post("/login", ["email": "alice@example.com", "password": SupportOperations.demoPassword])
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body.string.contains("15 minutes"))
        }
    }

    @Test func helpCenterSearchArticleAndFeedback() async throws {
        try await TestHarness.with { h in
            let client = PortalClient(h)
            let search = try await client.get("/kb?q=forgot+password")
            #expect(search.status == .ok)
            #expect(search.body.string.contains("Reset your password"))
            #expect(search.body.string.contains("<mark>"))
            let hostile = try await client.get("/kb?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(hostile.status == .ok)
            #expect(!hostile.body.string.contains("<script>alert"))
            let browse = try await client.get("/kb?category=shipping")
            #expect(browse.status == .ok)
            let article = try #require(try await ArticleModel.query(on: h.app.db).filter(\.$slug == "reset-your-password").first())
            let id = try article.requireID()
            let page = try await client.get("/kb/articles/\(id)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("<h1"))
            #expect(try await ArticleModel.find(id, on: h.app.db)?.views == 1)
            let feedback = try await client.post("/kb/articles/\(id)/feedback", ["helpful": "yes"])
            #expect(feedback.status == .seeOther)
            #expect(try await ArticleModel.find(id, on: h.app.db)?.helpful == 1)
            #expect(try await client.get("/kb/articles/999999").status == .notFound)
        }
    }
}
