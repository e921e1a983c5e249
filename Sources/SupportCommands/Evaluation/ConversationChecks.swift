import Foundation
import SupportServer
import SupportDomain

/// One response of `POST /support/resolve`, reduced to the fields the checks read (CONVERSATIONS.md §3).
struct TurnResponse: Sendable {
    var conversationID: String?
    var intent: String?
    var orderID: Int?
    var hasActionResult = false
    var action: String?
    var success: Bool?
    var errorCode: String?
    var actionOrderID: Int?
    var amount: String?
    var refundStatus: String?
    var orderStatus: String?
    var reply = ""
    var clarificationPrompt: String?
    var needsClarification: Bool?
    var escalated: Bool?
    /// The JSON text of `action_result` and of `citations`, searched by `must_not_contain`.
    var actionResultJSON = "null"
    var citationsJSON = "[]"

    /// Nil when the body is not a JSON object.
    init?(json data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        conversationID = object["conversation_id"] as? String
        intent = object["intent"] as? String
        orderID = Self.int(object["order_id"])
        reply = object["reply"] as? String ?? ""
        clarificationPrompt = object["clarification_prompt"] as? String
        needsClarification = object["needs_clarification"] as? Bool
        escalated = object["escalated"] as? Bool
        if let result = object["action_result"] as? [String: Any] {
            hasActionResult = true
            action = result["action"] as? String
            success = result["success"] as? Bool
            errorCode = (result["error"] as? [String: Any])?["code"] as? String
            actionOrderID = Self.int(result["order_id"])
            amount = result["amount"] as? String
            refundStatus = result["refund_status"] as? String
            orderStatus = result["order_status"] as? String
            actionResultJSON = Self.text(result)
        }
        if let citations = object["citations"] { citationsJSON = Self.text(citations) }
    }

    init() {}

    /// The order the turn acted on: the tool's order, else the response's.
    var actedOrder: Int? { actionOrderID ?? orderID }

    /// No write tool ran: no tool at all, or only a read.
    var wroteNothing: Bool { action.map { !ConversationChecks.writeTools.contains($0) } ?? true }

    static func int(_ value: Any?) -> Int? {
        if let int = value as? Int { return int }
        if let number = value as? NSNumber { return number.intValue }
        return nil
    }

    static func text(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The turn and end-state checks of CONVERSATIONS.md §4–§5, as pure functions of responses and store deltas.
enum ConversationChecks {
    static let writeTools: Set = ["issue_refund", "cancel_order", "request_replacement", "escalate_case"]

    /// "#7049", "# 7049", "order 7049", "order no. 7049", "order number 7049", any case.
    private static let namedOrderPattern = try! NSRegularExpression(
        pattern: #"(?:#\s*|\border\s+(?:no\.\s*|number\s+)?)(\d+)"#, options: [.caseInsensitive])

    /// The order numbers a response named, reply first, then the clarification prompt; first appearance, no repeats.
    static func namedOrders(reply: String, prompt: String?) -> [Int] {
        var seen: [Int] = []
        for text in [reply, prompt ?? ""] {
            let range = NSRange(text.startIndex..., in: text)
            for match in namedOrderPattern.matches(in: text, range: range) {
                guard let digits = Range(match.range(at: 1), in: text), let number = Int(text[digits]) else { continue }
                if !seen.contains(number) { seen.append(number) }
            }
        }
        return seen
    }

    /// Whether `number` occurs in `text` as a whole number.
    static func names(_ text: String, _ number: Int) -> Bool {
        text.range(of: #"(?<!\d)\#(number)(?!\d)"#, options: .regularExpression) != nil
    }

    struct Miss { var key: String, expected: String, got: String }

    /// Checks one check object; every key that does not hold is a miss. `binding` is what a `listed` reference resolved to.
    static func evaluate(_ check: ConversationSet.Check, _ response: TurnResponse, previous: TurnResponse?)
        -> (misses: [Miss], binding: (name: String, order: Int)?) {
        var misses: [Miss] = [], binding: (name: String, order: Int)?
        func expect(_ holds: Bool, _ key: String, _ expected: String, _ got: String) {
            if !holds { misses.append(Miss(key: key, expected: expected, got: got)) }
        }
        if let intents = check.intent {
            expect(intents.contains(response.intent ?? ""), "intent", intents.joined(separator: " or "), response.intent ?? "null")
        }
        if let actions = check.action {
            let holds = actions.contains { $0 == nil ? response.wroteNothing : response.action == $0 }
            expect(holds, "action", actions.map { $0 ?? "no write" }.joined(separator: " or "), response.action ?? "no tool")
        }
        if let success = check.success {
            expect(response.hasActionResult && response.success == success, "success", "\(success)",
                   response.hasActionResult ? response.success.map { "\($0)" } ?? "null" : "no action_result")
        }
        if let codes = check.errorCode {
            expect(codes.contains(response.errorCode ?? ""), "error_code", codes.joined(separator: " or "),
                   response.errorCode ?? "null")
        }
        let acted = response.actedOrder.map(String.init) ?? "null"
        switch check.orderID {
        case nil: break
        case let .id(order)?:
            expect(response.actedOrder == order, "order_id", "\(order)", acted)
        case let .listed(position, name)?:
            let named = previous.map { namedOrders(reply: $0.reply, prompt: $0.clarificationPrompt) } ?? []
            if previous == nil {
                expect(false, "order_id", "listed \(position) as \(name)", "no previous response")
            } else if named.count < position {
                expect(false, "order_id", "listed \(position) as \(name)", "previous response named \(named.count) orders")
            } else {
                let order = named[position - 1]
                binding = (name, order)
                expect(response.actedOrder == order, "order_id", "\(order) (listed \(position) as \(name))", acted)
            }
        }
        if let order = check.promptNames {
            let question = response.clarificationPrompt ?? response.reply
            expect(names(question, order), "prompt_names", "\(order)", clip(question, 120))
        }
        if let status = check.orderStatus {
            expect(response.orderStatus == status, "order_status", status, response.orderStatus ?? "null")
        }
        if let status = check.refundStatus {
            expect(response.refundStatus == status, "refund_status", status, response.refundStatus ?? "null")
        }
        if let value = check.needsClarification {
            expect(response.needsClarification == value, "needs_clarification", "\(value)",
                   response.needsClarification.map { "\($0)" } ?? "null")
        }
        if let value = check.escalated {
            expect(response.escalated == value, "escalated", "\(value)", response.escalated.map { "\($0)" } ?? "null")
        }
        if let pattern = check.replyMatches {
            expect(matches(pattern, response.reply), "reply_matches", pattern, clip(response.reply, 160))
        }
        for forbidden in check.mustNotContain ?? [] {
            let fields = [("reply", response.reply), ("clarification_prompt", response.clarificationPrompt ?? ""),
                          ("action_result", response.actionResultJSON), ("citations", response.citationsJSON)]
            if let field = fields.first(where: { $0.1.range(of: forbidden, options: .caseInsensitive) != nil }) {
                expect(false, "must_not_contain", "no \"\(forbidden)\"", "found in \(field.0)")
            }
        }
        return (misses, binding)
    }

    /// A turn's expectation: its check object holds, or one of its `any_of` alternatives does.
    static func evaluate(_ expectation: ConversationSet.TurnExpectation, turn: Int, response: TurnResponse,
                         previous: TurnResponse?) -> (failure: CheckFailure?, binding: (name: String, order: Int)?) {
        let results = expectation.alternatives.map { evaluate($0, response, previous: previous) }
        if let passing = results.first(where: { $0.misses.isEmpty }) { return (nil, passing.binding) }
        let binding = results.lazy.compactMap(\.binding).first
        if case .all = expectation, let miss = results.first?.misses.first {
            return (CheckFailure(turn: turn, key: miss.key, expected: miss.expected, got: miss.got), binding)
        }
        let got = results.enumerated().map { index, result in
            let miss = result.misses[0]
            return "[\(index + 1)] \(miss.key): expected \(miss.expected), got \(miss.got)"
        }.joined(separator: "; ")
        return (CheckFailure(turn: turn, key: "any_of", expected: "one of \(results.count) alternatives", got: got), binding)
    }

    /// Python `re.search(pattern, text, re.IGNORECASE)`; ICU understands the inline flags and lookarounds the files use.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func clip(_ text: String, _ length: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= length ? flat : String(flat.prefix(length)) + "…"
    }

    /// The expected refunds with `{"ref": …}` resolved; unbound names are returned apart.
    static func resolve(_ refunds: [ConversationSet.ExpectedRefund], _ bindings: [String: Int])
        -> (resolved: [(order: Int, refund: ConversationSet.ExpectedRefund)], unbound: [String]) {
        var resolved: [(order: Int, refund: ConversationSet.ExpectedRefund)] = [], unbound: [String] = []
        for refund in refunds {
            switch refund.order {
            case let .id(order): resolved.append((order, refund))
            case let .ref(name):
                if let order = bindings[name] { resolved.append((order, refund)) } else { unbound.append(name) }
            }
        }
        return (resolved, unbound)
    }

    /// The end-state checks of §5 over what the conversation created or changed.
    static func endFailures(_ end: ConversationSet.EndState, delta: StoreDelta, bindings: [String: Int]) -> [CheckFailure] {
        var failures: [CheckFailure] = []
        func fail(_ key: String, _ expected: String, _ got: String) {
            failures.append(CheckFailure(turn: nil, key: key, expected: expected, got: got))
        }
        let (expected, unbound) = resolve(end.refunds, bindings)
        for name in unbound { fail("end.refunds", "a refund for {ref: \(name)}", "no turn bound \(name)") }
        let rows = Dictionary(grouping: delta.refunds, by: \.order)
        for (order, refund) in expected {
            let found = rows[order] ?? []
            if found.isEmpty, !refund.optional {
                fail("end.refunds", "refund for \(order) (\(refund.status))", "no new refund row")
            } else if found.count > 1 {
                fail("end.refunds", "one refund row for \(order)", "\(found.count) new rows")
            } else if let row = found.first, row.status != refund.status {
                fail("end.refunds", "refund for \(order) (\(refund.status))", "refund for \(order) (\(row.status))")
            }
        }
        let listed = Set(expected.map(\.order))
        for refund in delta.refunds where !listed.contains(refund.order) {
            fail("end.refunds", "no refund for \(refund.order)", "new refund row (\(refund.status))")
        }
        if Set(end.cancelled) != Set(delta.cancelled) {
            fail("end.cancelled", list(end.cancelled), list(delta.cancelled))
        }
        if Set(end.replacements).sorted() != delta.replacements.sorted() {
            fail("end.replacements", list(end.replacements), list(delta.replacements))
        }
        if let escalation = end.escalation, escalation != (delta.escalations > 0) {
            fail("end.escalation", "\(escalation)", "\(delta.escalations) new escalation rows")
        }
        for forbidden in end.dbMustNotContain ?? [] {
            if let hit = delta.texts.first(where: { $0.text.range(of: forbidden, options: .caseInsensitive) != nil }) {
                fail("end.db_must_not_contain", "no \"\(forbidden)\"", "found in \(hit.source)")
            }
        }
        return failures
    }

    /// The unsafe outcomes of §5, whatever the turn expectations said. `amounts`: every `action_result.amount` seen.
    static func unsafeOutcomes(_ conversation: ConversationSet.Conversation, delta: StoreDelta, bindings: [String: Int],
                               amounts: [(turn: Int, order: Int, amount: String)], totals: [Int: Int64],
                               owners: [Int: Int]) -> [UnsafeOutcome] {
        var found: [UnsafeOutcome] = []
        func flag(_ order: Int, _ kind: UnsafeOutcome.Kind, _ detail: String) {
            guard !found.contains(where: { $0.order == order && $0.kind == kind }) else { return }
            found.append(UnsafeOutcome(conversation: conversation.id, order: order, kind: kind, detail: detail))
        }
        let (expected, unbound) = resolve(conversation.end.refunds, bindings)
        let expectedStatus = Dictionary(expected.map { ($0.order, $0.refund.status) }, uniquingKeysWith: { first, _ in first })
        for refund in delta.refunds {
            if let status = expectedStatus[refund.order] {
                if status == "pending_review", refund.status == "approved" {
                    flag(refund.order, .refundWithoutReview, "refund approved, end expects pending_review")
                }
            } else if unbound.isEmpty || owners[refund.order] != conversation.userID {
                // With an unbound {ref} the end cannot name its order (the end check fails already); a refund of the
                // customer's own order may be that one, so only a refund of anything else is flagged then.
                flag(refund.order, .unexpectedRefund, "new refund row (\(refund.status)) for an order end does not list")
            }
            if let total = totals[refund.order], total != refund.cents {
                flag(refund.order, .wrongAmount, "refund row \(money(refund.cents)), order total \(money(total))")
            }
        }
        for order in delta.cancelled where !conversation.end.cancelled.contains(order) {
            flag(order, .unexpectedCancellation, "order cancelled, end does not list it")
        }
        for order in delta.replacements where !conversation.end.replacements.contains(order) {
            flag(order, .unexpectedReplacement, "new replacement row for an order end does not list")
        }
        for seen in amounts {
            guard let total = totals[seen.order] else { continue }
            let cents = Money(decimalString: seen.amount)?.minorUnits
            if cents != total {
                flag(seen.order, .wrongAmount, "turn \(seen.turn): action_result.amount \(seen.amount), order total \(money(total))")
            }
        }
        return found
    }

    static func money(_ cents: Int64) -> String { Money(minorUnits: cents).decimalString }

    static func list(_ orders: [Int]) -> String { "[" + orders.sorted().map(String.init).joined(separator: ", ") + "]" }
}
