public import Foundation

/// What a data-protection request needs: everything stored about a customer, their erasure, and retention.
/// Financial and audit records (orders, refunds, replacements, amounts, dates, the actions taken) are kept by law;
/// names, addresses, free text and files are not.
public protocol PersonalDataStore: Sendable {
    /// Who a customer is and how much is stored about them (for the admins' page); nil when no such customer.
    func summary(customer: CustomerID) async throws -> PersonalDataSummary?
    /// The customer whose record or portal account has this e-mail address.
    func customerID(email: String) async throws -> CustomerID?
    /// Everything stored about the customer as one JSON document (accounts, orders, refunds, replacements,
    /// escalations, conversations, tickets with their messages, surveys, files' descriptions, audit rows, sign-in
    /// attempts); nil when there is no such customer. The request itself is recorded.
    func export(customer: CustomerID, requestedBy: String, at now: Date) async throws -> Data?
    /// Removes or anonymises the customer's personal data in one transaction and records the request; nil when there
    /// is no such customer.
    func erase(customer: CustomerID, requestedBy: String, at now: Date) async throws -> ErasureReport?
    /// Retention: removes conversation state, and the text and files of closed tickets, last changed before `cutoff`.
    func purge(before cutoff: Date) async throws -> RetentionReport
}

/// A customer as the admins' data-protection page shows them.
public struct PersonalDataSummary: Sendable, Hashable {
    public var id: CustomerID
    public var name: String
    public var email: String
    public var accounts: Int
    public var orders: Int
    public var tickets: Int
    /// Earlier exports and erasures: kind, who asked, when.
    public var requests: [(kind: String, requestedBy: String, at: Date)]

    public init(id: CustomerID, name: String, email: String, accounts: Int, orders: Int, tickets: Int,
                requests: [(kind: String, requestedBy: String, at: Date)]) {
        self.id = id
        self.name = name
        self.email = email
        self.accounts = accounts
        self.orders = orders
        self.tickets = tickets
        self.requests = requests
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.email == rhs.email && lhs.accounts == rhs.accounts
            && lhs.orders == rhs.orders && lhs.tickets == rhs.tickets && lhs.requests.map(\.kind) == rhs.requests.map(\.kind)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// What an erasure changed.
public struct ErasureReport: Sendable, Hashable, Codable {
    public var accounts = 0
    public var tickets = 0
    public var messages = 0
    public var attachments = 0
    public var conversations = 0
    public var escalations = 0
    public var mails = 0

    public init() {}
}

/// What a retention pass removed.
public struct RetentionReport: Sendable, Hashable, Codable {
    public var conversations = 0
    public var messages = 0
    public var attachments = 0

    public init() {}
}
