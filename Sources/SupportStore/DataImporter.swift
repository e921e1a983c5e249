public import FluentKit
import Foundation
import SQLKit
import SupportDomain

/// Why an import document was refused; `path` names the first bad field, e.g. `orders[2].items[0].quantity`.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problem: String
    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}

/// Loads customers, products, orders and past refunds from one JSON document. The whole document is
/// validated first; then everything is written in one transaction, or nothing is.
public struct DataImporter: Sendable {
    public struct Summary: Sendable, CustomStringConvertible {
        public var customers = 0, products = 0, orders = 0, items = 0, refunds = 0
        public var description: String {
            "Imported \(customers) customers, \(products) products, \(orders) orders (\(items) items), \(refunds) refunds."
        }
    }

    public init() {}

    public func run(json data: Data, on database: any Database) async throws -> Summary {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ImportError(path: "", problem: "the file is not valid JSON")
        }
        let plan = try await Plan(document: document, database: database)
        try await database.guardedTransaction { tx in
            let sql = tx as! any SQLDatabase
            try await insert(sql, "customers", ["id", "name", "email", "created_at", "refund_guard"], plan.customers)
            try await insert(sql, "products", ["id", "name", "sku", "price_cents", "stock", "final_sale"], plan.products)
            try await insert(sql, "orders", ["id", "customer_id", "status", "created_at", "shipped_at", "delivered_at", "total_cents"], plan.orders)
            try await insert(sql, "order_items", ["order_id", "product_id", "quantity", "unit_price_cents"], plan.items)
            try await insert(sql, "refunds", ["order_id", "customer_id", "amount_cents", "reason", "status", "fraud_signals", "created_at"], plan.refunds)
            try await resetIdentitySequences(sql, tables: explicitIDTables)
        }
        return Summary(customers: plan.customers.count, products: plan.products.count, orders: plan.orders.count,
                       items: plan.items.count, refunds: plan.refunds.count)
    }
}

/// The validated rows of a document, ready to insert.
private struct Plan {
    var customers: [[any Encodable & Sendable]] = []
    var products: [[any Encodable & Sendable]] = []
    var orders: [[any Encodable & Sendable]] = []
    var items: [[any Encodable & Sendable]] = []
    var refunds: [[any Encodable & Sendable]] = []

    init(document: JSONValue, database: any Database) async throws {
        guard case let .object(root) = document else { throw ImportError(path: "", problem: "the document must be a JSON object") }
        for key in root.keys where !["customers", "products", "orders", "refunds"].contains(key) {
            throw ImportError(path: key, problem: "unknown section (expected customers, products, orders, refunds)")
        }
        let customerList = try Self.list(root, "customers")
        let productList = try Self.list(root, "products")
        let orderList = try Self.list(root, "orders")
        let refundList = try Self.list(root, "refunds")

        var customerIDs = Set<Int>(), emails = Set<String>()
        for (index, value) in customerList.enumerated() {
            let row = try Row(value, path: "customers[\(index)]")
            let id = try row.id("id")
            guard customerIDs.insert(id).inserted else { throw row.error("id", "duplicate id \(id)") }
            let name = try row.string("name")
            let email = try row.string("email").lowercased()
            guard email.contains("@"), email.count <= 254 else { throw row.error("email", "not an e-mail address") }
            guard emails.insert(email).inserted else { throw row.error("email", "duplicate e-mail address") }
            customers.append([id, name, email, try row.date("created_at"), 0])
        }
        var productIDs = Set<Int>(), skus = Set<String>()
        for (index, value) in productList.enumerated() {
            let row = try Row(value, path: "products[\(index)]")
            let id = try row.id("id")
            guard productIDs.insert(id).inserted else { throw row.error("id", "duplicate id \(id)") }
            let sku = try row.string("sku")
            guard skus.insert(sku).inserted else { throw row.error("sku", "duplicate sku") }
            let stock = try row.int("stock")
            guard stock >= 0 else { throw row.error("stock", "must not be negative") }
            products.append([id, try row.string("name"), sku, try row.money("price").minorUnits, stock, try row.bool("final_sale")])
        }
        // Only the ids this document names are looked up, not every row of a large store.
        let existingCustomers = try await Self.existing(CustomerModel.self, among: Self.ids(customerList, "id")
            .union(Self.ids(orderList, "customer_id")), on: database)
        let existingProducts = try await Self.existing(ProductModel.self, among: Self.ids(productList, "id")
            .union(Self.ids(orderList.flatMap { Self.items(of: $0) }, "product_id")), on: database)
        var orderIDs = Set<Int>(), orderOwner: [Int: Int] = [:]
        for (index, value) in orderList.enumerated() {
            let row = try Row(value, path: "orders[\(index)]")
            let id = try row.id("id")
            guard orderIDs.insert(id).inserted else { throw row.error("id", "duplicate id \(id)") }
            let customerID = try row.id("customer_id")
            guard customerIDs.contains(customerID) || existingCustomers.contains(customerID) else {
                throw row.error("customer_id", "no customer \(customerID) in the document or the database")
            }
            let statusText = try row.string("status")
            guard let status = OrderStatus(rawValue: statusText) else {
                throw row.error("status", "must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let created = try row.date("created_at")
            let shipped = try row.optionalDate("shipped_at")
            let delivered = try row.optionalDate("delivered_at")
            if status == .delivered, delivered == nil { throw row.error("delivered_at", "required for a delivered order") }
            guard case let .array(itemValues)? = row.fields["items"], !itemValues.isEmpty else {
                throw row.error("items", "must be a non-empty array")
            }
            var total: Int64 = 0
            for (itemIndex, itemValue) in itemValues.enumerated() {
                let item = try Row(itemValue, path: "\(row.path).items[\(itemIndex)]")
                let productID = try item.id("product_id")
                guard productIDs.contains(productID) || existingProducts.contains(productID) else {
                    throw item.error("product_id", "no product \(productID) in the document or the database")
                }
                let quantity = try item.int("quantity")
                guard (1...10_000).contains(quantity) else { throw item.error("quantity", "must be between 1 and 10000") }
                let price = try item.money("unit_price")
                total += price.minorUnits * Int64(quantity)
                items.append([id, productID, quantity, price.minorUnits])
            }
            orderOwner[id] = customerID
            orders.append([id, customerID, status.rawValue, created, shipped, delivered, total])
        }
        let existingOrders = try await Self.existing(OrderModel.self, among: orderIDs.union(Self.ids(refundList, "order_id")),
                                                     on: database)
        for (index, value) in refundList.enumerated() {
            let row = try Row(value, path: "refunds[\(index)]")
            let orderID = try row.id("order_id")
            let customerID = try row.id("customer_id")
            guard orderIDs.contains(orderID) || existingOrders.contains(orderID) else {
                throw row.error("order_id", "no order \(orderID) in the document or the database")
            }
            if let owner = orderOwner[orderID], owner != customerID {
                throw row.error("customer_id", "order \(orderID) belongs to another customer")
            }
            let reason = try row.string("reason")
            refunds.append([orderID, customerID, try row.money("amount").minorUnits, String(reason.prefix(200)),
                            RefundStatus.approved.rawValue, "", try row.date("created_at")])
        }
        if let clash = customerIDs.intersection(existingCustomers).min() {
            throw ImportError(path: "customers", problem: "customer id \(clash) already exists in the database")
        }
        if let clash = productIDs.intersection(existingProducts).min() {
            throw ImportError(path: "products", problem: "product id \(clash) already exists in the database")
        }
        if let clash = orderIDs.intersection(existingOrders).min() {
            throw ImportError(path: "orders", problem: "order id \(clash) already exists in the database")
        }
    }

    static func list(_ root: [String: JSONValue], _ key: String) throws -> [JSONValue] {
        switch root[key] {
        case nil, .null?: return []
        case let .array(values)?: return values
        case let value?: throw ImportError(path: key, problem: "must be an array, found \(value.typeName)")
        }
    }

    /// Which of `ids` already exist, asked in chunks that stay under SQLite's bound-parameter limit.
    static func existing<M: Model>(_ model: M.Type, among ids: Set<Int>, on database: any Database) async throws -> Set<Int>
        where M.IDValue == Int {
        var found = Set<Int>()
        let all = ids.sorted()
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(all.count, start + 500)])
            found.formUnion(try await M.query(on: database).filter(\._$id ~~ chunk).all(\._$id).compactMap { $0 })
        }
        return found
    }

    /// The integer values of `key` in the objects of `values` (anything else is left to the validation).
    static func ids(_ values: [JSONValue], _ key: String) -> Set<Int> {
        Set(values.compactMap { value in
            guard case let .object(fields) = value, case let .int(id)? = fields[key] else { return nil }
            return Int(exactly: id)
        })
    }

    /// An order's `items` array, or nothing.
    static func items(of value: JSONValue) -> [JSONValue] {
        guard case let .object(fields) = value, case let .array(items)? = fields["items"] else { return [] }
        return items
    }
}

/// One object of the document with typed accessors that name the field on error.
private struct Row {
    let fields: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case let .object(fields) = value else { throw ImportError(path: path, problem: "must be an object") }
        self.fields = fields
        self.path = path
    }

    func error(_ field: String, _ problem: String) -> ImportError { ImportError(path: "\(path).\(field)", problem: problem) }

    private func require(_ field: String) throws -> JSONValue {
        guard let value = fields[field], case .null = value else {
            if let value = fields[field] { return value }
            throw error(field, "is missing")
        }
        throw error(field, "must not be null")
    }

    func int(_ field: String) throws -> Int {
        guard case let .int(value) = try require(field), let int = Int(exactly: value) else {
            throw error(field, "must be an integer, found \(try require(field).typeName)")
        }
        return int
    }

    func id(_ field: String) throws -> Int {
        let value = try int(field)
        guard value > 0, value <= Int(Int32.max) * 1000 else { throw error(field, "must be a positive integer") }
        return value
    }

    func string(_ field: String) throws -> String {
        guard case let .string(value) = try require(field) else {
            throw error(field, "must be a string, found \(try require(field).typeName)")
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 500 else { throw error(field, "must be a non-empty string of at most 500 characters") }
        return trimmed
    }

    func bool(_ field: String) throws -> Bool {
        guard case let .bool(value) = try require(field) else {
            throw error(field, "must be true or false, found \(try require(field).typeName)")
        }
        return value
    }

    func money(_ field: String) throws -> Money {
        guard case let .string(text) = try require(field), let money = Money(decimalString: text), text.contains(".") else {
            throw error(field, "must be a string with two decimals, e.g. \"49.99\"")
        }
        return money
    }

    func date(_ field: String) throws -> Date {
        guard case let .string(text) = try require(field), let date = Self.parseDate(text) else {
            throw error(field, "must be an ISO-8601 UTC time, e.g. \"2026-11-01T09:30:00Z\"")
        }
        return date
    }

    func optionalDate(_ field: String) throws -> Date? {
        switch fields[field] {
        case nil, .null?: return nil
        default: return try date(field)
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
