import Foundation
import Vapor

/// Runs one pass of background work every interval while the server runs (the outbox, the scheduled ticket work). A
/// failed pass is logged by its error's type (never its description, which may quote stored text) and the next one
/// comes on time.
final class RepeatingTask: LifecycleHandler, @unchecked Sendable {
    let name: String
    let interval: Duration
    let logger: Logger
    let pass: @Sendable () async throws -> Void
    private var task: Task<Void, Never>?

    init(_ name: String, every interval: Duration, logger: Logger, pass: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.pass = pass
    }

    func didBootAsync(_ application: Application) async throws {
        let name = name, interval = interval, logger = logger, pass = pass
        task = Task {
            while !Task.isCancelled {
                do { try await pass() } catch {
                    logger.error("\(name) pass failed", metadata: ["error": .string(String(describing: type(of: error)))])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        task = nil
    }
}
