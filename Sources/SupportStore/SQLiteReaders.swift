public import Logging
public import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO
import SQLKit
import Synchronization

/// Connections of their own for the hot reads on SQLite (the customer, the caller's orders, the conversation state):
/// one per core, read-only (`query_only`), each statement on the readers' threads, its rows handed over on that thread.
///
/// Why (issue 14, measured on the status benchmark's profile): through Fluent's pool each read leased the event loop's
/// one connection, and SQLiteNIO's future-based query, which Fluent's SQLite driver uses, submitted every row back to
/// the event loop as a task of its own; lease, release and the per-row tasks cost about as much CPU as the statement.
/// Here a read is one submission to a reader thread and one answer. In WAL mode readers never wait for the writer, and
/// each statement sees everything committed before it began.
public final class SQLiteReaders: Sendable {
    private let threadPool: NIOThreadPool
    private let connections: [SQLiteConnection]
    private let databases: [any SQLDatabase]
    private let next = Atomic<Int>(0)

    private init(threadPool: NIOThreadPool, connections: [SQLiteConnection]) {
        self.threadPool = threadPool
        self.connections = connections
        self.databases = connections.map { $0.sql(queryLogLevel: nil) } // bound values are customer data: never logged
    }

    /// `count` read-only connections to the SQLite file at `path`, with as many threads.
    public static func open(path: String, count: Int = System.coreCount, logger: Logger) async throws -> SQLiteReaders {
        let (pool, connections) = try await SQLiteTuning.openConnections(path: path, count: max(1, count),
                                                                         settings: ["PRAGMA query_only = ON"], logger: logger)
        return SQLiteReaders(threadPool: pool, connections: connections)
    }

    /// A reader, in turn.
    var database: any SQLDatabase {
        databases[next.add(1, ordering: .relaxed).oldValue % databases.count]
    }

    /// Closes the connections and stops the threads (at shutdown, after the server stopped taking requests).
    public func close() async {
        await SQLiteTuning.close(connections, threadPool)
    }
}

extension SQLiteTuning {
    /// `count` connections of the service's own to the SQLite file at `path`, on a thread pool of `count` threads, each
    /// with `settings` and then the settings every connection gets; on a failure, what was opened is closed again.
    static func openConnections(path: String, count: Int, settings: [String],
                                logger: Logger) async throws -> (NIOThreadPool, [SQLiteConnection]) {
        let pool = NIOThreadPool(numberOfThreads: count)
        pool.start()
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<count {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger,
                                                                 on: MultiThreadedEventLoopGroup.singleton.any())
                connections.append(connection)
                for statement in settings + connectionStatements {
                    try await connection.sql().raw(SQLQueryString(statement)).run()
                }
            }
            return (pool, connections)
        } catch {
            await close(connections, pool)
            throw error
        }
    }

    /// Closes the connections, then stops their threads.
    static func close(_ connections: [SQLiteConnection], _ pool: NIOThreadPool) async {
        for connection in connections { try? await connection.close() }
        try? await pool.shutdownGracefully()
    }
}
