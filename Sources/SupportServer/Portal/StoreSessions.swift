import Foundation
import SupportDomain
import Vapor

/// Vapor's session driver over the `SessionStore`. Vapor writes a session back after every request that looked at it;
/// this driver remembers the values it read and writes only when the request changed them (a page view or a form post
/// that only checks the CSRF token writes nothing).
struct StoreSessions: AsyncSessionDriver {
    let store: any SessionStore

    private struct Loaded: StorageKey { typealias Value = [String: String] }

    func createSession(_ data: SessionData, for request: Request) async throws -> SessionID {
        // 32 random bytes from the system's generator, base64: the key format Fluent's driver used.
        var generator = SystemRandomNumberGenerator()
        let key = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
        try await store.createSession(key: key, data: data.snapshot)
        request.storage[Loaded.self] = data.snapshot
        return SessionID(string: key)
    }

    func readSession(_ sessionID: SessionID, for request: Request) async throws -> SessionData? {
        guard let data = try await store.readSession(key: sessionID.string) else { return nil }
        request.storage[Loaded.self] = data
        return SessionData(initialData: data)
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) async throws -> SessionID {
        if request.storage[Loaded.self] != data.snapshot {
            try await store.updateSession(key: sessionID.string, data: data.snapshot)
            request.storage[Loaded.self] = data.snapshot
        }
        return sessionID
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) async throws {
        try await store.deleteSession(key: sessionID.string)
        request.storage[Loaded.self] = nil
    }
}
