import Foundation
public import Logging
public import SupportDomain

/// Sends the outbox: claims due e-mails (so several instances never send one twice), sends each, and records the
/// outcome; failures retry with backoff. Without a mail sender configured the e-mails stay queued.
public struct OutboxDispatcher: Sendable {
    let outbox: any MailOutbox
    let sender: any MailSender
    let clock: any WallClock
    public let logger: Logger

    public init(outbox: any MailOutbox, sender: any MailSender, clock: any WallClock, logger: Logger) {
        self.outbox = outbox
        self.sender = sender
        self.clock = clock
        self.logger = logger
    }

    /// One pass over the due e-mails.
    @discardableResult
    public func runOnce(limit: Int = 20) async throws -> (sent: Int, failed: Int) {
        var sent = 0, failed = 0
        for queued in try await outbox.claimDue(now: clock.now(), limit: limit, staleAfter: 300) {
            do {
                try await sender.send(queued.mail, now: clock.now())
                try await outbox.markSent(queued, at: clock.now())
                AgentMetrics.mailSent()
                sent += 1
            } catch {
                failed += 1
                let reason = (error as? MailDeliveryFailure)?.description ?? String(describing: type(of: error))
                logger.warning("e-mail not sent", metadata: ["outbox_id": .string(String(queued.id)), "reason": .string(reason)])
                try await outbox.markFailed(queued, error: reason, at: clock.now(), maxAttempts: 6)
                AgentMetrics.mailFailure()
            }
        }
        return (sent, failed)
    }
}
