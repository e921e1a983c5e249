public import FluentKit
import FluentSQL
import Foundation
public import SupportDomain
import SQLKit

/// Tickets in the database (SQLite or PostgreSQL). A ticket, the message recording its change and the e-mail
/// announcing it are written in one transaction.
public struct FluentTicketStore: TicketStore {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    /// The ticket and its first message in one transaction, in plain SQL (a ticket opened from the portal is on the
    /// portal's busiest path; building and reflecting over the models was a tenth of it).
    public func insertTicket(_ new: NewTicket, firstMessage: String) async throws -> Ticket {
        let id = try await source.writeTransaction(durable: false) { sql in
            guard let row = try await sql.raw("""
                INSERT INTO tickets (user_id, customer_id, title, status, priority, conversation_id, trace, proposal_serial,
                                     revision, created_at, updated_at)
                VALUES (\(bind: new.ownerID.rawValue), \(bind: new.customerID?.rawValue), \(bind: new.title),
                        \(bind: TicketStatus.open.rawValue), \(bind: TicketPriority.normal.rawValue), \(bind: new.conversationID),
                        '[]', 0, 0, \(bind: new.createdAt), \(bind: new.createdAt))
                RETURNING id
                """).first() else { throw StoreError.notFound }
            let id = TicketID(try row.decode(column: "id", as: Int64.self))
            try await Self.insert(TicketMessage(ticketID: id, author: .customer, authorUserID: new.ownerID, body: firstMessage,
                                                createdAt: new.createdAt), on: sql)
            return id
        }
        return Ticket(id: id, ownerID: new.ownerID, customerID: new.customerID, title: new.title,
                      conversationID: new.conversationID, createdAt: new.createdAt, updatedAt: new.createdAt)
    }

    public func fetchTicket(_ id: TicketID) async throws -> Ticket? {
        try await TicketModel.find(Int(id.rawValue), on: database).map(Self.ticket)
    }

    /// Writes first: on SQLite a transaction that reads and then writes fails with SQLITE_BUSY (a stale snapshot) when
    /// another writer committed in between — the portal benchmark hit it with four customers at once.
    public func saveTicket(_ ticket: Ticket, appending message: TicketMessage?, mail: OutgoingMail?,
                           survey: SurveyInvitation?) async throws {
        let saved = try await save(ticket, appending: message, mails: mail.map { [$0] } ?? [], survey: survey,
                                   onlyAtRevision: false)
        guard saved else { throw StoreError.notFound }
    }

    public func saveTicketIfUnchanged(_ ticket: Ticket, appending message: TicketMessage?,
                                      mails: [OutgoingMail]) async throws -> Bool {
        try await save(ticket, appending: message, mails: mails, survey: nil, onlyAtRevision: true)
    }

    /// One transaction, write first. With `onlyAtRevision` the row is updated only while its revision is the one the
    /// ticket was read at; every save bumps it.
    private func save(_ ticket: Ticket, appending message: TicketMessage?, mails: [OutgoingMail], survey: SurveyInvitation?,
                      onlyAtRevision: Bool) async throws -> Bool {
        try await source.writeTransaction(durable: false) { sql in
            try await save(ticket, appending: message, mails: mails, survey: survey, onlyAtRevision: onlyAtRevision, on: sql)
        }
    }

    private func save(_ ticket: Ticket, appending message: TicketMessage?, mails: [OutgoingMail], survey: SurveyInvitation?,
                      onlyAtRevision: Bool, on sql: any SQLDatabase) async throws -> Bool {
        let encoder = JSONEncoder()
        let trace = String(decoding: try encoder.encode(ticket.trace), as: UTF8.self)
        let proposal = try ticket.proposal.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let sla = ticket.sla
        let condition: SQLQueryString = onlyAtRevision ? " AND revision = \(bind: ticket.revision)" : ""
        let updated = try await sql.raw("""
            UPDATE tickets SET customer_id = \(bind: ticket.customerID?.rawValue), title = \(bind: ticket.title),
                status = \(bind: ticket.status.rawValue), priority = \(bind: ticket.priority.rawValue),
                conversation_id = \(bind: ticket.conversationID), intent = \(bind: ticket.intent?.rawValue),
                confidence = \(bind: ticket.confidence), trace = \(bind: trace), proposal = \(bind: proposal),
                proposal_serial = \(bind: ticket.proposalSerial), assigned_agent_id = \(bind: ticket.assigneeID?.rawValue),
                sla_started_at = \(bind: sla?.startedAt), first_response_due_at = \(bind: sla?.firstResponseDueAt),
                resolution_due_at = \(bind: sla?.resolutionDueAt), first_responded_at = \(bind: sla?.firstRespondedAt),
                first_response_breached_at = \(bind: sla?.firstResponseBreachedAt),
                resolution_breached_at = \(bind: sla?.resolutionBreachedAt), sla_completed_at = \(bind: sla?.completedAt),
                reminder_sent_at = \(bind: ticket.reminderSentAt), revision = revision + 1,
                merged_into = \(bind: ticket.mergedInto?.rawValue), language = \(bind: ticket.language),
                updated_at = \(bind: ticket.updatedAt)
            WHERE id = \(bind: ticket.id.rawValue)\(condition)
            RETURNING id
            """).first()
        guard updated != nil else { return false }
        if let message { try await Self.insert(message, on: sql) }
        for mail in mails { try await FluentMailOutbox.enqueue(mail, at: ticket.updatedAt, on: sql) }
        if let survey, try await FluentSurveyStore.open(survey, on: sql), let mail = survey.mail {
            try await FluentMailOutbox.enqueue(mail, at: ticket.updatedAt, on: sql)
        }
        return true
    }

    public func fetchOverdueServiceLevels(now: Date, limit: Int) async throws -> [Ticket] {
        try await TicketModel.query(on: database)
            .filter(\.$slaStartedAt != nil).filter(\.$slaCompletedAt == nil)
            .group(.or) { overdue in
                overdue.group(.and) {
                    $0.filter(\.$firstRespondedAt == nil).filter(\.$firstResponseBreachedAt == nil)
                        .filter(\.$firstResponseDueAt <= now)
                }
                overdue.group(.and) { $0.filter(\.$resolutionBreachedAt == nil).filter(\.$resolutionDueAt <= now) }
            }
            .sort(\.$id).limit(limit).all().map(Self.ticket)
    }

    public func fetchTickets(in status: TicketStatus, updatedBefore date: Date, limit: Int) async throws -> [Ticket] {
        try await TicketModel.query(on: database).filter(\.$status == status.rawValue).filter(\.$updatedAt < date)
            .sort(\.$updatedAt).sort(\.$id).limit(limit).all().map(Self.ticket)
    }

    public func mergeTicket(_ source: Ticket, into target: Ticket, sourceMessage: TicketMessage, targetMessage: TicketMessage,
                            mail: OutgoingMail?) async throws -> Bool {
        do {
            return try await merge(source, into: target, sourceMessage: sourceMessage, targetMessage: targetMessage, mail: mail)
        } catch is MergeConflict {
            return false
        }
    }

    private func merge(_ source: Ticket, into target: Ticket, sourceMessage: TicketMessage, targetMessage: TicketMessage,
                       mail: OutgoingMail?) async throws -> Bool {
        try await self.source.writeTransaction(durable: false) { sql in
            // Both rows at the revisions read, or nothing: a concurrent change or a second merge leaves both as they are.
            guard try await save(source, appending: nil, mails: [], survey: nil, onlyAtRevision: true, on: sql),
                  try await save(target, appending: nil, mails: [], survey: nil, onlyAtRevision: true, on: sql)
            else { throw MergeConflict() }
            try await sql.raw("""
                UPDATE ticket_messages SET ticket_id = \(bind: target.id.rawValue) WHERE ticket_id = \(bind: source.id.rawValue)
                """).run()
            try await sql.raw("""
                INSERT INTO ticket_tags (ticket_id, tag)
                SELECT \(bind: target.id.rawValue), tag FROM ticket_tags
                WHERE ticket_id = \(bind: source.id.rawValue)
                  AND tag NOT IN (SELECT tag FROM ticket_tags WHERE ticket_id = \(bind: target.id.rawValue))
                """).run()
            try await Self.insert(sourceMessage, on: sql)
            try await Self.insert(targetMessage, on: sql)
            if let mail { try await FluentMailOutbox.enqueue(mail, at: target.updatedAt, on: sql) }
            return true
        }
    }

    private struct MergeConflict: Error {}

    public func queueSnapshot(for agent: UserID) async throws -> QueueSnapshot {
        guard let row = try await HotPath.sql(database).raw("""
            SELECT COUNT(*) AS queued,
                   CAST(COALESCE(SUM(CASE WHEN assigned_agent_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unassigned,
                   CAST(COALESCE(SUM(CASE WHEN assigned_agent_id = \(bind: agent.rawValue) THEN 1 ELSE 0 END), 0) AS BIGINT) AS mine,
                   CAST(COALESCE(SUM(CASE WHEN first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL
                                          THEN 1 ELSE 0 END), 0) AS BIGINT) AS breached,
                   MAX(id) AS newest
            FROM tickets WHERE status IN ('escalated', 'in_progress')
            """).first() else { return QueueSnapshot(queued: 0, unassigned: 0, mine: 0, breached: 0, newest: nil) }
        return QueueSnapshot(queued: try row.decode(column: "queued", as: Int.self),
                             unassigned: try row.decode(column: "unassigned", as: Int.self),
                             mine: try row.decode(column: "mine", as: Int.self),
                             breached: try row.decode(column: "breached", as: Int.self),
                             newest: try row.decode(column: "newest", as: Int64?.self))
    }

    public func recordPresence(_ state: PresenceState, ticket: TicketID, user: UserID, at date: Date) async throws {
        try await HotPath.sql(database).raw("""
            INSERT INTO ticket_presence (ticket_id, user_id, state, seen_at)
            VALUES (\(bind: ticket.rawValue), \(bind: user.rawValue), \(bind: state.rawValue), \(bind: date))
            ON CONFLICT (ticket_id, user_id) DO UPDATE SET state = excluded.state, seen_at = excluded.seen_at
            """).run()
    }

    public func fetchPresence(ticket: TicketID, since date: Date) async throws -> [TicketPresence] {
        try await HotPath.sql(database).raw("""
            SELECT user_id, state, seen_at FROM ticket_presence
            WHERE ticket_id = \(bind: ticket.rawValue) AND seen_at >= \(bind: date) ORDER BY seen_at DESC
            """).all().map { row in
            TicketPresence(user: UserID(try row.decode(column: "user_id", as: Int64.self)),
                           state: PresenceState(rawValue: try row.decode(column: "state", as: String.self)) ?? .viewing,
                           at: try row.decode(column: "seen_at", as: Date.self))
        }
    }

    public func setTags(_ tags: [String], of ticket: TicketID) async throws {
        try await database.guardedTransaction { tx in
            let sql = try HotPath.sql(tx)
            try await sql.raw("DELETE FROM ticket_tags WHERE ticket_id = \(bind: ticket.rawValue)").run()
            for tag in tags {
                try await sql.raw("INSERT INTO ticket_tags (ticket_id, tag) VALUES (\(bind: ticket.rawValue), \(bind: tag))").run()
            }
        }
    }

    public func fetchTags(of tickets: [TicketID]) async throws -> [TicketID: [String]] {
        guard !tickets.isEmpty else { return [:] }
        let rows = try await HotPath.sql(database).raw("""
            SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN (\(binds: tickets.map(\.rawValue))) ORDER BY tag
            """).all()
        var tags: [TicketID: [String]] = [:]
        for row in rows {
            tags[TicketID(try row.decode(column: "ticket_id", as: Int64.self)), default: []].append(try row.decode(column: "tag", as: String.self))
        }
        return tags
    }

    public func appendMessage(_ message: TicketMessage) async throws {
        try await Self.insert(message, on: try HotPath.sql(database))
    }

    public func fetchMessages(of ticket: TicketID, includeNotes: Bool) async throws -> [TicketMessage] {
        var query = TicketMessageModel.query(on: database).filter(\.$ticketID == Int(ticket.rawValue))
        if !includeNotes { query = query.filter(\.$authorKind != TicketAuthor.note.rawValue) }
        return try await query.sort(\.$id).all().map(Self.message)
    }

    public func fetchTickets(owner: UserID, status: TicketStatus?, limit: Int) async throws -> [Ticket] {
        var query = TicketModel.query(on: database).filter(\.$userID == Int(owner.rawValue))
        if let status { query = query.filter(\.$status == status.rawValue) }
        return try await query.sort(\.$updatedAt, .descending).sort(\.$id, .descending).limit(limit).all().map(Self.ticket)
    }

    public func fetchTickets(in statuses: [TicketStatus], limit: Int) async throws -> [Ticket] {
        try await TicketModel.query(on: database).filter(\.$status ~~ statuses.map(\.rawValue))
            .sort(\.$createdAt, .ascending).sort(\.$id, .ascending).limit(limit).all().map(Self.ticket)
    }

    public func searchTickets(_ filter: TicketFilter, offset: Int, limit: Int) async throws -> (tickets: [Ticket], total: Int) {
        var query = TicketModel.query(on: database)
        if let status = filter.status { query = query.filter(\.$status == status.rawValue) }
        if let priority = filter.priority { query = query.filter(\.$priority == priority.rawValue) }
        if let assignee = filter.assignee { query = query.filter(\.$assignedAgentID == Int(assignee.rawValue)) }
        if filter.unassigned { query = query.filter(\.$assignedAgentID == nil) }
        if let intent = filter.intent { query = query.filter(\.$intent == intent.rawValue) }
        if let tag = filter.tag {
            query = query.filter(.sql(embed: "\(ident: "tickets").\(ident: "id") IN (SELECT ticket_id FROM ticket_tags WHERE tag = \(bind: tag))"))
        }
        // Both read the partial index of running clocks through a subquery. Written as an OR over the whole table,
        // SQLite walked the list's order index instead: 2.1 s at a million tickets.
        if let breached = filter.breached {
            let condition: SQLQueryString = breached
                ? "(first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL)"
                : "first_response_breached_at IS NULL AND resolution_breached_at IS NULL"
            query = query.filter(.sql(embed: """
                \(ident: "tickets").\(ident: "id") IN (SELECT id FROM tickets WHERE sla_started_at IS NOT NULL
                AND sla_completed_at IS NULL AND \(condition))
                """))
        }
        if let text = filter.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // Case-insensitive on both databases: SQLite's LIKE already is (for ASCII), PostgreSQL's needs ILIKE.
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            let postgres = (database as? any SQLDatabase)?.dialect.name == "postgresql"
            let messages: SQLQueryString
            if postgres {
                messages = "SELECT ticket_id FROM ticket_messages WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', \(bind: text))"
            } else {
                messages = "SELECT ticket_id FROM message_search WHERE message_search MATCH \(bind: FullTextSearch.sqliteQuery(text))"
            }
            query = query.group(.or) { either in
                either.filter(\.$title, .custom(postgres ? "ILIKE" : "LIKE"), pattern)
                    .filter(.sql(embed: "\(ident: "tickets").\(ident: "id") IN (\(messages))"))
            }
        }
        if let language = filter.language { query = query.filter(\.$language == language) }
        if let from = filter.createdFrom { query = query.filter(\.$createdAt >= from) }
        if let before = filter.createdBefore { query = query.filter(\.$createdAt < before) }
        let total = try await query.count()
        let rows = try await query.sort(\.$updatedAt, .descending).sort(\.$id, .descending).range(offset..<(offset + limit)).all()
        return (try rows.map(Self.ticket), total)
    }

    // MARK: Rows ↔ values

    static func ticket(_ row: TicketModel) throws -> Ticket {
        let decoder = JSONDecoder()
        return Ticket(
            id: TicketID(Int64(try row.requireID())), ownerID: UserID(Int64(row.userID)),
            customerID: row.customerID.map { CustomerID(Int64($0)) }, title: row.title,
            status: TicketStatus(rawValue: row.status) ?? .open, priority: TicketPriority(rawValue: row.priority) ?? .normal,
            conversationID: row.conversationID, intent: row.intent.flatMap(Intent.init(rawValue:)), confidence: row.confidence,
            trace: (try? decoder.decode([TraceStep].self, from: Data(row.trace.utf8))) ?? [],
            proposal: row.proposal.flatMap { try? decoder.decode(Proposal.self, from: Data($0.utf8)) },
            proposalSerial: row.proposalSerial, assigneeID: row.assignedAgentID.map { UserID(Int64($0)) },
            sla: row.slaStartedAt.map { started in
                TicketSLA(startedAt: started, firstResponseDueAt: row.firstResponseDueAt ?? started,
                          resolutionDueAt: row.resolutionDueAt ?? started, firstRespondedAt: row.firstRespondedAt,
                          firstResponseBreachedAt: row.firstResponseBreachedAt, resolutionBreachedAt: row.resolutionBreachedAt,
                          completedAt: row.slaCompletedAt)
            }, reminderSentAt: row.reminderSentAt, revision: row.revision, mergedInto: row.mergedInto.map { TicketID(Int64($0)) },
            language: row.language,
            createdAt: row.createdAt, updatedAt: row.updatedAt)
    }

    /// A message row in plain SQL (the columns `TicketMessageModel` maps).
    static func insert(_ message: TicketMessage, on sql: any SQLDatabase) async throws {
        let citations = String(decoding: try JSONEncoder().encode(message.citations), as: UTF8.self)
        try await sql.raw("""
            INSERT INTO ticket_messages (ticket_id, author_kind, author_user_id, body, citations, created_at)
            VALUES (\(bind: message.ticketID.rawValue), \(bind: message.author.rawValue), \(bind: message.authorUserID?.rawValue),
                    \(bind: message.body), \(bind: citations), \(bind: message.createdAt))
            """).run()
    }

    static func message(_ row: TicketMessageModel) throws -> TicketMessage {
        TicketMessage(id: row.id.map(Int64.init), ticketID: TicketID(Int64(row.ticketID)),
                      author: TicketAuthor(rawValue: row.authorKind) ?? .system,
                      authorUserID: row.authorUserID.map { UserID(Int64($0)) }, body: row.body,
                      citations: (try? JSONDecoder().decode([Citation].self, from: Data(row.citations.utf8))) ?? [],
                      createdAt: row.createdAt)
    }
}

/// Leases on scheduled work in the database: one row per job; taking it is one conditional write, so of several
/// instances exactly one wins until the lease runs out.
public struct FluentScheduledWork: ScheduledWork {
    let source: DatabaseSource
    var database: any Database { source.database }

    public init(database: any Database) { self.source = .fixed(database) }
    public init(source: DatabaseSource) { self.source = source }

    public func claim(_ job: String, owner: String, until: Date, now: Date) async throws -> Bool {
        let sql = try HotPath.sql(database)
        // The row exists once; a second insert of it is ignored on both databases.
        try await sql.raw("INSERT INTO scheduled_jobs (name, owner, lease_until) VALUES (\(bind: job), NULL, NULL) ON CONFLICT (name) DO NOTHING")
            .run()
        let taken = try await sql.raw("""
            UPDATE scheduled_jobs SET owner = \(bind: owner), lease_until = \(bind: until)
            WHERE name = \(bind: job) AND (lease_until IS NULL OR lease_until <= \(bind: now) OR owner = \(bind: owner))
            RETURNING name
            """).first()
        return taken != nil
    }
}
