import Foundation
import SupportDomain
import Vapor

/// `POST /benchmark/floor`, served only when `SUPPORTOPS_BENCHMARK_FLOOR=1` (Benchmarks/run sets it; nothing else should):
/// the storage work a status question cannot do without, and nothing else. The customer and their orders are read, the
/// status tool runs (its ownership read and its audit row), the conversation state is saved and the turn is kept for
/// review; there is no understanding, retrieval, reply, OpenAPI layer or API middleware. Its throughput beside
/// `GET /health` is the floor under the status question's: what the hot path's targets are measured against.
struct BenchmarkFloor {
    struct Input: Content { var user_id: Int64; var order_id: Int64 }
    struct Output: Content {
        var conversation_id: String
        var order_id: Int64
        var status: String?
        var success: Bool
        var orders: Int
        var reply: String
    }

    let stores: Stores
    let clock: any WallClock

    func register(on app: Application) {
        app.post("benchmark", "floor") { request async throws -> Output in
            let input = try request.content.decode(Input.self)
            guard let customer = try await stores.toolbox.fetchCustomer(CustomerID(input.user_id)) else {
                throw Abort(.notFound, reason: "user_id: no such customer")
            }
            let orders = try await stores.toolbox.fetchOrders(of: customer.id)
            let order = OrderID(input.order_id)
            let conversation = UUID().uuidString, requestID = UUID().uuidString
            let result = try await stores.toolbox.run(.getOrderStatus(order),
                                                      context: ToolContext(requestID: requestID, customerID: customer.id))
            var state = DialogueState()
            state.focusOrder = order
            try await stores.conversations.saveState(state, conversationID: conversation, customer: customer.id, now: clock.now())
            let reply = "Order \(order.rawValue): \(result.orderStatus?.rawValue ?? "unknown")."
            try await stores.conversations.recordTurn(ConversationTurn(
                conversationID: conversation, customerID: customer.id, requestID: requestID, channel: .api, language: "en",
                intent: .status, confidence: 1, orderID: order, action: result.action, success: result.success,
                errorCode: result.error?.code, needsClarification: false, escalated: false, text: "", reply: reply,
                trace: [], createdAt: clock.now()))
            return Output(conversation_id: conversation, order_id: order.rawValue, status: result.orderStatus?.rawValue,
                          success: result.success, orders: orders.count, reply: reply)
        }
    }
}
