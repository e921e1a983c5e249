import SupportStore
import Vapor

/// Writes the buffered action-log lines when the server stops, so a clean shutdown loses none.
struct ActionLogLifecycle: LifecycleHandler {
    let actionLog: ActionLog

    func shutdownAsync(_ application: Application) async {
        await actionLog.close()
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
