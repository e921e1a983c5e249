import Foundation
import Synchronization
public import Logging
public import SupportDomain

/// Appends one JSON line per tool call to the action log, after the transaction committed. Lines are buffered in
/// memory and written by one open handle in batches (at most ~50 ms or 64 KB later), so a request never waits on the
/// file system; `flush()` at shutdown writes what is left, so a clean stop loses no acknowledged action. (The database
/// audit row is the authoritative record; after a crash the log may lag it, never lead it.)
///
/// A lock, not an actor: appending is a few bytes copied under the lock, where an actor cost every request two hops
/// of executor (measured in the status benchmark's profile).
public final class ActionLog: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var flushScheduled = false
    }

    private let path: String
    private let logger: Logger
    private let state = Mutex(State())
    /// The open file; held while a batch is written, so batches reach the file in the order they were taken.
    private let file = Mutex<FileHandle?>(nil)
    static let flushDelay: Duration = .milliseconds(50)
    static let flushBytes = 64 * 1024

    public init(path: String, logger: Logger = Logger(label: "supportops.actionlog")) {
        self.path = path
        self.logger = logger
    }

    /// One line, as written: keys sorted, the time in ISO 8601 UTC.
    static func line(_ record: AuditRecord) -> String {
        var line = #"{"action":"#
        JSONLine.appendString(record.action.rawValue, to: &line)
        line += #","customer_id":\#(record.customerID.rawValue),"parameters":"#
        JSONLine.appendObject(record.parameters, to: &line)
        line += #","request_id":"#
        JSONLine.appendString(record.requestID, to: &line)
        line += #","result":"#
        JSONLine.appendObject(record.result, to: &line)
        line += #","time":"#
        JSONLine.appendString(record.time.formatted(.iso8601), to: &line)
        line += "}\n"
        return line
    }

    public func append(_ record: AuditRecord) {
        let line = Self.line(record)
        let (full, schedule) = state.withLock { state in
            state.buffer.append(contentsOf: line.utf8)
            let schedule = !state.flushScheduled
            state.flushScheduled = true
            return (state.buffer.count >= Self.flushBytes, schedule)
        }
        if full {
            flush()
        } else if schedule {
            Task { [weak self] in
                try? await Task.sleep(for: Self.flushDelay)
                self?.flush()
            }
        }
    }

    /// Writes every buffered line now.
    public func flush() {
        file.withLock { handle in
            let pending = state.withLock { state in
                defer {
                    state.buffer.removeAll(keepingCapacity: true)
                    state.flushScheduled = false
                }
                return state.buffer
            }
            guard !pending.isEmpty else { return }
            do {
                let opened = try handle ?? openHandle()
                handle = opened
                try opened.write(contentsOf: pending)
            } catch {
                // The database audit entry is authoritative; a failing log file must not fail the customer's request.
                logger.error("cannot append to action log", metadata: ["path": .string(path), "error": .string("\(error)")])
            }
        }
    }

    /// Flushes and closes the file (at shutdown).
    public func close() {
        flush()
        file.withLock { handle in
            try? handle?.close()
            handle = nil
        }
    }

    private func openHandle() throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        try opened.seekToEnd()
        return opened
    }
}

/// The audit's flat string maps as compact JSON objects with sorted keys (the audit row's `parameters` and `result`, and
/// the action log's lines), written directly rather than through a JSON serializer.
enum JSONLine {
    static func encode(_ dictionary: [String: String]) -> String {
        var json = ""
        appendObject(dictionary, to: &json)
        return json
    }

    static func appendObject(_ dictionary: [String: String], to json: inout String) {
        json += "{"
        for (index, key) in dictionary.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            appendString(key, to: &json)
            json += ":"
            appendString(dictionary[key]!, to: &json)
        }
        json += "}"
    }

    /// A JSON string literal: quote, backslash and control characters escaped, everything else as it is.
    static func appendString(_ value: String, to json: inout String) {
        json += "\""
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            json += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case "\n": json += "\\n"
                case "\r": json += "\\r"
                case "\t": json += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: json.unicodeScalars.append(scalar)
                }
            }
        }
        json += "\""
    }
}
