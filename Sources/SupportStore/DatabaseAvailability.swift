import AsyncKit
import PostgresNIO

/// Whether a failure means the database cannot be reached right now (restarting, refusing connections, the pool out of
/// connections) rather than that a statement was wrong: such a request gets 503 with `Retry-After`, and a client may
/// simply try again. Nothing was written: every write is one transaction, which the database rolled back.
public enum DatabaseAvailability {
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolTimeoutError, is ConnectionPoolError, is ConnectionLostError:
            return true
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                return true
            case .unexpectedBackendMessage:
                // Seen when the server's "terminating connection" arrives between a statement's completion and its
                // ReadyForQuery: the driver closes the connection; the statement's transaction was not committed.
                return true
            case .server:
                // Class 08 (connection exception) and 57P (operator intervention: shutting down, starting up).
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("57P")
            default:
                return false
            }
        default:
            return false
        }
    }

    /// "PSQLError server 57P01": the kind of a database failure, for the log (no statement, no values).
    public static func kind(of error: any Error) -> String? {
        guard let error = error as? PSQLError else { return nil }
        return "PSQLError \(error.code)" + (error.serverInfo?[.sqlState].map { " \($0)" } ?? "")
    }
}
