public import Foundation
public import SupportDomain

/// One section of a policy document: what the agent retrieves and cites.
public struct PolicySection: Sendable, Hashable {
    /// File name, for example `refunds.md`.
    public var source: String
    /// Document title, for example "Refunds and returns".
    public var title: String
    public var heading: String
    public var body: String

    /// Whole sentences of the body, up to about 280 characters (a first sentence longer than that is cut at a word).
    public var excerpt: String { Self.excerpt(body) }

    public static func excerpt(_ body: String, limit: Int = 280) -> String {
        guard body.count > limit else { return body }
        var excerpt = ""
        var sentence = ""
        for character in body {
            sentence.append(character)
            if ".!?".contains(character) {
                if excerpt.count + sentence.count > limit { break }
                excerpt += sentence
                sentence = ""
            }
        }
        if !excerpt.isEmpty { return excerpt.trimmingCharacters(in: .whitespaces) }
        var cut = String(body.prefix(limit - 1))
        if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
        return cut + "…"
    }
}

/// The store's policies, loaded from Markdown with their enforced numbers filled in from the same
/// `SupportPolicy` the guardrails use, so text and rules cannot disagree.
public struct PolicyLibrary: Sendable {
    public let sections: [PolicySection]
    /// The `{{placeholder}}` values the sections were filled with; help articles use the same ones.
    public let values: [String: String]

    public init(sections: [PolicySection], values: [String: String] = [:]) {
        self.sections = sections
        self.values = values
    }

    /// Fills the placeholders `values` defines and leaves any other `{{…}}` as written (for text people edit).
    public static func fillKnown(_ text: String, values: [String: String]) -> String {
        guard text.contains("{{") else { return text }
        var output = text
        for (name, value) in values { output = output.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return output
    }

    /// The placeholder names a text uses (`{{name}}`), in order of first use.
    public static func placeholderNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) {
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case unknownPlaceholder(file: String, name: String)
        case empty(String)

        public var description: String {
            switch self {
            case let .unreadable(path): "Cannot read the policy folder \(path)."
            case let .unknownPlaceholder(file, name): "\(file) uses {{\(name)}}, which the configuration does not define."
            case let .empty(path): "No policy Markdown files in \(path)."
            }
        }
    }

    /// The values substituted for `{{name}}` placeholders.
    public static func placeholders(for policy: SupportPolicy) -> [String: String] {
        [
            "return_window_days": String(policy.returnWindowDays),
            "max_refunds_per_window": String(policy.maxRefundsPerWindow),
            "refund_limit_window_days": String(policy.refundLimitWindowDays),
            "fraud_high_value": policy.fraud.highValue.decimalString,
            "fraud_new_account_days": String(policy.fraud.newAccountDays),
            "fraud_max_refund_requests_90_days": String(policy.fraud.maxRefundRequestsIn90Days),
        ]
    }

    /// The policies shipped with SupportOps.
    public static func bundled(policy: SupportPolicy) throws -> PolicyLibrary {
        guard let url = Bundle.module.url(forResource: "policies", withExtension: nil) else {
            throw LoadError.unreadable("policies (bundle resource)")
        }
        return try load(directory: url, policy: policy)
    }

    /// Loads every `*.md` file of `directory`, sorted by name.
    public static func load(directory: URL, policy: SupportPolicy) throws -> PolicyLibrary {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".md") }.sorted()
        } catch {
            throw LoadError.unreadable(directory.path)
        }
        guard !names.isEmpty else { throw LoadError.empty(directory.path) }
        let values = placeholders(for: policy)
        var sections: [PolicySection] = []
        for name in names {
            guard let raw = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else {
                throw LoadError.unreadable(directory.appendingPathComponent(name).path)
            }
            sections += try parse(markdown: fill(raw, values: values, file: name), source: name)
        }
        return PolicyLibrary(sections: sections, values: values)
    }

    static func fill(_ text: String, values: [String: String], file: String) throws -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = values[name] else { throw LoadError.unknownPlaceholder(file: file, name: name) }
            output += value
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// Splits a document into `## ` sections; the `# ` line is the title.
    static func parse(markdown: String, source: String) -> [PolicySection] {
        var title = source
        var sections: [PolicySection] = []
        var heading: String?
        var body: [String] = []
        func flush() {
            if let heading {
                let text = body.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { sections.append(PolicySection(source: source, title: title, heading: heading, body: text)) }
            }
            body = []
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                flush()
                heading = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("# ") {
                title = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                body.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        flush()
        return sections
    }
}
