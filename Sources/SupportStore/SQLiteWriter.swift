public import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO
import SQLKit
import Synchronization

/// SQLite's one writer: a connection of its own, on a thread of its own, that runs the service's hot writes one after
/// the other (a refund's transaction, the audit row of a lookup, the conversation state, the review turns).
///
/// Why (issue 14, measured on the refund benchmark): SQLite lets one transaction write at a time. With the writes spread
/// over the event loops' connections, a refund held the write lock for eight statements, and between two of them its
/// task waited in a busy event loop's queue behind the requests being parsed and understood there, while every other
/// writer slept in SQLite's busy handler (1 ms and more per try). Here the whole transaction runs on the writer's own
/// thread: each statement's answer continues the transaction on the thread that computed it (`InlineExecutor`), no
/// event loop is involved between BEGIN and COMMIT, and writers queue in a FIFO in the process instead of sleeping in
/// SQLite.
///
/// Durability: a `durable` transaction (money) commits with `synchronous=FULL`, everything else with NORMAL (see
/// `SQLiteTuning`); the writer switches only when the next write asks for the other level.
public final class SQLiteWriter: Sendable {
    private let threadPool: NIOThreadPool
    private let connection: SQLiteConnection
    private let sql: any SQLDatabase
    private let executor: InlineExecutor
    private let gate = WriteGate()
    /// The connection's `synchronous` level (true: FULL); read and changed only while holding the gate.
    private let full = Mutex(false)
    private let closed = Mutex(false)
    /// Single-statement writes waiting for the writer, and whether a task is already draining them.
    private let batch = Mutex<(writes: [BatchedWrite], draining: Bool)>(([], false))

    private init(threadPool: NIOThreadPool, connection: SQLiteConnection) {
        self.threadPool = threadPool
        self.connection = connection
        self.sql = connection.sql(queryLogLevel: nil) // bound values are customer data: never logged
        self.executor = InlineExecutor(pool: threadPool)
    }

    /// Opens the writer's connection to the SQLite file at `path` (WAL mode is set by `DatabaseLocation.prepare`).
    public static func open(path: String, logger: Logger) async throws -> SQLiteWriter {
        // Fluent's SQLite connections enforce foreign keys; so does this one.
        let (pool, connections) = try await SQLiteTuning.openConnections(path: path, count: 1,
                                                                         settings: ["PRAGMA foreign_keys = ON"], logger: logger)
        return SQLiteWriter(threadPool: pool, connection: connections[0])
    }

    /// Runs `body` as one transaction (BEGIN IMMEDIATE: the write lock is taken before anything is read, so a
    /// transaction never has to upgrade a stale snapshot). Rolls back when `body` throws.
    func transaction<T: Sendable>(durable: Bool,
                                  _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // In a task of its own: a caller cancelled half way (a client gone) must not cancel the statements, the
        // ROLLBACK included, of a transaction already begun (SQLiteNIO skips a cancelled task's statements, and a
        // skipped ROLLBACK would leave the writer inside the transaction, failing every write after it).
        try await Task(executorPreference: executor) { [self] in
            try await exclusively(durable: durable) { sql in
                try await sql.explicitTransaction(begin: "BEGIN IMMEDIATE") { try await body(sql) }
            }
        }.value
    }

    /// Runs `body`, one statement (an INSERT, an upsert), with NORMAL durability; it has committed when this returns.
    ///
    /// Group commit: the statements that arrive while the writer is busy wait in `batch`, and the next turn of the writer
    /// runs them all in one transaction (one commit, one append to the log, for what were as many commits). Should one
    /// of them fail, the batch rolls back and each runs again on its own, so a failure stays with its own caller.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = BatchedWrite(
                run: { sql in
                    do { return .success(try await body(sql)) } catch { return .failure(error) }
                },
                finish: { result in continuation.resume(with: result.map { $0 as! T }) })
            let drain = batch.withLock { batch in
                batch.writes.append(write)
                defer { batch.draining = true }
                return !batch.draining
            }
            if drain { Task(executorPreference: executor) { await self.drainBatch() } }
        }
    }

    /// Closes the connection and stops the writer's thread. Writes after this fail.
    public func close() async {
        let closing = await withTaskExecutorPreference(executor) { [self] in
            await gate.acquire()
            defer { gate.release() }
            guard !closed.withLock({ closed in defer { closed = true }; return closed }) else { return false }
            try? await connection.close()
            return true
        }
        if closing { try? await threadPool.shutdownGracefully() }
    }

    /// The gate is taken and given back on the writer's thread: the next writer starts there as soon as the last one is
    /// done, without waiting for the event loop the last one returns to. Callers run it in a task of their own (not
    /// cancelled with the request that asked for the write).
    private func exclusively<T: Sendable>(durable: Bool,
                                          _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) { [self] in
            await gate.acquire()
            defer { gate.release() }
            guard !closed.withLock({ $0 }) else { throw SQLiteWriterClosed() }
            if full.withLock({ $0 }) != durable {
                try await sql.raw(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").run()
                full.withLock { $0 = durable }
            }
            return try await body(sql)
        }
    }
}

/// A statement waiting for the writer: `run` executes it (its outcome, not yet told), `finish` tells its caller.
struct BatchedWrite: Sendable {
    let run: @Sendable (any SQLDatabase) async -> Result<any Sendable, any Error>
    let finish: @Sendable (Result<any Sendable, any Error>) -> Void
}

extension SQLiteWriter {
    /// Runs the waiting writes, batch after batch, until none is left.
    fileprivate func drainBatch() async {
        while true {
            let writes = batch.withLock { batch in
                defer { batch.writes.removeAll(keepingCapacity: true) }
                if batch.writes.isEmpty { batch.draining = false }
                return batch.writes
            }
            if writes.isEmpty { return }
            do {
                try await exclusively(durable: false) { sql in
                    if writes.count == 1 {
                        let outcome = await writes[0].run(sql)
                        writes[0].finish(outcome)
                        return
                    }
                    try await sql.raw("BEGIN IMMEDIATE").run()
                    var outcomes: [Result<any Sendable, any Error>] = []
                    for write in writes {
                        let outcome = await write.run(sql)
                        if case .failure = outcome { break }
                        outcomes.append(outcome)
                    }
                    if outcomes.count == writes.count, (try? await sql.raw("COMMIT").run()) != nil {
                        for (write, outcome) in zip(writes, outcomes) { write.finish(outcome) }
                        return
                    }
                    // One failed (or the commit did): nothing of the batch stays, and each runs again alone.
                    try? await sql.raw("ROLLBACK").run()
                    for write in writes { write.finish(await write.run(sql)) }
                }
            } catch {
                // The writer is closed: every waiting write learns it.
                for write in writes { write.finish(.failure(error)) }
            }
        }
    }
}

/// A write after the service began to stop.
public struct SQLiteWriterClosed: Error, CustomStringConvertible {
    public var description: String { "The database writer is closed (the service is stopping)." }
}

/// A FIFO lock for async code: one holder; the others wait, suspended, in arrival order.
final class WriteGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var next = 0 // index of the first waiter still waiting (the array is compacted when it drains)
    }

    private let state = Mutex(State())

    func acquire() async {
        if state.withLock({ state in
            guard !state.held else { return false }
            state.held = true
            return true
        }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                guard state.held else {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    /// Hands the lock to the longest waiter, or frees it.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.next < state.waiters.count else {
                state.held = false
                state.waiters.removeAll(keepingCapacity: true)
                state.next = 0
                return nil
            }
            defer { state.next += 1 }
            return state.waiters[state.next]
        }
        next?.resume()
    }
}

/// Runs a task's jobs on the writer's single pool thread. A job resumed on that thread (a statement's answer, which
/// SQLiteNIO delivers from the pool thread that ran the statement) runs right there, without a thread switch; a job
/// enqueued from anywhere else (or while a job is already running on the pool thread) is submitted to the pool.
final class InlineExecutor: TaskExecutor, @unchecked Sendable {
    private let pool: NIOThreadPool
    /// The pool thread's state, touched only on that thread.
    private let onPoolThread = ThreadSpecificVariable<Flag>()

    private final class Flag {
        var running = false
    }

    init(pool: NIOThreadPool) {
        self.pool = pool
        pool.submit { [onPoolThread] _ in onPoolThread.currentValue = Flag() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if let flag = onPoolThread.currentValue, !flag.running {
            run(job, flag: flag)
        } else {
            pool.submit { [self] state in
                guard case .active = state, let flag = onPoolThread.currentValue else {
                    // The pool has stopped (the writer closed) and calls this at once, on the enqueuing thread: the job
                    // runs on an event loop instead, where the closed writer refuses it.
                    MultiThreadedEventLoopGroup.singleton.any().execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
                    return
                }
                run(job, flag: flag)
            }
        }
    }

    private func run(_ job: UnownedJob, flag: Flag) {
        flag.running = true
        job.runSynchronously(on: asUnownedTaskExecutor())
        flag.running = false
    }
}
