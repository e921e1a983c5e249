public import FluentKit
import Foundation
public import Logging
public import SupportAgent
public import SupportDomain
public import SupportStore

/// Every outside dependency of the service, built once and handed to `buildApplication`. `serve` uses
/// `.live(config:)`; a test starts from the same and replaces what it controls (the clock, the mail sender, the ids).
/// Storage is made over the application's database once it is registered, so it is a factory here.
public struct AppDependencies: Sendable {
    public var clock: any WallClock
    public var ids: any IDGenerator
    /// Secrets for links in e-mails (surveys).
    public var tokens: any SecretTokens
    /// Delivers the outbox; nil leaves e-mails queued (no mail server configured).
    public var mailSender: (any MailSender)?
    /// The remote language model (with its budget, retries and circuit breaker), or nil for the offline agent alone.
    public var languageModel: (any LanguageModelProvider)?
    public var logger: Logger?
    public var makeStores: @Sendable (_ database: DatabaseSource, _ config: AppConfig, _ clock: any WallClock,
                                      _ logger: Logger) -> Stores

    public init(clock: any WallClock, ids: any IDGenerator, tokens: any SecretTokens = RandomTokens(), mailSender: (any MailSender)?,
                languageModel: (any LanguageModelProvider)?, logger: Logger? = nil,
                makeStores: @escaping @Sendable (DatabaseSource, AppConfig, any WallClock, Logger) -> Stores = Stores.fluent) {
        self.clock = clock
        self.ids = ids
        self.tokens = tokens
        self.mailSender = mailSender
        self.languageModel = languageModel
        self.logger = logger
        self.makeStores = makeStores
    }

    /// The production set: the system clock, random ids, SMTP when `MAIL_SERVER` is set, the configured language
    /// model, Fluent stores.
    public static func live(config: AppConfig, logger: Logger? = nil) -> AppDependencies {
        AppDependencies(clock: SystemClock(), ids: RandomIDs(), mailSender: config.mail.map { SMTPClient(settings: $0) },
                        languageModel: makeProvider(config: config, logger: logger ?? Logger(label: "supportops.llm")),
                        logger: logger)
    }
}

/// The storage ports the service runs on.
public struct Stores: Sendable {
    public var toolbox: any SupportToolbox
    public var conversations: any ConversationStore
    public var tickets: any TicketStore
    public var accounts: any AccountStore
    public var articles: any ArticleStore
    public var outbox: any MailOutbox
    public var health: any StoreHealth
    public var scheduledWork: any ScheduledWork
    public var surveys: any SurveyStore
    public var macros: any MacroStore
    public var savedViews: any SavedViewStore
    public var idempotency: any IdempotencyStore
    public var rateLimiter: any RateLimiter
    public var attachments: any AttachmentStore
    public var personalData: any PersonalDataStore
    public var insight: any InsightStore
    public var review: any ConversationReviewStore
    /// The portal's sign-in sessions.
    public var sessions: any SessionStore
    /// The action log the toolbox appends to, flushed when the server stops.
    public var actionLog: ActionLog?
    /// The conversation turns waiting to be written, flushed when the server stops.
    public var turnBuffer: TurnBuffer?

    public init(toolbox: any SupportToolbox, conversations: any ConversationStore, tickets: any TicketStore,
                accounts: any AccountStore, articles: any ArticleStore, outbox: any MailOutbox, health: any StoreHealth,
                scheduledWork: any ScheduledWork, surveys: any SurveyStore, macros: any MacroStore,
                savedViews: any SavedViewStore, idempotency: any IdempotencyStore, rateLimiter: any RateLimiter,
                attachments: any AttachmentStore, personalData: any PersonalDataStore, insight: any InsightStore,
                review: any ConversationReviewStore, sessions: any SessionStore, actionLog: ActionLog? = nil,
                turnBuffer: TurnBuffer? = nil) {
        self.turnBuffer = turnBuffer
        self.sessions = sessions
        self.insight = insight
        self.review = review
        self.personalData = personalData
        self.rateLimiter = rateLimiter
        self.attachments = attachments
        self.savedViews = savedViews
        self.idempotency = idempotency
        self.surveys = surveys
        self.macros = macros
        self.actionLog = actionLog
        self.scheduledWork = scheduledWork
        self.toolbox = toolbox
        self.conversations = conversations
        self.tickets = tickets
        self.accounts = accounts
        self.articles = articles
        self.outbox = outbox
        self.health = health
    }

    /// SQLite or PostgreSQL through Fluent.
    @Sendable public static func fluent(database: DatabaseSource, config: AppConfig, clock: any WallClock, logger: Logger) -> Stores {
        let actionLog = ActionLog(path: config.actionLogPath, logger: logger)
        let turnBuffer = TurnBuffer(source: database, logger: logger)
        let fluent = FluentStores(source: database, policy: config.policy, clock: clock, actionLog: actionLog,
                                  turnBuffer: turnBuffer, logger: logger)
        return Stores(toolbox: fluent.toolbox, conversations: fluent.conversations, tickets: fluent.tickets,
                      accounts: fluent.accounts, articles: fluent.articles, outbox: fluent.outbox, health: fluent.health,
                      scheduledWork: fluent.scheduledWork, surveys: fluent.surveys, macros: fluent.macros,
                      savedViews: fluent.savedViews, idempotency: fluent.idempotency,
                      // Several instances share PostgreSQL and its counters; SQLite has one instance, which counts in memory.
                      rateLimiter: config.database.kind == "postgres" ? fluent.rateLimiter : LocalRateLimiter(),
                      attachments: fluent.attachments, personalData: fluent.personalData,
                      insight: fluent.insight, review: fluent.conversations, sessions: fluent.sessions, actionLog: actionLog,
                      turnBuffer: turnBuffer)
    }
}

/// The services wired into the application, for the commands that use them directly (`resolve`, `serve`'s warm-up).
public struct Services: Sendable {
    public var config: AppConfig
    public var stores: Stores
    public var agent: SupportPipeline
    public var knowledge: KnowledgeBase
    public var tickets: TicketWorkflow
    /// Secrets for links in e-mails (the dependencies' `tokens`).
    public var tokens: any SecretTokens
    /// Service-level breaches, reminders and closing (run every `automationIntervalSeconds`, and by tests directly).
    public var automation: TicketAutomation
}
