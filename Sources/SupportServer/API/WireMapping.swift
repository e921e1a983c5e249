import Foundation
public import SupportAgent
import SupportDomain

/// Domain values to wire types. Kept apart from both so neither leaks into the other.
public enum WireMapping {
    static func response(_ resolution: Resolution, currency: String) -> Components.Schemas.ResolveResponse {
        .init(
            requestId: resolution.requestID,
            conversationId: resolution.conversationID,
            intent: Components.Schemas.Intent(rawValue: resolution.intent.rawValue) ?? .other,
            confidence: resolution.confidence,
            orderId: resolution.orderID?.rawValue,
            actionResult: resolution.actionResult.map { actionResult($0, currency: currency) },
            reply: resolution.reply,
            citations: resolution.citations.map { .init(source: $0.source, section: $0.section, excerpt: $0.excerpt) },
            needsClarification: resolution.needsClarification,
            clarificationPrompt: resolution.clarificationPrompt,
            escalated: resolution.escalated,
            understoodBy: resolution.understoodBy.description,
            replyBy: resolution.writtenBy)
    }

    static func actionResult(_ result: ToolResult, currency: String) -> Components.Schemas.ActionResult {
        .init(
            action: .init(rawValue: result.action.rawValue) ?? .getOrderStatus,
            success: result.success,
            orderId: result.orderID?.rawValue,
            amount: result.amount?.decimalString,
            currency: result.amount == nil ? nil : currency,
            refundId: result.refundID?.rawValue,
            refundStatus: result.refundStatus.flatMap { .init(rawValue: $0.rawValue) },
            fraudSignals: result.fraudSignals.isEmpty ? nil : result.fraudSignals.map(\.rawValue),
            orderStatus: result.orderStatus.flatMap { .init(rawValue: $0.rawValue) },
            replacementId: result.replacementID?.rawValue,
            escalationId: result.escalationID?.rawValue,
            order: result.order.map(order),
            orders: result.orders?.map(order),
            error: result.error.map { .init(code: .init(rawValue: $0.code) ?? ._internal, message: $0.message) })
    }

    static func order(_ order: OrderSnapshot) -> Components.Schemas.OrderSummary {
        .init(orderId: order.id.rawValue, status: .init(rawValue: order.status.rawValue) ?? .pending,
              total: order.total.decimalString, createdAt: order.createdAt, shippedAt: order.shippedAt,
              deliveredAt: order.deliveredAt,
              items: order.lines.map { "\($0.quantity) × \($0.productName)" })
    }

    /// The API's response body for a resolution, pretty-printed with sorted keys (the `resolve` command prints it).
    public static func prettyJSON(_ resolution: Resolution, currency: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(WireMapping.response(resolution, currency: currency))
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "{}" }
        ExplicitNullsMiddleware.fillNulls(&object, keys: ExplicitNullsMiddleware.resolveResponseKeys)
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: pretty, as: UTF8.self)
    }
}
