import Foundation
import Testing
@testable import SupportDomain

@Suite("Service levels in business hours")
struct ServiceLevelTests {
    /// An instant written as local time in `zone`.
    static func at(_ text: String, _ zone: String = "UTC") -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    let hours = BusinessHours.standard // Mon–Fri 09:00–17:00 UTC

    @Test("working minutes skip nights and weekends")
    func addingSkipsClosedTime() {
        // Wednesday 2026-12-02 10:00 + 4 h = 14:00 the same day.
        #expect(hours.adding(minutes: 240, to: Self.at("2026-12-02 10:00")) == Self.at("2026-12-02 14:00"))
        // Friday 16:00 + 4 h: one hour on Friday, three on Monday.
        #expect(hours.adding(minutes: 240, to: Self.at("2026-12-04 16:00")) == Self.at("2026-12-07 12:00"))
        // Raised on Saturday night: the clock starts on Monday at opening.
        #expect(hours.adding(minutes: 60, to: Self.at("2026-12-05 23:30")) == Self.at("2026-12-07 10:00"))
        // Before opening counts from opening; exactly the day's remaining time ends at closing, not the next morning.
        #expect(hours.adding(minutes: 480, to: Self.at("2026-12-02 06:00")) == Self.at("2026-12-02 17:00"))
        // Three working days (24 h) from Thursday 12:00 end on Tuesday 12:00.
        #expect(hours.adding(minutes: 24 * 60, to: Self.at("2026-12-03 12:00")) == Self.at("2026-12-08 12:00"))
        #expect(hours.minutes(from: Self.at("2026-12-04 16:00"), to: Self.at("2026-12-07 12:00")) == 240)
        #expect(hours.minutes(from: Self.at("2026-12-07 12:00"), to: Self.at("2026-12-04 16:00")) == 0)
    }

    @Test("holidays are days off, in the team's own time zone, across a change of daylight saving time")
    func holidaysAndTimeZones() throws {
        let berlin = try BusinessHours(parsing: "Mon-Fri 09:00-17:00", timeZone: TimeZone(identifier: "Europe/Berlin")!,
                                       holidays: BusinessHours.parseHolidays("2026-12-24, 2026-12-25"))
        // Wednesday 23 Dec 16:00 Berlin + 2 h: one hour that day, Thursday and Friday are holidays, then Monday 10:00.
        #expect(berlin.adding(minutes: 120, to: Self.at("2026-12-23 16:00", "Europe/Berlin"))
                == Self.at("2026-12-28 10:00", "Europe/Berlin"))
        // Friday 23 Oct 2026 16:00 + 2 h ends Monday 26 Oct 10:00 local, after the clocks went back on Sunday.
        #expect(berlin.adding(minutes: 120, to: Self.at("2026-10-23 16:00", "Europe/Berlin"))
                == Self.at("2026-10-26 10:00", "Europe/Berlin"))
        #expect(berlin.describe(Self.at("2026-12-28 10:00", "Europe/Berlin")).hasPrefix("Mon 28 Dec 2026, 10:00 "))
        let weekend = try BusinessHours(parsing: "Sat,Sun 00:00-24:00", timeZone: TimeZone(identifier: "UTC")!)
        #expect(weekend.adding(minutes: 36 * 60, to: Self.at("2026-12-04 20:00")) == Self.at("2026-12-06 12:00"))
    }

    @Test("configuration text is read, and a mistake is named", arguments: [
        ("Mon-Fri", "days and times"), ("Mon-Fry 09:00-17:00", "\"Fry\" is not a day"), ("Fri-Mon 09:00-17:00", "backwards"),
        ("Mon-Fri 17:00-09:00", "range within one day"), ("Mon-Fri 9-17", "is not a time"), ("Mon-Fri 09:00-25:00", "is not a time"),
    ])
    func parsingRefusesNonsense(_ text: String, _ problem: String) {
        #expect {
            try BusinessHours(parsing: text, timeZone: TimeZone(identifier: "UTC")!)
        } throws: { error in
            (error as? ServiceLevelError)?.description.contains(problem) == true
        }
    }

    @Test("targets are read per priority; the others keep the standard")
    func targetsParse() throws {
        let targets = try ServiceLevelPolicy.parseTargets("urgent=30m/2h, high=2h/6h")
        #expect(targets[.urgent] == ServiceTarget(firstResponseMinutes: 30, resolutionMinutes: 120))
        #expect(targets[.high] == ServiceTarget(firstResponseMinutes: 120, resolutionMinutes: 360))
        #expect(targets[.normal] == ServiceLevelPolicy.standard.targets[.normal])
        for bad in ["urgent=2h", "fast=1h/2h", "high=4h/2h", "low=1d/2d", "low=0h/1h"] {
            #expect(throws: ServiceLevelError.self, "\(bad)") { try ServiceLevelPolicy.parseTargets(bad) }
        }
        #expect(throws: ServiceLevelError.self) { try BusinessHours.parseHolidays("2026-13-01") }
        #expect(throws: ServiceLevelError.self) { try BusinessHours.parseHolidays("25/12/2026") }
    }

    @Test("a ticket's clock: due times per priority, breaches once each, and the state lists show")
    func ticketClock() {
        let policy = ServiceLevelPolicy.standard
        let start = Self.at("2026-12-02 10:00") // Wednesday
        var sla = policy.start(at: start, priority: .normal)
        #expect(sla.firstResponseDueAt == Self.at("2026-12-03 10:00")) // 8 working hours
        #expect(sla.resolutionDueAt == Self.at("2026-12-07 10:00")) // 24 working hours
        #expect(sla.state(at: start) == .onTrack)
        #expect(sla.state(at: Self.at("2026-12-03 09:30")) == .dueSoon)
        #expect(sla.newBreaches(at: Self.at("2026-12-03 09:59")).isEmpty)
        #expect(sla.newBreaches(at: Self.at("2026-12-03 10:00")) == [.firstResponse])
        #expect(sla.state(at: Self.at("2026-12-03 10:00")) == .breached)
        sla.firstResponseBreachedAt = Self.at("2026-12-03 10:01")
        #expect(sla.newBreaches(at: Self.at("2026-12-03 11:00")).isEmpty)
        // A higher priority shortens what is not yet breached; the breached due time stays as it was.
        sla.reschedule(priority: .urgent, policy: policy)
        #expect(sla.firstResponseDueAt == Self.at("2026-12-03 10:00"))
        #expect(sla.resolutionDueAt == Self.at("2026-12-02 14:00"))
        #expect(sla.newBreaches(at: Self.at("2026-12-03 11:00")) == [.resolution])
        // A person replied in time and the ticket was resolved: the promise is met and nothing breaches later.
        var kept = policy.start(at: start, priority: .high)
        kept.firstRespondedAt = Self.at("2026-12-02 11:00")
        #expect(kept.nextDue?.kind == .resolution)
        kept.completedAt = Self.at("2026-12-02 12:00")
        #expect(kept.state(at: Self.at("2027-01-01 00:00")) == .met)
        #expect(kept.newBreaches(at: Self.at("2027-01-01 00:00")).isEmpty)
    }
}
