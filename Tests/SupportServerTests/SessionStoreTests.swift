import Fluent
import Foundation
import Synchronization
@testable import SupportServer
import SupportDomain
import Testing
import Vapor

/// The portal's sessions in plain SQL: the same rows Fluent's session driver wrote (sessions survive the change in both
/// directions), and written back only when a request changed them.
@Suite struct SessionStoreTests {
    @Test func sessionsWrittenByFluentAndByTheStoreAreTheSameRows() async throws {
        try await TestHarness.with(seed: false) { h in
            let store = h.services.stores.sessions
            try await SessionRecord(key: SessionID(string: "fluent-key"), data: ["user_id": "7", "csrf": "abc"]).create(on: h.app.db)
            #expect(try await store.readSession(key: "fluent-key") == ["user_id": "7", "csrf": "abc"])

            try await store.createSession(key: "store-key", data: ["csrf": "q\"uote", "epoch": "2"])
            let written = try await SessionRecord.query(on: h.app.db).filter(\.$key == SessionID(string: "store-key")).first()
            #expect(written?.data == SessionData(initialData: ["csrf": "q\"uote", "epoch": "2"]))
            #expect(written?.id != nil)

            try await store.updateSession(key: "fluent-key", data: ["user_id": "8"])
            let updated = try await SessionRecord.query(on: h.app.db).filter(\.$key == SessionID(string: "fluent-key")).first()
            #expect(updated?.data == SessionData(initialData: ["user_id": "8"]))
            #expect(try await store.readSession(key: "fluent-key") == ["user_id": "8"])

            try await store.deleteSession(key: "fluent-key")
            #expect(try await store.readSession(key: "fluent-key") == nil)
            #expect(try await SessionRecord.query(on: h.app.db).count() == 1)
            #expect(try await store.readSession(key: "no-such-key") == nil)
        }
    }

    @Test func aSessionIsWrittenBackOnlyWhenTheRequestChangedIt() async throws {
        try await TestHarness.with(seed: false) { h in
            let counting = CountingSessions(inner: h.services.stores.sessions)
            let driver = StoreSessions(store: counting)
            let first = Request(application: h.app, on: h.app.eventLoopGroup.next())
            let id = try await driver.createSession(SessionData(initialData: ["csrf": "t1"]), for: first)
            #expect(counting.writes.withLock { $0 } == ["create"])

            // The next request reads it and leaves it as it was: nothing is written.
            let viewing = Request(application: h.app, on: h.app.eventLoopGroup.next())
            let read = try #require(try await driver.readSession(id, for: viewing))
            #expect(read["csrf"] == "t1")
            _ = try await driver.updateSession(id, to: read, for: viewing)
            #expect(counting.writes.withLock { $0 } == ["create"])

            // A request that signs in changes it: written once, with the new values.
            let signing = Request(application: h.app, on: h.app.eventLoopGroup.next())
            var changed = try #require(try await driver.readSession(id, for: signing))
            changed["user_id"] = "3"
            _ = try await driver.updateSession(id, to: changed, for: signing)
            #expect(counting.writes.withLock { $0 } == ["create", "update"])
            #expect(try await h.services.stores.sessions.readSession(key: id.string) == ["csrf": "t1", "user_id": "3"])

            // A session whose row is gone reads as none (the browser then gets a new one).
            try await driver.deleteSession(id, for: signing)
            #expect(try await driver.readSession(id, for: Request(application: h.app, on: h.app.eventLoopGroup.next())) == nil)
        }
    }
}

/// Passes every call on and notes the writes.
private final class CountingSessions: SessionStore {
    let inner: any SessionStore
    let writes = Mutex<[String]>([])

    init(inner: any SessionStore) { self.inner = inner }

    func readSession(key: String) async throws -> [String: String]? { try await inner.readSession(key: key) }
    func createSession(key: String, data: [String: String]) async throws {
        writes.withLock { $0.append("create") }
        try await inner.createSession(key: key, data: data)
    }
    func updateSession(key: String, data: [String: String]) async throws {
        writes.withLock { $0.append("update") }
        try await inner.updateSession(key: key, data: data)
    }
    func deleteSession(key: String) async throws {
        writes.withLock { $0.append("delete") }
        try await inner.deleteSession(key: key)
    }
}
