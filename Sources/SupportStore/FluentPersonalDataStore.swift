public import FluentKit
public import Foundation
public import SupportDomain
import SQLKit

/// Data-protection requests and retention on SQLite and PostgreSQL. Every request (export or erasure) is recorded in
/// `data_requests` with who asked and what changed; the record holds no personal data.
public struct FluentPersonalDataStore: PersonalDataStore {
    let source: DatabaseSource
    /// Turns waiting to be written are written (or, for an erasure, dropped) before the customer's rows are read or
    /// removed.
    let turnBuffer: TurnBuffer?
    var database: any Database { source.database }

    public init(database: any Database) { self.init(source: .fixed(database)) }
    public init(source: DatabaseSource, turnBuffer: TurnBuffer? = nil) {
        self.source = source
        self.turnBuffer = turnBuffer
    }

    /// How a column is read into the export.
    enum Kind { case int, text, optionalText, date, optionalDate, bool }

    /// The rows of a query as JSON objects (dates in ISO 8601).
    static func rows(_ sql: any SQLDatabase, _ query: SQLQueryString, _ columns: [(String, Kind)]) async throws -> [[String: Any]] {
        try await sql.raw(query).all().map { row in
            var object: [String: Any] = [:]
            for (name, kind) in columns {
                switch kind {
                case .int: object[name] = try row.decode(column: name, as: Int64.self)
                case .text: object[name] = try row.decode(column: name, as: String.self)
                case .optionalText: object[name] = try row.decode(column: name, as: String?.self) ?? NSNull()
                case .date: object[name] = iso(try row.decode(column: name, as: Date.self))
                case .optionalDate: object[name] = try row.decode(column: name, as: Date?.self).map(iso) ?? NSNull()
                case .bool: object[name] = try row.decode(column: name, as: Bool.self)
                }
            }
            return object
        }
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    public func summary(customer: CustomerID) async throws -> PersonalDataSummary? {
        let sql = try HotPath.sql(database)
        let id = customer.rawValue
        guard let row = try await sql.raw("""
            SELECT name, email,
                (SELECT COUNT(*) FROM users WHERE customer_id = \(bind: id)) AS accounts,
                (SELECT COUNT(*) FROM orders WHERE customer_id = \(bind: id)) AS orders,
                (SELECT COUNT(*) FROM tickets WHERE customer_id = \(bind: id)) AS tickets
            FROM customers WHERE id = \(bind: id)
            """).first() else { return nil }
        let requests = try await sql.raw("""
            SELECT kind, requested_by, created_at FROM data_requests WHERE customer_id = \(bind: id) ORDER BY id DESC LIMIT 20
            """).all().map {
            (kind: try $0.decode(column: "kind", as: String.self), requestedBy: try $0.decode(column: "requested_by", as: String.self),
             at: try $0.decode(column: "created_at", as: Date.self))
        }
        return PersonalDataSummary(id: customer, name: try row.decode(column: "name", as: String.self),
                                   email: try row.decode(column: "email", as: String.self),
                                   accounts: try row.decode(column: "accounts", as: Int.self),
                                   orders: try row.decode(column: "orders", as: Int.self),
                                   tickets: try row.decode(column: "tickets", as: Int.self), requests: requests)
    }

    public func customerID(email: String) async throws -> CustomerID? {
        let row = try await HotPath.sql(database).raw("""
            SELECT id FROM customers WHERE email = \(bind: email)
            UNION SELECT customer_id AS id FROM users WHERE email = \(bind: email) AND customer_id IS NOT NULL
            """).first()
        return try row.map { CustomerID(try $0.decode(column: "id", as: Int64.self)) }
    }

    public func export(customer: CustomerID, requestedBy: String, at now: Date) async throws -> Data? {
        await turnBuffer?.flush()
        let sql = try HotPath.sql(database)
        let id = customer.rawValue
        guard let person = try await Self.rows(sql, "SELECT id, name, email, created_at FROM customers WHERE id = \(bind: id)",
                                               [("id", .int), ("name", .text), ("email", .text), ("created_at", .date)]).first
        else { return nil }
        let accounts = try await Self.rows(sql, """
            SELECT id, email, name, role, created_at, deactivated_at, totp_enabled_at FROM users WHERE customer_id = \(bind: id)
            """, [("id", .int), ("email", .text), ("name", .text), ("role", .text), ("created_at", .date),
                  ("deactivated_at", .optionalDate), ("totp_enabled_at", .optionalDate)])
        var orders = try await Self.rows(sql, """
            SELECT id, status, created_at, shipped_at, delivered_at, total_cents FROM orders WHERE customer_id = \(bind: id) ORDER BY id
            """, [("id", .int), ("status", .text), ("created_at", .date), ("shipped_at", .optionalDate),
                  ("delivered_at", .optionalDate), ("total_cents", .int)])
        for index in orders.indices {
            orders[index]["items"] = try await Self.rows(sql, """
                SELECT p.name AS product, i.quantity, i.unit_price_cents FROM order_items i JOIN products p ON p.id = i.product_id
                WHERE i.order_id = \(bind: orders[index]["id"] as? Int64 ?? 0) ORDER BY i.id
                """, [("product", .text), ("quantity", .int), ("unit_price_cents", .int)])
        }
        let userIDs = accounts.compactMap { $0["id"] as? Int64 }
        let emails = [person["email"] as? String ?? ""] + accounts.compactMap { $0["email"] as? String }
        var tickets = try await Self.rows(sql, """
            SELECT id, title, status, priority, intent, created_at, updated_at FROM tickets
            WHERE customer_id = \(bind: id) OR user_id IN (\(binds: userIDs.isEmpty ? [-1] : userIDs)) ORDER BY id
            """, [("id", .int), ("title", .text), ("status", .text), ("priority", .text), ("intent", .optionalText),
                  ("created_at", .date), ("updated_at", .date)])
        for index in tickets.indices {
            let ticket = tickets[index]["id"] as? Int64 ?? 0
            tickets[index]["messages"] = try await Self.rows(sql, """
                SELECT author_kind, body, created_at FROM ticket_messages WHERE ticket_id = \(bind: ticket) ORDER BY id
                """, [("author_kind", .text), ("body", .text), ("created_at", .date)])
            tickets[index]["files"] = try await Self.rows(sql, """
                SELECT id, filename, content_type, size, created_at FROM attachments WHERE ticket_id = \(bind: ticket) ORDER BY id
                """, [("id", .int), ("filename", .text), ("content_type", .text), ("size", .int), ("created_at", .date)])
            tickets[index]["surveys"] = try await Self.rows(sql, """
                SELECT rating, comment, answered_at FROM surveys WHERE ticket_id = \(bind: ticket) AND answered_at IS NOT NULL
                """, [("rating", .int), ("comment", .optionalText), ("answered_at", .date)])
        }
        let document: [String: Any] = [
            "format": "supportops-customer-export/1",
            "exported_at": Self.iso(now),
            "note": "Files are described, not included; ask support for a copy of a file. Text was stored with card "
                + "numbers, e-mail addresses and phone numbers already masked.",
            "customer": person,
            "accounts": accounts,
            "orders": orders,
            "refunds": try await Self.rows(sql, """
                SELECT id, order_id, amount_cents, reason, status, created_at FROM refunds WHERE customer_id = \(bind: id) ORDER BY id
                """, [("id", .int), ("order_id", .int), ("amount_cents", .int), ("reason", .text), ("status", .text), ("created_at", .date)]),
            "replacements": try await Self.rows(sql, """
                SELECT id, order_id, reason, status, created_at FROM replacements WHERE customer_id = \(bind: id) ORDER BY id
                """, [("id", .int), ("order_id", .int), ("reason", .text), ("status", .text), ("created_at", .date)]),
            "escalations": try await Self.rows(sql, """
                SELECT id, kind, summary, status, created_at FROM escalations WHERE customer_id = \(bind: id) ORDER BY id
                """, [("id", .int), ("kind", .text), ("summary", .text), ("status", .text), ("created_at", .date)]),
            "conversations": try await Self.rows(sql, """
                SELECT id, turns, pending, updated_at FROM conversations WHERE customer_id = \(bind: id) ORDER BY updated_at
                """, [("id", .text), ("turns", .int), ("pending", .optionalText), ("updated_at", .date)]),
            "conversation_turns": try await Self.rows(sql, """
                SELECT created_at, channel, language, intent, action, text, reply FROM conversation_turns
                WHERE customer_id = \(bind: id) ORDER BY id
                """, [("created_at", .date), ("channel", .text), ("language", .text), ("intent", .text),
                      ("action", .optionalText), ("text", .text), ("reply", .text)]),
            "tickets": tickets,
            "suggested_articles_opened": try await Self.rows(sql, """
                SELECT article_id, opened_at, ticket_opened_at FROM suggestion_opens
                WHERE user_id IN (\(binds: userIDs.isEmpty ? [-1] : userIDs)) ORDER BY id
                """, [("article_id", .int), ("opened_at", .date), ("ticket_opened_at", .optionalDate)]),
            "actions": try await Self.rows(sql, """
                SELECT created_at, action, parameters, result FROM audit_entries WHERE customer_id = \(bind: id) ORDER BY id
                """, [("created_at", .date), ("action", .text), ("parameters", .text), ("result", .text)]),
            "sign_in_attempts": try await Self.rows(sql, """
                SELECT email, succeeded, created_at FROM login_attempts WHERE email IN (\(binds: emails)) ORDER BY id
                """, [("email", .text), ("succeeded", .bool), ("created_at", .date)]),
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try await Self.record(kind: "export", customer: id, by: requestedBy, summary: "\(data.count) bytes", at: now, on: sql)
        return data
    }

    public func erase(customer: CustomerID, requestedBy: String, at now: Date) async throws -> ErasureReport? {
        await turnBuffer?.discard(customer: customer)
        let id = customer.rawValue
        return try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            guard let row = try await sql.raw("SELECT email FROM customers WHERE id = \(bind: id)").first() else { return nil }
            var emails = [try row.decode(column: "email", as: String.self)]
            let users = try await sql.raw("SELECT id, email FROM users WHERE customer_id = \(bind: id)").all()
            let userIDs = try users.map { try $0.decode(column: "id", as: Int64.self) }
            emails += try users.map { try $0.decode(column: "email", as: String.self) }
            let someUsers = userIDs.isEmpty ? [-1] : userIDs
            var report = ErasureReport()
            func count(_ query: SQLQueryString) async throws -> Int {
                try await sql.raw(query).all().count
            }
            let erased = "[erased]"
            try await sql.raw("""
                UPDATE customers SET name = \(bind: "Erased customer \(id)"), email = \(bind: "erased-customer-\(id)@invalid.example")
                WHERE id = \(bind: id)
                """).run()
            for user in userIDs {
                // No way back in: a password nobody has, no second factor, deactivated, every session over.
                try await sql.raw("""
                    UPDATE users SET name = 'Erased', email = \(bind: "erased-user-\(user)@invalid.example"), password_hash = '!',
                        totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
                        deactivated_at = \(bind: now), session_epoch = session_epoch + 1
                    WHERE id = \(bind: user)
                    """).run()
            }
            report.accounts = userIDs.count
            for table in ["recovery_codes", "password_resets", "email_verifications", "saved_views", "ticket_presence",
                          "suggestion_opens"] {
                try await sql.raw("DELETE FROM \(ident: table) WHERE user_id IN (\(binds: someUsers))").run()
            }
            try await sql.raw("DELETE FROM login_attempts WHERE email IN (\(binds: emails))").run()
            let ticketIDs = try await sql.raw("""
                SELECT id FROM tickets WHERE customer_id = \(bind: id) OR user_id IN (\(binds: someUsers))
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
            let someTickets = ticketIDs.isEmpty ? [-1] : ticketIDs
            report.tickets = try await count("""
                UPDATE tickets SET title = \(bind: erased), trace = '[]', proposal = NULL
                WHERE id IN (\(binds: someTickets)) RETURNING id
                """)
            report.messages = try await count("""
                UPDATE ticket_messages SET body = \(bind: erased), citations = '[]' WHERE ticket_id IN (\(binds: someTickets)) RETURNING id
                """)
            report.attachments = try await count("DELETE FROM attachments WHERE ticket_id IN (\(binds: someTickets)) RETURNING id")
            try await sql.raw("UPDATE surveys SET comment = NULL WHERE ticket_id IN (\(binds: someTickets))").run()
            report.conversations = try await count("DELETE FROM conversations WHERE customer_id = \(bind: id) RETURNING id")
            // The turns kept for review hold the customer's (redacted) words and the replies: they go too.
            try await sql.raw("DELETE FROM conversation_turns WHERE customer_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM conversation_rollups WHERE customer_id = \(bind: id)").run()
            report.escalations = try await count("""
                UPDATE escalations SET summary = \(bind: erased) WHERE customer_id = \(bind: id) RETURNING id
                """)
            report.mails = try await count("""
                UPDATE outbox SET recipient = \(bind: "erased-customer-\(id)@invalid.example"), subject = \(bind: erased),
                    body = \(bind: erased)
                WHERE recipient IN (\(binds: emails)) RETURNING id
                """)
            let summary = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            try await Self.record(kind: "erase", customer: id, by: requestedBy, summary: summary, at: now, on: sql)
            return report
        }
    }

    public func purge(before cutoff: Date) async throws -> RetentionReport {
        await turnBuffer?.flush()
        return try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            var report = RetentionReport()
            report.conversations = try await sql.raw("DELETE FROM conversations WHERE updated_at < \(bind: cutoff) RETURNING id")
                .all().count
            try await sql.raw("DELETE FROM conversation_turns WHERE created_at < \(bind: cutoff)").run()
            // The figures of a conversation wholly purged go with it (a rollup holds no text, only counts).
            try await sql.raw("DELETE FROM conversation_rollups WHERE last_at < \(bind: cutoff)").run()
            let closed: SQLQueryString = "SELECT id FROM tickets WHERE status = 'closed' AND updated_at < \(bind: cutoff)"
            report.messages = try await sql.raw("""
                UPDATE ticket_messages SET body = '[removed after the retention period]', citations = '[]'
                WHERE ticket_id IN (\(closed)) AND body <> '[removed after the retention period]' RETURNING id
                """).all().count
            report.attachments = try await sql.raw("DELETE FROM attachments WHERE ticket_id IN (\(closed)) RETURNING id").all().count
            return report
        }
    }

    static func record(kind: String, customer: Int64, by requester: String, summary: String, at now: Date,
                       on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO data_requests (customer_id, kind, requested_by, summary, created_at)
            VALUES (\(bind: customer), \(bind: kind), \(bind: requester), \(bind: summary), \(bind: now))
            """).run()
    }
}

/// The record of data-protection requests (who asked for an export or an erasure of which customer, and when).
struct CreateDataRequests: AsyncMigration {
    var name: String { "SupportOps.CreateDataRequests.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("data_requests")
            .field("id", .int, .identifier(auto: true))
            .field("customer_id", .int64, .required)
            .field("kind", .string, .required)
            .field("requested_by", .string, .required)
            .field("summary", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("data_requests").delete()
    }
}
