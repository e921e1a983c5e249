import FluentKit
import Foundation
public import Logging
import Synchronization
public import SupportDomain

/// The conversation turns kept for review, written in batches: a request hands its turn over and goes on, and one
/// multi-row INSERT writes what gathered (at most `flushDelay` later, or at once when `flushCount` are waiting).
/// Measured on the status benchmark (release, SQLite, 50 connections): one INSERT per request cost 15% of the throughput
/// (1,820 → 1,545 req/s, CPU 0.96 → 1.10 ms per request).
///
/// What this gives up: a turn is not in the database when the answer leaves, but at most `flushDelay` later. Whatever
/// reads or deletes turns on this instance (the review page, the dashboard, a customer's export or erasure, retention)
/// calls `flush()` first, so it sees every turn answered before; `close()` at shutdown writes what is left. A process
/// killed with `kill -9` loses the turns of its last `flushDelay` — review material, never an action: the actions, their
/// audit rows and the conversation state are written in the request.
///
/// A request hands its turn to `inbox` under a lock, without entering the actor (two executor hops a request fewer);
/// the actor takes the inbox whole when it writes.
public actor TurnBuffer {
    private let source: DatabaseSource
    private let logger: Logger
    /// Turns handed over since the last write, and whether a write is already scheduled for them.
    private nonisolated let inbox = Mutex<(turns: [ConversationTurn], scheduled: Bool)>(([], false))
    /// Turns of a write that failed, written before the inbox's on the next attempt.
    private var pending: [ConversationTurn] = []
    private var scheduled: Task<Void, Never>?
    /// The batch being written; the next one waits for it, so turns reach the table in the order they were answered.
    private var writing: Task<Void, Never>?
    static let flushDelay: Duration = .milliseconds(200)
    static let retryDelay: Duration = .seconds(1)
    static let flushCount = 256
    /// While the database cannot be written, at most this many turns wait (the oldest are dropped, and logged).
    static let keepAtMost = 20_000

    public init(source: DatabaseSource, logger: Logger) {
        self.source = source
        self.logger = logger
    }

    public nonisolated func add(_ turn: ConversationTurn) {
        let (count, schedule) = inbox.withLock { inbox in
            inbox.turns.append(turn)
            defer { inbox.scheduled = true }
            return (inbox.turns.count, !inbox.scheduled)
        }
        if count == Self.flushCount {
            Task { await self.startWrite() }
        } else if schedule {
            Task { [weak self] in
                try? await Task.sleep(for: Self.flushDelay)
                await self?.startWrite()
            }
        }
    }

    /// Writes every turn handed over so far, and returns when they are in the database (or the write failed and they
    /// wait for the next attempt).
    public func flush() async {
        startWrite()
        await writing?.value
    }

    /// Drops the waiting turns of a customer whose data is being erased (a failed write could otherwise bring them
    /// back after the erasure).
    public func discard(customer: CustomerID) {
        pending.removeAll { $0.customerID == customer }
        inbox.withLock { $0.turns.removeAll { $0.customerID == customer } }
    }

    /// At shutdown: the last batch.
    public func close() async {
        await flush()
        let left = pending.count + inbox.withLock { $0.turns.count }
        if left > 0 {
            logger.error("conversation turns not written at shutdown", metadata: ["turns": .stringConvertible(left)])
        }
    }

    private func schedule(after delay: Duration) {
        guard scheduled == nil else { return }
        scheduled = Task { [weak self] in
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            await self?.scheduledFlush()
        }
    }

    private func scheduledFlush() {
        scheduled = nil
        startWrite()
    }

    private func startWrite() {
        scheduled?.cancel()
        scheduled = nil
        let handed = inbox.withLock { inbox in
            defer {
                inbox.turns.removeAll(keepingCapacity: true)
                inbox.scheduled = false
            }
            return inbox.turns
        }
        guard !pending.isEmpty || !handed.isEmpty else { return }
        let batch = pending + handed
        pending.removeAll(keepingCapacity: true)
        let previous = writing
        writing = Task {
            await previous?.value
            await self.write(batch)
        }
    }

    private func write(_ batch: [ConversationTurn]) async {
        do {
            try await FluentConversationStore.insertTurns(batch, into: source)
        } catch {
            // Kept for the next attempt (the database may be restarting); bounded, so a long outage cannot fill memory.
            pending.insert(contentsOf: batch, at: 0)
            let dropped = max(0, pending.count - Self.keepAtMost)
            if dropped > 0 { pending.removeFirst(dropped) }
            logger.warning("conversation turns not written yet", metadata: [
                "turns": .stringConvertible(batch.count), "dropped": .stringConvertible(dropped),
                "error": .string(String(describing: type(of: error))),
            ])
            schedule(after: Self.retryDelay)
        }
    }
}
