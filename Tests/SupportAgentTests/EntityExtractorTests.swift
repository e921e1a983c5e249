import Foundation
import Testing
import SupportDomain
@testable import SupportAgent

@Suite("EntityExtractor")
struct EntityExtractorTests {
    let extractor = EntityExtractor()

    @Test("order ids in common forms",
          arguments: ["#1042", "order 1042", "order no. 1042", "order number: 1042", "purchase 1042", "my order, 1042",
                      "Order #1042", "ORDER 1042", "order # 1042", "order id 1042", "my order is 1042", "order nr. 1042",
                      "Please refund order 1042, it arrived cracked", "ordr 1042", "orders 1042 and 1043",
                      "where is my purchase #1042?", "order:1042"])
    func orderIDs(text: String) {
        #expect(extractor.orderID(in: text) == OrderID(1042))
    }

    @Test("no order id in text without one",
          arguments: ["I have 3 kids", "I paid 49.99 dollars", "hello", "", "order 0", "#0", "reorder 55", "border 55",
                      "my order arrived broken", "call me at 3 pm"])
    func noOrderID(text: String) {
        #expect(extractor.orderID(in: text) == nil)
    }

    @Test("the first order named wins")
    func firstOrderWins() {
        #expect(extractor.orderID(in: "cancel order 5 and refund order 6") == OrderID(5))
        #expect(extractor.orderID(in: "#7 or order 8") == OrderID(7))
        #expect(extractor.orderID(in: "order 8 or #7") == OrderID(8))
        #expect(extractor.orderID(in: "I ordered 3 items, order 77") == OrderID(77))
    }

    @Test("ids up to 12 digits")
    func longIDs() {
        #expect(extractor.orderID(in: "order 123456789012") == OrderID(123_456_789_012))
    }

    @Test("a bare number answers 'which order?'",
          arguments: [("1042", Int64(1042)), ("it's 1042", 1042), ("  1042 \n", 1042), ("the second one, 1042 please", 1042),
                      ("#1042", 1042)])
    func bareNumbers(text: String, expected: Int64) {
        #expect(extractor.bareOrderNumber(in: text) == OrderID(expected))
    }

    @Test("no bare number for several numbers, zero, no number or long text",
          arguments: ["1042 and 1043", "0", "no", "", "I have 3 kids and I want a refund for the blender I bought last week"])
    func noBareNumber(text: String) {
        #expect(extractor.bareOrderNumber(in: text) == nil)
    }

    @Test("amounts named in the text",
          arguments: [("refund me $5000", ["$5000"]), ("it cost 49.99 dollars", ["49.99 dollars"]),
                      ("refund me $5,000.00 now", ["$5,000.00"]), ("€20 or 30 euros", ["€20", "30 euros"]),
                      ("£7.5", ["£7.5"]), ("5 bucks", ["5 bucks"]), ("12 USD", ["12 USD"]), ("order 1042", []),
                      ("I have 3 kids", [])])
    func amounts(text: String, expected: [String]) {
        #expect(extractor.amounts(in: text) == expected)
    }

    @Test("reasons from cue phrases",
          arguments: [("it arrived cracked", ReturnReason.damaged), ("the glass is broken", .damaged),
                      ("it doesn't work", .defective), ("it doesn’t work", .defective), ("it's not working", .defective),
                      ("it stopped working after a day", .defective),
                      ("wrong size", .wrongItem), ("you sent me the wrong colour", .wrongItem),
                      ("missing a part", .missingPart), ("missing parts", .missingPart), ("two screws are missing", .missingPart),
                      ("I changed my mind", .changedMind), ("I no longer need it", .changedMind),
                      ("I ordered it by mistake", .orderedByMistake), ("accidentally ordered twice", .orderedByMistake),
                      ("it arrived late", .late), ("the delivery was delayed", .late),
                      ("IT ARRIVED CRACKED", .damaged)])
    func reasons(text: String, expected: ReturnReason) {
        #expect(extractor.reason(in: text) == expected)
    }

    @Test("no reason when none is given", arguments: ["I'd like a refund", "hello", "", "where is order 5"])
    func noReason(text: String) {
        #expect(extractor.reason(in: text) == nil)
    }

    @Test("earlier categories win when several cues appear")
    func reasonPrecedence() {
        // Damaged is listed before defective.
        #expect(extractor.reason(in: "the screen is broken and it doesn't work") == .damaged)
        // Wrong item before damaged.
        #expect(extractor.reason(in: "wrong item and it is scratched") == .wrongItem)
    }

    @Test("cues inside longer words are not reasons",

          arguments: ["please escalate this", "refund the chocolate from order 12", "refund the plates from order 12"])
    func cuesInsideWords(text: String) {
        #expect(extractor.reason(in: text) == nil)
    }
}
