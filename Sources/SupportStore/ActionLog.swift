import Foundation
public import Logging
public import SupportDomain

/// Appends one JSON line per tool call to the action log, after the transaction committed. Lines are buffered in
/// memory and written by one open handle in batches (at most ~50 ms or 64 KB later), so a request never waits on the
/// file system; `flush()` at shutdown writes what is left, so a clean stop loses no acknowledged action. (The database
/// audit row is the authoritative record; after a crash the log may lag it, never lead it.)
public actor ActionLog {
    private let path: String
    private let logger: Logger
    private var handle: FileHandle?
    private var buffer = Data()
    private var scheduled: Task<Void, Never>?
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let flushDelay: Duration = .milliseconds(50)
    static let flushBytes = 64 * 1024

    public init(path: String, logger: Logger = Logger(label: "supportops.actionlog")) {
        self.path = path
        self.logger = logger
    }

    /// One line, as written: keys sorted, the time in ISO 8601 UTC.
    struct Line: Encodable {
        var action: String
        var customer_id: Int64
        var parameters: [String: String]
        var request_id: String
        var result: [String: String]
        var time: String
    }

    public func append(_ record: AuditRecord) {
        let line = Line(action: record.action.rawValue, customer_id: record.customerID.rawValue, parameters: record.parameters,
                        request_id: record.requestID, result: record.result,
                        time: record.time.formatted(.iso8601))
        guard let data = try? encoder.encode(line) else { return }
        buffer.append(data)
        buffer.append(0x0A)
        if buffer.count >= Self.flushBytes {
            flush()
        } else if scheduled == nil {
            scheduled = Task { [weak self] in
                try? await Task.sleep(for: Self.flushDelay)
                await self?.flush()
            }
        }
    }

    /// Writes every buffered line now.
    public func flush() {
        scheduled?.cancel()
        scheduled = nil
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        do {
            let handle = try openHandle()
            try handle.write(contentsOf: pending)
        } catch {
            // The database audit entry is authoritative; a failing log file must not fail the customer's request.
            logger.error("cannot append to action log", metadata: ["path": .string(path), "error": .string("\(error)")])
        }
    }

    /// Flushes and closes the file (at shutdown).
    public func close() {
        flush()
        try? handle?.close()
        handle = nil
    }

    private func openHandle() throws -> FileHandle {
        if let handle { return handle }
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        try opened.seekToEnd()
        handle = opened
        return opened
    }
}

enum JSONLine {
    static func encode(_ dictionary: [String: String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
