import Foundation
import Testing
import SupportDomain
@testable import SupportAgent

@Suite("PolicyLibrary")
struct PolicyLibraryTests {
    static let expectedDocuments: Set<String> = [
        "cancellations.md", "escalation.md", "fraud-and-limits.md", "privacy.md", "refunds.md", "replacements.md", "shipping.md",
    ]

    private func allText(_ library: PolicyLibrary) -> String {
        library.sections.map { "\($0.title)\n\($0.heading)\n\($0.body)" }.joined(separator: "\n")
    }

    private func body(_ library: PolicyLibrary, _ source: String, _ heading: String) throws -> String {
        try #require(library.sections.first { $0.source == source && $0.heading == heading }).body
    }

    @Test("the bundled policies load: at least six documents, all sections non-empty")
    func bundled() throws {
        let library = try PolicyLibrary.bundled(policy: .standard)
        let sources = Set(library.sections.map(\.source))
        #expect(sources.count >= 6)
        #expect(Self.expectedDocuments.isSubset(of: sources))
        #expect(library.sections.count >= 20)
        for section in library.sections {
            #expect(!section.heading.isEmpty)
            #expect(!section.body.isEmpty)
            #expect(!section.title.isEmpty)
            // The "# " line is the title, so it is never the file name.
            #expect(section.title != section.source)
            #expect(!section.body.contains("## "))
        }
    }

    @Test("no placeholder is left unfilled", arguments: [SupportPolicy.standard, SupportPolicy(returnWindowDays: 45)])
    func noPlaceholdersLeft(policy: SupportPolicy) throws {
        let text = allText(try PolicyLibrary.bundled(policy: policy))
        #expect(!text.contains("{{"))
        #expect(!text.contains("}}"))
    }

    @Test("titles come from the documents")
    func titles() throws {
        let library = try PolicyLibrary.bundled(policy: .standard)
        let refunds = try #require(library.sections.first { $0.source == "refunds.md" })
        #expect(refunds.title == "Refunds and returns")
        #expect(library.sections.contains { $0.source == "refunds.md" && $0.heading == "Refund window" })
        #expect(library.sections.contains { $0.source == "cancellations.md" && $0.heading == "Orders that have already shipped" })
    }

    @Test("the standard numbers appear in the text")
    func standardNumbers() throws {
        let library = try PolicyLibrary.bundled(policy: .standard)
        #expect(try body(library, "refunds.md", "Refund window").contains("30 days"))
        #expect(try body(library, "refunds.md", "Refund limits").contains("at most 2 refunds"))
        #expect(try body(library, "fraud-and-limits.md", "Which refunds are reviewed").contains("500.00 USD"))
        #expect(try body(library, "fraud-and-limits.md", "Which refunds are reviewed").contains("7 days"))
    }

    @Test("configured numbers replace the defaults everywhere")
    func configuredNumbers() throws {
        let policy = SupportPolicy(returnWindowDays: 45, maxRefundsPerWindow: 3, refundLimitWindowDays: 60,
                                   fraud: FraudThresholds(highValue: Money(minorUnits: 750_00), newAccountDays: 14,
                                                          maxRefundRequestsIn90Days: 6))
        let library = try PolicyLibrary.bundled(policy: policy)
        let window = try body(library, "refunds.md", "Refund window")
        #expect(window.contains("45 days"))
        #expect(window.contains("45-day"))
        #expect(!window.contains("30 days"))
        #expect(try body(library, "cancellations.md", "Orders that have already shipped").contains("45 days"))
        #expect(try body(library, "replacements.md", "When we replace an item").contains("45 days"))
        let limits = try body(library, "refunds.md", "Refund limits")
        #expect(limits.contains("at most 3 refunds"))
        #expect(limits.contains("60 days"))
        let review = try body(library, "fraud-and-limits.md", "Which refunds are reviewed")
        #expect(review.contains("750.00 USD"))
        #expect(review.contains("14 days"))
        #expect(review.contains("6 or more"))
    }

    @Test("placeholder values come from the policy")
    func placeholders() {
        let values = PolicyLibrary.placeholders(for: SupportPolicy(returnWindowDays: 45, maxRefundsPerWindow: 3,
                                                                   refundLimitWindowDays: 60))
        #expect(values == [
            "return_window_days": "45", "max_refunds_per_window": "3", "refund_limit_window_days": "60",
            "fraud_high_value": "500.00", "fraud_new_account_days": "7", "fraud_max_refund_requests_90_days": "4",
        ])
    }

    @Test("fill substitutes known placeholders, tolerating inner spaces")
    func fill() throws {
        let filled = try PolicyLibrary.fill("Within {{return_window_days}} days, or {{ return_window_days }}.",
                                            values: ["return_window_days": "30"], file: "x.md")
        #expect(filled == "Within 30 days, or 30.")
        #expect(try PolicyLibrary.fill("no placeholders", values: [:], file: "x.md") == "no placeholders")
        #expect(try PolicyLibrary.fill("{{a}}{{b}}", values: ["a": "1", "b": "2"], file: "x.md") == "12")
    }

    @Test("an unknown placeholder throws, naming the file and placeholder")
    func unknownPlaceholderInFill() throws {
        let error = #expect(throws: PolicyLibrary.LoadError.self) {
            try PolicyLibrary.fill("Wait {{refund_speed_days}} days", values: PolicyLibrary.placeholders(for: .standard),
                                   file: "speed.md")
        }
        guard case let .unknownPlaceholder(file, name) = try #require(error) else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(file == "speed.md")
        #expect(name == "refund_speed_days")
        #expect(try #require(error).description.contains("{{refund_speed_days}}"))
    }

    @Test("an unclosed placeholder leaves the text as it is")
    func unclosedPlaceholder() throws {
        #expect(try PolicyLibrary.fill("abc {{ oops", values: [:], file: "x.md") == "abc {{ oops")
    }

    // MARK: Loading from a directory

    private func temporaryDirectory(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, content) in files {
            try content.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }

    @Test("loading a directory with an unknown placeholder throws")
    func unknownPlaceholderInDirectory() throws {
        let dir = try temporaryDirectory([
            "a.md": "# A\n\n## Fine\nWithin {{return_window_days}} days.\n",
            "b.md": "# B\n\n## Broken\nWe answer in {{reply_hours}} hours.\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: PolicyLibrary.LoadError.self) {
            try PolicyLibrary.load(directory: dir, policy: .standard)
        }
        guard case let .unknownPlaceholder(file, name) = try #require(error) else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(file == "b.md")
        #expect(name == "reply_hours")
    }

    @Test("loading parses titles and sections, sorted by file name, ignoring other files")
    func loadDirectory() throws {
        let dir = try temporaryDirectory([
            "b.md": "# Beta\n\nIntro text outside any section.\n\n## First\nLine one\nline two\n\n## Empty\n\n## Second\nWindow: {{return_window_days}} days.\n",
            "a.md": "# Alpha\n## Only\n  Indented text.  \n",
            "notes.txt": "# Not policy\n## Ignored\nShould not load.\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = try PolicyLibrary.load(directory: dir, policy: SupportPolicy(returnWindowDays: 12))
        #expect(library.sections.map(\.source) == ["a.md", "b.md", "b.md"])
        #expect(library.sections.map(\.heading) == ["Only", "First", "Second"])
        #expect(library.sections.map(\.title) == ["Alpha", "Beta", "Beta"])
        #expect(library.sections[0].body == "Indented text.")
        #expect(library.sections[1].body == "Line one line two")
        #expect(library.sections[2].body == "Window: 12 days.")
    }

    @Test("an empty directory and a missing directory are errors")
    func emptyAndMissing() throws {
        let empty = try temporaryDirectory(["readme.txt": "nothing"])
        defer { try? FileManager.default.removeItem(at: empty) }
        let emptyError = #expect(throws: PolicyLibrary.LoadError.self) {
            try PolicyLibrary.load(directory: empty, policy: .standard)
        }
        if case .empty = try #require(emptyError) {} else { Issue.record("expected .empty, got \(String(describing: emptyError))") }

        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(UUID().uuidString)")
        let missingError = #expect(throws: PolicyLibrary.LoadError.self) {
            try PolicyLibrary.load(directory: missing, policy: .standard)
        }
        if case .unreadable = try #require(missingError) {} else {
            Issue.record("expected .unreadable, got \(String(describing: missingError))")
        }
    }

    @Test("a document without a title uses the file name")
    func untitled() {
        let sections = PolicyLibrary.parse(markdown: "## Heading\nBody.", source: "x.md")
        #expect(sections == [PolicySection(source: "x.md", title: "x.md", heading: "Heading", body: "Body.")])
    }

    @Test("excerpts are capped at 278 characters with an ellipsis")
    func excerpt() {
        let short = PolicySection(source: "s.md", title: "T", heading: "H", body: String(repeating: "a", count: 280))
        #expect(short.excerpt == short.body)
        let long = PolicySection(source: "s.md", title: "T", heading: "H", body: String(repeating: "word ", count: 100))
        #expect(long.excerpt.hasSuffix("…"))
        #expect(long.excerpt.count <= 278)
        #expect(long.body.hasPrefix(String(long.excerpt.dropLast())))
    }
}

/// The policy text and the enforced configuration cannot disagree: the Markdown never writes an enforced number
/// itself, and every placeholder it uses is filled from `SupportPolicy`.
@Suite struct PolicyConfigurationAgreementTests {
    static func rawPolicies() throws -> [(String, String)] {
        let directory = try #require(Bundle.module.url(forResource: "policies", withExtension: nil, subdirectory: nil)
            ?? PolicyDirectory.url)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".md") }.map {
            ($0, try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
    }

    @Test func enforcedNumbersAreNeverWrittenLiterally() throws {
        let library = try PolicyLibrary.bundled(policy: .standard)
        let text = library.sections.map(\.body).joined(separator: "\n")
        // Every enforced value appears in the rendered text...
        for value in PolicyLibrary.placeholders(for: .standard).values {
            #expect(text.contains(value), "rendered policies never mention \(value)")
        }
        // ...and a different configuration changes every one of them.
        let custom = SupportPolicy(returnWindowDays: 41, maxRefundsPerWindow: 3, refundLimitWindowDays: 43,
                                   fraud: FraudThresholds(highValue: Money(minorUnits: 777_00), newAccountDays: 11,
                                                          maxRefundRequestsIn90Days: 6))
        let customText = try PolicyLibrary.bundled(policy: custom).sections.map(\.body).joined(separator: "\n")
        for value in ["41 days", "43 days", "777.00", "11 days"] {
            #expect(customText.contains(value), "custom configuration value \(value) missing")
        }
        for stale in ["30 days", "30-day", "500.00", "7 days"] {
            #expect(!customText.contains(stale), "the policy text hard-codes \(stale)")
        }
    }
}

enum PolicyDirectory {
    static var url: URL? { nil }
}
