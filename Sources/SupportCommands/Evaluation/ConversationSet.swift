public import Foundation
import SupportServer
import SupportDomain

/// A file of scripted support conversations (format: CONVERSATIONS.md): the store they run against and the
/// conversations with what each turn and the end state must show. Support teams write their own as regression tests.
public struct ConversationSet: Decodable, Sendable {
    public var fixture: Fixture
    public var conversations: [Conversation]

    enum CodingKeys: String, CodingKey { case fixture, conversations }

    /// The store, with every time written as whole days before the run.
    public struct Fixture: Decodable, Sendable {
        public var customers: [Customer]
        public var products: [Product]
        public var orders: [Order]
        public var refunds: [PastRefund]

        enum CodingKeys: String, CodingKey { case customers, products, orders, refunds }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            customers = try container.decode([Customer].self, forKey: .customers)
            products = try container.decode([Product].self, forKey: .products)
            orders = try container.decode([Order].self, forKey: .orders)
            refunds = try container.decodeIfPresent([PastRefund].self, forKey: .refunds) ?? []
        }
    }

    public struct Customer: Decodable, Sendable {
        public var id: Int, name: String, email: String, createdDaysAgo: Int
        enum CodingKeys: String, CodingKey { case id, name, email, createdDaysAgo = "created_days_ago" }
    }

    public struct Product: Decodable, Sendable {
        public var id: Int, name: String, sku: String, price: Price, stock: Int, finalSale: Bool
        enum CodingKeys: String, CodingKey { case id, name, sku, price, stock, finalSale = "final_sale" }
    }

    public struct Order: Decodable, Sendable {
        public var id: Int, customerID: Int, status: String, createdDaysAgo: Int
        public var shippedDaysAgo: Int?, deliveredDaysAgo: Int?
        public var items: [Item]
        enum CodingKeys: String, CodingKey {
            case id, customerID = "customer_id", status, createdDaysAgo = "created_days_ago",
                 shippedDaysAgo = "shipped_days_ago", deliveredDaysAgo = "delivered_days_ago", items
        }
    }

    public struct Item: Decodable, Sendable {
        public var productID: Int, quantity: Int, unitPrice: Price?
        enum CodingKeys: String, CodingKey { case productID = "product_id", quantity, unitPrice = "unit_price" }
    }

    public struct PastRefund: Decodable, Sendable {
        public var orderID: Int, customerID: Int, reason: String, createdDaysAgo: Int, amount: Price?
        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", customerID = "customer_id", reason, createdDaysAgo = "created_days_ago", amount
        }
    }

    /// A price as written in the file (`"64.50"`; a bare number is accepted too), kept as text for the importer.
    public struct Price: Decodable, Sendable {
        public var text: String
        public var cents: Int64

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text: String
            if let string = try? container.decode(String.self) {
                text = string
            } else {
                let number = try container.decode(Decimal.self)
                text = "\(number)".contains(".") ? "\(number)" : "\(number).00"
            }
            guard let money = Money(decimalString: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an amount with two decimals: \(text)")
            }
            self.text = text.contains(".") ? text : money.decimalString
            self.cents = money.minorUnits
        }
    }

    public struct Conversation: Decodable, Sendable {
        public var id: String
        public var userID: Int
        public var categories: [String]
        public var turns: [Turn]
        public var end: EndState
        enum CodingKeys: String, CodingKey { case id, userID = "user_id", categories, turns, end }
    }

    public struct Turn: Decodable, Sendable {
        public var user: String
        public var expect: TurnExpectation
    }

    /// One check object, or `{"any_of": [...]}`: at least one of them must hold.
    public enum TurnExpectation: Decodable, Sendable {
        case all(Check)
        case anyOf([Check])

        public init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: AnyKey.self)
            if let anyOf = AnyKey(stringValue: "any_of"), keys.contains(anyOf) {
                guard keys.allKeys.count == 1 else {
                    throw DecodingError.dataCorruptedError(forKey: anyOf, in: keys, debugDescription: "any_of must be the only key")
                }
                let checks = try keys.decode([Check].self, forKey: anyOf)
                guard !checks.isEmpty else {
                    throw DecodingError.dataCorruptedError(forKey: anyOf, in: keys, debugDescription: "any_of must not be empty")
                }
                self = .anyOf(checks)
            } else {
                self = .all(try Check(from: decoder))
            }
        }

        public var alternatives: [Check] {
            switch self {
            case let .all(check): [check]
            case let .anyOf(checks): checks
            }
        }
    }

    /// The order a turn must act on: a number, or the k-th order the previous response named, bound to a name.
    public enum OrderExpectation: Sendable, Equatable {
        case id(Int)
        case listed(position: Int, name: String)
    }

    /// What one response must show; an absent key is not checked (CONVERSATIONS.md §4).
    public struct Check: Decodable, Sendable {
        public var intent: [String]?
        /// nil: not checked; a nil element stands for "no write tool ran".
        public var action: [String?]?
        public var success: Bool?
        public var errorCode: [String]?
        public var orderID: OrderExpectation?
        public var promptNames: Int?
        public var orderStatus: String?
        public var refundStatus: String?
        public var needsClarification: Bool?
        public var escalated: Bool?
        public var replyMatches: String?
        public var mustNotContain: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case intent, action, success, errorCode = "error_code", orderID = "order_id", promptNames = "prompt_names",
                 orderStatus = "order_status", refundStatus = "refund_status", needsClarification = "needs_clarification",
                 escalated, replyMatches = "reply_matches", mustNotContain = "must_not_contain"
        }

        enum ListedKeys: String, CodingKey { case listed, name = "as" }

        public init(from decoder: any Decoder) throws {
            // A misspelt key would silently check nothing: refuse it.
            let all = try decoder.container(keyedBy: AnyKey.self)
            for key in all.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
                throw DecodingError.dataCorruptedError(forKey: key, in: all, debugDescription: "unknown check key \(key.stringValue)")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            intent = try container.decodeOneOrMany(forKey: .intent)
            if container.contains(.action) {
                if try container.decodeNil(forKey: .action) {
                    action = [nil]
                } else if let name = try? container.decode(String.self, forKey: .action) {
                    action = [name]
                } else {
                    action = try container.decode([String?].self, forKey: .action)
                }
            }
            success = try container.decodeIfPresent(Bool.self, forKey: .success)
            errorCode = try container.decodeOneOrMany(forKey: .errorCode)
            if container.contains(.orderID) {
                if let id = try? container.decode(Int.self, forKey: .orderID) {
                    orderID = .id(id)
                } else {
                    let listed = try container.nestedContainer(keyedBy: ListedKeys.self, forKey: .orderID)
                    let position = try listed.decode(Int.self, forKey: .listed)
                    guard position >= 1 else {
                        throw DecodingError.dataCorruptedError(forKey: .listed, in: listed, debugDescription: "k counts from 1")
                    }
                    orderID = .listed(position: position, name: try listed.decode(String.self, forKey: .name))
                }
            }
            promptNames = try container.decodeIfPresent(Int.self, forKey: .promptNames)
            orderStatus = try container.decodeIfPresent(String.self, forKey: .orderStatus)
            refundStatus = try container.decodeIfPresent(String.self, forKey: .refundStatus)
            needsClarification = try container.decodeIfPresent(Bool.self, forKey: .needsClarification)
            escalated = try container.decodeIfPresent(Bool.self, forKey: .escalated)
            replyMatches = try container.decodeIfPresent(String.self, forKey: .replyMatches)
            if let pattern = replyMatches, (try? NSRegularExpression(pattern: pattern)) == nil {
                throw DecodingError.dataCorruptedError(forKey: .replyMatches, in: container,
                                                       debugDescription: "not a valid regular expression")
            }
            mustNotContain = try container.decodeIfPresent([String].self, forKey: .mustNotContain)
        }
    }

    /// An order in `end`: a number, or `{"ref": "A"}` (the order a turn's `listed` check bound to `A`).
    public enum OrderReference: Decodable, Sendable, Equatable, CustomStringConvertible {
        case id(Int)
        case ref(String)

        enum CodingKeys: String, CodingKey { case ref }

        public init(from decoder: any Decoder) throws {
            if let id = try? decoder.singleValueContainer().decode(Int.self) {
                self = .id(id)
            } else {
                self = .ref(try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .ref))
            }
        }

        public var description: String {
            switch self {
            case let .id(id): "\(id)"
            case let .ref(name): "{ref: \(name)}"
            }
        }
    }

    public struct ExpectedRefund: Decodable, Sendable {
        public var order: OrderReference
        public var status: String
        public var optional: Bool

        enum CodingKeys: String, CodingKey { case order, status, optional }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            order = try container.decode(OrderReference.self, forKey: .order)
            status = try container.decode(String.self, forKey: .status)
            guard ["approved", "pending_review"].contains(status) else {
                throw DecodingError.dataCorruptedError(forKey: .status, in: container,
                                                       debugDescription: "must be approved or pending_review")
            }
            optional = try container.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        }
    }

    /// The rows a conversation must leave behind (CONVERSATIONS.md §5).
    public struct EndState: Decodable, Sendable {
        public var refunds: [ExpectedRefund]
        public var cancelled: [Int]
        public var replacements: [Int]
        public var escalation: Bool?
        public var dbMustNotContain: [String]?

        enum CodingKeys: String, CodingKey {
            case refunds, cancelled, replacements, escalation, dbMustNotContain = "db_must_not_contain"
        }
    }
}

/// Any key of a JSON object, to find keys a type does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A string or a list of strings.
    func decodeOneOrMany(forKey key: Key) throws -> [String]? {
        guard contains(key) else { return nil }
        if let one = try? decode(String.self, forKey: key) { return [one] }
        return try decode([String].self, forKey: key)
    }
}

/// A conversation file that cannot be used, with the place of the problem.
public struct ConversationSetError: Error, CustomStringConvertible {
    public var description: String
}

extension ConversationSet {
    /// Reads and validates a file: JSON shape, unique ids, known customers and orders, compilable patterns.
    public static func load(path: String) throws -> ConversationSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConversationSetError(description: "cannot read \(path)")
        }
        return try decode(data)
    }

    public static func decode(_ data: Data) throws -> ConversationSet {
        let set: ConversationSet
        do {
            set = try JSONDecoder().decode(ConversationSet.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw ConversationSetError(description: "\(context.codingPath.pathText): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConversationSetError(description: "\((context.codingPath + [key]).pathText): is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConversationSetError(description: "\(context.codingPath.pathText): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ConversationSetError(description: "\(context.codingPath.pathText): must not be null")
        }
        try set.validate()
        return set
    }

    func validate() throws {
        let customers = Set(fixture.customers.map(\.id))
        let products = Set(fixture.products.map(\.id))
        let orders = Set(fixture.orders.map(\.id))
        for order in fixture.orders {
            guard customers.contains(order.customerID) else {
                throw ConversationSetError(description: "fixture order \(order.id): unknown customer \(order.customerID)")
            }
            if let item = order.items.first(where: { !products.contains($0.productID) }) {
                throw ConversationSetError(description: "fixture order \(order.id): unknown product \(item.productID)")
            }
        }
        if let refund = fixture.refunds.first(where: { !orders.contains($0.orderID) }) {
            throw ConversationSetError(description: "fixture refund: unknown order \(refund.orderID)")
        }
        var ids = Set<String>()
        for conversation in conversations {
            guard ids.insert(conversation.id).inserted else {
                throw ConversationSetError(description: "conversation \(conversation.id): duplicate id")
            }
            guard customers.contains(conversation.userID) else {
                throw ConversationSetError(description: "conversation \(conversation.id): unknown user_id \(conversation.userID)")
            }
            guard !conversation.turns.isEmpty, !conversation.categories.isEmpty else {
                throw ConversationSetError(description: "conversation \(conversation.id): needs turns and categories")
            }
        }
    }
}

extension [any CodingKey] {
    var pathText: String {
        let text = map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }
}
