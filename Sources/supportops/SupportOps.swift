public import ArgumentParser
import Foundation
import SupportDomain
import SupportCommands
import SupportServer

/// The `supportops` command: argument parsing only; the work lives in SupportServer.
@main
struct SupportOpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supportops",
        abstract: "Resolve customer-support requests safely, with an audit trail.",
        version: SupportOpsVersion.current,
        subcommands: [Serve.self, Migrate.self, Seed.self, Import.self, Customer.self, Resolve.self, Eval.self, Train.self, Bench.self,
                      EvalRetrieval.self, BenchRetrieval.self, EvalConversations.self],
        defaultSubcommand: Serve.self)
}

/// Reads the environment once and sets up logging; a bad setting stops here with its variable named.
func loadConfig() throws -> AppConfig {
    do {
        let config = try AppConfig.fromEnvironment()
        SupportLogging.bootstrap(config)
        return config
    } catch {
        throw ValidationError("Configuration error: \(error)")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate, seed an empty database with demo data, and serve HTTP.")
    @Option(help: "Address to listen on.") var hostname = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "A model file from `supportops train` (default: the bundled model; or SUPPORTOPS_MODEL).") var model: String?

    func run() async throws {
        var config = try loadConfig()
        if let model { config.modelPath = model }
        try await SupportOperations.serve(config: config, hostname: hostname, port: port)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema.")
    @Flag(help: "Undo all migrations (drops every table).") var revert = false

    func run() async throws {
        print(try await SupportOperations.migrate(config: try loadConfig(), revert: revert))
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill a deterministic demo store.")
    @Option(help: "Generated customers besides the named demo ones.") var customers = 40
    @Option(help: "Generated orders besides the demo ones.") var orders = 160
    @Option(help: "Generated conversations over the past year, for the dashboard and the review page at scale (added even when the store already holds customers).")
    var conversations = 0
    @Option(help: "Generated tickets over the past year, each with its first message, for the dashboard and the ticket list at scale (added even when the store already holds customers).")
    var tickets = 0
    @Flag(help: "Delete all existing data first.") var reset = false

    func validate() throws {
        guard customers >= 0, orders >= 0, conversations >= 0, tickets >= 0 else {
            throw ValidationError("--customers, --orders, --conversations and --tickets must not be negative.")
        }
        guard orders == 0 || customers > 0 else { throw ValidationError("--orders needs at least one --customers.") }
    }

    func run() async throws {
        print(try await SupportOperations.seed(config: try loadConfig(), customers: customers, orders: orders,
                                                 conversations: conversations, tickets: tickets, reset: reset))
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load customers, products, orders and refunds from a JSON file.")
    @Option(help: "Path of the JSON document.") var file: String

    func run() async throws {
        do {
            print(try await SupportOperations.importData(config: try loadConfig(), file: file))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("Import refused, nothing was imported: \(error)")
        }
    }
}

struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Data-protection requests: export everything stored about a customer, or erase their personal data.",
        subcommands: [Export.self, Erase.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write everything stored about a customer as one JSON document.")
        @Option(help: "The customer's id.") var id: Int64
        @Option(help: "A file to write (default: standard output).") var out: String?

        func run() async throws {
            guard let data = try await SupportOperations.exportCustomer(config: try loadConfig(), id: id) else {
                throw ValidationError("There is no customer \(id).")
            }
            if let out {
                try data.write(to: URL(fileURLWithPath: out))
            } else {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove or anonymise a customer's personal data (names, addresses, text, files, sign-in); orders, "
                + "refunds, replacements and the audit trail stay, without anything that names the person.")
        @Option(help: "The customer's id.") var id: Int64
        @Flag(help: "Confirm: this cannot be undone.") var yes = false

        func validate() throws {
            guard yes else { throw ValidationError("Erasure cannot be undone: add --yes to confirm.") }
        }

        func run() async throws {
            guard let report = try await SupportOperations.eraseCustomer(config: try loadConfig(), id: id) else {
                throw ValidationError("There is no customer \(id).")
            }
            print("Erased customer \(id): \(report.accounts) accounts, \(report.tickets) tickets (\(report.messages) messages, "
                + "\(report.attachments) files), \(report.conversations) conversations, \(report.escalations) escalations, "
                + "\(report.mails) e-mails.")
        }
    }
}

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resolve one message as a customer and print the response JSON.")
    @Option(help: "The customer's id.") var user: Int64
    @Option(help: "Continue this conversation.") var conversation: String?
    @ArgumentParser.Argument(help: "The customer's message.") var text: String

    func validate() throws {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= MessageLimits.maxCharacters else {
            throw ValidationError("The message must be 1 to \(MessageLimits.maxCharacters) characters.")
        }
    }

    func run() async throws {
        print(try await SupportOperations.resolve(config: try loadConfig(), user: user, text: text, conversationID: conversation))
    }
}

extension ModelOperations.Understander: ExpressibleByArgument {}

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Score the intent model on a labelled CSV file.")
    @Option(help: "CSV file with a header row.") var data: String
    @Option(help: "Column holding the message.") var textColumn = "text"
    @Option(help: "Column holding the intent label.") var labelColumn = "intent"
    @Option(help: "A model file from `supportops train` (default: the bundled model).") var model: String?
    @Option(help: "Which understanding to score: offline (trained model), rules, or llm (the configured provider).") var provider: ModelOperations.Understander = .offline
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Also list this many misclassified messages.") var errors = 0
    @Option(help: "Below this confidence the agent asks instead of acting; counted as other (default: SUPPORTOPS_MIN_CONFIDENCE or 0.6).")
    var minConfidence: Double?
    @Option(help: "agent: the decision the agent makes on a first message (model, phrases, negations); model: the model alone.")
    var stage: ModelOperations.Stage = .agent

    func run() async throws {
        let config = try loadConfig()
        do {
            print(try await ModelOperations.evaluate(dataPath: data, textColumn: textColumn, labelColumn: labelColumn,
                                                     asJSON: json, modelPath: model, understander: provider,
                                                     minConfidence: minConfidence ?? config.minConfidence, config: config,
                                                     showErrors: errors, stage: stage))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train an intent model from a labelled CSV (text,intent).")
    @Option(help: "CSV file with columns text and intent.") var data: String
    @Option(help: "Where to write the model (JSON).") var out: String

    func run() async throws {
        do {
            print(try ModelOperations.train(dataPath: data, outPath: out))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time model training and per-message classification.")
    @Option(help: "Messages to classify (CSV with a text column); default: the bundled examples.") var data: String?
    @Option(help: "How many passes over the messages.") var repeats = 20

    func run() async throws {
        print(try await ModelOperations.bench(dataPath: data, repeats: max(1, repeats)))
    }
}

struct EvalRetrieval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval-retrieval",
                                                    abstract: "Score retrieval: recall@1, recall@3 and MRR on labelled questions.")
    @Option(help: "CSV with columns question and relevant (ids separated by |).") var data = "evaluation/retrieval.csv"
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Also list this many questions whose answer is not in the top 3.") var misses = 0

    func run() async throws {
        do {
            print(try ModelOperations.evaluateRetrieval(dataPath: data, asJSON: json, showMisses: misses, config: try loadConfig()))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct BenchRetrieval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-retrieval",
                                                    abstract: "Index generated articles and time queries.")
    @Option(help: "How many articles to generate.") var articles = 100_000
    @Option(help: "How many queries to time.") var queries = 2_000

    func run() async throws {
        print(try ModelOperations.benchRetrieval(articles: max(1, articles), queries: max(1, queries)))
    }
}

extension SupportOperations.ConversationProvider: ExpressibleByArgument {}

struct EvalConversations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-conversations",
        abstract: "Replay scripted conversations (CONVERSATIONS.md) on a fresh store; check each turn and the rows left behind.")
    @Option(help: "The conversation file (JSON).") var data: String
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "offline (the trained model) or llm (the language model configured in the environment).")
    var provider: SupportOperations.ConversationProvider = .offline
    @Option(help: "Play only these conversation ids, separated by commas.") var only: String?
    @Flag(help: "Print every turn and the checks that failed; show the service's log lines.") var verbose = false
    @Option(help: "Exit with status 1 when the conversation pass rate is below this (0...1).") var minPass = 0.0

    func validate() throws {
        guard (0...1).contains(minPass) else { throw ValidationError("--min-pass must be between 0 and 1.") }
    }

    func run() async throws {
        var config: AppConfig
        do {
            config = try AppConfig.fromEnvironment()
        } catch {
            throw ValidationError("Configuration error: \(error)")
        }
        // The service's own lines are captured by the evaluator; anything else logs only warnings unless --verbose.
        config.logLevel = verbose ? "info" : "warning"
        SupportLogging.bootstrap(config)
        let ids = only?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let outcome: SupportOperations.ConversationRun
        do {
            outcome = try await SupportOperations.evaluateConversations(
                config: config, dataPath: data, provider: provider, only: ids, asJSON: json, verbose: verbose, minPass: minPass)
        } catch let error as ConversationSetError {
            throw ValidationError("\(error)")
        }
        print(outcome.report)
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

extension ModelOperations.Stage: ExpressibleByArgument {}
