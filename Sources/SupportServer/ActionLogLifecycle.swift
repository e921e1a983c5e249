import SupportStore
import Vapor

/// Writes the buffered action-log lines when the server stops, so a clean shutdown loses none.
struct ActionLogLifecycle: LifecycleHandler {
    let actionLog: ActionLog

    func shutdownAsync(_ application: Application) async {
        await actionLog.close()
    }
}
