import Foundation
import SupportDomain

/// The decision of one turn: which question the message answers, which single tool (if any) runs, what to say.
extension SupportPipeline {
    func decide(_ turn: inout Turn) async throws {
        let reading = turn.reading
        let understood = turn.understood // the model's own reading, before the decision changes it
        let previous = turn.state

        // An answer to the question the agent asked last.
        if let question = previous.question, try await answer(question, in: &turn) { return }
        turn.state.closeQuestion()

        switch reading.act {
        case .thanks:
            turn.message = turn.composer.t("thanks")
            turn.understood.intent = .other
            trace(&turn, .decide, "thanks or goodbye: nothing to do")
            return
        case .withdraw, .deny:
            turn.message = turn.composer.t(previous.question != nil || previous.lastIntent != nil ? "withdrawn" : "withdrawn_nothing_pending")
            turn.understood.intent = .other
            turn.state.pendingIntents = []
            trace(&turn, .decide, "the customer called the request off: nothing is done")
            // "…I'll keep it. When will it ship?": the status question is still answered.
            let single = previous.candidateOrderIDs.count == 1 ? previous.candidateOrderIDs.first : nil
            if reading.asksStatus, let order = reading.orderID ?? previous.focusOrder ?? single {
                let result = try await call(&turn, .getOrderStatus(order))
                if let snapshot = result.order {
                    turn.message = (turn.message ?? "") + "\n\n" + turn.composer.statusSentence(snapshot)
                }
                turn.state.focusOrder = order
            }
            return
        case .affirm:
            // A "yes" with no question open: nothing to confirm.
            turn.message = turn.composer.t("withdrawn_nothing_pending")
            turn.understood.intent = .other
            trace(&turn, .decide, "agreement with no open question: nothing to do")
            return
        default:
            break
        }

        // Several requests on different orders in one message: each one, in the order asked.
        if reading.act == .request || reading.act == .orderQuestion {
            let own = Set(try await ownOrders(turn).map(\.id.rawValue))
            let requests = reader.requests(in: turn.redacted, language: reading.language, ownOrders: own)
            if requests.count >= 2 {
                for (index, request) in requests.enumerated() {
                    let reason = turn.understood.reason ?? .notGiven
                    let result = try await call(&turn, Self.invocation(for: request.intent, orderID: request.order, reason: reason))
                    if index == 0 { turn.result = result } else { turn.extraResults.append(result) }
                }
                turn.understood.intent = requests[0].intent
                turn.understood.orderID = requests[0].order
                turn.understood.secondaryIntents = []
                turn.state.focusOrder = requests[0].order
                turn.state.lastIntent = requests.last?.intent
                // "and the other thing?" points at the other orders of this message.
                turn.state.listedOrders = requests.map { DialogueState.ListedOrder(id: $0.order, products: []) }
                trace(&turn, .decide, "\(requests.count) requests on different orders: each carried out")
                return
            }
        }

        var intent = reading.intent
        var orderID = try await resolveOrder(&turn, in: previous)
        // Several orders named but the request could not be tied to one of them: never act on a guess.
        if intent.isWrite, reading.act == .request, reading.orderID != nil {
            let own = Set(try await ownOrders(turn).map(\.id.rawValue))
            let named = Set(turn.redacted.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }.filter(own.contains))
            if named.count >= 2 {
                let bound = reader.requests(in: turn.redacted, language: reading.language, ownOrders: own).first { $0.intent == intent }
                if let bound { orderID = bound.order } else { orderID = nil }
            }
        }
        // A question that names an order and asks for nothing else is about where it stands ("¿cómo va mi pedido
        // 8031?"): a read, always safe.
        if intent == .other, reading.act == .orderQuestion || turn.redacted.contains("?"), reading.orderID != nil,
           reading.negated.isEmpty {
            intent = .status
        }
        // A follow-up request that names no order is about the order in focus ("then send me a new pair").
        if orderID == nil, intent.needsOrder, reading.reference == nil || reading.reference.map(Self.isLoose) == true,
           let focus = previous.focusOrder, LanguageText.words(turn.redacted).count <= 30, previous.lastIntent != nil {
            orderID = focus
        }
        // "and what about 7005?" / "and the other thing?": the topic carries over.
        if intent == .other, reading.act != .other || orderID != nil {
            if case .other? = reading.reference, let pending = previous.pendingIntents.first {
                intent = pending
                turn.state.pendingIntents.removeFirst()
            } else if orderID != nil, reading.orderID != nil, let last = previous.lastIntent, last == .status || reading.repeats {
                // "and what about 7005?" after a status answer; a write carries over only with "too" / "as well".
                intent = last
            }
        }
        if intent == .other, case .other? = reading.reference, let pending = previous.pendingIntents.first {
            intent = pending
            turn.state.pendingIntents.removeFirst()
            orderID = reading.orderID
        } else if intent == .other, case .other? = reading.reference, orderID != nil {
            // "and the other thing?" when both were handled: where that order stands.
            intent = .status
        }
        // "and 7081 too please": the previous request again, on the newly named order.
        if reading.repeats, reading.orderID != nil, let last = previous.lastIntent, last.isWrite, !reading.negated.contains(last),
           reading.requested.isEmpty {
            intent = last
        }
        turn.understood.intent = intent
        turn.understood.orderID = orderID

        // Safety first: an intent the message itself calls off never runs.
        if reading.negated.contains(intent) {
            turn.understood.intent = .other
            turn.message = turn.composer.t("withdrawn")
            return
        }

        // A question about an order's options: check it by the rules without effect, answer, offer.
        if reading.act == .orderQuestion {
            if let orderID, intent.isWrite {
                try await answerOrderQuestion(&turn, intent: intent, orderID: orderID)
                return
            }
            // No order in sight: "where is my order?" asks about the customer's orders (list and ask); "do you ship to
            // Canada?" or "are sale items refundable?" asks about the store (answer from policy, no tool).
            if orderID == nil, !(intent == .status && reading.possessive) {
                turn.policyQuestion = true
                trace(&turn, .decide, "a general question: answered from policy, no tool")
                return
            }
        }

        // The classifier's guess alone, below the threshold: ask rather than act.
        if intent != .other, !reading.cued, intent == understood.intent, turn.understood.confidence < confidenceThreshold,
           reading.language == "en" || understood.understoodBy.isLanguageModel {
            turn.clarification = turn.composer.unsurePrompt(turn.understood.alternatives.isEmpty ? [intent] : turn.understood.alternatives)
            turn.asked = true
            turn.unsure = true
            trace(&turn, .decide, "\(intent.rawValue) at confidence \(turn.understood.confidence) is below \(confidenceThreshold) "
                + "and no phrase of the message supports it: asking instead of acting")
            turn.understood.intent = .other
            return
        }

        // "the mat from order 8095 is peeling, what can you do?": a damaged or wrong item with no remedy named.
        if intent == .other || (intent == .status && !reading.cued), let orderID,
           let reason = turn.understood.reason, [.damaged, .defective, .wrongItem, .missingPart].contains(reason),
           reading.requested.isEmpty, reading.negated.isEmpty {
            turn.clarification = turn.composer.t("ask.refund_or_replacement")
            turn.asked = true
            turn.state.question = .refundOrReplacement
            turn.state.questionIntent = .replacement
            turn.state.reason = reason
            turn.state.focusOrder = orderID
            turn.state.candidateOrderIDs = [orderID]
            turn.understood.intent = .other
            trace(&turn, .decide, "a \(reason.rawValue) item and no remedy named: asking refund or replacement")
            return
        }
        if reading.undecidedRemedy, intent == .refund || intent == .replacement {
            turn.clarification = turn.composer.t("ask.refund_or_replacement")
            turn.asked = true
            turn.state.question = .refundOrReplacement
            turn.state.questionIntent = intent
            turn.state.reason = turn.understood.reason
            turn.state.focusOrder = orderID ?? turn.state.focusOrder
            turn.state.candidateOrderIDs = orderID.map { [$0] } ?? []
            trace(&turn, .decide, "both a refund and a replacement asked for: asking which")
            return
        }

        switch intent {
        case .refund, .cancel, .replacement, .status:
            if let orderID {
                try await act(&turn, intent: intent, orderID: orderID)
            } else {
                try await askWhichOrder(&turn, intent: intent)
            }
        case .escalate:
            let result = try await call(&turn, .escalateCase(orderID, summary: turn.redacted))
            turn.result = result
            turn.state.lastIntent = .escalate
        case .other:
            if reading.act == .orderQuestion || turn.redacted.contains("?") { turn.policyQuestion = true }
        }
        if !turn.understood.secondaryIntents.isEmpty {
            turn.state.pendingIntents = turn.understood.secondaryIntents
        }
    }

    /// A reference that is only a guess from the message's words (not an ordinal or "the other one").
    static func isLoose(_ reference: OrderReference) -> Bool {
        switch reference {
        case .product, .pronoun: true
        case .ordinal, .other: false
        }
    }

    /// Runs (or, in the portal, proposes) the tool of `intent` on one order and remembers the order in focus.
    func act(_ turn: inout Turn, intent: Intent, orderID: OrderID) async throws {
        let reason = turn.understood.reason ?? turn.state.reason ?? .notGiven
        turn.result = try await call(&turn, Self.invocation(for: intent, orderID: orderID, reason: reason))
        turn.state.focusOrder = orderID
        turn.state.lastIntent = intent
        turn.state.reason = nil
        turn.understood.intent = intent
        turn.understood.orderID = orderID
    }

    /// "Can I still cancel 7012?": the rules' verdict without effect, as a yes (with an offer) or a no (with why).
    func answerOrderQuestion(_ turn: inout Turn, intent: Intent, orderID: OrderID) async throws {
        let reason = turn.understood.reason ?? .notGiven
        let invocation = Self.invocation(for: intent, orderID: orderID, reason: reason)
        let checked = try await toolbox.preview(invocation, context: context(turn))
        // The status the order has now (the preview's result shows it after the effect that was rolled back).
        let current = try await turn.orders.get().first { $0.id == orderID }?.status
        turn.state.focusOrder = orderID
        turn.state.lastOutcome = checked.error?.code ?? checked.refundStatus?.rawValue
        turn.state.lastIntent = intent
        turn.understood.orderID = orderID
        let composer = turn.composer
        if checked.success {
            let status = current ?? checked.order?.status
            turn.message = composer.t("question.can_do", ["id": orderID.description,
                                                          "status": status.map { composer.t("status.\($0.rawValue)") } ?? "",
                                                          "verb": composer.verb(intent)])
            turn.state.question = .offerAction
            turn.state.questionIntent = intent
            turn.state.candidateOrderIDs = [orderID]
            turn.state.reason = turn.understood.reason
            trace(&turn, .check, "\(invocation.action.rawValue) checked by the rules without effect: allowed; offered")
        } else if let error = checked.error {
            let explanation = composer.explain(error, action: invocation.action, orderID: orderID.description, status: nil)
            turn.message = composer.t("question.cannot_do", ["explanation": explanation])
            trace(&turn, .check, "\(invocation.action.rawValue) checked by the rules without effect: refused (\(error.code))")
        }
    }

    /// Lists the customer's orders that qualify and asks which one (or confirms the one whose product was named).
    func askWhichOrder(_ turn: inout Turn, intent: Intent) async throws {
        let listing = try await call(&turn, .listOrders)
        let eligible = composer.eligibleOrders(listing.orders ?? [], for: intent, now: clock.now())
        turn.result = listing
        turn.state.lastIntent = intent
        turn.state.reason = turn.understood.reason
        turn.state.questionIntent = intent
        let named = composer.ordersNamingProduct(in: turn.redacted, among: eligible)
        if named.count == 1 {
            turn.clarification = turn.composer.confirmPrompt(for: intent, order: named[0])
            turn.state.question = .confirmOrder
            turn.state.candidateOrderIDs = [named[0].id]
            turn.state.listedOrders = [Self.listed(named[0])]
        } else if eligible.count == 1, intent != .status {
            turn.clarification = turn.composer.confirmPrompt(for: intent, order: eligible[0])
            turn.state.question = .confirmOrder
            turn.state.candidateOrderIDs = [eligible[0].id]
            turn.state.listedOrders = [Self.listed(eligible[0])]
        } else {
            turn.clarification = turn.composer.clarificationPrompt(for: intent, eligible: eligible)
            if !eligible.isEmpty {
                turn.state.question = .whichOrder
                turn.state.candidateOrderIDs = eligible.map(\.id)
                turn.state.listedOrders = eligible.prefix(5).map(Self.listed)
            }
        }
        turn.asked = turn.state.question != nil
        trace(&turn, .decide, turn.asked ? "no order named: asking which one" : "no order qualifies")
    }

    static func listed(_ order: OrderSnapshot) -> DialogueState.ListedOrder {
        .init(id: order.id, products: order.lines.map(\.productName))
    }

    /// The order the message points at: its number, an ordinal or product among the orders just listed, "it".
    func resolveOrder(_ turn: inout Turn, in conversation: DialogueState? = nil) async throws -> OrderID? {
        let reading = turn.reading
        let state = conversation ?? turn.state
        if let id = reading.orderID { return id }
        switch reading.reference {
        case let .ordinal(k)?:
            let listed = state.listedOrders
            guard !listed.isEmpty else { return nil }
            let index = k == -1 ? listed.count - 1 : k - 1
            return listed.indices.contains(index) ? listed[index].id : nil
        case .other?:
            let candidates = state.listedOrders.map(\.id).filter { $0 != state.focusOrder }
            return candidates.count == 1 ? candidates[0] : nil
        case let .product(words)?:
            let matches = state.listedOrders.filter { listed in
                listed.products.contains { product in
                    LanguageText.words(LanguageText.fold(product)).contains { word in
                        word.count >= 4 && words.contains { ReplyComposer.cognate($0, word) }
                    }
                }
            }
            if matches.count == 1 { return matches[0].id }
            return nil
        case .pronoun?:
            return state.focusOrder ?? (state.candidateOrderIDs.count == 1 ? state.candidateOrderIDs[0] : nil)
        case nil:
            return nil
        }
    }

    /// Handles a message that answers the open question; false when it does not (a new request).
    func answer(_ question: DialogueState.Question, in turn: inout Turn) async throws -> Bool {
        let reading = turn.reading
        let state = turn.state
        guard let intent = state.questionIntent else { return false }
        switch reading.act {
        case .deny, .withdraw:
            // Declined: the new-message path says so (and still answers a status question in the same message).
            return false
        case .affirm:
            if state.candidateOrderIDs.count == 1, question != .refundOrReplacement {
                turn.state.closeQuestion()
                trace(&turn, .continue, "yes to the open question about \(intent.rawValue)")
                try await act(&turn, intent: intent, orderID: state.candidateOrderIDs[0])
                return true
            }
            return false
        default:
            break
        }
        if question == .refundOrReplacement {
            let chosen = reading.requested.last(where: { $0 == .refund || $0 == .replacement })
                ?? (reading.intent == .refund || reading.intent == .replacement ? reading.intent : nil)
            guard let chosen else { return false }
            turn.state.closeQuestion()
            if let order = reading.orderID ?? state.focusOrder ?? state.candidateOrderIDs.first {
                try await act(&turn, intent: chosen, orderID: order)
            } else {
                try await askWhichOrder(&turn, intent: chosen)
            }
            return true
        }
        // An offer ("shall I go ahead?") is taken up only by a yes; anything else is a new message.
        if question == .offerAction { return false }
        // A different request ("actually, cancel 7020") is a new turn, not an answer.
        if reading.act == .request, reading.intent != .other, reading.intent != intent, !reading.requested.isEmpty {
            return false
        }
        // "Do you mean #N?" is answered by yes (above), another number, a position or a product; "it" is not an answer.
        if case .pronoun? = reading.reference, reading.orderID == nil { return false }
        var order = try await resolveOrder(&turn)
        if order == nil, case .product? = reading.reference {
            // A product among the orders the question offered.
            let listing = try await toolbox.run(.listOrders, context: context(turn))
            let candidates = (listing.orders ?? []).filter { state.candidateOrderIDs.contains($0.id) }
            let named = composer.ordersNamingProduct(in: turn.redacted, among: candidates)
            if named.count == 1 { order = named[0].id }
        }
        guard let order else { return false }
        turn.state.closeQuestion()
        let chosen = reading.intent.isWrite && reading.requested.contains(reading.intent) ? reading.intent : intent
        trace(&turn, .continue, "answer to the open question about \(intent.rawValue): order \(order)")
        try await act(&turn, intent: chosen, orderID: order)
        return true
    }

    /// The customer's orders (read once per turn).
    func ownOrders(_ turn: Turn) async throws -> [OrderSnapshot] {
        guard turn.redacted.contains(where: \.isNumber) else { return [] }
        return try await turn.orders.get()
    }

    func context(_ turn: Turn) -> ToolContext {
        ToolContext(requestID: turn.input.requestID, customerID: turn.customer.id)
    }

    /// Runs a tool as the mode allows: the API executes; the portal executes reads and previews writes (proposing
    /// them); the playground previews everything.
    func call(_ turn: inout Turn, _ invocation: ToolInvocation) async throws -> ToolResult {
        let write = invocation.action.isWrite
        let mode = turn.input.mode
        if mode == .execute || (mode == .propose && !write) {
            let result = try await toolbox.run(invocation, context: context(turn))
            trace(&turn, .act, "\(invocation.action.rawValue): " + (result.success ? "success" : "refused (\(result.error?.code ?? "unknown"))"))
            return result
        }
        let checked = try await toolbox.preview(invocation, context: context(turn))
        if write, checked.success { turn.proposal = invocation }
        var outcome = checked.success ? "allowed" : "refused (\(checked.error?.code ?? "unknown"))"
        if let status = checked.refundStatus { outcome += ", refund would be \(status.rawValue)" }
        if !checked.fraudSignals.isEmpty { outcome += ", fraud signals: " + checked.fraudSignals.map(\.rawValue).joined(separator: ", ") }
        trace(&turn, .check, "\(invocation.action.rawValue) checked by the rules without effect: \(outcome)")
        if write, checked.success {
            trace(&turn, .act, "\(invocation.action.rawValue): " + (mode == .dryRun ? "not carried out (dry run)"
                : "proposed, waiting for the customer's confirmation"))
        }
        return checked
    }

    func trace(_ turn: inout Turn, _ step: TraceStep.Kind, _ detail: String) {
        turn.trace.append(TraceStep(step: step, detail: detail))
    }
}
