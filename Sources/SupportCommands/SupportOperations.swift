import FluentKit
public import Foundation
public import SupportServer
import SupportAgent
public import SupportDomain
import SupportStore
import Vapor
import Fluent
import SupportSearch
import NIOCore
import NIOPosix

/// What the `supportops` commands do; the executable only parses arguments and calls these.
public enum SupportOperations {
    /// Migrates, seeds an empty database with demo data (unless switched off) and serves until stopped.
    public static func serve(config: AppConfig, hostname: String, port: Int) async throws {
        // Tasks run on the event loops instead of a second pool of threads: a request no longer hops between the loop
        // that reads it, the concurrency pool that resolves it and back for every database answer (measured in
        // Benchmarks/README.md). Nothing in the service blocks on a future (`.wait()`), which is what this forbids.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let built = try await buildApplication(config: config, dependencies: .live(config: config),
                                               environment: Environment(name: "production", arguments: ["supportops"]))
        let app = built.app
        do {
            try await app.autoMigrate()
            if config.seedDemoWhenEmpty {
                let summary = try await DemoSeeder().run(on: app.db, now: Date(), reset: false)
                if !summary.skipped { app.logger.notice("\(summary)") }
                let accounts = try await seedPortalAccounts(built)
                if accounts > 0 { app.logger.notice("Added \(accounts) demo portal accounts") }
            }
            let added = try await seedKnowledgeBase(built)
            if added > 0 { app.logger.notice("Added \(added) knowledge-base articles") }
            // Build the search index (and embed the passages) now rather than on the first visitor's search.
            let started = ContinuousClock.now
            let retriever = try await built.services.knowledge.currentRetriever()
            let kind = retriever.isHybrid ? "BM25 + MiniLM embeddings" : "BM25 (set SUPPORTOPS_EMBEDDING_MODEL for embeddings)"
            let seconds = String(format: "%.1f s", (ContinuousClock.now - started).seconds)
            app.logger.notice("Retrieval ready: \(retriever.index.documents.count) passages, \(kind) (\(seconds))")
            if config.apiKeys.isEmpty {
                app.logger.warning("SUPPORTOPS_API_KEYS is not set: the API answers only requests from loopback addresses")
            }
            app.http.server.configuration.hostname = hostname
            app.http.server.configuration.port = port
            app.environment.arguments = ["supportops", "serve"]
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    public static func migrate(config: AppConfig, revert: Bool) async throws -> String {
        try await withApplication(config) { built in
            let app = built.app
            if revert {
                try await app.autoRevert()
                return "Reverted all migrations on \(config.database)."
            }
            try await app.autoMigrate()
            return "Database \(config.database) is migrated."
        }
    }

    public static func seed(config: AppConfig, customers: Int, orders: Int, conversations: Int = 0, tickets: Int = 0,
                            reset: Bool) async throws -> String {
        try await withApplication(config) { built in
            let app = built.app
            try await app.autoMigrate()
            let summary = try await DemoSeeder(generatedCustomers: customers, generatedOrders: orders)
                .run(on: app.db, now: Date(), reset: reset)
            let articles = try await seedKnowledgeBase(built)
            let accounts = try await seedPortalAccounts(built)
            let seededTickets = tickets > 0 ? try await TicketSeeder(tickets: tickets).run(on: app.db, now: Date()) : 0
            let turns = conversations > 0 ? try await ConversationSeeder(conversations: conversations).run(on: app.db, now: Date()) : 0
            return summary.description + (articles > 0 ? " Added \(articles) knowledge-base articles." : "")
                + (turns > 0 ? " Added \(conversations) conversations (\(turns) turns)." : "")
                + (seededTickets > 0 ? " Added \(seededTickets) tickets." : "")
                + (accounts > 0 ? " Added \(accounts) demo portal accounts." : "")
        }
    }

    /// Everything stored about a customer as one JSON document; nil when there is no such customer.
    public static func exportCustomer(config: AppConfig, id: Int64) async throws -> Data? {
        try await withApplication(config) { built in
            try await built.services.stores.personalData.export(customer: CustomerID(id), requestedBy: "command line", at: Date())
        }
    }

    /// Removes or anonymises a customer's personal data, keeping financial and audit records; nil when no such customer.
    public static func eraseCustomer(config: AppConfig, id: Int64) async throws -> ErasureReport? {
        try await withApplication(config) { built in
            try await built.services.stores.personalData.erase(customer: CustomerID(id), requestedBy: "command line", at: Date())
        }
    }

    public static func importData(config: AppConfig, file: String) async throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ImportError(path: "", problem: "cannot read the file \(file)")
        }
        return try await withApplication(config) { built in
            try await built.app.autoMigrate()
            return try await DataImporter().run(json: data, on: built.app.db).description
        }
    }

    /// Resolves one message as the API would and returns the response JSON.
    public static func resolve(config: AppConfig, user: Int64, text: String, conversationID: String?) async throws -> String {
        try await withApplication(config) { built in
            try await built.app.autoMigrate()
            let resolution = try await built.services.agent.resolve(ResolveInput(
                userInput: text, customerID: CustomerID(user), conversationID: conversationID,
                requestID: RandomIDs().newID()))
            return try WireMapping.prettyJSON(resolution, currency: config.currency)
        }
    }

    /// Adds the shipped help articles the database does not have yet (edits made by admins are kept).
    static func seedKnowledgeBase(_ built: SupportApplication) async throws -> Int {
        var added = 0
        let existing = Set(try await built.services.stores.articles.fetchAllArticles().map(\.slug))
        for article in try ArticleMarkdown.bundled() where !existing.contains(article.slug) {
            try await built.services.stores.articles.saveArticle(article, now: Date())
            added += 1
        }
        return added
    }

    /// The README's demo password; demo accounts exist only where the demo store was seeded.
    public static let demoPassword = "supportops-demo"

    /// Portal accounts for the demo customers (linked to their orders), one agent and one admin; only into an empty table.
    static func seedPortalAccounts(_ built: SupportApplication) async throws -> Int {
        let hash = try await built.app.password.async.hash(demoPassword)
        return try await DemoSeeder().seedAccounts(on: built.app.db, passwordHash: hash, now: Date())
    }

    private static func withApplication<T: Sendable>(_ config: AppConfig,
                                                     _ body: @Sendable (SupportApplication) async throws -> T) async throws -> T {
        let built = try await buildApplication(config: config, dependencies: .live(config: config),
                                               environment: Environment(name: "production", arguments: ["supportops"]))
        let app = built.app
        do {
            let value = try await body(built)
            try await app.asyncShutdown()
            return value
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}
