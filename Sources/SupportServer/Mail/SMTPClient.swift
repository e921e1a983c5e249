import Foundation
import SupportDomain
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP client: EHLO, AUTH PLAIN (only over TLS or to a loopback server), MAIL, RCPT, DATA, QUIT.
/// Implicit TLS (SMTPS, port 465) when `useTLS`; the server's certificate is verified.
struct SMTPClient: MailSender {
    var settings: AppConfig.MailSettings
    var timeout: Duration = .seconds(30)
    var heloName = "supportops.local"

    typealias Failure = MailDeliveryFailure

    func send(_ message: OutgoingMail, now: Date) async throws {
        guard Self.isAddress(message.to) else { throw Failure(description: "the recipient is not an e-mail address") }
        let data = Self.render(message, from: settings.from, now: now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await converse(data: data, to: message.to) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "the mail server did not finish within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func converse(data: String, to recipient: String) async throws {
        let host = settings.host
        let tls = settings.useTLS ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let isIPAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: isIPAddress ? nil : host))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// One reply, possibly multi-line ("250-…" … "250 …"); fails unless its code is expected.
            func reply(_ expected: Set<Int>, after what: String) async throws -> [String] {
                var collected: [String] = []
                while true {
                    guard let line = try await lines.next() else {
                        throw Failure(description: "the mail server closed the connection after \(what)")
                    }
                    collected.append(line)
                    let bytes = Array(line.utf8)
                    if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { break }
                }
                guard let last = collected.last, let code = Int(last.prefix(3)), expected.contains(code) else {
                    // The server's words, without anything we sent (it could include the password's encoding).
                    throw Failure(description: "the mail server answered \(what) with: \(collected.last?.prefix(200) ?? "")")
                }
                return collected
            }
            func command(_ line: String, _ expected: Set<Int>, name: String) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                _ = try await reply(expected, after: name)
            }
            _ = try await reply([220], after: "connecting")
            try await command("EHLO \(heloName)", [250], name: "EHLO")
            if let username = settings.username, let password = settings.password {
                let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
                try await command("AUTH PLAIN \(token)", [235], name: "AUTH")
            }
            try await command("MAIL FROM:<\(settings.from)>", [250], name: "MAIL FROM")
            try await command("RCPT TO:<\(recipient)>", [250, 251], name: "RCPT TO")
            try await command("DATA", [354], name: "DATA")
            try await outbound.write(ByteBuffer(string: data + "\r\n.\r\n"))
            _ = try await reply([250], after: "the message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    static func isAddress(_ text: String) -> Bool {
        text.count <= 254 && text.range(of: #"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"#, options: .regularExpression) != nil
    }

    /// RFC 5322 message: UTF-8 subject encoded per RFC 2047, base64 body (safe for any server), no header injection.
    static func render(_ message: OutgoingMail, from: String, now: Date) -> String {
        func oneLine(_ text: String) -> String { text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ") }
        let subject = oneLine(message.subject)
        let encodedSubject = subject.allSatisfy(\.isASCII) ? subject
            : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let domain = from.split(separator: "@").last.map(String.init) ?? "supportops.local"
        let body = Data(message.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "From: SupportOps <\(oneLine(from))>",
            "To: <\(oneLine(message.to))>",
            "Subject: \(encodedSubject)",
            "Date: \(now.utcString("EEE, dd MMM yyyy HH:mm:ss '+0000'"))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            body,
        ].joined(separator: "\r\n")
    }
}

/// Splits the server's replies into lines (CRLF or LF), refusing absurdly long ones.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 8192 { throw SMTPClient.Failure(description: "the mail server sent an overlong line") }
            return .needMoreData
        }
        var length = newline - buffer.readerIndex
        if length > 0, buffer.getInteger(at: newline - 1, as: UInt8.self) == UInt8(ascii: "\r") { length -= 1 }
        // Bytes, not characters: in Swift "\r\n" is one Character, so trimming characters would miss it.
        guard let line = buffer.readString(length: length) else { return .needMoreData }
        buffer.moveReaderIndex(to: newline + 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
