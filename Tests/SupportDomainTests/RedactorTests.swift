import Foundation
import Testing
@testable import SupportDomain

@Suite("Redactor")
struct RedactorTests {
    let redactor = Redactor()

    private func redact(_ text: String, knownNames: [String] = []) -> Redactor.Result {
        redactor.redact(text, knownNames: knownNames)
    }

    // MARK: E-mail

    @Test("e-mail addresses become [EMAIL]",
          arguments: ["jane.doe@example.com", "JANE@EXAMPLE.COM", "j+tag_1%x@mail.sub.example.co.uk", "a-b@x-y.io"])
    func email(address: String) {
        let result = redact("Contact me at \(address) please")
        #expect(result.text == "Contact me at [EMAIL] please")
        #expect(result.counts[.email] == 1)
        #expect(!result.text.contains("@"))
    }

    @Test("several e-mails are all counted")
    func severalEmails() {
        let result = redact("a@b.co and c@d.io")
        #expect(result.text == "[EMAIL] and [EMAIL]")
        #expect(result.counts == [.email: 2])
        #expect(result.total == 2)
    }

    // MARK: Cards

    @Test("Luhn-valid card numbers become [CARD]",
          arguments: ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
                      "378282246310005", "6011111111111117"])
    func cards(card: String) {
        let result = redact("my card is \(card), refund there")
        #expect(result.text == "my card is [CARD], refund there")
        #expect(result.counts[.card] == 1)
        #expect(result.counts[.phone] == nil)
    }

    @Test("a 16-digit number failing Luhn is not a card")
    func nonLuhn() {
        let result = redact("reference 4111111111111112 here")
        #expect(!result.text.contains("[CARD]"))
        #expect(result.counts[.card] == nil)
    }

    @Test("Luhn check")
    func luhn() {
        #expect(Redactor.passesLuhn("4111 1111 1111 1111"))
        #expect(Redactor.passesLuhn("4111-1111-1111-1111"))
        #expect(Redactor.passesLuhn("0079927398713"))
        #expect(!Redactor.passesLuhn("4111111111111112"))
        #expect(!Redactor.passesLuhn("0"))
        #expect(!Redactor.passesLuhn("123"))
        // Too short even though the checksum is fine.
        #expect(!Redactor.passesLuhn("79927398713"))
        // Too long: 20 digits.
        #expect(!Redactor.passesLuhn("00000000000000000000"))
    }

    // MARK: Phones

    @Test("phone numbers become [PHONE]",
          arguments: ["+1 415 555 0132", "(415) 555-0132", "415-555-0132", "020 7946 0958", "+44 20 7946 0958",
                      "415.555.0132", "4155550132"])
    func phones(phone: String) {
        let result = redact("call me on \(phone) today")
        #expect(result.text == "call me on [PHONE] today")
        #expect(result.counts[.phone] == 1)
    }

    // MARK: Things that must survive

    @Test("order numbers are not redacted",
          arguments: ["order 1042", "#1042", "order no. 20031", "Order #1042", "order number: 1042", "my order 1234567",
                      "orders 1042 and 1043", "purchase 55"])
    func orderNumbersSurvive(text: String) {
        let message = "Please refund \(text), it arrived broken."
        let result = redact(message)
        #expect(result.text == message)
        #expect(result.total == 0)
    }

    @Test("dates, amounts and small quantities are not phones",
          arguments: ["delivered on 2026-11-02", "on 11/02/2026", "on 11.02.2026", "I paid $49.99", "refund $1,234.56",
                      "I have 3 kids and 2 dogs", "it weighs 10.5 kg", "I ordered 2 items at 3 pm"])
    func notPhones(text: String) {
        let result = redact(text)
        #expect(result.text == text)
        #expect(result.counts.isEmpty)
    }

    // MARK: Addresses

    @Test("street addresses become [ADDRESS]",
          arguments: [("I live at 221 Baker Street, London", "I live at [ADDRESS], London"),
                      ("send it to 42 Elm St. Apt 5 please", "send it to [ADDRESS] please"),
                      ("1600 Pennsylvania Avenue", "[ADDRESS]"),
                      ("ship to 10 Downing St", "ship to [ADDRESS]"),
                      ("12 Main St apt 4", "[ADDRESS]"),
                      ("Apt 5, 42 Elm Street", "Apt 5, [ADDRESS]")])
    func addresses(input: String, expected: String) {
        let result = redact(input)
        #expect(result.text == expected)
        #expect(result.counts[.address] == 1)
    }

    // MARK: Names

    @Test("introduced names become [NAME]",
          arguments: [("my name is Jane Doe and I want a refund", "my name is [NAME] and I want a refund"),
                      ("My name is Jane Doe", "My name is [NAME]"),
                      ("My name's Jane", "My name's [NAME]"),
                      ("Name: Jane Doe", "Name: [NAME]"),
                      ("my name is jane smith", "my name is [NAME]"),
                      ("this is Jane Doe from accounting", "this is [NAME] from accounting"),
                      ("i'm Jane, refund order 12", "i'm [NAME], refund order 12")])
    func introducedNames(input: String, expected: String) {
        let result = redact(input)
        #expect(result.text == expected)
        #expect(result.counts[.name] == 1)
    }

    @Test("names after honorifics become [NAME]",
          arguments: [("Mr. Smith here", "Mr. [NAME] here"), ("Dr Jane Foster called", "Dr [NAME] called"),
                      ("Mrs Jane Doe", "Mrs [NAME]"), ("Ms. Doe", "Ms. [NAME]"), ("Prof. Xavier", "Prof. [NAME]")])
    func honorifics(input: String, expected: String) {
        let result = redact(input)
        #expect(result.text == expected)
        #expect(result.counts[.name] == 1)
    }

    @Test("names in sign-offs become [NAME]",
          arguments: [("Refund please. Thanks, Jane Doe", "Refund please. Thanks, [NAME]"),
                      ("Thanks, Jane Doe.", "Thanks, [NAME]."),
                      ("Cheers, Bob", "Cheers, [NAME]"),
                      ("Regards, Jane", "Regards, [NAME]"),
                      ("Thank you, Jane.", "Thank you, [NAME]."),
                      ("Where is order 5?\nBest regards,\nJane Doe", "Where is order 5?\nBest regards,\n[NAME]")])
    func signOffs(input: String, expected: String) {
        let result = redact(input)
        #expect(result.text == expected)
        #expect(result.counts[.name] == 1)
    }

    @Test("ordinary words after I'm / this is / thanks are kept",
          arguments: ["I'm not happy with order 5", "I'm writing about order 5", "I'm very upset", "I'm so sorry",
                      "I'm Not Happy", "this is not okay", "this is urgent", "Thanks so much", "Thanks in advance",
                      "Thank you very much", "Thanks a lot", "i'm not happy", "i'm writing about my refund",
                      "i'm still waiting for order 9"])
    func nonNamesKept(text: String) {
        let result = redact(text)
        #expect(result.text == text)
        #expect(result.counts[.name] == nil)
    }

    @Test("known names are removed wherever they appear, as full name and as parts")
    func knownNames() {
        let result = redact("Hi, John here. Refund order 5 for John Smith", knownNames: ["John Smith"])
        #expect(result.text == "Hi, [NAME] here. Refund order 5 for [NAME]")
        #expect(result.counts[.name] == 2)
        #expect(!result.text.contains("John"))
        #expect(!result.text.contains("Smith"))
    }

    @Test("known names match whole words only, case-insensitively")
    func knownNamesWholeWords() {
        #expect(redact("smithers and SMITH", knownNames: ["John Smith"]).text == "smithers and [NAME]")
        #expect(redact("jane doe wrote", knownNames: ["Jane Doe"]).text == "[NAME] wrote")
    }

    @Test("known-name parts shorter than three letters are ignored")
    func shortKnownNames() {
        let result = redact("Al is here about order 5", knownNames: ["Al Bo"])
        #expect(result.text == "Al is here about order 5")
        #expect(result.total == 0)
    }

    @Test("known names containing regex metacharacters are escaped")
    func knownNameEscaping() {
        let result = redact("This is for O'Brien (Jr.) thanks", knownNames: ["O'Brien"])
        #expect(result.text.contains("[NAME]"))
        #expect(!result.text.contains("O'Brien"))
        // Must not crash or match everything.
        #expect(redact("nothing to see", knownNames: ["a.*b"]).text == "nothing to see")
    }

    // MARK: Whole messages

    @Test("a realistic message: every kind redacted, order number and amount kept")
    func realisticMessage() {
        let message = """
        Hi, my name is Jane Doe. Order #1042 arrived cracked, please refund $49.99 to card 4111 1111 1111 1111. \
        Email jane.doe@example.com or call +1 415 555 0132. I live at 221 Baker Street.
        Thanks, Jane Doe
        """
        let result = redact(message)
        for secret in ["Jane", "Doe", "4111", "jane.doe@example.com", "415 555", "Baker"] {
            #expect(!result.text.contains(secret), "leaked \(secret)")
        }
        #expect(result.text.contains("#1042"))
        #expect(result.text.contains("$49.99"))
        #expect(result.counts[.email] == 1)
        #expect(result.counts[.card] == 1)
        #expect(result.counts[.phone] == 1)
        #expect(result.counts[.address] == 1)
        #expect(result.counts[.name] == 2)
        #expect(result.total == 6)
    }

    @Test("text without personal data is returned unchanged")
    func unchanged() {
        let text = "Where is order 1042? It was supposed to arrive on 2026-11-02."
        let result = redact(text)
        #expect(result.text == text)
        #expect(result.counts.isEmpty)
        #expect(result.total == 0)
        #expect(redact("").text == "")
    }

    @Test("redaction is idempotent")
    func idempotent() {
        let once = redact("my name is Jane Doe, jane@example.com, 4111 1111 1111 1111, 415-555-0132").text
        let twice = redact(once)
        #expect(twice.text == once)
        #expect(twice.total == 0)
    }

    @Test("placeholders")
    func placeholders() {
        #expect(Redactor.Kind.allCases.map(\.placeholder) == ["[EMAIL]", "[CARD]", "[PHONE]", "[ADDRESS]", "[NAME]"])
    }

    // MARK: Known failures (see report)

    @Test("capitalised introductions (\"I'm Jane\", \"I am Jane Doe\", \"This is Jane Doe\") are redacted",

          arguments: [("I'm Jane, refund order 12", "I'm [NAME], refund order 12"),
                      ("I am Jane Doe", "I am [NAME]"),
                      ("This is Jane Doe from accounting", "This is [NAME] from accounting")])
    func capitalisedIntroductions(input: String, expected: String) {
        #expect(redact(input).text == expected)
    }

    @Test("an order number followed by ordinary words ending in way/road/drive is not an address",
          )
    func orderNumberNotAddress() {
        let text = "Is order 1042 on its way?"
        #expect(redact(text).text == text)
        let late = "my parcel has been 10 days on the road"
        #expect(redact(late).text == late)
    }

    @Test("lower-case words after a sign-off are not names",
          )
    func signOffLowercase() {
        #expect(redact("Thanks everyone").text == "Thanks everyone")
        #expect(redact("Best wishes").text == "Best wishes")
    }

    @Test("a long order number after 'order number' is not a phone",
          )
    func longOrderNumber() {
        let text = "please refund order number 123456789"
        #expect(redact(text).text == text)
    }
}
