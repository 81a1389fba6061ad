@testable import calltap
import Control
import Testing

/// `storage.retention`, `storage.whenFull` and a business unit's `keepDays`/`archiveAction`:
/// read into the rules the tracker and the sweeper use, and refused with a line when wrong.
@Suite struct RetentionConfigurationTests {
    @Test func retentionIsReadIntoTheRulesAndTheSweeper() throws {
        let configuration = try ConfigurationFile.parse("""
            storage:
              root: /var/lib/calltap
              whenFull: deleteOldestExpired
              retention: { defaultDays: 90, archiveAction: move, archiveRoot: /srv/archive, sweepIntervalSeconds: 600 }
            businessUnits:
              - { id: 3, policy: on-demand, keepDays: 365 }
              - { id: 4, archiveAction: delete }
            agents:
              - { id: 1, phone: "5001", keepDays: 7 }
            """, file: "t.yaml")
        #expect(configuration.agents.first?.retention == RetentionChoice(keepDays: 7))
        #expect(configuration.policies.retention == RetentionRules(
            defaultDays: 90, defaultAction: .move,
            byBusinessUnit: [3: RetentionChoice(keepDays: 365), 4: RetentionChoice(action: .delete)]))
        #expect(configuration.policies.byBusinessUnit == [3: .onDemand])
        #expect(configuration.sweep.archiveRoot == "/srv/archive")
        #expect(configuration.sweep.intervalSeconds == 600)
        #expect(configuration.sweep.whenFull == .deleteOldestExpired)
        // Without retention settings, recordings are kept for ever and a full disk stops recording.
        let plain = try ConfigurationFile.parse("storage: { root: /tmp/r }", file: "t.yaml")
        #expect(plain.policies.retention == RetentionRules() && plain.sweep == SweepSettings())
        #expect(plain.sweep.auditKeepDays == 365)
        #expect(try ConfigurationFile.parse("audit: { keepDays: 30 }", file: "t.yaml").sweep.auditKeepDays == 30)
        #expect(try ConfigurationFile.parse("audit: { keepDays: null }", file: "t.yaml").sweep.auditKeepDays == nil)
        #expect(problems("audit: { keepDays: 0 }").first?.hasPrefix("t.yaml:1: audit.keepDays:") == true)
    }

    @Test func wrongRetentionSettingsAreRefusedWithTheirLine() {
        let found = problems("""
            storage:
              root: /var/lib/calltap
              whenFull: panic
              retention: { defaultDays: -3, archiveAction: shred, sweepIntervalSeconds: 0, keep: 1 }
            """)
        for (line, path, words) in [(3, "storage.whenFull", "'panic'"), (4, "storage.retention.defaultDays", "-3"),
                                    (4, "storage.retention.archiveAction", "'shred'"),
                                    (4, "storage.retention.sweepIntervalSeconds", "0"), (4, "storage.retention.keep", "keep")] {
            #expect(found.contains { $0.hasPrefix("t.yaml:\(line): \(path):") && $0.contains(words) }, "\(path) in \(found)")
        }
        #expect(found.count == 5, "\(found)")
        #expect(problems("storage: { retention: { defaultDays: -3 } }").first?.contains("storage.retention.defaultDays") == true)
        #expect(problems("storage: { retention: { archiveAction: shred } }").first?.contains("unknown archive action 'shred'") == true)
        // A move needs somewhere to move to, outside the storage root.
        #expect(problems("businessUnits: [{ id: 2, keepDays: 7, archiveAction: move }]")
                == ["t.yaml:1: storage.retention.archiveRoot: archiveAction 'move' needs an archive root"])
        #expect(problems("storage: { root: /data/rec, retention: { archiveRoot: /data/rec/old } }")
                == ["t.yaml:1: storage.retention.archiveRoot: archiveRoot '/data/rec/old' is the storage root or inside it"])
        #expect(problems("storage: { retention: { archiveRoot: archive } }")
                == ["t.yaml:1: storage.retention.archiveRoot: archiveRoot 'archive' must be an absolute path"])
        #expect(problems("businessUnits: [{ id: 2, keepDays: 40000 }]").first?.contains("businessUnits[0].keepDays") == true)
        #expect(problems(#"agents: [{ id: 2, phone: "5002", archiveAction: move }]"#)
                == ["t.yaml:1: storage.retention.archiveRoot: archiveAction 'move' needs an archive root"])
    }
}
