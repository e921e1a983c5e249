import FluentKit
import Foundation
import SupportAgent
import Logging
import NIOCore
import NIOPosix
import SupportDomain
import SupportStore
import Testing
@testable import SupportServer
import Fluent

/// A small SMTP server speaking the protocol over real TCP, recording what it receives. `rejectRecipients` answers
/// RCPT TO with 550 like a server refusing an address.
final class RecordingSMTPServer: @unchecked Sendable {
    struct Received: Sendable { var from: String; var to: String; var data: String; var auth: String? }
    private let lock = NSLock()
    private var _received: [Received] = []
    private var _commands: [String] = []
    var received: [Received] { lock.withLock { _received } }
    var commands: [String] { lock.withLock { _commands } }
    let rejectRecipients: Bool
    private(set) var port = 0
    private var channel: NIOAsyncChannel<NIOAsyncChannel<String, ByteBuffer>, Never>?
    private var task: Task<Void, Never>?

    init(rejectRecipients: Bool = false) { self.rejectRecipients = rejectRecipients }

    func start() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        port = server.channel.localAddress?.port ?? 0
        channel = server
        task = Task {
            try? await server.executeThenClose { connections in
                for try await connection in connections {
                    Task { try? await self.serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<String, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ line: String) async throws { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
            try await say("220 test.local ESMTP")
            var from = "", to = "", auth: String?, data: [String] = [], inData = false
            for try await line in inbound {
                if inData {
                    if line == "." {
                        inData = false
                        let message = Received(from: from, to: to, data: data.joined(separator: "\r\n"), auth: auth)
                        lock.withLock { _received.append(message) }
                        try await say("250 2.0.0 queued")
                    } else {
                        data.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
                    }
                    continue
                }
                lock.withLock { _commands.append(line.hasPrefix("AUTH") ? "AUTH ***" : line) }
                let verb = line.prefix(4).uppercased()
                switch verb {
                case "EHLO": try await say("250-test.local\r\n250-8BITMIME\r\n250 AUTH PLAIN")
                case "AUTH": auth = String(line.dropFirst(11)); try await say("235 2.7.0 ok")
                case "MAIL": from = line; try await say("250 ok")
                case "RCPT":
                    to = line
                    try await say(rejectRecipients ? "550 5.1.1 no such user" : "250 ok")
                case "DATA": inData = true; data = []; try await say("354 go ahead")
                case "QUIT": try await say("221 bye"); return
                default: try await say("502 not implemented")
                }
            }
        }
    }

    func stop() async {
        try? await channel?.channel.close()
        task?.cancel()
    }
}

@Suite struct MailTests {
    func settings(port: Int, username: String? = nil) -> AppConfig.MailSettings {
        AppConfig.MailSettings(host: "127.0.0.1", port: port, username: username, password: username.map { "pw-\($0)" },
                               from: "support@supportops.local", useTLS: false)
    }

    @Test func outboxIsSentOverSMTPOnceAndMarkedSent() async throws {
        try await TestHarness.with(seed: false) { h in
            let server = RecordingSMTPServer()
            try await server.start()
            defer { Task { await server.stop() } }
            for n in 1...2 {
                try await FluentMailOutbox(database: h.app.db).enqueue(OutgoingMail(to: "customer\(n)@example.com", subject: "Ticket \(n) – reçu", body: "Hello\n.\nA person will contact you within 24 hours."), at: testNow)
            }
            let dispatcher = OutboxDispatcher(outbox: FluentMailOutbox(database: h.app.db),
                                              sender: SMTPClient(settings: settings(port: server.port, username: "mailer")),
                                              clock: FixedClock(testNow), logger: Logger(label: "test"))
            let first = try await dispatcher.runOnce()
            #expect(first.sent == 2 && first.failed == 0)
            #expect(Array(server.commands.prefix(6)) == ["EHLO supportops.local", "AUTH ***", "MAIL FROM:<support@supportops.local>",
                                                         "RCPT TO:<customer1@example.com>", "DATA", "QUIT"])
            let second = try await dispatcher.runOnce()
            #expect(second.sent == 0)
            #expect(server.received.count == 2)
            let message = try #require(server.received.first)
            #expect(message.to == "RCPT TO:<customer1@example.com>")
            #expect(message.data.contains("Subject: =?UTF-8?B?"))
            // The body travels base64-encoded; decoded it is the text, lone dot line included.
            let encoded = message.data.components(separatedBy: "\r\n\r\n").dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
            let body = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
            #expect(body == "Hello\r\n.\r\nA person will contact you within 24 hours.")
            #expect(Data(base64Encoded: message.auth ?? "").map { String(decoding: $0, as: UTF8.self) } == "\u{0}mailer\u{0}pw-mailer")
            let rows = try await FluentMailOutbox(database: h.app.db).fetchRecent(limit: 10)
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.status == .sent && $0.sentAt != nil && $0.attempts == 1 })
        }
    }

    @Test func refusedMailIsRetriedWithBackoffThenFails() async throws {
        try await TestHarness.with(seed: false) { h in
            let server = RecordingSMTPServer(rejectRecipients: true)
            try await server.start()
            defer { Task { await server.stop() } }
            try await FluentMailOutbox(database: h.app.db).enqueue(OutgoingMail(to: "nobody@example.com", subject: "Hi", body: "Hi"), at: testNow)
            let store = FluentMailOutbox(database: h.app.db)
            var now = testNow
            for attempt in 1...6 {
                let dispatcher = OutboxDispatcher(outbox: store, sender: SMTPClient(settings: settings(port: server.port)),
                                                  clock: FixedClock(now), logger: Logger(label: "test"))
                #expect(try await dispatcher.runOnce().failed == 1)
                let row = try #require(try await FluentMailOutbox(database: h.app.db).fetchRecent(limit: 1).first)
                #expect(row.attempts == attempt)
                #expect(row.lastError?.contains("550") == true)
                if attempt < 6 {
                    #expect(row.status == .queued)
                    // Not due again right away.
                    let early = OutboxDispatcher(outbox: store, sender: SMTPClient(settings: settings(port: server.port)),
                                                 clock: FixedClock(now.addingTimeInterval(1)), logger: Logger(label: "test"))
                    #expect(try await early.runOnce().failed == 0)
                    now = row.nextAttemptAt
                } else {
                    #expect(row.status == .failed)
                }
            }
            #expect(server.received.isEmpty)
        }
    }

    @Test func twoWorkersNeverClaimTheSameEmail() async throws {
        try await TestHarness.with(seed: false) { h in
            for n in 0..<40 {
                try await FluentMailOutbox(database: h.app.db).enqueue(OutgoingMail(to: "c\(n)@example.com", subject: "s", body: "b"), at: testNow)
            }
            let store = FluentMailOutbox(database: h.app.db)
            async let a = store.claimDue(now: testNow, limit: 40)
            async let b = store.claimDue(now: testNow, limit: 40)
            let (first, second) = try await (a, b)
            let ids = first.map(\.id) + second.map(\.id)
            #expect(Set(ids).count == ids.count)
            #expect(ids.count == 40)
        }
    }

    @Test func mailSettingsAreValidated() throws {
        #expect(try AppConfig.fromEnvironment([:]).mail == nil)
        let plain = try AppConfig.fromEnvironment(["MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "2525", "MAIL_USE_TLS": "false"]).mail
        #expect(plain == AppConfig.MailSettings(host: "127.0.0.1", port: 2525, useTLS: false))
        #expect(try AppConfig.fromEnvironment(["MAIL_SERVER": "smtp.example.com"]).mail?.port == 465)
        #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.fromEnvironment(["MAIL_SERVER": "smtp.example.com", "MAIL_USE_TLS": "false",
                                           "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p"])
        }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["MAIL_SERVER": "x", "MAIL_USERNAME": "u"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["MAIL_SERVER": "x", "MAIL_PORT": "99999"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["SUPPORTOPS_PUBLIC_URL": "ftp://x"]) }
    }
}
