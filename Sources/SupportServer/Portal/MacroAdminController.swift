import Foundation
import SupportAgent
import SupportDomain
import Vapor

/// Admins manage the team's macros: a name, the reply with variables, a variant per language, and what applying it
/// also does (status, priority, tags). Everyone else gets 404.
struct MacroAdminController {
    let macros: any MacroStore
    let clock: any WallClock

    /// The languages a macro may have a variant in (those the assistant speaks besides English).
    static var languages: [(code: String, name: String)] { AgentDeskController.languages.filter { $0.code != "en" } }

    func register(on routes: any RoutesBuilder) {
        routes.get(.adminMacros, use: list)
        routes.get(.adminNewMacro, use: newMacro)
        routes.get(.adminEditMacro(0), use: edit)
        routes.post(.adminMacros, use: save)
        routes.post(.adminDeleteMacro(0), use: delete)
    }

    struct ListContext: Encodable {
        struct Row: Encodable {
            var id: Int64
            var name: String
            var languages: String
            var effects: String
        }
        var macros: [Row]
    }

    func list(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        let rows = try await macros.fetchMacros().map { macro in
            ListContext.Row(id: macro.id?.rawValue ?? 0, name: macro.name,
                            languages: (["en"] + macro.translations.keys.sorted()).joined(separator: ", "),
                            effects: Self.effects(macro))
        }
        let notice = request.query[String.self, at: "saved"] != nil ? "Macro saved."
            : request.query[String.self, at: "deleted"] != nil ? "Macro deleted." : nil
        return try await PortalPage.render(request, "admin-macros", title: "Macros", notice: notice, context: ListContext(macros: rows))
    }

    /// "status → resolved · priority → high · tags + refund": what applying the macro does besides the reply.
    static func effects(_ macro: Macro) -> String {
        var parts: [String] = []
        if let status = macro.setStatus { parts.append("status → \(status.label.lowercased())") }
        if let priority = macro.setPriority { parts.append("priority → \(priority.rawValue)") }
        if !macro.addTags.isEmpty { parts.append("tags + " + macro.addTags.joined(separator: ", ")) }
        return parts.joined(separator: " · ")
    }

    struct Form: Content {
        var id: Int64?
        var name: String?
        var body: String?
        /// The reply per language code, as typed; read from the fields named by `MacroAdminController.languages`.
        var variants: [String: String]?
        var set_status: String?
        var set_priority: String?
        var add_tags: String?

        init() {}

        init(_ macro: Macro) {
            id = macro.id?.rawValue
            name = macro.name
            body = macro.body
            variants = macro.translations
            set_status = macro.setStatus?.rawValue
            set_priority = macro.setPriority?.rawValue
            add_tags = macro.addTags.joined(separator: ", ")
        }

        var translations: [String: String] {
            var all: [String: String] = [:]
            for (code, _) in MacroAdminController.languages {
                if let text = variants?[code]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty { all[code] = text }
            }
            return all
        }

        /// The macro, or the first problem with the form, as a sentence.
        func validated(at now: Date) -> Result<Macro, Abort> {
            let name = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let body = (body ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(name.count) else { return .failure(Abort(.unprocessableEntity, reason: "Give the macro a name (at most 100 characters).")) }
            guard (1...5000).contains(body.count) else {
                return .failure(Abort(.unprocessableEntity, reason: "Write the reply (at most 5,000 characters)."))
            }
            for (code, text) in translations {
                guard text.count <= 5000 else {
                    return .failure(Abort(.unprocessableEntity, reason: "The \(code) variant is too long (at most 5,000 characters)."))
                }
            }
            for text in [body] + translations.values.sorted() {
                if let unknown = MacroTemplate.unknownVariables(in: text).first {
                    let known = MacroTemplate.variables.map { "{{\($0.name)}}" }.joined(separator: ", ")
                    return .failure(Abort(.unprocessableEntity, reason: "{{\(unknown)}} is not a variable. Available: \(known)."))
                }
            }
            let status = set_status.flatMap { $0.isEmpty ? nil : $0 }
            guard status == nil || [TicketStatus.awaitingCustomer, .inProgress, .resolved].map(\.rawValue).contains(status!) else {
                return .failure(Abort(.unprocessableEntity, reason: "A macro may set the status to awaiting customer, in progress or resolved."))
            }
            let priority = set_priority.flatMap { $0.isEmpty ? nil : $0 }
            guard priority == nil || TicketPriority(rawValue: priority!) != nil else {
                return .failure(Abort(.unprocessableEntity, reason: "Choose a priority: low, normal, high or urgent."))
            }
            return .success(Macro(id: id.map { MacroID($0) }, name: name, body: body, translations: translations,
                                  setStatus: status.flatMap(TicketStatus.init(rawValue:)),
                                  setPriority: priority.flatMap(TicketPriority.init(rawValue:)),
                                  addTags: TagNames.parse(add_tags ?? ""), updatedAt: now))
        }
    }

    struct EditorContext: Encodable {
        struct Variant: Encodable { var code: String; var label: String; var text: String }
        struct Variable: Encodable { var name: String; var meaning: String }
        var id: Int64?
        var name: String
        var body: String
        var variants: [Variant]
        var statuses: [TicketPages.Option]
        var priorities: [TicketPages.Option]
        var tags: String
        var variables: [Variable]
    }

    func renderEditor(_ request: Request, form: Form, error: String? = nil,
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        let variants = Self.languages.map { code, label in
            EditorContext.Variant(code: code, label: label, text: form.translations[code] ?? "")
        }
        let settable: [TicketStatus] = [.awaitingCustomer, .inProgress, .resolved]
        return try await PortalPage.render(request, "admin-macro-edit", title: form.id == nil ? "New macro" : "Edit macro",
                                           status: status, error: error, context: EditorContext(
            id: form.id, name: form.name ?? "", body: form.body ?? "", variants: variants,
            statuses: settable.map { .init(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.set_status) },
            priorities: TicketPriority.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == form.set_priority) },
            tags: form.add_tags ?? "",
            variables: MacroTemplate.variables.map { .init(name: "{{\($0.name)}}", meaning: $0.meaning) }))
    }

    func newMacro(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        return try await renderEditor(request, form: Form())
    }

    func edit(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        guard let id: MacroID = request.id(), let macro = try await macros.fetchMacro(id) else { throw Abort(.notFound) }
        return try await renderEditor(request, form: Form(macro))
    }

    func save(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        var form = try request.content.decode(Form.self)
        // One field per language ("es", "fr", …), named by the list of languages, not by properties of the form.
        let fields = (try? request.content.decode([String: String].self)) ?? [:]
        form.variants = fields.filter { field, _ in Self.languages.contains { $0.code == field } }
        switch form.validated(at: clock.now()) {
        case let .failure(problem):
            return try await renderEditor(request, form: form, error: problem.reason, status: .unprocessableEntity)
        case let .success(macro):
            if let id = macro.id, try await macros.fetchMacro(id) == nil { throw Abort(.notFound) }
            _ = try await macros.saveMacro(macro)
            return request.redirect(to: PortalPath.adminMacros.with(["saved": "1"]))
        }
    }

    func delete(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        guard let id: MacroID = request.id() else { throw Abort(.notFound) }
        try await macros.deleteMacro(id)
        return request.redirect(to: PortalPath.adminMacros.with(["deleted": "1"]))
    }
}
