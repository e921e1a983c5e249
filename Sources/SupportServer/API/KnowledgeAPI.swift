import Foundation
import SupportAgent
import SupportDomain
import SupportSearch

/// The knowledge-base part of the API: search, deflection suggestions, articles.
extension SupportAPI {
    func searchKnowledgeBase(_ input: Operations.SearchKnowledgeBase.Input) async throws -> Operations.SearchKnowledgeBase.Output {
        let requestID = RequestContext.requestID ?? ""
        let query = input.query.q.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty, query.count <= 500 else {
            return .unprocessableContent(.init(body: .json(.init(error: "invalid_query", message: "q must be 1 to 500 characters.",
                                                                 field: "q", requestId: requestID))))
        }
        let page = input.query.page ?? 1
        let perPage = input.query.perPage ?? 10
        guard (1...1000).contains(page) else {
            return .unprocessableContent(.init(body: .json(.init(error: "invalid_page", message: "page must be between 1 and 1000.",
                                                                 field: "page", requestId: requestID))))
        }
        guard (1...50).contains(perPage) else {
            return .unprocessableContent(.init(body: .json(.init(error: "invalid_per_page", message: "per_page must be between 1 and 50.",
                                                                 field: "per_page", requestId: requestID))))
        }
        let category = input.query.category?.rawValue
        let (hits, total) = try await knowledge.searchArticles(query, category: category, limit: perPage, offset: (page - 1) * perPage)
        return .ok(.init(body: .json(.init(query: query, category: category, page: page, perPage: perPage, total: total,
                                           results: hits.map(Self.wireHit)))))
    }

    func suggestArticles(_ input: Operations.SuggestArticles.Input) async throws -> Operations.SuggestArticles.Output {
        let text = input.query.text
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= MessageLimits.maxCharacters else {
            return .unprocessableContent(.init(body: .json(.init(error: "invalid_text", message: "text must be 1 to \(MessageLimits.maxCharacters) characters.",
                                                                 field: "text", requestId: RequestContext.requestID))))
        }
        let hits = try await knowledge.suggest(Redactor().redact(text).text, limit: 3)
        return .ok(.init(body: .json(.init(suggestions: hits.map(Self.wireHit)))))
    }

    func getKnowledgeArticle(_ input: Operations.GetKnowledgeArticle.Input) async throws -> Operations.GetKnowledgeArticle.Output {
        guard let article = try await articles.fetchArticle(id: input.path.id).map(knowledge.filled) else {
            return .notFound(.init(body: .json(.init(error: "article_not_found", message: "No article with this id.", field: "id",
                                                     requestId: RequestContext.requestID))))
        }
        return .ok(.init(body: .json(.init(id: article.id, slug: article.slug, title: article.title, summary: article.summary,
                                           body: article.body, category: article.category, tags: article.tags, views: article.views,
                                           helpful: article.helpful, notHelpful: article.notHelpful,
                                           url: PortalPath.article(article.id).path))))
    }

    static func wireHit(_ hit: SearchIndex.Hit) -> Components.Schemas.KBSearchHit {
        let id = hit.document.articleID ?? 0
        return .init(id: id, slug: String(hit.document.id.dropFirst(3)), title: hit.document.title, summary: hit.document.summary,
                     category: hit.document.category, snippet: hit.snippet, score: (hit.score * 1000).rounded() / 1000,
                     url: PortalPath.article(id).path)
    }
}
