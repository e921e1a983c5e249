import Foundation

/// A small RFC 4180 reader: quoted fields, doubled quotes, commas and line breaks inside quotes.
public enum CSVReader {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    /// Rows of fields; `lines[i]` is the 1-based line where row i starts.
    public static func parse(_ text: String) throws -> (rows: [[String]], lines: [Int]) {
        var rows: [[String]] = []
        var lines: [Int] = []
        var field = ""
        var row: [String] = []
        var inQuotes = false
        var line = 1
        var rowStart = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else { throw ParseError(line: line, problem: "a quote inside an unquoted field") }
                inQuotes = true
            case ",":
                row.append(field)
                field = ""
            case "\r":
                continue
            case "\n":
                row.append(field)
                field = ""
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row); lines.append(rowStart) }
                row = []
                line += 1
                rowStart = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ParseError(line: rowStart, problem: "a quoted field is never closed") }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
            lines.append(rowStart)
        }
        return (rows, lines)
    }
}

/// Labelled messages read from a CSV file with a header row.
public struct LabelledExample: Sendable, Hashable {
    public var text: String
    public var label: String
    public var line: Int

    public init(text: String, label: String, line: Int) {
        self.text = text
        self.label = label
        self.line = line
    }
}

public enum LabelledCSV {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    public static func load(path: String, textColumn: String = "text", labelColumn: String = "intent") throws -> [LabelledExample] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(message: "cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw Error(message: "\(path) is not UTF-8 text") }
        return try parse(text, textColumn: textColumn, labelColumn: labelColumn, name: path)
    }

    public static func parse(_ text: String, textColumn: String = "text", labelColumn: String = "intent",
                             name: String = "data") throws -> [LabelledExample] {
        let parsed: (rows: [[String]], lines: [Int])
        do { parsed = try CSVReader.parse(text) } catch { throw Error(message: "\(name): \(error)") }
        guard let header = parsed.rows.first else { throw Error(message: "\(name) is empty") }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{FEFF}", with: "") }
        guard let textIndex = columns.firstIndex(of: textColumn) else {
            throw Error(message: "\(name) has no column '\(textColumn)' (columns: \(columns.joined(separator: ", ")))")
        }
        guard let labelIndex = columns.firstIndex(of: labelColumn) else {
            throw Error(message: "\(name) has no column '\(labelColumn)' (columns: \(columns.joined(separator: ", ")))")
        }
        var examples: [LabelledExample] = []
        for (row, line) in zip(parsed.rows.dropFirst(), parsed.lines.dropFirst()) {
            guard row.count == columns.count else {
                throw Error(message: "\(name) line \(line): expected \(columns.count) fields, found \(row.count)")
            }
            let text = row[textIndex].trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw Error(message: "\(name) line \(line): the '\(textColumn)' field is empty") }
            examples.append(LabelledExample(text: text, label: row[labelIndex].trimmingCharacters(in: .whitespaces), line: line))
        }
        return examples
    }
}
