public import FluentKit
import Foundation
import SQLKit
public import SupportDomain

/// The outbox table: e-mails are queued in the caller's transaction and sent later by whoever claims them first, so
/// several instances never send one e-mail twice.
public struct FluentMailOutbox: MailOutbox {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    /// Queues an e-mail on its own (changes that announce themselves queue theirs in their own transaction).
    public func enqueue(_ mail: OutgoingMail, at now: Date) async throws {
        try await Self.enqueue(mail, at: now, on: database)
    }

    /// Queues an e-mail inside the caller's transaction `db`.
    static func enqueue(_ mail: OutgoingMail, at now: Date, on db: any Database) async throws {
        try await enqueue(mail, at: now, on: try HotPath.sql(db))
    }

    /// A queued e-mail's row (due at once, no attempts yet), in plain SQL, inside the caller's transaction `sql`.
    static func enqueue(_ mail: OutgoingMail, at now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO outbox (recipient, subject, body, status, attempts, created_at, next_attempt_at)
            VALUES (\(bind: mail.to), \(bind: mail.subject), \(bind: mail.body), 'queued', 0, \(bind: now), \(bind: now))
            """).run()
    }

    public func claimDue(now: Date, limit: Int = 20, staleAfter: TimeInterval = 300) async throws -> [QueuedMail] {
        guard let sql = database as? any SQLDatabase else { throw StoreError.notSQL }
        let claim = UUID().uuidString
        let queued = OutboxStatus.queued.rawValue, sending = OutboxStatus.sending.rawValue
        let due = try await OutboxModel.query(on: database)
            .group(.or) { group in
                group.group(.and) { $0.filter(\.$status == queued).filter(\.$nextAttemptAt <= now) }
                group.group(.and) { $0.filter(\.$status == sending).filter(\.$nextAttemptAt <= now.addingTimeInterval(-staleAfter)) }
            }
            .sort(\.$id).limit(limit).all()
        for row in due {
            guard let id = row.id else { continue }
            // Only one worker's UPDATE matches the row in the state it read: a queued row stops being queued, a stale
            // claim is replaced by a new one.
            var update = sql.update("outbox").set("status", to: sending).set("claim", to: claim).set("next_attempt_at", to: now)
                .where("id", .equal, id).where("status", .equal, row.status).where("attempts", .equal, row.attempts)
            if row.status == sending, let previous = row.claim { update = update.where("claim", .equal, previous) }
            try await update.run()
        }
        return try await OutboxModel.query(on: database).filter(\.$claim == claim).filter(\.$status == sending)
            .sort(\.$id).all().map(Self.mail)
    }

    public func markSent(_ mail: QueuedMail, at now: Date) async throws {
        guard let row = try await OutboxModel.find(Int(mail.id), on: database) else { throw StoreError.notFound }
        row.status = OutboxStatus.sent.rawValue
        row.sentAt = now
        row.attempts += 1
        row.lastError = nil
        try await row.save(on: database)
    }

    /// Retries with exponential backoff (30 s, 1 min, 2 min, …); after `maxAttempts` the e-mail is `failed`.
    public func markFailed(_ mail: QueuedMail, error: String, at now: Date, maxAttempts: Int = 6) async throws {
        guard let row = try await OutboxModel.find(Int(mail.id), on: database) else { throw StoreError.notFound }
        row.attempts += 1
        row.lastError = String(error.prefix(500))
        if row.attempts >= maxAttempts {
            row.status = OutboxStatus.failed.rawValue
        } else {
            row.status = OutboxStatus.queued.rawValue
            row.nextAttemptAt = now.addingTimeInterval(30 * pow(2, Double(row.attempts - 1)))
        }
        try await row.save(on: database)
    }

    public func fetchRecent(limit: Int) async throws -> [QueuedMail] {
        try await OutboxModel.query(on: database).sort(\.$id, .descending).limit(limit).all().map(Self.mail)
    }

    /// Counted in the database: the outbox grows without bound, so it is never loaded whole.
    public func countByStatus() async throws -> [OutboxStatus: Int] {
        var counts: [OutboxStatus: Int] = [:]
        for status in OutboxStatus.allCases {
            counts[status] = try await OutboxModel.query(on: database).filter(\.$status == status.rawValue).count()
        }
        return counts
    }

    static func mail(_ row: OutboxModel) throws -> QueuedMail {
        QueuedMail(id: Int64(try row.requireID()), mail: OutgoingMail(to: row.recipient, subject: row.subject, body: row.body),
                   status: OutboxStatus(rawValue: row.status) ?? .failed, attempts: row.attempts, lastError: row.lastError,
                   claim: row.claim, createdAt: row.createdAt, nextAttemptAt: row.nextAttemptAt, sentAt: row.sentAt)
    }
}
