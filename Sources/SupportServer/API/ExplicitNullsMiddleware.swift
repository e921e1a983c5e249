import Foundation
import NIOCore
import Vapor

/// The generated encoder leaves out nil fields; the API promises them as explicit `null`s on these paths. The body is
/// not parsed again: one pass over its bytes finds the top-level keys, and the missing ones are added before the
/// closing brace (a second JSON round trip cost ~10% of a status lookup).
struct ExplicitNullsMiddleware: AsyncMiddleware {
    let paths: Set<String>
    let keys: [String]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        guard paths.contains(request.url.path), response.status == .ok,
              response.headers.contentType?.subType == "json",
              let buffer = try await response.body.collect(on: request.eventLoop).get() else {
            return response
        }
        let bytes = Array(buffer.readableBytesView)
        guard let patched = Self.addingNulls(to: bytes, keys: keys) else { return response }
        response.body = .init(buffer: ByteBuffer(bytes: patched))
        response.headers.replaceOrAdd(name: .contentLength, value: String(patched.count))
        return response
    }

    /// The resolve response's fields that are always present, `null` when not applicable.
    static let resolveResponseKeys = ["order_id", "action_result", "clarification_prompt"]

    /// `json` (a JSON object) with `"key": null` added for each of `keys` it lacks at the top level; nil when nothing is
    /// missing or the text is not an object.
    static func addingNulls(to json: [UInt8], keys: [String]) -> [UInt8]? {
        let present = topLevelKeys(json)
        let missing = keys.filter { !present.contains($0) }
        guard !missing.isEmpty, let close = json.lastIndex(of: UInt8(ascii: "}")) else { return nil }
        let isEmptyObject = json[..<close].last(where: { !$0.isJSONWhitespace }) == UInt8(ascii: "{")
        var insertion = isEmptyObject ? "" : ","
        insertion += missing.map { "\"\($0)\":null" }.joined(separator: ",")
        var patched = json
        patched.insert(contentsOf: Array(insertion.utf8), at: close)
        return patched
    }

    /// The keys of the outermost object: strings at depth 1 followed by a colon. One pass, strings and escapes honoured.
    static func topLevelKeys(_ json: [UInt8]) -> Set<String> {
        var keys: Set<String> = []
        var depth = 0
        var index = 0
        while index < json.count {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "\""):
                let start = index + 1
                index += 1
                while index < json.count, json[index] != UInt8(ascii: "\"") {
                    index += json[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                if depth == 1 {
                    var next = index + 1
                    while next < json.count, json[next].isJSONWhitespace { next += 1 }
                    if next < json.count, json[next] == UInt8(ascii: ":"), start <= index {
                        keys.insert(String(decoding: json[start..<min(index, json.count)], as: UTF8.self))
                    }
                }
            default: break
            }
            index += 1
        }
        return keys
    }

    /// Fills the keys in a parsed object (the `resolve` command's output).
    static func fillNulls(_ object: inout [String: Any], keys: [String]) {
        for key in keys where object[key] == nil { object[key] = NSNull() }
    }
}

private extension UInt8 {
    var isJSONWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
