import FluentKit
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import SupportServer
@testable import SupportStore
import Fluent

/// Personal data never reaches the audit table, the action log, the escalation queue or the server logs.
@Suite struct PrivacyAndAuditTests {
    static let email = "alice.private.\(UUID().uuidString.prefix(8))@gmail.com"
    static let phone = "+1 415 555 0132"
    static let card = "4111 1111 1111 1111"

    @Test func personalDataIsRedactedEverywhere() async throws {
        try await TestHarness.with { h in
            let message = "Hi, my name is Alice Martin, email \(Self.email), phone \(Self.phone), card \(Self.card). "
                + "I live at 221 Baker Street. Please have a human agent call me about order 1003."
            let escalation = try await h.resolve(message, user: 1)
            #expect(escalation["escalated"] as? Bool == true)
            let refund = try await h.resolve("Refund order 1001 please, reach me at \(Self.email) or \(Self.phone)", user: 1)
            #expect(refund.action?["success"] as? Bool == true)

            let secrets = [Self.email, "555 0132", "4111 1111", "Alice Martin", "Baker Street"]
            let audit = try await AuditEntryModel.query(on: h.app.db).all()
            #expect(audit.count == 2)
            let auditText = audit.map { "\($0.requestID) \($0.action) \($0.parameters) \($0.result)" }.joined(separator: "\n")
            h.services.stores.actionLog?.flush()  // buffered: written a moment after the answer
            let logText = (try? String(contentsOfFile: h.actionLogPath, encoding: .utf8)) ?? ""
            #expect(logText.split(separator: "\n").count == 2)
            let summaries = try await EscalationModel.query(on: h.app.db).all().map(\.summary).joined(separator: "\n")
            #expect(summaries.contains("[EMAIL]") && summaries.contains("[PHONE]") && summaries.contains("[CARD]"))
            let conversations = try await ConversationModel.query(on: h.app.db).all().compactMap(\.pending).joined()
            let serverLogs = CapturedLogs.shared.all
            #expect(serverLogs.contains("resolved"), "the capturing log handler must see the pipeline's log lines")
            for secret in secrets {
                #expect(!auditText.contains(secret), "audit table holds \(secret)")
                #expect(!logText.contains(secret), "action log holds \(secret)")
                #expect(!summaries.contains(secret), "escalation holds \(secret)")
                #expect(!conversations.contains(secret), "conversation state holds \(secret)")
                let leaking = serverLogs.split(separator: "\n").filter { $0.contains(secret) }.prefix(3)
                #expect(leaking.isEmpty, "server logs hold \(secret): \(leaking)")
            }
        }
    }

    @Test func oneAccessLogLinePerRequestNamesTheRouteNotThePath() async throws {
        try await TestHarness.with { h in
            let body = try await h.resolve("where is my order 1003?", user: 1)
            let requestID = try #require(body["request_id"] as? String)
            let token = String(repeating: "ab", count: 32)
            _ = try await h.app.testing().sendRequest(.GET, "/survey?token=\(token)")
            _ = try await h.app.testing().sendRequest(.GET, "/kb/articles/999999")
            let lines = CapturedLogs.shared.all.split(separator: "\n").filter { $0.contains(" request [") }
            // The resolve's line carries the id its audit rows and its answer carry.
            #expect(lines.contains { $0.contains(requestID) && $0.contains("/support/resolve") && $0.contains("200") })
            #expect(lines.contains { $0.contains("/kb/articles/:id") && $0.contains("404") })
            #expect(lines.contains { $0.contains("/survey") && $0.contains("duration_ms") })
            #expect(!CapturedLogs.shared.all.contains(token), "a survey token reached the log")
            #expect(!lines.contains { $0.contains("999999") }, "a path (not its route) reached the access log")
        }
    }

    @Test func everyToolCallIsAuditedInTheDatabaseAndTheLog() async throws {
        try await TestHarness.with { h in
            let messages: [(String, Int)] = [("cancel order 1002", 1), ("cancel order 1003", 1), ("where is order 1006", 1),
                                             ("refund order 1005", 1), ("I need a human", 2), ("what is the meaning of life", 2)]
            var requestIDs: [String] = []
            for (text, user) in messages {
                let body = try await h.resolve(text, user: user)
                requestIDs.append(try #require(body["request_id"] as? String))
            }
            let audit = try await AuditEntryModel.query(on: h.app.db).sort(\.$id).all()
            #expect(audit.map(\.action) == ["cancel_order", "cancel_order", "get_order_status", "issue_refund", "escalate_case"])
            #expect(audit.map(\.requestID) == Array(requestIDs.prefix(5)))
            let lines = try await h.actionLogLines()
            #expect(lines.map { $0["action"] as? String } == audit.map(\.action))
            #expect((lines[1]["result"] as? [String: Any])?["error"] as? String == "invalid_state")
            #expect(lines.allSatisfy { $0["time"] is String && $0["customer_id"] is Int })
        }
    }
}
