import Foundation
import SupportAgent
import SupportDomain
import SupportServer
import Testing
import VaporTesting

/// Service levels as the support team meets them in the portal: due times in the queue and on the ticket, breaches
/// recorded by the scheduled work, the list filter, and a configuration mistake named.
@Suite struct ServiceLevelPortalTests {
    @Test func breachesShowInTheQueueAndTheList() async throws {
        // Wednesday 2026-11-18 11:06 UTC; the demo's hours are Mon–Fri 09:00–17:00 UTC.
        let clock = ManualClock(testNow)
        try await TestHarness.with(clock: clock) { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Parcel missing", description: "where is my order 1001?")
            #expect(try await alice.post("/tickets/\(id)/escalate", [:]).status == .seeOther)
            // Normal priority: 8 working hours from Wednesday 11:06 is Thursday 11:06.
            let promise = "Thu 19 Nov 2026, 11:06"
            let mails = try await h.services.stores.outbox.fetchRecent(limit: 20)
            #expect(mails.contains { $0.mail.to == "alice@example.com" && $0.mail.body.contains(promise) })
            #expect(try await alice.get("/tickets/\(id)").body.string.contains(promise))
            // The customer does not see the team's service-level panel.
            #expect(!(try await alice.get("/tickets/\(id)").body.string.contains("id=\"ticket-sla\"")))

            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            let queue = try await agent.get("/agent/queue").body.string
            #expect(queue.contains("sla-on_track") && queue.contains("First response due"))
            #expect(try await agent.get("/tickets/\(id)").body.string.contains("id=\"ticket-sla\""))

            // A day later nobody has answered: the pass records the breach once and tells the lead.
            clock.advance(by: 86_400)
            #expect(try await h.services.automation.runOnce()?.breaches == 1)
            #expect(try await h.services.automation.runOnce()?.breaches == 0)
            let ticket = try #require(try await h.ticket(id))
            #expect(ticket.priority == .high && ticket.sla?.firstResponseBreachedAt != nil)
            let told = try await h.services.stores.outbox.fetchRecent(limit: 50).filter { $0.mail.subject.contains("Service level breached") }
            #expect(told.map(\.mail.to) == ["lead@example.com"])
            let page = try await agent.get("/tickets/\(id)").body.string
            #expect(page.contains("sla-breached") && page.contains("First response breached"))
            let breached = try await agent.get("/agent/tickets?sla=breached").body.string
            #expect(breached.contains("href=\"/tickets/\(id)\""))
            let running = try await agent.get("/agent/tickets?sla=running").body.string
            #expect(!running.contains("href=\"/tickets/\(id)\""))
            #expect(try await agent.get("/agent/tickets?sla=whatever").status == .ok)
        }
    }

    @Test func aServiceLevelMistakeNamesItsSetting() throws {
        let cases: [(String, String, AppConfig.Variable)] = [
            ("SUPPORTOPS_BUSINESS_HOURS", "Mon-Fri 9-5", .businessHours),
            ("SUPPORTOPS_TIME_ZONE", "Mars/Olympus", .timeZone),
            ("SUPPORTOPS_HOLIDAYS", "25.12.2026", .holidays),
            ("SUPPORTOPS_SLA", "high=8h/4h", .serviceLevels),
            ("SUPPORTOPS_AUTO_CLOSE_DAYS", "soon", .autoCloseDays),
            ("SUPPORTOPS_AUTOMATION_INTERVAL_SECONDS", "-1", .automationIntervalSeconds),
        ]
        for (name, value, variable) in cases {
            #expect {
                try AppConfig.fromEnvironment([name: value])
            } throws: { error in
                (error as? AppConfig.Invalid)?.variable == variable
            }
        }
        let config = try AppConfig.fromEnvironment(["SUPPORTOPS_BUSINESS_HOURS": "Mon-Sat 08:00-20:00",
                                                    "SUPPORTOPS_TIME_ZONE": "Europe/Madrid", "SUPPORTOPS_SLA": "urgent=30m/2h"])
        #expect(config.serviceLevels.hours.workingDays == [1, 2, 3, 4, 5, 6])
        #expect(config.serviceLevels.hours.timeZone.identifier == "Europe/Madrid")
        #expect(config.serviceLevels.target(for: .urgent) == ServiceTarget(firstResponseMinutes: 30, resolutionMinutes: 120))
    }
}
