import Foundation
import SupportAgent
import Vapor

/// Runs the outbox dispatcher every interval while the server runs.
final class OutboxLifecycle: LifecycleHandler, @unchecked Sendable {
    let dispatcher: OutboxDispatcher
    let interval: Duration
    private var task: Task<Void, Never>?

    init(dispatcher: OutboxDispatcher, interval: Duration) {
        self.dispatcher = dispatcher
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        let dispatcher = dispatcher, interval = interval
        task = Task {
            while !Task.isCancelled {
                do { try await dispatcher.runOnce() } catch {
                    dispatcher.logger.error("outbox pass failed", metadata: ["error": .string(String(describing: type(of: error)))])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        task = nil
    }
}
