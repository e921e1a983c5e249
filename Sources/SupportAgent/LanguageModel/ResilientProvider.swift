import Foundation
public import Logging

/// Wraps a provider with what a network dependency needs: a per-request budget, retries with exponential backoff on
/// 429 and 5xx, and a circuit breaker that stops calling a failing provider for a while.
public struct ResilientProvider: LanguageModelProvider {
    public struct Policy: Sendable {
        public var budget: Duration
        public var maxRetries: Int
        public var backoff: Duration
        public var failureThreshold: Int
        public var cooldown: Duration

        public init(budget: Duration = .seconds(8), maxRetries: Int = 2, backoff: Duration = .milliseconds(200),
                    failureThreshold: Int = 3, cooldown: Duration = .seconds(30)) {
            self.budget = budget
            self.maxRetries = maxRetries
            self.backoff = backoff
            self.failureThreshold = failureThreshold
            self.cooldown = cooldown
        }
    }

    let inner: any LanguageModelProvider
    let policy: Policy
    let breaker: CircuitBreaker
    let logger: Logger

    public var name: String { inner.name }

    public init(_ inner: any LanguageModelProvider, policy: Policy = .init(), logger: Logger = Logger(label: "supportops.llm")) {
        self.inner = inner
        self.policy = policy
        self.breaker = CircuitBreaker(threshold: policy.failureThreshold, cooldown: policy.cooldown)
        self.logger = logger
    }

    /// `deadline` is capped by the policy's budget.
    public func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> String {
        let deadline = min(deadline, ContinuousClock.now + policy.budget)
        let start = ContinuousClock.now
        guard await breaker.allowsCall() else {
            AgentMetrics.languageModelCall(provider: name, outcome: LanguageModelError.circuitOpen.kind, since: start)
            throw LanguageModelError.circuitOpen
        }
        var attempt = 0
        while true {
            do {
                let answer = try await inner.complete(request, deadline: deadline)
                await breaker.recordSuccess()
                AgentMetrics.languageModelCall(provider: name, outcome: "ok", since: start)
                return answer
            } catch let error as LanguageModelError {
                let delay = policy.backoff * (1 << attempt)
                if error.isRetryable, attempt < policy.maxRetries, ContinuousClock.now + delay < deadline {
                    attempt += 1
                    logger.info("language model call failed, retrying", metadata: ["provider": .string(name),
                        "error": .string(error.description), "attempt": .stringConvertible(attempt)])
                    try? await Task.sleep(for: delay)
                    continue
                }
                await breaker.recordFailure()
                AgentMetrics.languageModelCall(provider: name, outcome: error.kind, since: start)
                throw error
            }
        }
    }
}

/// Opens after `threshold` consecutive failures and lets one call through again after `cooldown`.
public actor CircuitBreaker {
    let threshold: Int
    let cooldown: Duration
    private var failures = 0
    private var openUntil: ContinuousClock.Instant?

    public init(threshold: Int, cooldown: Duration) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    public func allowsCall() -> Bool {
        guard let openUntil else { return true }
        if ContinuousClock.now >= openUntil {
            self.openUntil = nil // half-open: one call decides
            failures = threshold - 1
            return true
        }
        return false
    }

    public func recordSuccess() {
        failures = 0
        openUntil = nil
    }

    public func recordFailure() {
        failures += 1
        if failures >= threshold { openUntil = ContinuousClock.now + cooldown }
    }

    public var isOpen: Bool { openUntil.map { ContinuousClock.now < $0 } ?? false }
}
