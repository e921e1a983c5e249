public import Foundation

/// A file on a ticket: an image or a PDF, checked by its content (not its name or the browser's word), stored in the
/// database so any instance serves it, and served only to those who may see the ticket, always as a download.
public struct TicketAttachment: Sendable, Hashable {
    public var id: Int64
    public var ticketID: TicketID
    public var uploaderID: UserID
    public var filename: String
    public var contentType: String
    public var size: Int
    public var createdAt: Date

    public init(id: Int64, ticketID: TicketID, uploaderID: UserID, filename: String, contentType: String, size: Int,
                createdAt: Date) {
        self.id = id
        self.ticketID = ticketID
        self.uploaderID = uploaderID
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.createdAt = createdAt
    }
}

/// What an upload may be.
public enum AttachmentRules {
    public static let maxBytes = 5 * 1024 * 1024
    public static let maxPerTicket = 20

    /// The type the bytes are, by their signature: PNG, JPEG, GIF, WebP or PDF; nil for anything else (HTML, scripts,
    /// executables, SVG — which can carry script — and files whose name merely says ".png").
    public static func sniff(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        return nil
    }

    /// A name safe to show and to send back in a header: letters, digits, ".", "-", "_" and spaces, at most 100.
    public static func safeName(_ name: String, contentType: String) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var kept = String(base.unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || ".-_ ".unicodeScalars.contains($0)
        }.map(Character.init)).trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        if kept.isEmpty { kept = "attachment" }
        let ext = ["image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
                   "application/pdf": "pdf"][contentType] ?? "bin"
        if !kept.lowercased().hasSuffix("." + ext) && !(ext == "jpg" && kept.lowercased().hasSuffix(".jpeg")) {
            kept += "." + ext
        }
        return String(kept.suffix(100))
    }
}

/// Where attachments live.
public protocol AttachmentStore: Sendable {
    func saveAttachment(ticket: TicketID, uploader: UserID, filename: String, contentType: String, data: [UInt8],
                        at date: Date) async throws -> TicketAttachment
    func fetchAttachments(of ticket: TicketID) async throws -> [TicketAttachment]
    /// The attachment and its bytes (the caller checks that the reader may see its ticket).
    func fetchAttachment(_ id: Int64) async throws -> (TicketAttachment, [UInt8])?
}
