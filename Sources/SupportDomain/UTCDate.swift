public import Foundation

extension Date {
    /// The date written with a fixed pattern in UTC and the POSIX locale, so text never depends on the server's settings.
    public func utcString(_ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: self)
    }

    /// The start of the date's day in UTC (the dashboard's days; the stores count by the same days since 1970).
    public var utcDayStart: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }

    /// The starts of the UTC days from `from`'s day until `to` (exclusive), at most `limit`.
    public static func utcDays(from: Date, to: Date, limit: Int = 400) -> [Date] {
        var days: [Date] = []
        var day = from.utcDayStart
        while day < to, days.count < limit {
            days.append(day)
            day = day.addingTimeInterval(86_400)
        }
        return days
    }
}
