import Fluent
import Foundation
import Logging
import Leaf
import LeafKit
import NIOPosix
import OpenAPIVapor
import SupportAgent
import SupportDomain
import SupportEmbedding
import SupportIntentModel
import SupportStore
import Vapor

/// What tests (or another host) can replace; everything else comes from `AppConfig`.
public struct AppDependencies: Sendable {
    public var clock: WallClock
    public var logger: Logger?

    public init(clock: WallClock = .system, logger: Logger? = nil) {
        self.clock = clock
        self.logger = logger
    }
}

/// The one place the service is wired. `serve`, the other commands and every test call it.
public func buildApplication(config: AppConfig, dependencies: AppDependencies = .init(),
                             environment: Environment = .development) async throws -> Application {
    let app = try await Application.make(environment)
    do {
        try await configure(app, config: config, dependencies: dependencies)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    return app
}

private func configure(_ app: Application, config: AppConfig, dependencies: AppDependencies) async throws {
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
    try config.database.register(on: app.databases)
    for migration in SupportMigrations.all { app.migrations.add(migration) }
    try await config.database.prepare(app.db)

    let policies = try PolicyLibrary.bundled(policy: config.policy)
    // One provider (one circuit breaker) for understanding and replies.
    let provider = makeProvider(config: config, logger: app.logger)
    let articles = FluentArticleStore(database: app.db)
    let knowledge = KnowledgeBase(policies: policies, store: articles, embedder: try loadEmbedder(config: config))
    let toolbox = FluentToolbox(database: app.db, policy: config.policy, clock: dependencies.clock,
                                actionLog: ActionLog(path: config.actionLogPath, logger: app.logger), logger: app.logger)
    let pipeline = SupportPipeline(
        toolbox: toolbox, conversations: FluentConversationStore(database: app.db),
        understanding: try loadUnderstanding(config: config, provider: provider, logger: app.logger),
        knowledge: knowledge, composer: ReplyComposer(policy: config.policy, currency: config.currency),
        clock: dependencies.clock, logger: app.logger, confidenceThreshold: config.minConfidence,
        replyWriter: config.languageModelReplies ? provider.map { LLMReplyWriter(provider: $0, logger: app.logger) }
            ?? TemplateReplyWriter() : TemplateReplyWriter())
    app.storage[ServiceKey.self] = SupportService(config: config, pipeline: pipeline, clock: dependencies.clock,
                                                  knowledge: knowledge, articles: articles)

    // Nothing a client sends may produce a stack trace or an internal message.
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(APIErrorMiddleware(environment: app.environment))
    app.routes.defaultMaxBodySize = "64kb"
    app.http.server.configuration.idleTimeout = .seconds(Int64(config.readTimeoutSeconds))

    let api = app.grouped(RequestContextMiddleware())
    let protected = api.grouped(APIKeyMiddleware(keys: config.apiKeys, protectedPrefixes: ["/support/"]))
        .grouped(JSONBodyCheck(path: "/support/resolve", fields: [("user_input", .string, true), ("user_id", .integer, true),
                                                                  ("conversation_id", .string, false)]))
        .grouped(ExplicitNullsMiddleware(paths: ["/support/resolve"], keys: ExplicitNullsMiddleware.resolveResponseKeys))
    let handler = SupportAPI(pipeline: pipeline, knowledge: knowledge, articles: articles, database: app.db, databaseKind: config.database.kind, currency: config.currency)
    try handler.registerHandlers(on: VaporTransport(routesBuilder: protected), serverURL: URL(string: "/")!)

    try DocsController().register(on: app)
    try configurePortal(app, config: config, pipeline: pipeline, articles: articles, clock: dependencies.clock)
    if let mail = config.mail {
        app.lifecycle.use(OutboxLifecycle(
            dispatcher: OutboxDispatcher(store: OutboxStore(database: app.db), client: SMTPClient(settings: mail),
                                         clock: dependencies.clock, logger: app.logger),
            interval: .milliseconds(config.outboxIntervalMs)))
    }
}

/// The sentence embedder of the configuration, or nil (retrieval is then BM25 alone).
func loadEmbedder(config: AppConfig) throws -> SentenceEmbedder? {
    guard let path = config.embeddingModelPath else { return nil }
    do {
        return try SentenceEmbedder(modelDirectory: URL(fileURLWithPath: path))
    } catch {
        throw AppConfig.Invalid(variable: .embeddingModel, problem: "\(error)")
    }
}

/// The offline model: from an operator's model file, or trained from the bundled examples.
func loadUnderstanding(modelPath: String?) throws -> OfflineUnderstanding {
    if let modelPath { return OfflineUnderstanding(classifier: try IntentClassifier.load(contentsOf: modelPath)) }
    return try OfflineUnderstanding.bundled()
}

/// Leaf views from the bundle, sessions in the database (any instance can serve a user), HttpOnly SameSite cookies.
private func configurePortal(_ app: Application, config: AppConfig, pipeline: SupportPipeline, articles: FluentArticleStore,
                             clock: WallClock) throws {
    let knowledge = pipeline.knowledge
    guard let views = Bundle.module.url(forResource: "Views", withExtension: nil),
          let css = Bundle.module.url(forResource: "Public/css/portal.css", withExtension: nil),
          let js = Bundle.module.url(forResource: "Public/js/portal.js", withExtension: nil) else {
        throw Abort(.internalServerError, reason: "the portal's views are missing from the bundle")
    }
    ContentConfiguration.global.use(decoder: LineEndingNormalizingFormDecoder(), for: .urlEncodedForm)
    app.views.use(.leaf)
    app.leaf.configuration = LeafConfiguration(rootDirectory: views.path + "/")
    // The bundle may sit under a hidden folder (.build); templates stay confined to the views folder all the same.
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
                                                  sandboxDirectory: views.path, viewDirectory: views.path))
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.sessions.use(.fluent)
    app.sessions.configuration = .init(cookieName: "supportops_session") { id in
        HTTPCookies.Value(string: id.string, maxAge: 60 * 60 * 24 * 7, path: "/", isSecure: false, isHTTPOnly: true,
                          sameSite: .lax)
    }
    let assets: [(String, URL, HTTPMediaType)] = [("css/portal.css", css, .css),
                                                  ("js/portal.js", js, HTTPMediaType(type: "text", subType: "javascript"))]
    for (path, file, type) in assets {
        let content = try Data(contentsOf: file)
        app.get(path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }) { _ -> Response in
            let response = Response(status: .ok, body: .init(data: content))
            response.headers.contentType = type
            response.headers.cacheControl = .init(isPublic: true, maxAge: 3600)
            return response
        }
    }
    let accounts = FluentAccountDirectory(database: app.db)
    let tickets = FluentTicketStore(database: app.db)
    let portal = app.grouped(PortalErrorMiddleware()).grouped(app.sessions.middleware)
        .grouped(PortalSessionMiddleware(accounts: accounts))
    PortalController(knowledge: knowledge, articles: articles, clock: clock, publicURL: config.publicURL).register(on: portal)
    let pages = TicketPages(tickets: tickets, accounts: accounts,
                            workflow: TicketWorkflow(tickets: tickets, accounts: accounts, agent: pipeline, clock: clock,
                                                     publicURL: config.publicURL))
    CustomerTicketController(pages: pages, knowledge: knowledge).register(on: portal)
    AgentDeskController(pages: pages, agent: pipeline).register(on: portal)
    AdminController(knowledge: knowledge, articles: articles, clock: clock).register(on: portal)
}

/// The remote provider of the configuration, wrapped in budget, retries and a circuit breaker.
func makeProvider(config: AppConfig, logger: Logger) -> (any LanguageModelProvider)? {
    guard case let .remote(name, baseURL, model, apiKey, jsonMode, timeoutMs) = config.languageModel else { return nil }
    let provider = ChatCompletionsProvider(name: name, baseURL: baseURL, model: model, apiKey: apiKey,
                                           jsonMode: ChatCompletionsProvider.JSONMode(rawValue: jsonMode) ?? .jsonObject)
    return ResilientProvider(provider, policy: .init(budget: .milliseconds(timeoutMs)), logger: logger)
}

/// The configured understanding: the offline model alone, or a language model checked and backed by it.
func loadUnderstanding(config: AppConfig, provider: (any LanguageModelProvider)?, logger: Logger) throws -> any IntentUnderstanding {
    let offline = try loadUnderstanding(modelPath: config.modelPath)
    guard let provider else { return offline }
    return LLMUnderstanding(provider: provider, offline: offline, logger: logger)
}

/// The assembled services, reachable from commands (for example `resolve`) through the application.
public struct SupportService: Sendable {
    public var config: AppConfig
    public var pipeline: SupportPipeline
    public var clock: WallClock
    public var knowledge: KnowledgeBase
    public var articles: FluentArticleStore
}

enum ServiceKey: StorageKey {
    typealias Value = SupportService
}

extension Application {
    public var supportService: SupportService {
        guard let service = storage[ServiceKey.self] else {
            preconditionFailure("buildApplication(config:) wires the service before anything uses it")
        }
        return service
    }
}
