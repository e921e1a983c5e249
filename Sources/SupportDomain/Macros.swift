public import Foundation

/// Tag names on tickets: lower-case letters, digits, "-" and "_", at most 32 characters, at most 10 on a ticket.
public enum TagNames {
    public static let maxLength = 32
    public static let maxPerTicket = 10

    /// The tag as stored, or nil when nothing usable is left ("VIP customer" → "vip-customer").
    public static func normalize(_ text: String) -> String? {
        let lowered = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        var result = ""
        for scalar in lowered.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" {
                result.unicodeScalars.append(scalar)
            } else if scalar == " ", !result.hasSuffix("-") {
                result += "-"
            }
        }
        let trimmed = String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(maxLength))
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Comma-separated tags as typed, normalized, de-duplicated in order, at most `maxPerTicket`.
    public static func parse(_ text: String) -> [String] {
        var seen: [String] = []
        for part in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
            if let tag = normalize(String(part)), !seen.contains(tag) { seen.append(tag) }
        }
        return Array(seen.prefix(maxPerTicket))
    }
}

public enum MacroTag {}
public typealias MacroID = Identifier<MacroTag>

/// A canned reply for the support team: text with variables (`{{customer.first_name}}`), a variant per language, and
/// what applying it also does to the ticket (status, priority, tags).
public struct Macro: Sendable, Hashable {
    public var id: MacroID?
    public var name: String
    /// The reply in English, the fallback for any language without its own variant.
    public var body: String
    /// Language code ("es", "fr", …) → the reply in that language.
    public var translations: [String: String]
    public var setStatus: TicketStatus?
    public var setPriority: TicketPriority?
    public var addTags: [String]
    public var updatedAt: Date

    public init(id: MacroID? = nil, name: String, body: String, translations: [String: String] = [:], setStatus: TicketStatus? = nil,
                setPriority: TicketPriority? = nil, addTags: [String] = [], updatedAt: Date) {
        self.id = id
        self.name = name
        self.body = body
        self.translations = translations
        self.setStatus = setStatus
        self.setPriority = setPriority
        self.addTags = addTags
        self.updatedAt = updatedAt
    }

    /// The variant for `language`, or the English body.
    public func body(for language: String) -> String {
        translations[language].flatMap { $0.isEmpty ? nil : $0 } ?? body
    }
}

/// Filling in a macro's variables. A variable the workflow does not know is refused when the macro is saved; one whose
/// value is unknown for this ticket (no order yet) becomes a visible blank the agent fills in before sending.
public enum MacroTemplate {
    /// Every variable a macro may use, with what it stands for (shown to admins).
    public static let variables: [(name: String, meaning: String)] = [
        ("customer.name", "the customer's full name"),
        ("customer.first_name", "the customer's first name"),
        ("ticket.id", "the ticket number"),
        ("ticket.title", "the ticket's title"),
        ("order.id", "the order the ticket is about"),
        ("agent.name", "your full name"),
        ("agent.first_name", "your first name"),
        ("policy.return_window_days", "days to return or refund after delivery"),
        ("policy.max_refunds", "refunds allowed per customer in the rolling window"),
        ("policy.refund_window_days", "the rolling window, in days"),
    ]

    /// The `{{name}}` variables a text uses, in order of appearance.
    public static func variables(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The variables of `text` nobody can fill in.
    public static func unknownVariables(in text: String) -> [String] {
        let known = Set(variables.map(\.name))
        return variables(in: text).filter { !known.contains($0) }
    }

    /// The text with every variable replaced; a variable without a value becomes "[name]" for the agent to fill in.
    public static func render(_ text: String, values: [String: String]) -> String {
        var output = ""
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += values[name].flatMap { $0.isEmpty ? nil : $0 } ?? "[\(name)]"
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}

/// Where macros live.
public protocol MacroStore: Sendable {
    func fetchMacros() async throws -> [Macro]
    func fetchMacro(_ id: MacroID) async throws -> Macro?
    /// Inserts (no id) or updates; returns the stored macro.
    func saveMacro(_ macro: Macro) async throws -> Macro
    func deleteMacro(_ id: MacroID) async throws
}


/// A staff member's named filter of the all-tickets list ("Breached, mine"), kept as the list's query string.
public struct SavedView: Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// The list's query string without the page ("status=escalated&sla=breached").
    public var query: String

    public init(id: Int64, name: String, query: String) {
        self.id = id
        self.name = name
        self.query = query
    }
}

/// Where saved views live; each belongs to one person.
public protocol SavedViewStore: Sendable {
    func fetchViews(of user: UserID) async throws -> [SavedView]
    /// Saves under `name`, replacing the person's view of that name.
    func saveView(name: String, query: String, of user: UserID, at date: Date) async throws
    func deleteView(_ id: Int64, of user: UserID) async throws
}
