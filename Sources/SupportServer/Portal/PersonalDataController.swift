import Foundation
import SupportDomain
import Vapor

/// Admins answer data-protection requests: find a customer by id or e-mail, download everything stored about them
/// (JSON), or erase their personal data after typing a confirmation. Each request is recorded with the admin's name.
struct PersonalDataController {
    let personalData: any PersonalDataStore
    let clock: any WallClock

    func register(on routes: any RoutesBuilder) {
        routes.get(.adminCustomers, use: lookup)
        routes.get(.adminCustomerExport(.route), use: export)
        routes.post(.adminCustomerErase(.route), use: erase)
    }

    struct LookupContext: Encodable {
        struct Found: Encodable {
            var id: Int64
            var name: String
            var email: String
            var accounts: Int
            var orders: Int
            var tickets: Int
            var requests: [String]
        }
        var query: String
        var found: Found?
        var notFound: Bool
    }

    func lookup(_ request: Request) async throws -> Response {
        _ = try AdminController.requireAdmin(request)
        let query = String((request.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(254))
        var id: CustomerID?
        if let number = Int64(query.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) {
            id = CustomerID(number)
        } else if query.contains("@") {
            id = try await personalData.customerID(email: query.lowercased())
        }
        let summary = try await id.asyncMap { try await personalData.summary(customer: $0) } ?? nil
        let notice: String? = switch request.query[String.self, at: "erased"] {
        case let erased?: "Customer \(erased)'s personal data is erased: " + (request.query[String.self, at: "report"] ?? "")
        case nil: nil
        }
        return try await PortalPage.render(request, "admin-customers", title: "Data requests", notice: notice,
                                           context: LookupContext(query: query, found: summary.map { found in
            .init(id: found.id.rawValue, name: found.name, email: found.email, accounts: found.accounts, orders: found.orders,
                  tickets: found.tickets,
                  requests: found.requests.map { "\($0.kind) by \($0.requestedBy), \(PortalPage.timestamp($0.at))" })
        }, notFound: !query.isEmpty && summary == nil))
    }

    func export(_ request: Request) async throws -> Response {
        let admin = try AdminController.requireAdmin(request)
        guard let id = request.parameters.get("id", as: Int64.self),
              let data = try await personalData.export(customer: CustomerID(id), requestedBy: "\(admin.name) (admin #\(admin.id))",
                                                       at: clock.now())
        else { throw Abort(.notFound) }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"customer-\(id).json\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func erase(_ request: Request) async throws -> Response {
        let admin = try AdminController.requireAdmin(request)
        guard let id = request.parameters.get("id", as: Int64.self) else { throw Abort(.notFound) }
        struct Form: Content { var confirm: String? }
        let typed = (try request.content.decode(Form.self).confirm ?? "").trimmingCharacters(in: .whitespaces)
        guard typed == "ERASE \(id)" else {
            throw Abort(.unprocessableEntity, reason: "Type ERASE \(id) to confirm; nothing was erased.")
        }
        guard let report = try await personalData.erase(customer: CustomerID(id), requestedBy: "\(admin.name) (admin #\(admin.id))",
                                                         at: clock.now())
        else { throw Abort(.notFound) }
        let summary = "\(report.accounts) accounts, \(report.tickets) tickets (\(report.messages) messages, \(report.attachments) files), "
            + "\(report.conversations) conversations, \(report.escalations) escalations, \(report.mails) e-mails."
        return request.redirect(to: PortalPath.adminCustomers.with(["q": String(id), "erased": String(id), "report": summary]))
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
