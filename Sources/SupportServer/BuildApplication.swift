import Fluent
import Foundation
public import Logging
import Leaf
import LeafKit
import NIOPosix
import OpenAPIRuntime
import OpenAPIVapor
public import SupportAgent
import SupportDomain
public import SupportEmbedding
import SupportIntentModel
import SupportStore
public import Vapor

/// The application and the services wired into it.
public struct SupportApplication: Sendable {
    public let app: Application
    public let services: Services
}

/// The one place the service is wired. `serve`, the other commands and every test call it.
public func buildApplication(config: AppConfig, dependencies: AppDependencies,
                             environment: Environment = .development) async throws -> SupportApplication {
    let app = try await Application.make(environment)
    do {
        let services = try await configure(app, config: config, dependencies: dependencies)
        return SupportApplication(app: app, services: services)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
}

private func configure(_ app: Application, config: AppConfig, dependencies: AppDependencies) async throws -> Services {
    if let logger = dependencies.logger { app.logger = logger }
    app.logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info

    if case .sqlite = config.database {
        // sqlite-nio's busy handler spins on its thread-pool thread while another connection holds the write lock, and
        // the holder needs a thread of the same pool to finish its transaction. With the shared pool (one thread per
        // core) concurrent writers could take every thread and wait forever (seen in the test suite). A pool of our
        // own, one thread more than the connections (one per event loop), always leaves the holder a thread.
        // Measured cost on the one-customer resolve benchmark: about 143 → 134 requests/s (debug build, 2 cores).
        app.threadPool = NIOThreadPool(numberOfThreads: System.coreCount + 1)
    }
    // Half the read timeout: a request that cannot get a PostgreSQL connection answers 503 before its client is cut off.
    try config.database.register(on: app.databases, connectionWaitSeconds: Int64(max(1, config.readTimeoutSeconds / 2)))
    for migration in SupportMigrations.all + [SessionRecord.migration] { app.migrations.add(migration) }
    try await config.database.prepare(app.databases, eventLoops: app.eventLoopGroup, logger: app.logger)

    // On SQLite the hot writes go to its one writer and the hot reads to read connections of their own (see
    // `SQLiteWriter`, `SQLiteReaders`); every other statement to the pool of the event loop it runs on (`DatabaseSource`).
    var writer: SQLiteWriter?, readers: SQLiteReaders?
    if case let .sqlite(path) = config.database {
        let opened = (try await SQLiteWriter.open(path: path, logger: app.logger),
                      try await SQLiteReaders.open(path: path, logger: app.logger))
        app.lifecycle.use(CloseSQLiteConnections(writer: opened.0, readers: opened.1))
        (writer, readers) = opened
    }

    let clock = dependencies.clock
    let stores = dependencies.makeStores(.perEventLoop(app.databases, group: app.eventLoopGroup, logger: app.logger,
                                                       writer: writer, readers: readers), config, clock, app.logger)
    let policies = try PolicyLibrary.bundled(policy: config.policy)
    // One provider (one circuit breaker) for understanding and replies.
    let provider = dependencies.languageModel
    let knowledge = KnowledgeBase(policies: policies, store: stores.articles, embedder: try loadEmbedder(config: config))
    let agent = SupportPipeline(
        toolbox: stores.toolbox, conversations: stores.conversations,
        understanding: try loadUnderstanding(config: config, provider: provider, logger: app.logger),
        knowledge: knowledge, composer: ReplyComposer(policy: config.policy, currency: config.currency),
        clock: clock, logger: app.logger, confidenceThreshold: config.minConfidence,
        replyWriter: config.languageModelReplies ? provider.map { LLMReplyWriter(provider: $0, logger: app.logger) }
            ?? TemplateReplyWriter() : TemplateReplyWriter(),
        ids: dependencies.ids)
    let services = Services(config: config, stores: stores, agent: agent, knowledge: knowledge,
                            tickets: TicketWorkflow(tickets: stores.tickets, accounts: stores.accounts, agent: agent,
                                                    clock: clock, publicURL: config.publicURL,
                                                    serviceLevels: config.serviceLevels, surveys: stores.surveys,
                                                    tokens: dependencies.tokens),
                            tokens: dependencies.tokens,
                            automation: TicketAutomation(tickets: stores.tickets, accounts: stores.accounts,
                                                         work: stores.scheduledWork, clock: clock,
                                                         serviceLevels: config.serviceLevels, settings: config.automation,
                                                         publicURL: config.publicURL, owner: dependencies.ids.newID()))

    // Nothing a client sends may produce a stack trace or an internal message.
    app.middleware = Middlewares()
    // Each list of middlewares runs as one group (see `AsyncMiddlewareGroup`), in the order written.
    app.middleware.use(AsyncMiddlewareGroup([AccessLogMiddleware(level: .info),
                                             ClientAddressMiddleware(trusted: TrustedProxies(config.trustedProxies)),
                                             UnmatchedRouteMiddleware()]))
    app.routes.defaultMaxBodySize = "64kb"
    app.http.server.configuration.idleTimeout = .seconds(Int64(config.readTimeoutSeconds))

    let protected = app.grouped(AsyncMiddlewareGroup([
        APIErrorMiddleware(), RequestContextMiddleware(),
        RateLimitMiddleware(limiter: stores.rateLimiter, clock: clock, perAddress: config.rateLimitPerAddress,
                            perKey: config.rateLimitPerKey, prefixes: ["/support/"]),
        APIKeyMiddleware(keys: config.apiKeys, protectedPrefixes: ["/support/"]),
        IdempotencyMiddleware(store: stores.idempotency, clock: clock, paths: ["/support/resolve"]),
        JSONBodyCheck(path: "/support/resolve", fields: [("user_input", .string, true), ("user_id", .integer, true),
                                                         ("conversation_id", .string, false)]),
        ExplicitNullsMiddleware(paths: ["/support/resolve"], keys: ExplicitNullsMiddleware.resolveResponseKeys),
    ]))
    MetricsBackend.start()
    let handler = SupportAPI(pipeline: agent, knowledge: knowledge, articles: stores.articles, health: stores.health,
                             databaseKind: config.database.kind, currency: config.currency,
                             expectedMigrations: Set((SupportMigrations.all + [SessionRecord.migration]).map(\.name)),
                             outbox: stores.outbox)
    // Compact JSON (the runtime pretty-prints by default): a smaller body to write and to scan for the explicit nulls.
    try handler.registerHandlers(on: VaporTransport(routesBuilder: protected), serverURL: URL(string: "/")!,
                                 configuration: Configuration(jsonEncodingOptions: [.sortedKeys]))

    if config.benchmarkFloorRoute {
        app.logger.warning("SUPPORTOPS_BENCHMARK_FLOOR is on: POST /benchmark/floor is served without authentication")
        BenchmarkFloor(stores: stores, clock: clock).register(on: app)
    }
    app.lifecycle.use(FlushAtShutdown(actionLog: stores.actionLog, turnBuffer: stores.turnBuffer))
    try DocsController().register(on: app)
    try configurePortal(app, services: services)
    if let sender = dependencies.mailSender {
        let dispatcher = OutboxDispatcher(outbox: stores.outbox, sender: sender, clock: clock, logger: app.logger)
        app.lifecycle.use(RepeatingTask("outbox", every: .milliseconds(config.outboxIntervalMs), logger: app.logger) {
            try await dispatcher.runOnce()
        })
    }
    if config.automationIntervalSeconds > 0, app.environment != .testing {
        let automation = services.automation, logger = app.logger
        app.lifecycle.use(RepeatingTask("ticket automation", every: .seconds(config.automationIntervalSeconds),
                                        logger: logger) {
            if let report = try await automation.runOnce(), report != TicketAutomation.Report() {
                logger.info("ticket automation", metadata: [
                    "breaches": "\(report.breaches)", "reminders": "\(report.reminders)", "closed": "\(report.closed)",
                    "skipped": "\(report.skipped)"])
            }
            // Retention, at most once an hour over all instances (the lease is the hour).
            let now = clock.now()
            if config.retentionDays > 0,
               try await stores.scheduledWork.claim("retention", owner: UUID().uuidString, until: now.addingTimeInterval(3600),
                                                    now: now) {
                let report = try await stores.personalData.purge(before: now.addingTimeInterval(-Double(config.retentionDays) * 86_400))
                if report != RetentionReport() {
                    logger.info("retention", metadata: ["conversations": "\(report.conversations)",
                                                       "messages": "\(report.messages)", "attachments": "\(report.attachments)"])
                }
            }
            // Idempotency keys past their 24 hours and rate-limit windows that ended go on the same schedule.
            try await stores.idempotency.purge(before: clock.now().addingTimeInterval(-IdempotencyMiddleware.lifetime))
            try await stores.rateLimiter.purge(before: clock.now().addingTimeInterval(-Double(RateLimitMiddleware.window)))
        })
    }
    return services
}

/// The sentence embedder of the configuration, or nil (retrieval is then BM25 alone).
public func loadEmbedder(config: AppConfig) throws -> SentenceEmbedder? {
    guard let path = config.embeddingModelPath else { return nil }
    do {
        return try SentenceEmbedder(modelDirectory: URL(fileURLWithPath: path))
    } catch {
        throw AppConfig.Invalid(variable: .embeddingModel, problem: "\(error)")
    }
}

/// The offline model: from an operator's model file, or trained from the bundled examples.
public func loadUnderstanding(modelPath: String?) throws -> OfflineUnderstanding {
    if let modelPath { return OfflineUnderstanding(classifier: try IntentClassifier.load(contentsOf: modelPath)) }
    return try OfflineUnderstanding.bundled()
}

/// Leaf views from the bundle, sessions in the database (any instance can serve a user), HttpOnly SameSite cookies.
private func configurePortal(_ app: Application, services: Services) throws {
    let config = services.config, stores = services.stores, knowledge = services.knowledge
    guard let views = Bundle.module.url(forResource: "Views", withExtension: nil),
          let css = Bundle.module.url(forResource: "Public/css/portal.css", withExtension: nil),
          let js = Bundle.module.url(forResource: "Public/js/portal.js", withExtension: nil),
          let deskJS = Bundle.module.url(forResource: "Public/js/desk.js", withExtension: nil) else {
        throw Abort(.internalServerError, reason: "the portal's views are missing from the bundle")
    }
    ContentConfiguration.global.use(decoder: LineEndingNormalizingFormDecoder(), for: .urlEncodedForm)
    app.views.use(.leaf)
    app.leaf.configuration = LeafConfiguration(rootDirectory: views.path + "/")
    // The bundle may sit under a hidden folder (.build); templates stay confined to the views folder all the same.
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
                                                  sandboxDirectory: views.path, viewDirectory: views.path))
    app.leaf.cache.isEnabled = app.environment.isRelease
    let sessions = stores.sessions
    app.sessions.use { _ in StoreSessions(store: sessions) }
    app.sessions.configuration = .init(cookieName: "supportops_session") { id in
        HTTPCookies.Value(string: id.string, maxAge: 60 * 60 * 24 * 7, path: "/", isSecure: false, isHTTPOnly: true,
                          sameSite: .lax)
    }
    let assets: [(String, URL, HTTPMediaType)] = [("css/portal.css", css, .css),
                                                  ("js/portal.js", js, HTTPMediaType(type: "text", subType: "javascript")),
                                                  ("js/desk.js", deskJS, HTTPMediaType(type: "text", subType: "javascript"))]
    for (path, file, type) in assets {
        let content = try Data(contentsOf: file)
        app.get(path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }) { _ -> Response in
            let response = Response(status: .ok, body: .init(data: content))
            response.headers.contentType = type
            response.headers.cacheControl = .init(isPublic: true, maxAge: 3600)
            return response
        }
    }
    let portal = app.grouped(PortalErrorMiddleware()).grouped(app.sessions.middleware)
        .grouped(PortalSessionMiddleware(accounts: stores.accounts, clock: services.agent.clock))
    PortalController(knowledge: knowledge, articles: stores.articles, accounts: stores.accounts, clock: services.agent.clock,
                     tokens: services.tokens, publicURL: config.publicURL).register(on: portal)
    let pages = TicketPages(tickets: stores.tickets, accounts: stores.accounts, workflow: services.tickets,
                            clock: services.tickets.clock, macros: stores.macros, attachments: stores.attachments)
    CustomerTicketController(pages: pages, knowledge: knowledge, articles: stores.articles).register(on: portal)
    AgentDeskController(pages: pages, agent: services.agent, savedViews: stores.savedViews).register(on: portal)
    SurveyController(pages: pages).register(on: portal)
    AttachmentController(pages: pages, attachments: stores.attachments).register(on: portal)
    let closing = StreamsClosing()
    // Shutdown runs these in reverse: first the live streams end, then the server drains, then the rest (scheduled work,
    // the action log) and, after all handlers, the database pools.
    app.lifecycle.use(ServerDrain())
    app.lifecycle.use(closing)
    LiveDeskController(pages: pages, closing: closing).register(on: portal)
    MacroAdminController(macros: stores.macros, clock: services.agent.clock).register(on: portal)
    TwoStepController(accounts: stores.accounts, clock: services.agent.clock, tokens: services.tokens).register(on: portal)
    PersonalDataController(personalData: stores.personalData, clock: services.agent.clock).register(on: portal)
    DashboardController(insight: stores.insight, articles: stores.articles, review: stores.review, clock: services.agent.clock).register(on: portal)
    ReviewController(review: stores.review, toolbox: stores.toolbox, clock: services.agent.clock).register(on: portal)
    AdminController(knowledge: knowledge, articles: stores.articles, accounts: stores.accounts, outbox: stores.outbox,
                    clock: services.agent.clock, tokens: services.tokens, publicURL: config.publicURL).register(on: portal)
}

/// The remote provider of the configuration, wrapped in budget, retries and a circuit breaker.
public func makeProvider(config: AppConfig, logger: Logger) -> (any LanguageModelProvider)? {
    guard case let .remote(name, baseURL, model, apiKey, jsonMode, timeoutMs) = config.languageModel else { return nil }
    let provider = ChatCompletionsProvider(name: name, baseURL: baseURL, model: model, apiKey: apiKey,
                                           jsonMode: ChatCompletionsProvider.JSONMode(rawValue: jsonMode) ?? .jsonObject)
    return ResilientProvider(provider, policy: .init(budget: .milliseconds(timeoutMs)), logger: logger)
}

/// The configured understanding: the offline model alone, or a language model checked and backed by it.
public func loadUnderstanding(config: AppConfig, provider: (any LanguageModelProvider)?, logger: Logger) throws -> any IntentUnderstanding {
    let offline = try loadUnderstanding(modelPath: config.modelPath)
    guard let provider else { return offline }
    return LLMUnderstanding(provider: provider, offline: offline, logger: logger)
}
