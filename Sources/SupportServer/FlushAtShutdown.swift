import SupportStore
import Vapor

/// Writes the buffered action-log lines and conversation turns when the server stops (after the requests in flight
/// finished, before the database pools close), so a clean shutdown loses none.
struct FlushAtShutdown: LifecycleHandler {
    let actionLog: ActionLog?
    let turnBuffer: TurnBuffer?

    func shutdownAsync(_ application: Application) async {
        await turnBuffer?.close()
        actionLog?.close()
    }
}

/// SQLite's own connections close last: registered before every other handler, this shuts down after them (the turns
/// flushed at shutdown are written through the writer).
struct CloseSQLiteConnections: LifecycleHandler {
    let writer: SQLiteWriter
    let readers: SQLiteReaders

    func shutdownAsync(_ application: Application) async {
        await writer.close()
        await readers.close()
    }
}

/// On SIGTERM the server stops accepting connections and lets the requests in flight finish (up to the server's
/// shutdown timeout, 10 s) before anything else stops. Without it the database pools could close under requests still
/// running (Vapor shuts its stored services down in no set order), and those requests failed.
struct ServerDrain: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.server.shutdown()
    }
}
