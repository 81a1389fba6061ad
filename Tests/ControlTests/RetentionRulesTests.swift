import Testing
@testable import Control

/// Where a recording's retention comes from: the call's metadata, else the business unit, else
/// the default; and which values a client may set.
@Suite struct RetentionRulesTests {
    let rules = RetentionRules(defaultDays: 90, defaultAction: .delete,
                               byBusinessUnit: [3: RetentionChoice(keepDays: 365, action: .move), 4: RetentionChoice(action: .move)])

    @Test func metadataWinsOverTheBusinessUnitWhichWinsOverTheDefault() {
        #expect(rules.retention(metadata: ["keepdays": "-1", "archiveaction": "-1"], businessUnit: nil)
                == RecordingRetention(keepDays: 90, action: .delete))
        #expect(rules.retention(metadata: [:], businessUnit: 3) == RecordingRetention(keepDays: 365, action: .move))
        #expect(rules.retention(metadata: [:], businessUnit: 4) == RecordingRetention(keepDays: 90, action: .move))
        #expect(rules.retention(metadata: ["keepdays": "7"], businessUnit: 3) == RecordingRetention(keepDays: 7, action: .move))
        #expect(rules.retention(metadata: ["keepdays": "0", "archiveaction": "DELETE"], businessUnit: 3)
                == RecordingRetention(keepDays: 0, action: .delete))
        // The agent's own entry comes before its business unit, each part on its own.
        #expect(rules.retention(metadata: [:], agent: RetentionChoice(keepDays: 10), businessUnit: 3)
                == RecordingRetention(keepDays: 10, action: .move))
        #expect(rules.retention(metadata: ["keepdays": "2"], agent: RetentionChoice(keepDays: 10, action: .delete), businessUnit: 3)
                == RecordingRetention(keepDays: 2, action: .delete))
        // No days anywhere: kept for ever, whatever the action.
        #expect(RetentionRules().retention(metadata: ["archiveaction": "move"], businessUnit: 3) == nil)
        #expect(RetentionRules().retention(metadata: ["keepdays": "5"], businessUnit: nil) == RecordingRetention(keepDays: 5, action: .delete))
    }

    @Test func aClientMaySetDaysAndAnActionAndNothingElse() {
        for ok in ["-1", "", "0", "30", "36500"] { #expect(RetentionRules.problem(key: "keepdays", value: ok) == nil, "\(ok)") }
        for bad in ["-2", "36501", "thirty", "1.5"] { #expect(RetentionRules.problem(key: "keepdays", value: bad) != nil, "\(bad)") }
        for ok in ["-1", "", "delete", "Move"] { #expect(RetentionRules.problem(key: "archiveaction", value: ok) == nil, "\(ok)") }
        for bad in ["archive", "0", "purge"] { #expect(RetentionRules.problem(key: "archiveaction", value: bad) != nil, "\(bad)") }
        #expect(RetentionRules.problem(key: "user1", value: "anything") == nil)
        #expect(rules.anyMoves && !RetentionRules().anyMoves)
    }
}
