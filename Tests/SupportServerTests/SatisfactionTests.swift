import Foundation
import SupportAgent
import SupportDomain
import SupportServer
import Testing
import VaporTesting

/// The satisfaction survey: sent once when a ticket is resolved, answered on the ticket or from the e-mailed single-use
/// link, the comment stored redacted, and the results per agent and intent on the team's report.
@Suite struct SatisfactionTests {
    /// The survey link's token from the e-mail to `to`.
    static func surveyToken(_ h: TestHarness, to: String) async throws -> String? {
        let mails = try await h.services.stores.outbox.fetchRecent(limit: 50).filter {
            $0.mail.to == to && $0.mail.subject.hasPrefix("How did we do?")
        }
        guard let body = mails.first?.mail.body, let range = body.range(of: #"token=[0-9a-f]{64}"#, options: .regularExpression)
        else { return nil }
        return String(body[range].dropFirst("token=".count))
    }

    @Test func aResolvedTicketIsRatedOnceFromTheLink() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Parcel", description: "where is my order 1001?")
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            try await agent.get("/tickets/\(id)")
            #expect(try await agent.post("/tickets/\(id)/agent-reply", ["body": "It arrives tomorrow."]).status == .seeOther)
            #expect(try await agent.post("/tickets/\(id)/resolve", [:]).status == .seeOther)
            // The customer writes again (back to the agent), and it is resolved again: still one survey.
            #expect(try await alice.post("/tickets/\(id)/reply", ["body": "And the invoice?"]).status == .seeOther)
            #expect(try await h.ticket(id)?.status == .inProgress)
            #expect(try await agent.post("/tickets/\(id)/resolve", [:]).status == .seeOther)
            let token = try #require(try await Self.surveyToken(h, to: "alice@example.com"))
            #expect(try await h.services.stores.outbox.fetchRecent(limit: 50).filter { $0.mail.subject.hasPrefix("How did we do?") }
                .count == 1)

            // The link works without signing in; a wrong token is a 404 with a sentence.
            let visitor = PortalClient(h)
            let page = try await visitor.get("/survey?token=\(token)")
            #expect(page.status == .ok && page.body.string.contains("id=\"survey-form\""))
            #expect(try await visitor.get("/survey?token=\(String(repeating: "0", count: 64))").status == .notFound)
            #expect(try await visitor.get("/survey").status == .notFound)
            // No rating: a readable 422, nothing stored.
            let missing = try await visitor.post("/survey", ["token": token, "comment": "hm"])
            #expect(missing.status == .unprocessableEntity && missing.body.string.contains("choose a rating from 1"))
            #expect(try await visitor.post("/survey", ["token": token, "rating": "9"]).status == .unprocessableEntity)
            let answered = try await visitor.post("/survey", ["token": token, "rating": "4",
                                                              "comment": "Quick! Call me on +44 20 7946 0958"])
            #expect(answered.status == .ok && answered.body.string.contains("4 out of 5"))
            // Single use: a second answer changes nothing.
            let again = try await visitor.post("/survey", ["token": token, "rating": "1"])
            #expect(again.body.string.contains("already answered"))
            let survey = try #require(try await h.services.stores.surveys.fetchSurvey(ticket: TicketID(Int64(id))))
            #expect(survey.rating == 4)
            #expect(survey.comment?.contains("7946") == false) // redacted
            #expect(survey.agentID != nil)

            // The owner and the team see the answer on the ticket.
            #expect(try await alice.get("/tickets/\(id)").body.string.contains("You rated the help <strong>4 out of 5</strong>"))
            #expect(try await agent.get("/tickets/\(id)").body.string.contains("The customer rated the help"))

            // The report: one sent, one answered, average 4.0, 100 % satisfied, under the agent's name.
            let report = try await agent.get("/agent/reports/satisfaction").body.string
            #expect(report.contains("1 surveys sent, 1 answered · average 4.0 · satisfied 100 %"))
            #expect(report.contains("<td>Sam Agent</td><td>1</td><td>1</td><td>4.0</td><td>100 %</td>"))
            #expect(try await alice.get("/agent/reports/satisfaction").status == .notFound)
            #expect(try await agent.get("/agent/reports/satisfaction?days=7").body.string.contains("1 surveys sent"))
        }
    }

    @Test func theOwnerRatesOnTheTicket() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Refund time", description: "how long do refunds take?")
            #expect(try await alice.post("/tickets/\(id)/satisfied", [:]).status == .seeOther)
            let page = try await alice.get("/tickets/\(id)").body.string
            #expect(page.contains("id=\"ticket-survey-form\""))
            #expect(try await alice.post("/tickets/\(id)/survey", ["rating": "zero"]).status == .unprocessableEntity)
            #expect(try await alice.post("/tickets/\(id)/survey", ["rating": "5"]).status == .seeOther)
            #expect(try await alice.get("/tickets/\(id)").body.string.contains("<strong>5 out of 5</strong>"))
            // Someone else cannot answer it (the same 404 as a missing ticket).
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            try await bob.get("/tickets")
            #expect(try await bob.post("/tickets/\(id)/survey", ["rating": "1"]).status == .notFound)
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let report = try await agent.get("/agent/reports/satisfaction").body.string
            #expect(report.contains("The assistant alone"))
        }
    }

    @Test func anEmptyPeriodSaysSo() async throws {
        try await TestHarness.with { h in
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get("/agent/reports/satisfaction").body.string.contains("id=\"report-empty\""))
        }
    }
}
