import Foundation
import Testing
@testable import SupportDomain

@Suite("Money")
struct MoneyTests {
    @Test("parses valid decimal strings into minor units",
          arguments: [
              ("49.99", Int64(4_999)), ("5", 500), ("5.5", 550), ("0.05", 5), ("0.5", 50), ("5.05", 505),
              ("0", 0), ("0.00", 0), ("00.10", 10), ("1000000", 100_000_000), (" 12.30 ", 1_230),
          ])
    func parsesValid(input: String, expected: Int64) throws {
        let money = try #require(Money(decimalString: input))
        #expect(money.minorUnits == expected)
    }

    @Test("rejects negatives, extra decimals, garbage and empty input",
          arguments: ["-1", "-0.50", "1.234", "abc", "", "   ", "1.", ".5", "1.2.3", "1,000", "+5", "5a", "a5", "$5",
                      "1e3", "0x10", "١٢", "5 .5", "1.-5", "12.3x"])
    func rejectsInvalid(input: String) {
        #expect(Money(decimalString: input) == nil)
    }

    @Test("rejects amounts that overflow Int64 minor units instead of trapping")
    func rejectsOverflow() {
        // 17 nines fit in Int64, but times 100 they do not.
        #expect(Money(decimalString: "99999999999999999") == nil)
        #expect(Money(decimalString: "92233720368547759") == nil)
        // Far too long.
        #expect(Money(decimalString: "99999999999999999999999") == nil)
    }

    @Test("accepts the largest whole amount that still fits")
    func acceptsLargeAmount() throws {
        let money = try #require(Money(decimalString: "92233720368547758"))
        #expect(money.minorUnits == 9_223_372_036_854_775_800)
    }

    @Test("formats with exactly two decimals",
          arguments: [(Int64(4_999), "49.99"), (500, "5.00"), (550, "5.50"), (5, "0.05"), (0, "0.00"), (1, "0.01"),
                      (10, "0.10"), (100_000_000, "1000000.00"), (-5, "-0.05"), (-1_234, "-12.34")])
    func formats(minorUnits: Int64, expected: String) {
        let money = Money(minorUnits: minorUnits)
        #expect(money.decimalString == expected)
        #expect(money.description == expected)
    }

    @Test("formatting the minimum Int64 does not trap")
    func formatsMinimum() {
        #expect(Money(minorUnits: .min).decimalString == "-92233720368547758.08")
    }

    @Test("parsing and formatting round-trip", arguments: ["49.99", "5.00", "0.05", "123.40", "0.00"])
    func roundTrip(text: String) throws {
        let money = try #require(Money(decimalString: text))
        #expect(money.decimalString == text)
    }

    @Test("addition, multiplication by a quantity and comparison")
    func arithmetic() {
        let a = Money(minorUnits: 49_99)
        let b = Money(minorUnits: 1)
        #expect(a + b == Money(minorUnits: 50_00))
        #expect(a * 3 == Money(minorUnits: 149_97))
        #expect(a * 0 == .zero)
        #expect(Money.zero + a == a)
        #expect(b < a)
        #expect(!(a < a))
        #expect(a >= Money(minorUnits: 49_99))
        #expect([a, b, .zero].sorted() == [.zero, b, a])
    }

    @Test("order line total is unit price times quantity")
    func lineTotal() {
        let line = Fixture.line(price: 12_50, quantity: 4)
        #expect(line.lineTotal == Money(minorUnits: 50_00))
    }

    @Test("JSON round-trip keeps the exact minor units")
    func codable() throws {
        let money = Money(minorUnits: 12_345)
        let data = try JSONEncoder().encode(money)
        let decoded = try JSONDecoder().decode(Money.self, from: data)
        #expect(decoded == money)
    }
}

@Suite("Identifier")
struct IdentifierTests {
    @Test("encodes as a bare integer and decodes back")
    func codable() throws {
        let id = OrderID(1042)
        let data = try JSONEncoder().encode(id)
        #expect(String(decoding: data, as: UTF8.self) == "1042")
        #expect(try JSONDecoder().decode(OrderID.self, from: data) == id)
        #expect(try JSONDecoder().decode([CustomerID].self, from: Data("[3,1]".utf8)) == [CustomerID(3), CustomerID(1)])
    }

    @Test("description, ordering and raw value")
    func basics() {
        #expect(OrderID(1042).description == "1042")
        #expect(OrderID(rawValue: 5) == OrderID(5))
        #expect(OrderID(5).rawValue == 5)
        #expect(OrderID(2) < OrderID(10))
        #expect([OrderID(3), OrderID(1), OrderID(2)].sorted() == [OrderID(1), OrderID(2), OrderID(3)])
    }

    @Test("rejects non-integer JSON")
    func rejectsString() {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(OrderID.self, from: Data("\"1042\"".utf8)) }
    }
}

@Suite("Intent, OrderStatus and ToolAction flags")
struct FlagsTests {
    @Test("intents that need an order and intents that write")
    func intentFlags() {
        #expect(Set(Intent.allCases.filter(\.needsOrder)) == [.refund, .cancel, .replacement, .status])
        #expect(Set(Intent.allCases.filter(\.isWrite)) == [.refund, .cancel, .replacement])
        #expect(Intent(rawValue: "refund") == .refund)
        #expect(Intent.allCases.count == 6)
    }

    @Test("only pending and processing orders are cancellable")
    func cancellable() {
        #expect(Set(OrderStatus.allCases.filter(\.isCancellable)) == [.pending, .processing])
    }

    @Test("tool actions: raw values and write flags")
    func toolActions() {
        #expect(ToolAction.allCases.map(\.rawValue).sorted() ==
            ["cancel_order", "escalate_case", "get_order_status", "issue_refund", "list_orders", "request_replacement"])
        #expect(Set(ToolAction.allCases.filter(\.isWrite)) == [.issueRefund, .cancelOrder, .requestReplacement, .escalateCase])
    }

    @Test("closed-set raw values used by clients and the audit log")
    func rawValues() {
        #expect(RefundStatus.pendingReview.rawValue == "pending_review")
        #expect(ReturnReason.wrongItem.rawValue == "wrong_item")
        #expect(ReturnReason.missingPart.rawValue == "missing_part")
        #expect(ReturnReason.changedMind.rawValue == "changed_mind")
        #expect(ReturnReason.orderedByMistake.rawValue == "ordered_by_mistake")
        #expect(ReturnReason.notGiven.rawValue == "not_given")
        #expect(EscalationStatus.inProgress.rawValue == "in_progress")
        #expect(FraudSignal.frequentRefunds.rawValue == "frequent_refund_requests")
        #expect(FraudSignal.highValue.rawValue == "high_value")
        #expect(FraudSignal.newAccount.rawValue == "new_account")
    }
}
