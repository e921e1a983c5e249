import Foundation
public import Logging

/// One JSON object per log line (for production log collectors). Metadata values are strings.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var object: [String: String] = [
            "time": ISO8601DateFormatter().string(from: Date()), "level": level.rawValue, "label": label,
            "message": message.description,
        ]
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}

/// Drops the database layer's debug records that carry query values (customer data, password hashes):
/// Fluent logs every query with its input at debug level, whatever the SQL log level says.
public struct PrivateDataLogFilter: LogHandler {
    public var inner: any LogHandler

    public init(_ inner: any LogHandler) { self.inner = inner }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    static let queryMessages: Set<String> = ["Running query", "Executing query"]

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        if Self.queryMessages.contains(message.description) { return }
        if let metadata, metadata["input"] != nil || metadata["binds"] != nil { return }
        inner.log(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line)
    }
}

public enum SupportLogging {
    /// Chooses the process-wide log format once, before anything logs.
    public static func bootstrap(_ config: AppConfig) {
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = config.logFormat == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return PrivateDataLogFilter(handler)
        }
    }
}
