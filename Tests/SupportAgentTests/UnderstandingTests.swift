import Foundation
import Testing
import SupportDomain
@testable import SupportAgent

@Suite("RuleBasedUnderstanding")
struct UnderstandingTests {
    let model = RuleBasedUnderstanding()

    @Test("refund phrasings",
          arguments: ["I want a refund for order 1042", "can I get my money back for #55", "please reimburse me",
                      "I'd like to return it", "Refund please", "I want my money back", "give me a REFUND"])
    func refund(text: String) async {
        let result = await model.understand(text)
        #expect(result.intent == .refund)
        #expect(result.secondaryIntents.isEmpty)
    }

    @Test("cancel phrasings",
          arguments: ["cancel my order 12", "please cancel order 5", "stop the order", "don't ship order 7",
                      "I want to call off my purchase", "Cancellation of order 3 please"])
    func cancel(text: String) async {
        #expect(await model.understand(text).intent == .cancel)
    }

    @Test("replacement phrasings",
          arguments: ["can you replace it, it arrived broken", "send me a new one", "I want an exchange",
                      "I'd like a replacement for order 4", "please swap it for one that is not cracked"])
    func replacement(text: String) async {
        #expect(await model.understand(text).intent == .replacement)
    }

    @Test("status phrasings",
          arguments: ["where is my order 1042", "what's the status of order 1042", "track my package",
                      "when will my order arrive", "my order hasn't arrived yet", "Where's my parcel?"])
    func status(text: String) async {
        #expect(await model.understand(text).intent == .status)
    }

    @Test("escalation phrasings",
          arguments: ["I want to talk to a human", "let me speak to a manager", "I want to speak to a real person",
                      "escalate this please", "get me a supervisor", "can I talk to a representative"])
    func escalate(text: String) async {
        #expect(await model.understand(text).intent == .escalate)
    }

    @Test("anything else is other, with a middling confidence",
          arguments: ["what are your opening hours", "hello", "do you sell gift cards", "", "what's the weather like"])
    func other(text: String) async {
        let result = await model.understand(text)
        #expect(result.intent == .other)
        #expect(result.confidence == 0.5)
        #expect(result.secondaryIntents.isEmpty)
    }

    @Test("tolerates typos",
          arguments: [("cancle my ordr 55", Intent.cancel, Int64(55)), ("refnd order 12", .refund, 12),
                      ("replce it please, order 3", .replacement, 3), ("cancell order 8", .cancel, 8)])
    func typos(text: String, intent: Intent, order: Int64) async {
        let result = await model.understand(text)
        #expect(result.intent == intent)
        #expect(result.orderID == OrderID(order))
    }

    @Test("negated cues count against their intent",
          arguments: ["replace it, I don't want a refund", "I want a replacement not a refund",
                      "instead of a refund send me a new one", "no refund, just replace it"])
    func negation(text: String) async {
        let result = await model.understand(text)
        #expect(result.intent == .replacement)
        #expect(!result.secondaryIntents.contains(.refund))
    }

    @Test("several actions: the one named first is primary, the rest are secondary")
    func mixed() async {
        let a = await model.understand("cancel order 5 and refund order 6")
        #expect(a.intent == .cancel)
        #expect(a.secondaryIntents.contains(.refund))
        #expect(a.orderID == OrderID(5))

        let b = await model.understand("refund order 6 and cancel order 5")
        #expect(b.intent == .refund)
        #expect(b.secondaryIntents == [.cancel])
        #expect(b.orderID == OrderID(6))

        let c = await model.understand("cancel order 5 and replace order 6")
        #expect(c.intent == .cancel)
        #expect(c.secondaryIntents == [.replacement])
    }

    @Test("a mixed request is less certain than a clear one")
    func mixedConfidence() async {
        let clear = await model.understand("cancel order 5")
        let mixed = await model.understand("cancel order 5 and refund order 6")
        #expect(mixed.confidence < clear.confidence)
    }

    @Test("confidence always within 0...1",
          arguments: ["refund refund refund refund refund order 1", "cancel", "hi", "where is my refund",
                      "cancel order 5 and refund order 6 and replace order 7", "human human manager supervisor agent"])
    func confidenceRange(text: String) async {
        let result = await model.understand(text)
        #expect((0.0...1.0).contains(result.confidence))
    }

    @Test("extracts order id, reason and amounts alongside the intent")
    func entities() async {
        let result = await model.understand("Order #1042 arrived cracked, refund me $5000")
        #expect(result.intent == .refund)
        #expect(result.orderID == OrderID(1042))
        #expect(result.reason == .damaged)
        #expect(result.mentionedAmounts == ["$5000"])
    }

    @Test("curly apostrophes are understood like straight ones")
    func curlyApostrophes() async {
        #expect(await model.understand("don’t ship order 7").intent == .cancel)
        #expect(await model.understand("where’s order 7").intent == .status)
    }

    @Test("negation detection")
    func isNegated() {
        #expect(RuleBasedUnderstanding.isNegated("i don't want a "[...]))
        #expect(RuleBasedUnderstanding.isNegated("not the "[...]))
        #expect(RuleBasedUnderstanding.isNegated("instead of a "[...]))
        #expect(RuleBasedUnderstanding.isNegated("no "[...]))
        #expect(!RuleBasedUnderstanding.isNegated("i want a "[...]))
        #expect(!RuleBasedUnderstanding.isNegated(""[...]))
        // "no" must be a whole word: "piano " does not negate.
        #expect(!RuleBasedUnderstanding.isNegated("piano "[...]))
    }

    @Test("edit distance of at most one")
    func withinOneEdit() {
        #expect(RuleBasedUnderstanding.withinOneEdit("refund", "refund"))
        #expect(RuleBasedUnderstanding.withinOneEdit("refnd", "refund"))
        #expect(RuleBasedUnderstanding.withinOneEdit("refunds", "refund"))
        #expect(RuleBasedUnderstanding.withinOneEdit("refumd", "refund"))
        #expect(!RuleBasedUnderstanding.withinOneEdit("rfnd", "refund"))
        #expect(!RuleBasedUnderstanding.withinOneEdit("rewind", "refund"))
        #expect(!RuleBasedUnderstanding.withinOneEdit("abc", "xyz"))
    }

    @Test("cues only match at the start of a word")
    func occurrences() {
        #expect(RuleBasedUnderstanding.occurrences(of: "eta", in: "eta please").count == 1)
        #expect(RuleBasedUnderstanding.occurrences(of: "eta", in: "the details").isEmpty)
        #expect(RuleBasedUnderstanding.occurrences(of: "refund", in: "refund, refund").count == 2)
    }
}

/// A configured language model sees the (redacted) dialogue state, and may name an order only if the customer wrote
/// it or the conversation already named it.
@Suite struct LanguageModelContextTests {
    @Test func theRequestCarriesTheDialogueState() {
        let state = DialogueState(language: "de", focusOrder: OrderID(7001),
                                  listedOrders: [.init(id: OrderID(7001), products: ["Desk lamp"]), .init(id: OrderID(7002), products: ["Kettle"])],
                                  question: .whichOrder, questionIntent: .cancel, candidateOrderIDs: [OrderID(7001), OrderID(7002)])
        let prompt = LLMUnderstanding.request(for: "die zweite", context: state).messages.last?.content ?? ""
        #expect(prompt.contains("language de"))
        #expect(prompt.contains("7001 (Desk lamp); 7002 (Kettle)"))
        #expect(prompt.contains("the agent asked (whichOrder) about: cancel, orders 7001, 7002"))
        #expect(!LLMUnderstanding.request(for: "hello", context: nil).messages.last!.content.contains("Conversation so far"))
    }

    @Test func anOrderIdMustBeWrittenOrAlreadyNamed() throws {
        let answer = #"{"intent": "cancel", "order_id": 7002, "reason": null, "confidence": 0.9}"#
        #expect(throws: LanguageModelError.self) { try LLMUnderstanding.validate(answer, text: "die zweite") }
        let understood = try LLMUnderstanding.validate(answer, text: "die zweite", known: [7001, 7002])
        #expect(understood.orderID == OrderID(7002))
        #expect(throws: LanguageModelError.self) { try LLMUnderstanding.validate(answer, text: "die zweite", known: [7001]) }
    }
}
