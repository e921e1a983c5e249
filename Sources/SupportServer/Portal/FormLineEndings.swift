import Foundation
import NIOCore
import Vapor

/// Decodes portal forms with every line ending turned into `\n`. Browsers send `<textarea>` text with CRLF; Swift
/// treats "\r\n" as one character, so code that splits on "\n" (Markdown, search snippets) would see a single line.
/// Registered once for `application/x-www-form-urlencoded`, so no form field can skip it.
struct LineEndingNormalizingFormDecoder: ContentDecoder {
    let base = URLEncodedFormDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
                              userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        var normalized = body
        if let text = body.getString(at: body.readerIndex, length: body.readableBytes) {
            let fixed = Self.normalize(encodedForm: text)
            if fixed != text { normalized = ByteBuffer(string: fixed) }
        }
        return try base.decode(D.self, from: normalized, headers: headers, userInfo: userInfo)
    }

    /// `%0D%0A` and a lone `%0D` (either case) become `%0A` in a URL-encoded body; nothing else changes.
    static func normalize(encodedForm text: String) -> String {
        guard text.range(of: "%0d", options: .caseInsensitive) != nil else { return text }
        return text.replacingOccurrences(of: "%0D%0A", with: "%0A", options: .caseInsensitive)
            .replacingOccurrences(of: "%0D", with: "%0A", options: .caseInsensitive)
    }
}

extension String {
    /// The text with CRLF and lone CR line endings as LF (for text that arrives by another way than a portal form).
    var normalizingLineEndings: String {
        contains("\r") ? replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") : self
    }
}
