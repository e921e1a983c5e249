public import FluentKit
import SQLKit
import FluentSQL

/// Creates the SupportOps schema; the same migration serves SQLite and PostgreSQL.
struct CreateSchema: AsyncMigration {
    var name: String { "SupportOps.CreateSchema.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("customers")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("created_at", .datetime, .required)
            .field("refund_guard", .int, .required, .sql(.default(0)))
            .unique(on: "email")
            .create()
        try await database.schema("products")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("sku", .string, .required)
            .field("price_cents", .int64, .required)
            .field("stock", .int, .required)
            .field("final_sale", .bool, .required)
            .unique(on: "sku")
            .create()
        try await database.schema("orders")
            .field("id", .int, .identifier(auto: true))
            .field("customer_id", .int, .required, .references("customers", "id"))
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("shipped_at", .datetime)
            .field("delivered_at", .datetime)
            .field("total_cents", .int64, .required)
            .create()
        try await database.schema("order_items")
            .field("id", .int, .identifier(auto: true))
            .field("order_id", .int, .required, .references("orders", "id"))
            .field("product_id", .int, .required, .references("products", "id"))
            .field("quantity", .int, .required)
            .field("unit_price_cents", .int64, .required)
            .create()
        try await database.schema("refunds")
            .field("id", .int, .identifier(auto: true))
            .field("order_id", .int, .required, .references("orders", "id"))
            .field("customer_id", .int, .required, .references("customers", "id"))
            .field("amount_cents", .int64, .required)
            .field("reason", .string, .required)
            .field("status", .string, .required)
            .field("fraud_signals", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("replacements")
            .field("id", .int, .identifier(auto: true))
            .field("order_id", .int, .required, .references("orders", "id"))
            .field("customer_id", .int, .required, .references("customers", "id"))
            .field("reason", .string, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("escalations")
            .field("id", .int, .identifier(auto: true))
            .field("customer_id", .int, .required, .references("customers", "id"))
            .field("order_id", .int)
            .field("refund_id", .int)
            .field("kind", .string, .required)
            .field("summary", .string, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("audit_entries")
            .field("id", .int, .identifier(auto: true))
            .field("created_at", .datetime, .required)
            .field("request_id", .string, .required)
            .field("customer_id", .int, .required)
            .field("action", .string, .required)
            .field("parameters", .string, .required)
            .field("result", .string, .required)
            .create()
        try await database.schema("conversations")
            .field("id", .string, .identifier(auto: false))
            .field("customer_id", .int, .required)
            .field("pending", .string)
            .field("turns", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            for statement in [
                "CREATE INDEX idx_orders_customer ON orders (customer_id, created_at)",
                "CREATE INDEX idx_order_items_order ON order_items (order_id)",
                "CREATE INDEX idx_refunds_customer ON refunds (customer_id, created_at)",
                "CREATE INDEX idx_refunds_order ON refunds (order_id)",
                "CREATE INDEX idx_audit_request ON audit_entries (request_id)",
                "CREATE INDEX idx_escalations_status ON escalations (status, created_at)",
            ] {
                try await sql.raw(SQLQueryString(statement)).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["conversations", "audit_entries", "escalations", "replacements", "refunds", "order_items", "orders",
                      "products", "customers"] {
            try await database.schema(table).delete()
        }
    }
}

/// Every migration of the store, in order.
public enum SupportMigrations {
    public static var all: [any Migration] { [CreateSchema(), CreateKnowledgeBase(), CreatePortal(), CreateTicketing(),
                                         StoreTicketProposalWhole(), CreatePasswordResets(),
                                         AddAccountDeactivation(), AddServiceLevels(),
                                         CreateSurveys(), CreateTagsAndMacros(), AddTicketMerge(),
                                         AddFullTextSearch(), CreateSavedViews(),
                                         CreateIdempotencyKeys(), CreateRateCounters(),
                                         CreateAttachments(), AddTwoStepSignIn(),
                                         CreateDataRequests(), CreateSearchMisses(), CreatePassageVectors(),
                                         CreateConversationTurns(), CreateSuggestionOpens(),
                                         CreateConversationRollups(), AddTicketFiguresIndex()] }
}
