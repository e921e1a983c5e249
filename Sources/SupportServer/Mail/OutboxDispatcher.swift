import Foundation
import Logging
import SupportDomain
import SupportStore
import Vapor

/// Sends the outbox by SMTP: claims due e-mails (so several instances never send one twice), sends each, and records
/// the outcome; failures retry with backoff. Without mail settings the e-mails stay queued.
struct OutboxDispatcher: Sendable {
    let store: OutboxStore
    let client: SMTPClient
    let clock: WallClock
    let logger: Logger

    /// One pass over the due e-mails.
    @discardableResult
    func runOnce() async throws -> (sent: Int, failed: Int) {
        var sent = 0, failed = 0
        for row in try await store.claimDue(now: clock.now()) {
            do {
                try await client.send(.init(to: row.recipient, subject: row.subject, body: row.body), now: clock.now())
                try await store.markSent(row, at: clock.now())
                sent += 1
            } catch {
                failed += 1
                let reason = (error as? SMTPClient.Failure)?.description ?? String(describing: type(of: error))
                logger.warning("e-mail not sent", metadata: ["outbox_id": .string(String(row.id ?? 0)), "reason": .string(reason)])
                try await store.markFailed(row, error: reason, at: clock.now())
            }
        }
        return (sent, failed)
    }
}

/// Runs the dispatcher every interval while the server runs.
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
