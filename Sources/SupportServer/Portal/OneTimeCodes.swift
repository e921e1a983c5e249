import Foundation
import SupportDomain
import Vapor

/// Time-based one-time codes (RFC 6238 over RFC 4226): HMAC-SHA1, 6 digits, a 30-second step, what every
/// authenticator app computes from the shared secret.
struct TOTP: Sendable {
    static let period: TimeInterval = 30
    static let digits = 6
    /// A phone's clock may be a little off: codes of the step before and after are accepted too.
    static let tolerance: Int64 = 1

    let secret: [UInt8]

    /// 20 random bytes (160 bits, RFC 4226's recommended length) from the system's secure generator.
    static func newSecret() -> [UInt8] { [UInt8].random(count: 20) }

    /// The step a moment falls in (seconds since 1970 over 30).
    static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code of one step, zero-padded ("004213").
    func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        // Dynamic truncation: four bytes at the offset the last nibble names, without the sign bit.
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let modulus = (0..<Self.digits).reduce(UInt32(1)) { product, _ in product * 10 }
        let digits = String(value % modulus)
        return String(repeating: "0", count: Self.digits - digits.count) + digits
    }

    /// The step whose code this is, within the tolerance around `date`; nil for a wrong or malformed code. The caller
    /// still has to refuse a step already used (a code works once).
    func matchingStep(of code: String, at date: Date) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == Self.digits, typed.allSatisfy(\.isASCIIDigit) else { return nil }
        let now = Self.step(at: date)
        return (now - Self.tolerance...now + Self.tolerance).first { step in
            APIKeyMiddleware.constantTimeEquals(self.code(step: step), typed)
        }
    }

    /// The `otpauth://` link an authenticator app reads (from the QR code or typed in).
    func provisioningURI(account: String, issuer: String) -> String {
        var components = URLComponents()
        components.scheme = "otpauth"
        components.host = "totp"
        components.path = "/\(issuer):\(account)"
        components.queryItems = [
            URLQueryItem(name: "secret", value: Base32.encode(secret)),
            URLQueryItem(name: "issuer", value: issuer),
            URLQueryItem(name: "algorithm", value: "SHA1"),
            URLQueryItem(name: "digits", value: String(Self.digits)),
            URLQueryItem(name: "period", value: String(Int(Self.period))),
        ]
        return components.string ?? ""
    }
}

/// RFC 4648 base32 (A–Z, 2–7), the form authenticator apps take a secret in; no padding.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Case, spaces, dashes and padding are ignored; nil for any other character.
    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where ![UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "=")].contains(character) {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}

/// Single-use recovery codes for a lost phone: ten of them, 50 random bits each, shown once as "k7xqm-3fv2a"; only
/// their SHA-256 is stored.
enum RecoveryCodes {
    static let count = 10

    static func issue(hashingWith tokens: any SecretTokens) -> (codes: [String], hashes: [String]) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        let codes = (0..<count).map { _ in
            let characters = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] }
            return String(characters[0..<5]) + "-" + String(characters[5...])
        }
        return (codes, codes.map { tokens.hash(normalized($0)) })
    }

    /// What is compared: lower case, without the dash and spaces people type or paste.
    static func normalized(_ code: String) -> String {
        code.lowercased().filter { $0 != "-" && !$0.isWhitespace }
    }

    /// Whether typed text has the shape of a recovery code (so it is not mistaken for an authenticator code).
    static func looksLikeOne(_ code: String) -> Bool {
        let typed = normalized(code)
        return typed.count == 10 && typed.allSatisfy { $0.isASCII && ($0.isLetter || ("2"..."7").contains($0)) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
