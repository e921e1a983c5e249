import Foundation
import NIOCore
import SupportAgent
import SupportDomain
import Vapor

/// What changes while an agent looks at the desk: the queue (a server-sent event stream the navigation's badge and the
/// queue page listen to) and who else of the team has a ticket open or is writing a reply on it. Both read the database,
/// so they are right whichever instance serves the page.
struct LiveDeskController {
    let pages: TicketPages
    let closing: StreamsClosing

    /// How often a stream proves it is alive (in rounds of three seconds, the polling interval), and how long it lasts
    /// before the browser reconnects (EventSource does so by itself).
    static let keepAliveEvery = 5
    static let streamLifetime: Duration = .seconds(300)
    /// A presence older than this is gone.
    static let presenceWindow: TimeInterval = 45

    func register(on routes: any RoutesBuilder) {
        routes.get(.agentEvents, use: events)
        routes.post(.ticketAction(.route, .presence), use: presence)
    }

    /// `text/event-stream`: an `event: queue` with the queue's numbers now and whenever they change, a comment line to
    /// keep the connection alive in between. `?once=1` sends the numbers once and ends (for clients without EventSource).
    func events(_ request: Request) async throws -> Response {
        let agent = try request.requireStaff()
        let tickets = pages.tickets
        let once = request.query[String.self, at: "once"] == "1"
        let logger = request.logger
        let closing = closing
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            var last: QueueSnapshot?
            var quietRounds = 0
            let deadline = ContinuousClock.now.advanced(by: Self.streamLifetime)
            do {
                // The browser retries three seconds after the stream ends.
                try await writer.writeBuffer(ByteBuffer(string: "retry: 3000\n\n"))
                while !Task.isCancelled, !closing.isSet, ContinuousClock.now < deadline {
                    let snapshot = try await tickets.queueSnapshot(for: agent.id)
                    if snapshot != last {
                        let data = try JSONEncoder().encode(snapshot)
                        try await writer.writeBuffer(ByteBuffer(string: "event: queue\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                        last = snapshot
                        quietRounds = 0
                    } else {
                        quietRounds += 1
                        if quietRounds >= Self.keepAliveEvery {
                            try await writer.writeBuffer(ByteBuffer(string: ": alive\n\n"))
                            quietRounds = 0
                        }
                    }
                    if once { break }
                    // In steps of a second, so a stopping server is not held up by an open stream.
                    for _ in 0..<3 where !closing.isSet { try await Task.sleep(for: .seconds(1)) }
                }
            } catch is CancellationError {
            } catch {
                // The browser went away (the write failed) or the database did: end this stream; the browser reconnects.
                logger.debug("desk event stream ended", metadata: ["error": .string(String(describing: type(of: error)))])
            }
            try? await writer.write(.end)
        }))
        response.headers.replaceOrAdd(name: .contentType, value: "text/event-stream; charset=utf-8")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        // Proxies such as nginx must pass the events on as they come.
        response.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return response
    }

    struct PresenceAnswer: Content {
        struct Person: Content { var name: String; var state: String; var seconds: Int }
        var others: [Person]
    }

    /// A heartbeat from an open ticket page (`state` viewing or replying); answers with who else is on the ticket.
    func presence(_ request: Request) async throws -> Response {
        let user = try request.requireStaff()
        let ticket = try await pages.ticket(request, user: user)
        struct Form: Content { var state: String? }
        let state = (try? request.content.decode(Form.self).state).flatMap { $0.flatMap(PresenceState.init(rawValue:)) } ?? .viewing
        let now = pages.clock.now()
        try await pages.tickets.recordPresence(state, ticket: ticket.id, user: user.id, at: now)
        let response = try await PresenceAnswer(others: try await Self.others(on: ticket, than: user, pages: pages, now: now))
            .encodeResponse(for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The rest of the team on this ticket within the presence window, replying first.
    static func others(on ticket: Ticket, than user: PortalAccount, pages: TicketPages,
                       now: Date) async throws -> [PresenceAnswer.Person] {
        let present = try await pages.tickets.fetchPresence(ticket: ticket.id, since: now.addingTimeInterval(-presenceWindow))
            .filter { $0.user != user.id }
        guard !present.isEmpty else { return [] }
        let names = try await pages.accounts.names(of: present.map(\.user))
        return present.sorted { ($0.state == .replying ? 0 : 1, $1.at) < ($1.state == .replying ? 0 : 1, $0.at) }.map {
            PresenceAnswer.Person(name: names[$0.user] ?? "Someone", state: $0.state.rawValue,
                                  seconds: max(0, Int(now.timeIntervalSince($0.at))))
        }
    }
}

/// Set when the server begins to stop (SIGTERM or SIGINT, or the application's shutdown): open event streams end within a
/// second, because a server stopping gracefully waits for every response in flight, and a stream is one.
final class StreamsClosing: LifecycleHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var sources: [any DispatchSourceSignal] = []

    var isSet: Bool { lock.withLock { set } }

    func close() { lock.withLock { set = true } }

    func didBoot(_ application: Application) throws {
        // Beside the serve command's own handlers: every signal source of a signal is told.
        for code in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: code, queue: .global())
            source.setEventHandler { [weak self] in self?.close() }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }

    func willShutdown(_ application: Application) {
        close()
        lock.withLock {
            sources.forEach { $0.cancel() }
            sources.removeAll()
        }
    }
}
