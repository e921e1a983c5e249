import Foundation
public import Logging
public import SupportDomain

/// Appends one JSON line per tool call to the action log, after the transaction committed.
public actor ActionLog {
    private let path: String
    private var handle: FileHandle?
    private let logger: Logger

    public init(path: String, logger: Logger = Logger(label: "supportops.actionlog")) {
        self.path = path
        self.logger = logger
    }

    public func append(_ record: AuditRecord) {
        let line: [String: Any] = [
            "time": ISO8601DateFormatter().string(from: record.time),
            "request_id": record.requestID,
            "customer_id": record.customerID.rawValue,
            "action": record.action.rawValue,
            "parameters": record.parameters,
            "result": record.result,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) else { return }
        do {
            let handle = try openHandle()
            try handle.seekToEnd()
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch {
            // The database audit entry is authoritative; a failing log file must not fail the customer's request.
            logger.error("cannot append to action log", metadata: ["path": .string(path), "error": .string("\(error)")])
        }
    }

    private func openHandle() throws -> FileHandle {
        if let handle { return handle }
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
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
