import Foundation
public import SupportDomain

/// A toolbox whose answers the test sets. Reads come from `customers` and `orders`; `preview` and `run` call the
/// handlers the test gave, and throw `Unimplemented` when it gave none. Every call is recorded.
public actor FakeToolbox: SupportToolbox {
    public var customers: [CustomerSnapshot]
    public var orders: [OrderSnapshot]
    public var onPreview: (@Sendable (ToolInvocation, ToolContext) -> ToolResult)?
    public var onRun: (@Sendable (ToolInvocation, ToolContext) -> ToolResult)?
    /// The invocations `run` carried out, in order.
    public private(set) var ran: [ToolInvocation] = []
    public private(set) var previewed: [ToolInvocation] = []
    private var usedKeys: Set<String> = []

    public init(customers: [CustomerSnapshot] = [], orders: [OrderSnapshot] = [],
                onPreview: (@Sendable (ToolInvocation, ToolContext) -> ToolResult)? = nil,
                onRun: (@Sendable (ToolInvocation, ToolContext) -> ToolResult)? = nil) {
        self.customers = customers
        self.orders = orders
        self.onPreview = onPreview
        self.onRun = onRun
    }

    public func run(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        guard let onRun else { throw Unimplemented("FakeToolbox.run(\(invocation.action.rawValue))") }
        // Like the real toolbox: a second call with one idempotency key does nothing.
        if let key = context.idempotencyKey, !usedKeys.insert(key).inserted {
            return .failure(invocation.action, orderID: invocation.orderID, .duplicateRequest)
        }
        ran.append(invocation)
        return onRun(invocation, context)
    }

    public func preview(_ invocation: ToolInvocation, context: ToolContext) async throws -> ToolResult {
        guard let onPreview else { throw Unimplemented("FakeToolbox.preview(\(invocation.action.rawValue))") }
        previewed.append(invocation)
        return onPreview(invocation, context)
    }

    public func fetchCustomer(_ id: CustomerID) async throws -> CustomerSnapshot? { customers.first { $0.id == id } }

    public func fetchCustomers(limit: Int) async throws -> [CustomerSnapshot] { Array(customers.prefix(limit)) }

    /// What `fetchHistory` returns; a call without it set fails.
    public var history: CustomerHistory?

    public func fetchHistory(of customer: CustomerID) async throws -> CustomerHistory {
        guard let history else { throw Unimplemented("FakeToolbox.fetchHistory") }
        return history
    }

    public func fetchOrders(of customer: CustomerID) async throws -> [OrderSnapshot] {
        orders.filter { $0.customerID == customer }.sorted { $0.createdAt > $1.createdAt }
    }
}
