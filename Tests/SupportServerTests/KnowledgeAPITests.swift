import FluentKit
import Foundation
import SupportDomain
import SupportStore
import Testing
import VaporTesting
@testable import SupportServer
import Fluent

/// The knowledge base through the HTTP API, on the articles seeded from the repository's Markdown.
@Suite struct KnowledgeAPITests {
    func get(_ h: TestHarness, _ path: String) async throws -> (TestingHTTPResponse, [String: Any]) {
        let response = try await h.app.testing().sendRequest(.GET, path)
        return (response, (try? h.json(response)) ?? [:])
    }

    func titles(_ body: [String: Any]) -> [String] {
        ((body["results"] as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String }
    }

    @Test func rankingOnKnownQueries() async throws {
        try await TestHarness.with { h in
            #expect(try await ArticleModel.query(on: h.app.db).count() >= 40)
            let (response, body) = try await get(h, "api/kb/search?q=forgot%20my%20password")
            #expect(response.status == .ok)
            #expect(titles(body).first == "Reset your password", "\(titles(body))")
            let typo = try await get(h, "api/kb/search?q=pasword%20resett").1
            #expect(titles(typo).first == "Reset your password", "\(titles(typo))")
            let results = try #require(body["results"] as? [[String: Any]])
            let scores = results.compactMap { $0["score"] as? Double }
            #expect(scores == scores.sorted(by: >))
            #expect((results.first?["snippet"] as? String)?.contains("<mark>") == true)
            #expect((results.first?["url"] as? String)?.hasPrefix("/kb/articles/") == true)
        }
    }

    @Test func categoryFilterAndPagination() async throws {
        try await TestHarness.with { h in
            let (_, all) = try await get(h, "api/kb/search?q=order&per_page=50")
            let total = try #require(all["total"] as? Int)
            #expect(total > 3)
            let (_, filtered) = try await get(h, "api/kb/search?q=order&category=shipping&per_page=50")
            let categories = ((filtered["results"] as? [[String: Any]]) ?? []).compactMap { $0["category"] as? String }
            #expect(!categories.isEmpty && categories.allSatisfy { $0 == "shipping" })
            let first = titles(try await get(h, "api/kb/search?q=order&per_page=2&page=1").1)
            let second = titles(try await get(h, "api/kb/search?q=order&per_page=2&page=2").1)
            #expect(first.count == 2 && second.count == 2)
            #expect(Set(first).isDisjoint(with: second))
            #expect(Array(titles(all).prefix(4)) == first + second)
            let (beyond, beyondBody) = try await get(h, "api/kb/search?q=order&page=999")
            #expect(beyond.status == .ok)
            #expect(titles(beyondBody).isEmpty)
            #expect(beyondBody["total"] as? Int == total)
        }
    }

    @Test(arguments: [
        ("api/kb/search?q=", 422), ("api/kb/search", 400), ("api/kb/search?q=x&page=0", 422), ("api/kb/search?q=x&page=abc", 400),
        ("api/kb/search?q=x&per_page=500", 422), ("api/kb/search?q=x&category=weapons", 400),
        ("api/kb/search?q=\(String(repeating: "refund%20", count: 1200))", 422), ("api/kb/suggest?text=", 422),
        ("api/kb/articles/abc", 400), ("api/kb/articles/999999", 404),
    ])
    func badParametersAreClientErrors(_ path: String, _ status: Int) async throws {
        try await TestHarness.with { h in
            let (response, body) = try await get(h, path)
            #expect(Int(response.status.code) == status, "\(path.prefix(60)): \(response.status) \(response.body.string.prefix(200))")
            #expect(body["error"] is String)
        }
    }

    @Test func hostileQueriesAreOnlyText() async throws {
        try await TestHarness.with { h in
            for query in ["%22%20OR%201%3D1%20--", "NEAR(refund%20*)", "%27%3B%20DROP%20TABLE%20kb_articles%3B%20--",
                          "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%E2%9D%A4%EF%B8%8F%F0%9F%93%A6", "*", "%5E%3A%28%29"] {
                let (response, body) = try await get(h, "api/kb/search?q=\(query)")
                #expect(response.status == .ok, "\(query): \(response.status)")
                let results = try #require(body["results"] as? [[String: Any]])
                #expect(results.allSatisfy { !(($0["snippet"] as? String) ?? "").contains("<script>") })
            }
            #expect(try await ArticleModel.query(on: h.app.db).count() >= 40)
        }
    }

    @Test func articlesAndDeflection() async throws {
        try await TestHarness.with { h in
            let first = try #require(try await ArticleModel.query(on: h.app.db).filter(\.$slug == "reset-your-password").first())
            let (response, article) = try await get(h, "api/kb/articles/\(try first.requireID())")
            #expect(response.status == .ok)
            #expect(article["title"] as? String == "Reset your password")
            #expect((article["body"] as? String)?.isEmpty == false)
            #expect(article["views"] is Int)
            let (suggest, suggestions) = try await get(h, "api/kb/suggest?text=my%20parcel%20never%20arrived%20and%20tracking%20is%20stuck")
            #expect(suggest.status == .ok)
            let list = try #require(suggestions["suggestions"] as? [[String: Any]])
            #expect((1...3).contains(list.count))
            #expect(list.allSatisfy { $0["category"] as? String == "shipping" || $0["category"] as? String == "orders" },
                    "\(list.compactMap { $0["title"] })")
        }
    }

    @Test func agentAnswersGeneralQuestionsFromTheKnowledgeBase() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("how long do refunds take to show up on my card?", user: 1)
            #expect(body["action_result"] is NSNull)
            let citations = try #require(body["citations"] as? [[String: Any]])
            #expect(!citations.isEmpty)
            let reply = try #require(body["reply"] as? String)
            #expect(reply.contains("5–10 business days") || reply.contains("5-10 business days"), "\(reply)")
            let shipping = try await h.resolve("do you ship to Canada?", user: 1)
            #expect((shipping["reply"] as? String)?.contains("/kb/articles/") == true, "\(shipping["reply"] ?? "")")
        }
    }

    @Test func articlesFollowTheConfiguredNumbers() async throws {
        var policy = SupportPolicy.standard
        policy.returnWindowDays = 14
        policy.maxRefundsPerWindow = 3
        try await TestHarness.with(policy: policy) { h in
            let row = try #require(try await ArticleModel.query(on: h.app.db).filter(\.$slug == "returns-after-30-days").first())
            #expect(row.body.contains("{{return_window_days}}"))
            let api = try await h.app.testing().sendRequest(.GET, "/api/kb/articles/\(row.id!)",
                                                           headers: ["Authorization": "Bearer \(testAPIKey)"])
            let body = try #require(try h.json(api)["body"] as? String)
            #expect(body.contains("14 days") && !body.contains("30 days") && !body.contains("{{"))
            let page = try await PortalClient(h).get("/kb/articles/\(row.id!)").body.string
            #expect(page.contains("14 days") && !page.contains("{{"))
            let limits = try #require(try await ArticleModel.query(on: h.app.db).filter(\.$slug == "refund-limits").first())
            let limitsPage = try await PortalClient(h).get("/kb/articles/\(limits.id!)").body.string
            #expect(limitsPage.contains("3 refunds"))
            let search = try await PortalClient(h).get("/kb?q=return%20window").body.string
            #expect(!search.contains("{{"))
        }
    }
}
