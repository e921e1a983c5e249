import Foundation
import SupportAgent
import SupportDomain
import Vapor

/// Satisfaction surveys: answered on the ticket by its signed-in owner, or from the e-mailed single-use link without
/// signing in; the results per agent and per intent for the support team.
struct SurveyController {
    let pages: TicketPages

    var workflow: TicketWorkflow { pages.workflow }

    func register(on routes: any RoutesBuilder) {
        routes.get(.survey, use: linkPage)
        routes.post(.survey, use: answerFromLink)
        routes.post(.ticketAction(.route, .survey), use: answerOnTicket)
        routes.get(.satisfactionReport, use: report)
    }

    struct AnswerForm: Content {
        var token: String?
        var rating: String?
        var comment: String?

        /// The rating chosen, or nil when none (or something else) was sent.
        var chosenRating: Int? { rating.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    }

    struct LinkContext: Encodable {
        var token: String
        var ticketID: Int64
        /// Set once answered: the thank-you replaces the form.
        var answeredRating: Int?
        var ratings: [Int]
    }

    private static let invalidLink = "This survey link is not valid. If you followed it from our e-mail, it may be incomplete."

    /// The survey from the e-mail's link: the question, or the thanks when it was already answered.
    func linkPage(_ request: Request) async throws -> Response {
        let token = request.query[String.self, at: "token"] ?? ""
        guard let survey = try await workflow.survey(token: token) else { throw Abort(.notFound, reason: Self.invalidLink) }
        return try await PortalPage.render(request, "survey", title: "How did we do?", context: LinkContext(
            token: token, ticketID: survey.ticketID.rawValue, answeredRating: survey.rating,
            ratings: Array(SatisfactionSurvey.ratings)))
    }

    func answerFromLink(_ request: Request) async throws -> Response {
        let form = try request.content.decode(AnswerForm.self)
        let token = form.token ?? ""
        guard let survey = try await workflow.survey(token: token) else { throw Abort(.notFound, reason: Self.invalidLink) }
        let context = LinkContext(token: token, ticketID: survey.ticketID.rawValue, answeredRating: survey.rating,
                                  ratings: Array(SatisfactionSurvey.ratings))
        guard !survey.isAnswered else {
            return try await PortalPage.render(request, "survey", title: "How did we do?",
                                               notice: "This survey was already answered. Thank you!", context: context)
        }
        guard let rating = form.chosenRating, SatisfactionSurvey.ratings.contains(rating) else {
            return try await PortalPage.render(request, "survey", title: "How did we do?", status: .unprocessableEntity,
                                               error: TicketError.invalidRating.message, context: context)
        }
        try await workflow.answer(survey, rating: rating, comment: form.comment)
        var answered = context
        answered.answeredRating = rating
        return try await PortalPage.render(request, "survey", title: "How did we do?", notice: "Thank you for your answer!",
                                           context: answered)
    }

    /// The owner answers on the ticket page.
    func answerOnTicket(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user, ownerOnly: true)
        let form = try request.content.decode(AnswerForm.self)
        guard let survey = try await workflow.survey(of: ticket) else { throw Abort(.notFound) }
        return try await pages.handle(request, ticket) {
            guard let rating = form.chosenRating else { throw TicketError.invalidRating }
            try await workflow.answer(survey, rating: rating, comment: form.comment)
        }
    }

    struct ReportContext: Encodable {
        struct Group: Encodable {
            var name: String
            var sent: Int
            var answered: Int
            var average: String
            var satisfied: String
        }

        var days: Int
        var periods: [TicketPages.Option]
        var overall: Group
        var byAgent: [Group]
        var byIntent: [Group]
    }

    /// Survey results for the support team: response rate, average rating and the share rating 4–5, per agent and per
    /// intent, over the last 7, 30, 90 or 365 days.
    func report(_ request: Request) async throws -> Response {
        _ = try request.requireStaff()
        let allowed = [7, 30, 90, 365]
        let days = request.query[Int.self, at: "days"].flatMap { allowed.contains($0) ? $0 : nil } ?? 30
        let since = pages.clock.now().addingTimeInterval(-Double(days) * 86_400)
        let results = try await workflow.satisfaction(since: since)
        func agent(_ key: String?) -> UserID? { key.flatMap(Int64.init).map { UserID($0) } }
        let names = try await pages.accounts.names(of: results.byAgent.compactMap { agent($0.key) })
        func view(_ group: SatisfactionGroup, name: String) -> ReportContext.Group {
            ReportContext.Group(name: name, sent: group.sent, answered: group.answered,
                                average: group.averageRating.map { String(format: "%.1f", $0) } ?? "–",
                                satisfied: group.satisfactionRate.map { "\(Int(($0 * 100).rounded())) %" } ?? "–")
        }
        let total = results.byAgent.reduce(SatisfactionGroup(key: nil, sent: 0, answered: 0, ratingSum: 0, satisfied: 0)) {
            SatisfactionGroup(key: nil, sent: $0.sent + $1.sent, answered: $0.answered + $1.answered,
                              ratingSum: $0.ratingSum + $1.ratingSum, satisfied: $0.satisfied + $1.satisfied)
        }
        return try await PortalPage.render(request, "satisfaction-report", title: "Satisfaction", context: ReportContext(
            days: days, periods: allowed.map { .init(value: String($0), label: "Last \($0) days", selected: $0 == days) },
            overall: view(total, name: "All tickets"),
            byAgent: results.byAgent.map { view($0, name: agent($0.key).flatMap { names[$0] } ?? "The assistant alone") },
            byIntent: results.byIntent.map { view($0, name: $0.key ?? "no intent") }))
    }
}
