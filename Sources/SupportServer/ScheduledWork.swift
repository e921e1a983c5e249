import Foundation
import SupportAgent
import SupportDomain
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

/// Runs the scheduled ticket work (breaches, reminders, closing) every interval while the server runs.
final class AutomationLifecycle: LifecycleHandler, @unchecked Sendable {
    let automation: TicketAutomation
    /// Idempotency keys past their 24 hours are deleted on the same schedule.
    let idempotency: any IdempotencyStore
    let rateLimiter: any RateLimiter
    let clock: any WallClock
    let logger: Logger
    let interval: Duration
    private var task: Task<Void, Never>?

    init(automation: TicketAutomation, idempotency: any IdempotencyStore, rateLimiter: any RateLimiter, clock: any WallClock,
         logger: Logger, interval: Duration) {
        self.rateLimiter = rateLimiter
        self.idempotency = idempotency
        self.clock = clock
        self.automation = automation
        self.logger = logger
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        let automation = automation, interval = interval, logger = logger, idempotency = idempotency, clock = clock
        let rateLimiter = rateLimiter
        task = Task {
            while !Task.isCancelled {
                do {
                    try await idempotency.purge(before: clock.now().addingTimeInterval(-IdempotencyMiddleware.lifetime))
                    try await rateLimiter.purge(before: clock.now().addingTimeInterval(-Double(RateLimitMiddleware.window)))
                    if let report = try await automation.runOnce(), report != TicketAutomation.Report() {
                        logger.info("ticket automation", metadata: [
                            "breaches": "\(report.breaches)", "reminders": "\(report.reminders)", "closed": "\(report.closed)",
                            "skipped": "\(report.skipped)"])
                    }
                } catch {
                    logger.error("ticket automation pass failed", metadata: ["error": .string(String(describing: type(of: error)))])
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
