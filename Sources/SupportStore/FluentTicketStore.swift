public import FluentKit
import Foundation
public import SupportDomain
import SQLKit

/// Tickets in the database (SQLite or PostgreSQL). A ticket, the message recording its change and the e-mail
/// announcing it are written in one transaction.
public struct FluentTicketStore: TicketStore {
    let database: any Database

    public init(database: any Database) { self.database = database }

    public func insertTicket(_ new: NewTicket, firstMessage: String) async throws -> Ticket {
        let row = TicketModel()
        row.userID = Int(new.ownerID.rawValue)
        row.customerID = new.customerID.map { Int($0.rawValue) }
        row.title = new.title
        row.status = TicketStatus.open.rawValue
        row.priority = TicketPriority.normal.rawValue
        row.conversationID = new.conversationID
        row.trace = "[]"
        row.proposalSerial = 0
        row.createdAt = new.createdAt
        row.updatedAt = new.createdAt
        try await database.transaction { tx in
            try await row.create(on: tx)
            try await TicketMessageModel(ticketID: try row.requireID(), authorKind: TicketAuthor.customer.rawValue,
                                         authorUserID: row.userID, body: firstMessage, at: new.createdAt).create(on: tx)
        }
        return try Self.ticket(row)
    }

    public func fetchTicket(_ id: TicketID) async throws -> Ticket? {
        try await TicketModel.find(Int(id.rawValue), on: database).map(Self.ticket)
    }

    /// Writes first: on SQLite a transaction that reads and then writes fails with SQLITE_BUSY (a stale snapshot) when
    /// another writer committed in between — the portal benchmark hit it with four customers at once.
    public func saveTicket(_ ticket: Ticket, appending message: TicketMessage?, mail: OutgoingMail?) async throws {
        let encoder = JSONEncoder()
        let trace = String(decoding: try encoder.encode(ticket.trace), as: UTF8.self)
        let proposal = try ticket.proposal.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try await database.transaction { tx in
            let updated = try await HotPath.sql(tx).raw("""
                UPDATE tickets SET customer_id = \(bind: ticket.customerID?.rawValue), title = \(bind: ticket.title),
                    status = \(bind: ticket.status.rawValue), priority = \(bind: ticket.priority.rawValue),
                    conversation_id = \(bind: ticket.conversationID), intent = \(bind: ticket.intent?.rawValue),
                    confidence = \(bind: ticket.confidence), trace = \(bind: trace), proposal = \(bind: proposal),
                    proposal_serial = \(bind: ticket.proposalSerial), assigned_agent_id = \(bind: ticket.assigneeID?.rawValue),
                    updated_at = \(bind: ticket.updatedAt)
                WHERE id = \(bind: ticket.id.rawValue)
                RETURNING id
                """).first()
            guard updated != nil else { throw StoreError.notFound }
            if let message { try await Self.row(message).create(on: tx) }
            if let mail { try await FluentMailOutbox.enqueue(mail, at: ticket.updatedAt, on: tx) }
        }
    }

    public func appendMessage(_ message: TicketMessage) async throws {
        try await Self.row(message).create(on: database)
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
        if let text = filter.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // Case-insensitive on both databases: SQLite's LIKE already is (for ASCII), PostgreSQL's needs ILIKE.
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            let postgres = (database as? any SQLDatabase)?.dialect.name == "postgresql"
            query = query.filter(\.$title, .custom(postgres ? "ILIKE" : "LIKE"), pattern)
        }
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
            createdAt: row.createdAt, updatedAt: row.updatedAt)
    }

    static func row(_ message: TicketMessage) throws -> TicketMessageModel {
        TicketMessageModel(ticketID: Int(message.ticketID.rawValue), authorKind: message.author.rawValue,
                           authorUserID: message.authorUserID.map { Int($0.rawValue) }, body: message.body,
                           citations: String(decoding: try JSONEncoder().encode(message.citations), as: UTF8.self),
                           at: message.createdAt)
    }

    static func message(_ row: TicketMessageModel) throws -> TicketMessage {
        TicketMessage(id: row.id.map(Int64.init), ticketID: TicketID(Int64(row.ticketID)),
                      author: TicketAuthor(rawValue: row.authorKind) ?? .system,
                      authorUserID: row.authorUserID.map { UserID(Int64($0)) }, body: row.body,
                      citations: (try? JSONDecoder().decode([Citation].self, from: Data(row.citations.utf8))) ?? [],
                      createdAt: row.createdAt)
    }
}
