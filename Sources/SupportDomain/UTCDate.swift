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
}
