import Foundation
import SupportAgent
import SupportDomain
import Vapor

/// Files on tickets: the owner and the team attach images and PDFs (checked by content, at most 5 MB, 20 a ticket);
/// only those who may see the ticket can fetch one, and always as a download, never rendered by the browser.
struct AttachmentController {
    let pages: TicketPages
    let attachments: any AttachmentStore

    func register(on routes: any RoutesBuilder) {
        routes.post(.ticketAction(.route, .attachments), bodyLimit: AttachmentRules.maxBytes + 64 * 1024, use: upload)
        routes.get(.attachment(0), use: download)
    }

    struct Upload: Content {
        var file: File?
    }

    func upload(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        let ticket = try await pages.ticket(request, user: user)
        guard ticket.status != .closed else { throw Abort(.conflict, reason: TicketError.closed.message) }
        guard let file = try? request.content.decode(Upload.self).file, file.data.readableBytes > 0 else {
            throw Abort(.unprocessableEntity, reason: "Choose a file to attach.")
        }
        guard file.data.readableBytes <= AttachmentRules.maxBytes else {
            throw Abort(.payloadTooLarge, reason: "The file is too large: at most 5 MB.")
        }
        let bytes = Array(file.data.readableBytesView)
        guard let type = AttachmentRules.sniff(bytes) else {
            throw Abort(.unsupportedMediaType, reason: "Attach an image (PNG, JPEG, GIF, WebP) or a PDF.")
        }
        guard try await attachments.fetchAttachments(of: ticket.id).count < AttachmentRules.maxPerTicket else {
            throw Abort(.conflict, reason: "This ticket already has \(AttachmentRules.maxPerTicket) files.")
        }
        _ = try await attachments.saveAttachment(ticket: ticket.id, uploader: user.id,
                                                 filename: AttachmentRules.safeName(file.filename, contentType: type),
                                                 contentType: type, data: bytes, at: pages.clock.now())
        return request.redirect(to: .ticket(ticket.id))
    }

    /// The file, to its ticket's owner or the team; anyone else gets the 404 a missing file gets.
    func download(_ request: Request) async throws -> Response {
        let user = try request.requirePortalUser()
        guard let id = request.parameters.get("id", as: Int64.self),
              let (attachment, bytes) = try await attachments.fetchAttachment(id),
              let ticket = try await pages.tickets.fetchTicket(attachment.ticketID),
              ticket.ownerID == user.id || user.role.isStaff else { throw Abort(.notFound) }
        let response = Response(status: .ok, body: .init(data: Data(bytes)))
        response.headers.replaceOrAdd(name: .contentType, value: attachment.contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(attachment.filename)\"")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return response
    }
}
