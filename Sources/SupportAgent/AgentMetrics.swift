import CoreMetrics
import Foundation
import SupportDomain

/// What the agent counts, through swift-metrics (the server bootstraps Prometheus; without a backend these are no-ops).
/// Labels carry closed sets only (intents, actions, error codes), never text or ids.
enum AgentMetrics {
    /// One resolved message: its intent, what came of it, and whether it ran for real or as a proposal.
    static func resolution(intent: Intent, asked: Bool, proposed: Bool, escalated: Bool, result: ToolResult?,
                           mode: ExecutionMode) {
        let outcome = asked ? "clarified" : proposed ? "proposed" : escalated ? "escalated"
            : result.map { $0.success ? "acted" : "refused" } ?? "answered"
        Counter(label: "supportops_resolutions_total",
                dimensions: [("intent", intent.rawValue), ("outcome", outcome), ("mode", Self.name(mode))])
            .increment()
        if asked { Counter(label: "supportops_clarifications_total", dimensions: [("intent", intent.rawValue)]).increment() }
    }

    static func name(_ mode: ExecutionMode) -> String {
        switch mode {
        case .execute: "execute"
        case .propose: "propose"
        case .dryRun: "dry_run"
        }
    }

    /// A guarded tool that ran (not a preview): its action and result ("ok" or the rule's error code).
    static func toolCall(_ result: ToolResult) {
        Counter(label: "supportops_tool_calls_total",
                dimensions: [("action", result.action.rawValue), ("result", result.success ? "ok" : result.error?.code ?? "refused")])
            .increment()
        if result.refundStatus == .pendingReview { Counter(label: "supportops_refunds_held_total").increment() }
    }

    /// One call to the language model with its outcome ("ok", "timeout", "circuit_open", …) and duration.
    static func languageModelCall(provider: String, outcome: String, since start: ContinuousClock.Instant) {
        Counter(label: "supportops_llm_requests_total", dimensions: [("provider", provider), ("outcome", outcome)]).increment()
        let elapsed = (ContinuousClock.now - start).components
        Timer(label: "supportops_llm_duration_seconds", dimensions: [("provider", provider)])
            .recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    /// The offline model answered instead of the language model, and why (the error's case; "other" for anything else).
    static func languageModelFallback(_ error: any Error) {
        Counter(label: "supportops_llm_fallbacks_total",
                dimensions: [("reason", (error as? LanguageModelError)?.kind ?? "other")]).increment()
    }

    static func mailSent() { Counter(label: "supportops_mail_sent_total").increment() }

    /// A delivery attempt the mail server refused or that did not reach it (it is retried with backoff).
    static func mailFailure() { Counter(label: "supportops_mail_failures_total").increment() }
}
