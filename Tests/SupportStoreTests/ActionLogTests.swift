import Foundation
import SupportDomain
@testable import SupportStore
import Testing

@Suite("The audit's JSON and the action log")
struct ActionLogTests {
    static let awkward: [String: String] = [
        "order_id": "1042", "quote": #"she said "refund""#, "backslash": #"C:\orders\1042"#, "slash": "a/b",
        "lines": "first\nsecond\r\n\tthird", "control": "bell\u{07} nul\u{00} esc\u{1B}", "accents": "licuadora llegó rota",
        "emoji": "broken 💔", "empty": "", "zz": "last",
    ]

    @Test("a flat map encodes as compact JSON with sorted keys that any parser reads back exactly")
    func encodes() throws {
        let json = JSONLine.encode(Self.awkward)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(parsed == Self.awkward)
        #expect(json.hasPrefix(#"{"accents":"licuadora llegó rota","backslash":"C:\\orders\\1042","#))
        #expect(json.hasSuffix(#""zz":"last"}"#))
        #expect(json.contains(#""control":"bell\u0007 nul\u0000 esc\u001b""#))
        #expect(JSONLine.encode([:]) == "{}")
    }

    @Test("every appended line is in the file after a flush, each one JSON object, in order")
    func lines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("actions-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = ActionLog(path: path)
        let time = Date(timeIntervalSince1970: 1_795_000_000)
        for n in 0..<300 {
            log.append(AuditRecord(time: time, requestID: "req-\(n)", customerID: CustomerID(Int64(n)), action: .issueRefund,
                                   parameters: Self.awkward, result: ["success": "true"]))
        }
        log.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 300)
        for (n, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["request_id"] as? String == "req-\(n)")
            #expect(object["customer_id"] as? Int == n)
            #expect(object["action"] as? String == "issue_refund")
            #expect(object["parameters"] as? [String: String] == Self.awkward)
            #expect(object["time"] as? String == "2026-11-18T11:06:40Z")
        }
    }
}
