import Foundation
import NIOCore
import Vapor

/// The address of the client a request comes from. Behind a load balancer every connection comes from the balancer, so
/// the client is named in `X-Forwarded-For`; that header is believed only from the proxies in
/// SUPPORTOPS_TRUSTED_PROXIES (addresses or IPv4 ranges such as 10.0.0.0/8), or anyone could claim any address.
/// Walking the header from the right, the first address that is not a trusted proxy is the client.
struct TrustedProxies: Sendable, Equatable {
    let entries: [String]

    init(_ entries: [String]) { self.entries = entries }

    func contains(_ address: String) -> Bool {
        entries.contains { entry in
            guard let slash = entry.firstIndex(of: "/") else { return entry == address }
            guard let base = Self.ipv4(String(entry[..<slash])), let bits = Int(entry[entry.index(after: slash)...]),
                  (0...32).contains(bits), let ip = Self.ipv4(address) else { return false }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
            return base & mask == ip & mask
        }
    }

    /// A dotted IPv4 address as a number; nil for anything else.
    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        return parts.reduce(into: UInt32(0) as UInt32?) { value, part in
            guard let current = value, let octet = UInt8(part) else { value = nil; return }
            value = current << 8 | UInt32(octet)
        }
    }

    /// Whether each entry is an address or an IPv4 range (for the configuration's error message).
    static func isValid(_ entry: String) -> Bool {
        guard let slash = entry.firstIndex(of: "/") else { return ipv4(entry) != nil || entry.contains(":") }
        return ipv4(String(entry[..<slash])) != nil && Int(entry[entry.index(after: slash)...]).map { (0...32).contains($0) } == true
    }
}

enum ClientAddressKey: StorageKey { typealias Value = String }

extension Request {
    /// The client's address (see `TrustedProxies`); nil for in-process requests without a socket.
    var clientAddress: String? { storage[ClientAddressKey.self] ?? remoteAddress?.ipAddress }
}

/// Works out the client's address once per request, for the rate limits and the loopback-only rule.
struct ClientAddressMiddleware: AsyncMiddleware {
    let trusted: TrustedProxies

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let peer = request.remoteAddress?.ipAddress, trusted.contains(peer) {
            let forwarded = request.headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let client = forwarded.last(where: { !trusted.contains($0) }) ?? forwarded.first {
                request.storage[ClientAddressKey.self] = client
            }
        }
        return try await next.respond(to: request)
    }
}
