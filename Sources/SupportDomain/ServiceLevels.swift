public import Foundation

/// When the support team works: days of the week, opening hours and holidays in one time zone. Service-level targets
/// count only these minutes ("4 business hours" raised at 16:00 on a Friday are due on Monday at 12:00).
public struct BusinessHours: Sendable, Hashable {
    public var timeZone: TimeZone
    /// ISO weekdays: 1 is Monday, 7 is Sunday.
    public var workingDays: Set<Int>
    /// Minutes after local midnight.
    public var opens: Int
    public var closes: Int
    /// Local dates ("2026-12-25") on which nobody works.
    public var holidays: Set<String>

    public init(timeZone: TimeZone, workingDays: Set<Int>, opens: Int, closes: Int, holidays: Set<String> = []) throws {
        guard !workingDays.isEmpty, workingDays.allSatisfy((1...7).contains) else {
            throw ServiceLevelError("working days must name at least one of Mon…Sun")
        }
        guard (0..<1440).contains(opens), (1...1440).contains(closes), opens < closes else {
            throw ServiceLevelError("opening hours must be a range within one day, like 09:00-17:00")
        }
        self.timeZone = timeZone
        self.workingDays = workingDays
        self.opens = opens
        self.closes = closes
        self.holidays = holidays
    }

    /// Monday to Friday, 09:00–17:00 UTC.
    public static let standard = try! BusinessHours(timeZone: TimeZone(identifier: "UTC")!, workingDays: [1, 2, 3, 4, 5],
                                                    opens: 9 * 60, closes: 17 * 60)

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// "Mon-Fri 09:00-17:00": the working days and hours as configured.
    public var summary: String {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let days = workingDays.sorted().map { names[$0 - 1] }.joined(separator: ",")
        return "\(days) \(Self.clock(opens))-\(Self.clock(closes)) \(timeZone.identifier)"
    }

    static func clock(_ minutes: Int) -> String {
        let hours = String(minutes / 60), rest = String(minutes % 60)
        return String(repeating: "0", count: 2 - hours.count) + hours + ":" + String(repeating: "0", count: 2 - rest.count) + rest
    }

    /// An instant as a customer reads it, in the team's time zone: "Mon 30 Nov 2026, 11:00 UTC".
    public func describe(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE d MMM yyyy, HH:mm zzz"
        return formatter.string(from: date)
    }

    /// The working window of the local day containing `date`, or nil on a day off.
    private func window(on date: Date, _ calendar: Calendar) -> (open: Date, close: Date)? {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday else { return nil }
        let iso = weekday == 1 ? 7 : weekday - 1
        guard workingDays.contains(iso), !holidays.contains(String(format: "%04d-%02d-%02d", year, month, day)) else { return nil }
        func at(_ minutes: Int) -> Date? {
            calendar.date(from: DateComponents(year: year, month: month, day: day, hour: minutes / 60, minute: minutes % 60))
        }
        guard let open = at(opens), let close = closes == 1440 ? calendar.date(byAdding: .day, value: 1, to: at(0) ?? date)
            : at(closes) else { return nil }
        return (open, close)
    }

    /// The instant `minutes` working minutes after `start`.
    public func adding(minutes: Int, to start: Date) -> Date {
        let calendar = calendar
        var remaining = TimeInterval(max(0, minutes) * 60)
        var cursor = start
        // Ten years of days at most: a configuration always has a working day, so this ends long before.
        for _ in 0..<3660 {
            if let (open, close) = window(on: cursor, calendar), cursor < close {
                let from = max(cursor, open)
                let available = close.timeIntervalSince(from)
                if remaining <= available { return from.addingTimeInterval(remaining) }
                remaining -= available
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: cursor)) else { break }
            cursor = next
        }
        return start.addingTimeInterval(remaining)
    }

    /// Working minutes between two instants (0 when `end` is not after `start`).
    public func minutes(from start: Date, to end: Date) -> Int {
        guard end > start else { return 0 }
        let calendar = calendar
        var total: TimeInterval = 0
        var cursor = start
        for _ in 0..<3660 where cursor < end {
            if let (open, close) = window(on: cursor, calendar) {
                let from = max(cursor, open), to = min(close, end)
                if to > from { total += to.timeIntervalSince(from) }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: cursor)) else { break }
            cursor = next
        }
        return Int(total / 60)
    }
}

/// Why a service-level configuration was refused.
public struct ServiceLevelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What the team promises for a priority: a person's first reply, and the resolution, in working minutes.
public struct ServiceTarget: Sendable, Hashable {
    public var firstResponseMinutes: Int
    public var resolutionMinutes: Int

    public init(firstResponseMinutes: Int, resolutionMinutes: Int) {
        self.firstResponseMinutes = firstResponseMinutes
        self.resolutionMinutes = resolutionMinutes
    }
}

/// The service levels: targets per priority, counted in business hours.
public struct ServiceLevelPolicy: Sendable, Hashable {
    public var hours: BusinessHours
    public var targets: [TicketPriority: ServiceTarget]

    public init(hours: BusinessHours, targets: [TicketPriority: ServiceTarget]) {
        self.hours = hours
        self.targets = targets
    }

    /// Urgent 1 h / 4 h, high 4 h / 1 day, normal 8 h / 3 days, low 2 days / 5 days (working time, 8-hour days).
    public static let standard = ServiceLevelPolicy(hours: .standard, targets: [
        .urgent: ServiceTarget(firstResponseMinutes: 60, resolutionMinutes: 4 * 60),
        .high: ServiceTarget(firstResponseMinutes: 4 * 60, resolutionMinutes: 8 * 60),
        .normal: ServiceTarget(firstResponseMinutes: 8 * 60, resolutionMinutes: 24 * 60),
        .low: ServiceTarget(firstResponseMinutes: 16 * 60, resolutionMinutes: 40 * 60),
    ])

    public func target(for priority: TicketPriority) -> ServiceTarget {
        targets[priority] ?? Self.standard.targets[priority]!
    }

    /// A fresh clock for a ticket a person must now handle.
    public func start(at now: Date, priority: TicketPriority) -> TicketSLA {
        var sla = TicketSLA(startedAt: now, firstResponseDueAt: now, resolutionDueAt: now)
        sla.reschedule(priority: priority, policy: self)
        return sla
    }
}

/// A ticket's service-level clock: started when the ticket reached the people's queue, stopped when it was resolved.
public struct TicketSLA: Sendable, Hashable, Codable {
    public var startedAt: Date
    public var firstResponseDueAt: Date
    public var resolutionDueAt: Date
    public var firstRespondedAt: Date?
    public var firstResponseBreachedAt: Date?
    public var resolutionBreachedAt: Date?
    /// When the ticket was resolved or closed; the clock stands still from then on.
    public var completedAt: Date?

    public init(startedAt: Date, firstResponseDueAt: Date, resolutionDueAt: Date, firstRespondedAt: Date? = nil,
                firstResponseBreachedAt: Date? = nil, resolutionBreachedAt: Date? = nil, completedAt: Date? = nil) {
        self.startedAt = startedAt
        self.firstResponseDueAt = firstResponseDueAt
        self.resolutionDueAt = resolutionDueAt
        self.firstRespondedAt = firstRespondedAt
        self.firstResponseBreachedAt = firstResponseBreachedAt
        self.resolutionBreachedAt = resolutionBreachedAt
        self.completedAt = completedAt
    }

    public var isRunning: Bool { completedAt == nil }

    /// Due times from the start and the (new) priority; a target already breached keeps its due time.
    public mutating func reschedule(priority: TicketPriority, policy: ServiceLevelPolicy) {
        let target = policy.target(for: priority)
        if firstResponseBreachedAt == nil {
            firstResponseDueAt = policy.hours.adding(minutes: target.firstResponseMinutes, to: startedAt)
        }
        if resolutionBreachedAt == nil {
            resolutionDueAt = policy.hours.adding(minutes: target.resolutionMinutes, to: startedAt)
        }
    }

    /// The targets that are past due at `now` and not yet recorded as breached.
    public func newBreaches(at now: Date) -> [ServiceBreach] {
        guard isRunning else { return [] }
        var breaches: [ServiceBreach] = []
        if firstRespondedAt == nil, firstResponseBreachedAt == nil, now >= firstResponseDueAt { breaches.append(.firstResponse) }
        if resolutionBreachedAt == nil, now >= resolutionDueAt { breaches.append(.resolution) }
        return breaches
    }

    /// The promise that matters next: the first response until a person replied, then the resolution.
    public var nextDue: (kind: ServiceBreach, at: Date)? {
        guard isRunning else { return nil }
        return firstRespondedAt == nil ? (.firstResponse, firstResponseDueAt) : (.resolution, resolutionDueAt)
    }

    public func state(at now: Date) -> SLAState {
        if firstResponseBreachedAt != nil || resolutionBreachedAt != nil { return .breached }
        guard let next = nextDue else { return .met }
        if now >= next.at { return .breached }
        return next.at.timeIntervalSince(now) <= 3600 ? .dueSoon : .onTrack
    }
}

public enum ServiceBreach: String, Sendable, Hashable, Codable {
    case firstResponse = "first_response"
    case resolution

    public var label: String { self == .firstResponse ? "first response" : "resolution" }
}

/// Where a ticket stands against its promise, for lists and filters.
public enum SLAState: String, Sendable, CaseIterable, Codable {
    case onTrack = "on_track"
    case dueSoon = "due_soon"
    case breached
    case met

    public var label: String {
        switch self {
        case .onTrack: "On track"
        case .dueSoon: "Due within an hour"
        case .breached: "Breached"
        case .met: "Met"
        }
    }
}

/// How long tickets wait before scheduled work moves them.
public struct AutomationSettings: Sendable, Hashable {
    /// A resolved ticket without a new message closes after this many days.
    public var closeResolvedAfterDays: Int
    /// A ticket awaiting the customer gets one reminder after this many days, and closes this many days later.
    public var remindAfterDays: Int

    public init(closeResolvedAfterDays: Int = 7, remindAfterDays: Int = 3) {
        self.closeResolvedAfterDays = closeResolvedAfterDays
        self.remindAfterDays = remindAfterDays
    }
}

// MARK: Configuration text

extension BusinessHours {
    /// Reads "Mon-Fri 09:00-17:00" (or "Mon,Wed,Fri 08:30-16:00", "Mon-Sun 00:00-24:00"). Fails with a sentence a
    /// person can act on.
    public init(parsing schedule: String, timeZone: TimeZone, holidays: Set<String> = []) throws {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        let parts = schedule.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw ServiceLevelError("write the hours as days and times, like \"Mon-Fri 09:00-17:00\"") }
        func day(_ text: Substring) throws -> Int {
            guard let index = names.firstIndex(of: text.lowercased()) else {
                throw ServiceLevelError("\"\(text)\" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun")
            }
            return index + 1
        }
        var days = Set<Int>()
        for item in parts[0].split(separator: ",") {
            let range = item.split(separator: "-")
            guard (1...2).contains(range.count) else { throw ServiceLevelError("\"\(item)\" is not a day or a range of days") }
            let first = try day(range[0]), last = try day(range[range.count - 1])
            guard first <= last else { throw ServiceLevelError("\"\(item)\" runs backwards; write ranges Monday first") }
            days.formUnion(first...last)
        }
        func minutes(_ text: Substring) throws -> Int {
            let clock = text.split(separator: ":")
            guard clock.count == 2, let hours = Int(clock[0]), let mins = Int(clock[1]), (0...24).contains(hours),
                  (0..<60).contains(mins), hours * 60 + mins <= 1440 else {
                throw ServiceLevelError("\"\(text)\" is not a time like 09:00")
            }
            return hours * 60 + mins
        }
        let times = parts[1].split(separator: "-")
        guard times.count == 2 else { throw ServiceLevelError("write the opening hours as a range, like 09:00-17:00") }
        try self.init(timeZone: timeZone, workingDays: days, opens: try minutes(times[0]), closes: try minutes(times[1]),
                      holidays: holidays)
    }

    /// Reads holidays as "2026-12-25,2027-01-01".
    public static func parseHolidays(_ text: String) throws -> Set<String> {
        var dates = Set<String>()
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let pieces = item.split(separator: "-")
            guard pieces.count == 3, pieces[0].count == 4, pieces[1].count == 2, pieces[2].count == 2,
                  let month = Int(pieces[1]), let dayOfMonth = Int(pieces[2]), Int(pieces[0]) != nil,
                  (1...12).contains(month), (1...31).contains(dayOfMonth) else {
                throw ServiceLevelError("\"\(item)\" is not a date like 2026-12-25")
            }
            dates.insert(item)
        }
        return dates
    }
}

extension ServiceLevelPolicy {
    /// Reads targets as "urgent=1h/4h,high=4h/8h,normal=8h/24h,low=16h/40h" (first response / resolution, in business
    /// hours; "30m" for minutes). Priorities left out keep the standard targets.
    public static func parseTargets(_ text: String) throws -> [TicketPriority: ServiceTarget] {
        var targets = standard.targets
        func duration(_ text: Substring) throws -> Int {
            let unit = text.last
            guard let unit, unit == "h" || unit == "m", let number = Int(text.dropLast()), number > 0 else {
                throw ServiceLevelError("\"\(text)\" is not a duration like 4h or 30m")
            }
            return unit == "h" ? number * 60 : number
        }
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let pair = item.split(separator: "=")
            guard pair.count == 2, let priority = TicketPriority(rawValue: String(pair[0]).lowercased()) else {
                throw ServiceLevelError("\"\(item)\" must look like high=4h/8h, with low, normal, high or urgent")
            }
            let spans = pair[1].split(separator: "/")
            guard spans.count == 2 else { throw ServiceLevelError("\"\(item)\" needs a first response and a resolution, like 4h/8h") }
            let target = ServiceTarget(firstResponseMinutes: try duration(spans[0]), resolutionMinutes: try duration(spans[1]))
            guard target.firstResponseMinutes <= target.resolutionMinutes else {
                throw ServiceLevelError("\"\(item)\": the first response cannot be due after the resolution")
            }
            targets[priority] = target
        }
        return targets
    }
}
