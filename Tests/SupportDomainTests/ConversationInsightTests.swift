import Foundation
import SupportDomain
import Testing

/// The conversation figures at the edges of their definition: 8 quiet days resolve, 6 do not; an escalated turn makes
/// the conversation escalated whatever came after; asking back counts once per conversation; the filters.
@Suite struct ConversationInsightTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let day: TimeInterval = 86_400

    static func turn(_ conversation: String, daysAgo: Double, intent: Intent = .refund, language: String = "en",
                     channel: ConversationTurn.Channel = .api, asked: Bool = false, escalated: Bool = false,
                     confidence: Double = 0.9) -> ConversationTurn {
        ConversationTurn(conversationID: conversation, customerID: CustomerID(1), requestID: "r", channel: channel,
                         language: language, intent: intent, confidence: confidence, orderID: nil, action: nil, success: nil,
                         errorCode: nil, needsClarification: asked, escalated: escalated, text: "t", reply: "r", trace: [],
                         createdAt: now.addingTimeInterval(-daysAgo * day))
    }

    static let turns = [
        turn("quiet8", daysAgo: 8),
        turn("quiet6", daysAgo: 6),
        turn("askedThenDone", daysAgo: 12, asked: true), turn("askedThenDone", daysAgo: 12, asked: true),
        turn("askedThenDone", daysAgo: 11.9),
        turn("escalatedThenQuiet", daysAgo: 20, intent: .escalate, escalated: true), turn("escalatedThenQuiet", daysAgo: 19.5),
        turn("spanishPortal", daysAgo: 10, intent: .status, language: "es", channel: .portal, confidence: 0.4),
        turn("before", daysAgo: 40),
    ]

    @Test func figuresFollowTheDefinition() {
        // 30 whole days (UTC), as the dashboard asks: the 29 days before today, and today.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Self.now)
        let from = today.addingTimeInterval(-29 * Self.day), to = today.addingTimeInterval(Self.day)
        let insight = ConversationInsight.compute(ConversationSummary.summarize(Self.turns), from: from, to: to, now: Self.now)
        #expect(insight.conversations == 5)
        #expect(insight.automatic == 3) // quiet8, askedThenDone, spanishPortal
        #expect(insight.escalated == 1)
        #expect(insight.pending == 1) // quiet6
        #expect(insight.askedBack == 1)
        #expect(insight.clarificationRate == 0.2)
        #expect(insight.days.count == 30)
        #expect(insight.days.map(\.opened).reduce(0, +) == 5)
        #expect(insight.days.map(\.automatic).reduce(0, +) == 3)
        let refund = insight.intents.first { $0.intent == "refund" }
        #expect(refund?.conversations == 3 && refund?.pending == 1 && refund?.askedBack == 1)
        // Nothing in an empty period.
        let empty = ConversationInsight.compute([], from: from, to: to, now: Self.now)
        #expect(empty.conversations == 0 && empty.automaticRate == nil)
    }

    @Test func theReviewFilterNarrowsConversations() {
        let summaries = ConversationSummary.summarize(Self.turns)
        let all = ReviewFilter(from: .distantPast, to: .distantFuture)
        #expect(summaries.filter(all.admits).count == 6)
        var filter = all
        filter.language = "es"
        #expect(summaries.filter(filter.admits).map(\.conversationID) == ["spanishPortal"])
        filter = all
        filter.confidenceBelow = 0.5
        #expect(summaries.filter(filter.admits).map(\.conversationID) == ["spanishPortal"])
        filter = all
        filter.askedBack = true
        #expect(summaries.filter(filter.admits).map(\.conversationID) == ["askedThenDone"])
        filter = all
        filter.outcome = .escalated
        #expect(summaries.filter(filter.admits).map(\.conversationID) == ["escalatedThenQuiet"])
        filter = all
        filter.channel = .portal
        #expect(summaries.filter(filter.admits).count == 1)
        // Newest first; the three turns of one conversation are one row.
        #expect(summaries.first?.conversationID == "quiet6")
        #expect(summaries.first { $0.conversationID == "askedThenDone" }?.turns == 3)
    }
}
