/// Date arithmetic the two databases write differently: SQLite keeps a date as seconds since 1970 (a REAL), PostgreSQL
/// as a `timestamptz`.
enum SQLDates {
    /// The column as seconds since 1970.
    static func seconds(_ column: String, postgres: Bool) -> String {
        postgres ? "EXTRACT(EPOCH FROM \(column))" : column
    }

    /// The column's UTC day as days since 1970 (what `Date.utcDayStart` is in seconds, divided by 86,400). On SQLite,
    /// CAST truncates, which is the floor for the positive dates stored.
    static func utcDay(_ column: String, postgres: Bool) -> String {
        postgres ? "CAST(floor(EXTRACT(EPOCH FROM \(column)) / 86400) AS BIGINT)" : "CAST(\(column) / 86400 AS INTEGER)"
    }
}
