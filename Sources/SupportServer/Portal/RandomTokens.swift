import Foundation
public import SupportDomain
import Vapor

/// 32 random bytes from the system's secure generator, hex-encoded; stored as their SHA-256.
public struct RandomTokens: SecretTokens {
    public init() {}

    public func issue() -> (token: String, hash: String) {
        let token = PortalPage.randomHex(bytes: 32)
        return (token, hash(token))
    }

    public func hash(_ token: String) -> String {
        PortalPage.hex(SHA256.hash(data: Data(token.utf8)))
    }
}
