public import Foundation
public import SupportDomain
public import SupportStore

/// Every setting of the service, read from the environment in one place. Fields name their variables.
public struct AppConfig: Sendable {
    public enum Variable: String, CaseIterable, Sendable {
        case databaseURL = "DATABASE_URL"
        case apiKeys = "SUPPORTOPS_API_KEYS"
        case actionLog = "SUPPORTOPS_ACTION_LOG"
        case logFormat = "SUPPORTOPS_LOG_FORMAT"
        case logLevel = "SUPPORTOPS_LOG_LEVEL"
        case seedDemo = "SUPPORTOPS_SEED_DEMO"
        case currency = "SUPPORTOPS_CURRENCY"
        case returnWindowDays = "SUPPORTOPS_RETURN_WINDOW_DAYS"
        case maxRefunds = "SUPPORTOPS_MAX_REFUNDS_PER_WINDOW"
        case refundLimitWindowDays = "SUPPORTOPS_REFUND_LIMIT_WINDOW_DAYS"
        case fraudHighValue = "SUPPORTOPS_FRAUD_HIGH_VALUE"
        case fraudNewAccountDays = "SUPPORTOPS_FRAUD_NEW_ACCOUNT_DAYS"
        case fraudMaxRequests = "SUPPORTOPS_FRAUD_MAX_REFUND_REQUESTS_90D"
        case model = "SUPPORTOPS_MODEL"
        case minConfidence = "SUPPORTOPS_MIN_CONFIDENCE"
        case llmProvider = "SUPPORTOPS_LLM_PROVIDER"
        case llmModel = "SUPPORTOPS_LLM_MODEL"
        case llmBaseURL = "SUPPORTOPS_LLM_BASE_URL"
        case llmAPIKey = "SUPPORTOPS_LLM_API_KEY"
        case mistralAPIKey = "MISTRAL_API_KEY"
        case llmTimeoutMs = "SUPPORTOPS_LLM_TIMEOUT_MS"
        case llmJSONMode = "SUPPORTOPS_LLM_JSON_MODE"
        case llmReplies = "SUPPORTOPS_LLM_REPLIES"
        case publicURL = "SUPPORTOPS_PUBLIC_URL"
        case embeddingModel = "SUPPORTOPS_EMBEDDING_MODEL"
        case outboxIntervalMs = "SUPPORTOPS_OUTBOX_INTERVAL_MS"
        case readTimeoutSeconds = "SUPPORTOPS_READ_TIMEOUT_SECONDS"
        case businessHours = "SUPPORTOPS_BUSINESS_HOURS"
        case timeZone = "SUPPORTOPS_TIME_ZONE"
        case holidays = "SUPPORTOPS_HOLIDAYS"
        case serviceLevels = "SUPPORTOPS_SLA"
        case autoCloseDays = "SUPPORTOPS_AUTO_CLOSE_DAYS"
        case reminderDays = "SUPPORTOPS_REMINDER_DAYS"
        case automationIntervalSeconds = "SUPPORTOPS_AUTOMATION_INTERVAL_SECONDS"
        case retentionDays = "SUPPORTOPS_RETENTION_DAYS"
        case rateLimitPerKey = "SUPPORTOPS_RATE_LIMIT_PER_KEY"
        case rateLimitPerAddress = "SUPPORTOPS_RATE_LIMIT_PER_ADDRESS"
        case trustedProxies = "SUPPORTOPS_TRUSTED_PROXIES"
        case benchmarkFloor = "SUPPORTOPS_BENCHMARK_FLOOR"
        case mailServer = "MAIL_SERVER"
        case mailPort = "MAIL_PORT"
        case mailUsername = "MAIL_USERNAME"
        case mailPassword = "MAIL_PASSWORD"
        case mailFrom = "MAIL_FROM"
        case mailUseTLS = "MAIL_USE_TLS"
    }

    /// Where e-mails from the outbox go. Without it they stay queued in the outbox (visible to admins).
    public struct MailSettings: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?
        public var from: String
        /// Implicit TLS (SMTPS). Without TLS, credentials are only sent to a loopback server.
        public var useTLS: Bool

        public init(host: String, port: Int, username: String? = nil, password: String? = nil,
                    from: String = "support@supportops.local", useTLS: Bool = true) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.from = from
            self.useTLS = useTLS
        }
    }

    /// Which language model, if any, understands messages before the offline model checks and backs it.
    public enum LanguageModelSettings: Sendable, Equatable {
        case offline
        case remote(name: String, baseURL: String, model: String, apiKey: String?, jsonMode: String, timeoutMs: Int)
    }

    public enum LogFormat: String, Sendable { case text, json }

    public var database: DatabaseLocation
    /// Bearer keys accepted by the API. Empty: the API answers only on loopback.
    public var apiKeys: [String]
    public var actionLogPath: String
    public var logFormat: LogFormat
    public var logLevel: String
    /// Fill the demo store when `serve` finds an empty database.
    public var seedDemoWhenEmpty: Bool
    public var currency: String
    public var policy: SupportPolicy
    /// A model file written by `supportops train`; nil: the model trained from the bundled examples.
    public var modelPath: String?
    /// Below this confidence the agent asks instead of acting.
    public var minConfidence: Double
    public var languageModel: LanguageModelSettings = .offline
    /// Whether the configured language model also restyles replies (checked against the facts).
    public var languageModelReplies = true
    /// The address people reach the portal at, for links in e-mails.
    public var publicURL = "http://127.0.0.1:8080"
    public var mail: MailSettings?
    /// How often the outbox is sent.
    public var outboxIntervalMs = 5000
    /// A connection on which nothing arrives nor leaves for this long is closed: a client that stops sending half way
    /// through a body cannot hold a connection (and the handler waiting for its body) forever.
    public var readTimeoutSeconds = 30
    /// API requests a minute per API key and per client address; 0 turns a limit off.
    public var rateLimitPerKey = 1200
    public var rateLimitPerAddress = 1200
    /// Load balancers whose `X-Forwarded-For` names the client (addresses or IPv4 ranges); none by default.
    public var trustedProxies: [String] = []
    /// The promises for tickets people handle, in business hours.
    public var serviceLevels: ServiceLevelPolicy = .standard
    /// When quiet tickets get a reminder and close.
    public var automation = AutomationSettings()
    /// How often scheduled ticket work (breaches, reminders, closing) runs; 0 turns it off.
    public var automationIntervalSeconds = 60
    /// Conversation state, and the text and files of closed tickets, are removed this many days after their last
    /// change (an hourly job; 0 keeps them).
    public var retentionDays = 0
    /// Serve `POST /benchmark/floor` (the storage work of a status question alone, unauthenticated): for
    /// `Benchmarks/run` only, never in production.
    public var benchmarkFloorRoute = false
    /// A directory with all-MiniLM-L6-v2 (model.safetensors, vocab.txt): retrieval then fuses BM25 with embeddings.
    public var embeddingModelPath: String?

    public init(database: DatabaseLocation, apiKeys: [String] = [], actionLogPath: String = "action_log.jsonl",
                logFormat: LogFormat = .text, logLevel: String = "info", seedDemoWhenEmpty: Bool = true,
                currency: String = "USD", policy: SupportPolicy = .standard, modelPath: String? = nil,
                minConfidence: Double = 0.6) {
        self.modelPath = modelPath
        self.minConfidence = minConfidence
        self.database = database
        self.apiKeys = apiKeys
        self.actionLogPath = actionLogPath
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.seedDemoWhenEmpty = seedDemoWhenEmpty
        self.currency = currency
        self.policy = policy
    }

    /// A setting that cannot be used, named so a person can fix it.
    public struct Invalid: Error, CustomStringConvertible {
        public var variable: Variable
        public var problem: String
        public var description: String { "\(variable.rawValue): \(problem)" }
    }

    /// Reads the configuration from `environment` (the process environment by default). Fails with a sentence.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func value(_ variable: Variable) -> String? {
            environment[variable.rawValue].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        func days(_ variable: Variable, default fallback: Int) throws -> Int {
            guard let raw = value(variable) else { return fallback }
            guard let number = Int(raw), (0...3650).contains(number) else {
                throw Invalid(variable: variable, problem: "must be a whole number of days between 0 and 3650")
            }
            return number
        }
        let database: DatabaseLocation
        do {
            database = try DatabaseLocation(url: value(.databaseURL) ?? DatabaseLocation.defaultURL)
        } catch {
            throw Invalid(variable: .databaseURL, problem: "\(error)")
        }
        let keys = (value(.apiKeys) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let short = keys.first(where: { $0.count < 16 }) {
            _ = short
            throw Invalid(variable: .apiKeys, problem: "every key must be at least 16 characters long")
        }
        // Trace would include PostgreSQL query binds (customer data): the most detailed level allowed is debug.
        let level = value(.logLevel) ?? "info"
        guard ["debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw Invalid(variable: .logLevel, problem: "must be one of debug, info, notice, warning, error, critical")
        }
        guard let format = LogFormat(rawValue: value(.logFormat) ?? "text") else {
            throw Invalid(variable: .logFormat, problem: "must be text or json")
        }
        let defaults = SupportPolicy.standard
        var fraud = defaults.fraud
        if let raw = value(.fraudHighValue) {
            guard let money = Money(decimalString: raw) else { throw Invalid(variable: .fraudHighValue, problem: "must be an amount like 500.00") }
            fraud.highValue = money
        }
        fraud.newAccountDays = try days(.fraudNewAccountDays, default: fraud.newAccountDays)
        fraud.maxRefundRequestsIn90Days = try days(.fraudMaxRequests, default: fraud.maxRefundRequestsIn90Days)
        let policy = SupportPolicy(
            returnWindowDays: try days(.returnWindowDays, default: defaults.returnWindowDays),
            maxRefundsPerWindow: try days(.maxRefunds, default: defaults.maxRefundsPerWindow),
            refundLimitWindowDays: try days(.refundLimitWindowDays, default: defaults.refundLimitWindowDays),
            fraud: fraud)
        let seed = try flag(.seedDemo, value, default: true)
        let currency = value(.currency) ?? "USD"
        guard currency.count == 3, currency.allSatisfy({ $0.isUppercase }) else {
            throw Invalid(variable: .currency, problem: "must be a three-letter ISO code such as USD")
        }
        var minConfidence = 0.6
        if let raw = value(.minConfidence) {
            guard let number = Double(raw), (0...1).contains(number) else {
                throw Invalid(variable: .minConfidence, problem: "must be a number between 0 and 1")
            }
            minConfidence = number
        }
        let languageModel = try languageModelSettings(value)
        var config = AppConfig(database: database, apiKeys: keys, actionLogPath: value(.actionLog) ?? "action_log.jsonl",
                         logFormat: format, logLevel: level,
                         seedDemoWhenEmpty: seed, currency: currency, policy: policy,
                         modelPath: value(.model), minConfidence: minConfidence)
        config.languageModel = languageModel
        config.languageModelReplies = try flag(.llmReplies, value, default: true)
        if let raw = value(.publicURL) {
            guard let url = URL(string: raw), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw Invalid(variable: .publicURL, problem: "must be an http(s) URL such as https://support.example.com")
            }
            config.publicURL = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        }
        func serviceLevelSetting<T>(_ variable: Variable, _ parse: () throws -> T) throws -> T {
            do { return try parse() } catch let error as ServiceLevelError {
                throw Invalid(variable: variable, problem: error.description)
            }
        }
        let zoneName = value(.timeZone) ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw Invalid(variable: .timeZone, problem: "\"\(zoneName)\" is not a time zone; use an IANA name like Europe/Berlin or UTC")
        }
        let holidays = try serviceLevelSetting(.holidays) { try BusinessHours.parseHolidays(value(.holidays) ?? "") }
        let hours = try serviceLevelSetting(.businessHours) {
            try BusinessHours(parsing: value(.businessHours) ?? "Mon-Fri 09:00-17:00", timeZone: zone, holidays: holidays)
        }
        let targets = try serviceLevelSetting(.serviceLevels) { try ServiceLevelPolicy.parseTargets(value(.serviceLevels) ?? "") }
        config.serviceLevels = ServiceLevelPolicy(hours: hours, targets: targets)
        config.automation = AutomationSettings(closeResolvedAfterDays: try days(.autoCloseDays, default: 7),
                                               remindAfterDays: try days(.reminderDays, default: 3))
        config.retentionDays = try days(.retentionDays, default: 0)
        config.benchmarkFloorRoute = try flag(.benchmarkFloor, value, default: false)
        for variable in [Variable.rateLimitPerKey, .rateLimitPerAddress] {
            guard let raw = value(variable) else { continue }
            guard let number = Int(raw), (0...1_000_000).contains(number) else {
                throw Invalid(variable: variable, problem: "must be a whole number of requests a minute, 0 (off) to 1000000")
            }
            if variable == .rateLimitPerKey { config.rateLimitPerKey = number } else { config.rateLimitPerAddress = number }
        }
        if let raw = value(.trustedProxies) {
            let entries = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = entries.first(where: { !TrustedProxies.isValid($0) }) {
                throw Invalid(variable: .trustedProxies, problem: "\(bad) is not an address or an IPv4 range such as 10.0.0.0/8")
            }
            config.trustedProxies = entries
        }
        if let raw = value(.automationIntervalSeconds) {
            guard let number = Int(raw), (0...86_400).contains(number) else {
                throw Invalid(variable: .automationIntervalSeconds, problem: "must be a whole number of seconds between 0 (off) and 86400")
            }
            config.automationIntervalSeconds = number
        }
        if let raw = value(.outboxIntervalMs) {
            guard let number = Int(raw), (100...3_600_000).contains(number) else {
                throw Invalid(variable: .outboxIntervalMs, problem: "must be a number of milliseconds between 100 and 3600000")
            }
            config.outboxIntervalMs = number
        }
        if let raw = value(.readTimeoutSeconds) {
            guard let number = Int(raw), (1...3600).contains(number) else {
                throw Invalid(variable: .readTimeoutSeconds, problem: "must be a whole number of seconds between 1 and 3600")
            }
            config.readTimeoutSeconds = number
        }
        config.mail = try mailSettings(value)
        if let path = value(.embeddingModel) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Invalid(variable: .embeddingModel, problem: "must be a directory holding model.safetensors and vocab.txt")
            }
            config.embeddingModelPath = path
        }
        return config
    }

    /// A true/false setting: true, false, 1, 0, yes or no (any case).
    static func flag(_ variable: Variable, _ value: (Variable) -> String?, default fallback: Bool) throws -> Bool {
        guard let raw = value(variable)?.lowercased() else { return fallback }
        if ["true", "1", "yes"].contains(raw) { return true }
        if ["false", "0", "no"].contains(raw) { return false }
        throw Invalid(variable: variable, problem: "must be true or false")
    }

    static func mailSettings(_ value: (Variable) -> String?) throws -> MailSettings? {
        guard let host = value(.mailServer) else { return nil }
        let useTLS = try flag(.mailUseTLS, value, default: true)
        var port = useTLS ? 465 : 25
        if let raw = value(.mailPort) {
            guard let number = Int(raw), (1...65535).contains(number) else {
                throw Invalid(variable: .mailPort, problem: "must be a port number between 1 and 65535")
            }
            port = number
        }
        let username = value(.mailUsername), password = value(.mailPassword)
        guard (username == nil) == (password == nil) else {
            throw Invalid(variable: username == nil ? .mailUsername : .mailPassword,
                          problem: "MAIL_USERNAME and MAIL_PASSWORD go together")
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        if username != nil, !useTLS, !loopback {
            throw Invalid(variable: .mailUseTLS, problem: "the password would cross the network unencrypted; use TLS")
        }
        let from = value(.mailFrom) ?? "support@supportops.local"
        guard from.range(of: #"^[^@\s<>]+@[^@\s<>]+$"#, options: .regularExpression) != nil else {
            throw Invalid(variable: .mailFrom, problem: "must be an e-mail address")
        }
        return MailSettings(host: host, port: port, username: username, password: password, from: from, useTLS: useTLS)
    }

    static let defaultMistralModel = "mistral-medium-latest"

    static func languageModelSettings(_ value: (Variable) -> String?) throws -> LanguageModelSettings {
        let provider = (value(.llmProvider) ?? "offline").lowercased()
        var timeout = 8000
        if let raw = value(.llmTimeoutMs) {
            guard let number = Int(raw), (100...120_000).contains(number) else {
                throw Invalid(variable: .llmTimeoutMs, problem: "must be a number of milliseconds between 100 and 120000")
            }
            timeout = number
        }
        let jsonMode = value(.llmJSONMode)
        if let jsonMode, !["json_schema", "json_object"].contains(jsonMode) {
            throw Invalid(variable: .llmJSONMode, problem: "must be json_schema or json_object")
        }
        switch provider {
        case "offline":
            return .offline
        case "mistral":
            guard let key = value(.mistralAPIKey) ?? value(.llmAPIKey) else {
                throw Invalid(variable: .mistralAPIKey, problem: "is required when SUPPORTOPS_LLM_PROVIDER=mistral")
            }
            return .remote(name: "mistral", baseURL: value(.llmBaseURL) ?? "https://api.mistral.ai/v1",
                           model: value(.llmModel) ?? defaultMistralModel, apiKey: key, jsonMode: jsonMode ?? "json_schema",
                           timeoutMs: timeout)
        case "openai-compatible", "openai":
            guard let base = value(.llmBaseURL), let url = URL(string: base), url.scheme == "http" || url.scheme == "https",
                  url.host != nil else {
                throw Invalid(variable: .llmBaseURL, problem: "must be the server's base URL, e.g. http://127.0.0.1:8081/v1")
            }
            return .remote(name: "openai-compatible", baseURL: base, model: value(.llmModel) ?? "default",
                           apiKey: value(.llmAPIKey), jsonMode: jsonMode ?? "json_object", timeoutMs: timeout)
        default:
            throw Invalid(variable: .llmProvider, problem: "must be offline, mistral or openai-compatible")
        }
    }
}
