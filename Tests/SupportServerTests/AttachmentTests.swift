import Foundation
import NIOCore
import SupportDomain
import SupportServer
import Testing
import VaporTesting

/// Files on tickets: checked by content, kept to the ticket's people, always downloaded.
@Suite struct AttachmentTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 200)

    /// A multipart upload of `bytes` named `name`, with the session's cookie and CSRF token.
    static func upload(_ client: PortalClient, ticket: Int, name: String, bytes: [UInt8], csrf: Bool = true) async throws
        -> TestingHTTPResponse {
        let boundary = "----supportops-test-boundary"
        var body = ByteBuffer()
        if csrf, let token = client.csrf {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(token)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
                         + "Content-Type: image/png\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        var headers = HTTPHeaders()
        if let cookie = client.cookie { headers.add(name: .cookie, value: cookie) }
        headers.add(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await client.h.app.testing().sendRequest(.POST, "/tickets/\(ticket)/attachments", headers: headers, body: body)
    }

    @Test func imagesAndPDFsOnlyToTheTicketsPeople() async throws {
        try await TestHarness.with { h in
            let alice = PortalClient(h)
            try await alice.logIn("alice@example.com")
            let id = try await alice.openTicket(title: "Cracked lid", description: "how long do refunds take?")
            try await alice.get("/tickets/\(id)")
            #expect(try await Self.upload(alice, ticket: id, name: "../../lid photo.png", bytes: Self.png).status == .seeOther)
            let files = try await h.services.stores.attachments.fetchAttachments(of: TicketID(Int64(id)))
            let file = try #require(files.first)
            #expect(file.filename == "lid photo.png" && file.contentType == "image/png" && file.size == Self.png.count)
            #expect(try await alice.get("/tickets/\(id)").body.string.contains("href=\"/attachments/\(file.id)\""))

            // The owner and the team get it as a download; another customer gets the 404 of a missing file.
            let own = try await alice.get("/attachments/\(file.id)")
            #expect(own.status == .ok && Array(own.body.readableBytesView) == Self.png)
            #expect(own.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(own.headers.first(name: "X-Content-Type-Options") == "nosniff")
            let agent = PortalClient(h)
            try await agent.logIn("agent@example.com")
            #expect(try await agent.get("/attachments/\(file.id)").status == .ok)
            let bob = PortalClient(h)
            try await bob.logIn("bob@example.com")
            #expect(try await bob.get("/attachments/\(file.id)").status == .notFound)
            #expect(try await bob.get("/attachments/999999").status == .notFound)
            try await bob.get("/tickets")
            #expect(try await Self.upload(bob, ticket: id, name: "x.png", bytes: Self.png).status == .notFound)

            // Checked by content: HTML named .png, an SVG, an empty file; too large; no CSRF token.
            let html = Array("<html><script>alert(1)</script></html>".utf8)
            #expect(try await Self.upload(alice, ticket: id, name: "evil.png", bytes: html).status == .unsupportedMediaType)
            let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>".utf8)
            #expect(try await Self.upload(alice, ticket: id, name: "a.svg", bytes: svg).status == .unsupportedMediaType)
            #expect(try await Self.upload(alice, ticket: id, name: "empty.png", bytes: []).status == .unprocessableEntity)
            let big = Self.png + Array(repeating: 0, count: AttachmentRules.maxBytes)
            #expect(try await Self.upload(alice, ticket: id, name: "big.png", bytes: big).status == .payloadTooLarge)
            #expect(try await Self.upload(alice, ticket: id, name: "x.png", bytes: Self.png, csrf: false).status == .forbidden)
            let pdf = Array("%PDF-1.7\n%âãÏÓ\n1 0 obj <<>> endobj\n".utf8)
            #expect(try await Self.upload(alice, ticket: id, name: "invoice", bytes: pdf).status == .seeOther)
            let names = try await h.services.stores.attachments.fetchAttachments(of: TicketID(Int64(id))).map(\.filename)
            #expect(names == ["lid photo.png", "invoice.pdf"])
        }
    }

    @Test func safeNamesAndSniffing() {
        #expect(AttachmentRules.sniff(Array("GIF89a....".utf8)) == "image/gif")
        #expect(AttachmentRules.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(AttachmentRules.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == "image/webp")
        #expect(AttachmentRules.sniff(Array("MZ\u{90}".utf8)) == nil)
        #expect(AttachmentRules.safeName("C:\\Users\\me\\photo.jpeg", contentType: "image/jpeg") == "photo.jpeg")
        #expect(AttachmentRules.safeName("evil\"; name.png", contentType: "image/png") == "evil name.png")
        #expect(AttachmentRules.safeName("../.png", contentType: "image/png") == "png.png")
        #expect(AttachmentRules.safeName("", contentType: "application/pdf") == "attachment.pdf")
    }
}
