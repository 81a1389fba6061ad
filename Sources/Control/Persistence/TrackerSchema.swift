import GRDB

/// The tables of `calltap.sqlite` and how each version of the schema is reached. Migrations are
/// append-only: a released one is never edited, a change is a new one.
enum TrackerSchema {
    /// The migrations of a database in `root` (the storage root it was found in).
    static func migrator(root: StorageRoot) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: agents, calls, recordings") { db in
            // Agents and calls are documents the tracker owns (JSON): the store does not look inside.
            try db.execute(sql: """
                CREATE TABLE agents (
                    id INTEGER PRIMARY KEY,
                    document BLOB NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE calls (
                    callInstance TEXT PRIMARY KEY NOT NULL,
                    document BLOB NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE recordings (
                    recordingIdentifier TEXT PRIMARY KEY NOT NULL,
                    callInstance TEXT NOT NULL,
                    agentId INTEGER,
                    isDuplicate BOOLEAN NOT NULL,
                    segment INTEGER NOT NULL,
                    startNanos INTEGER NOT NULL,
                    endNanos INTEGER,
                    state TEXT NOT NULL,
                    endReason TEXT,
                    sidecarPath TEXT NOT NULL,
                    audioPaths TEXT NOT NULL,
                    format TEXT NOT NULL,
                    sampleRate INTEGER NOT NULL,
                    channelRoles TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                -- The search walks newest first by (startNanos, recordingIdentifier); each filter
                -- index ends with the same pair so that a filtered page is one index range, not a sort.
                CREATE INDEX recordings_by_start ON recordings(startNanos DESC, recordingIdentifier DESC);
                CREATE INDEX recordings_by_agent ON recordings(agentId, startNanos DESC, recordingIdentifier DESC);
                CREATE INDEX recordings_by_call ON recordings(callInstance, startNanos DESC, recordingIdentifier DESC);
                -- Startup asks for the recordings that are not Stopped.
                CREATE INDEX recordings_by_state ON recordings(state);
                """)
        }
        migrator.registerMigration("v2: recording paths relative to the storage root") { db in
            // v1 stored absolute paths: a copy of the root under another path still named the old
            // files. Paths under this root, or laid out as a root lays them out, become relative.
            for row in try Row.fetchAll(db, sql: "SELECT recordingIdentifier, sidecarPath, audioPaths FROM recordings") {
                let audioPaths = try RecordingIndexEntry.decodeJSON([String].self, row["audioPaths"])
                    .map(root.relativeAfterMove)
                try db.execute(sql: "UPDATE recordings SET sidecarPath = ?, audioPaths = ? WHERE recordingIdentifier = ?",
                               arguments: [root.relativeAfterMove(row["sidecarPath"]),
                                           try RecordingIndexEntry.jsonText(audioPaths), row["recordingIdentifier"]])
            }
        }
        migrator.registerMigration("v3: the agent directory") { db in
            // The agents as the configuration seeded them and the agents API changed them: a
            // `DirectoryEntry` document per agent id, which the tracker owns.
            try db.execute(sql: """
                CREATE TABLE directory (
                    id INTEGER PRIMARY KEY,
                    document BLOB NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4: retention and legal hold") { db in
            // Retention is set when a recording finishes (`expiresNanos` from its end); a hold is
            // set and lifted through the API alone. The sweeper walks the expired, unheld rows by expiry.
            try db.execute(sql: """
                ALTER TABLE recordings ADD COLUMN keepDays INTEGER;
                ALTER TABLE recordings ADD COLUMN archiveAction TEXT;
                ALTER TABLE recordings ADD COLUMN expiresNanos INTEGER;
                ALTER TABLE recordings ADD COLUMN holdReason TEXT;
                ALTER TABLE recordings ADD COLUMN holdPlacedNanos INTEGER;
                CREATE INDEX recordings_by_expiry ON recordings(expiresNanos, recordingIdentifier)
                    WHERE expiresNanos IS NOT NULL AND holdPlacedNanos IS NULL;
                """)
        }
        migrator.registerMigration("v5: announcements") { db in
            // The outbox of announcements (docs/API.md "Announcements"): one row per recording,
            // destination and revision until the destination acknowledges it. The sidecar and
            // the agent are the recording's row's; `nextAttemptAt` and `createdAt` are Unix seconds.
            // `announcementRevisions` keeps each announced recording's latest revision, after its
            // rows are gone, so that a rewrite months later is announced as the next one.
            try db.execute(sql: """
                CREATE TABLE announcements (
                    recordingIdentifier TEXT NOT NULL,
                    destination TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    nextAttemptAt DOUBLE NOT NULL,
                    lastError TEXT,
                    createdAt DOUBLE NOT NULL,
                    PRIMARY KEY (recordingIdentifier, destination, revision)
                );
                CREATE INDEX announcements_due ON announcements(destination, nextAttemptAt);
                CREATE TABLE announcementRevisions (
                    recordingIdentifier TEXT PRIMARY KEY NOT NULL,
                    revision INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v6: audit trail") { db in
            // Append-only: rows are added, and removed only when older than `audit.keepDays`.
            try db.execute(sql: """
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    timeNanos INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    client TEXT,
                    action TEXT NOT NULL,
                    agentId INTEGER,
                    recordingIdentifier TEXT,
                    status INTEGER NOT NULL,
                    outcome TEXT NOT NULL
                );
                CREATE INDEX audit_by_time ON audit(timeNanos);
                CREATE INDEX audit_by_agent ON audit(agentId, id);
                CREATE INDEX audit_by_actor ON audit(actor, id);
                CREATE INDEX audit_by_recording ON audit(recordingIdentifier, id);
                """)
        }
        migrator.registerMigration("v7: audit entries from the cluster") { db in
            // A blackout decided on another server, once per decision however often it arrives.
            try db.execute(sql: """
                ALTER TABLE audit ADD COLUMN originServer TEXT;
                ALTER TABLE audit ADD COLUMN originSequence INTEGER;
                CREATE UNIQUE INDEX audit_by_origin ON audit(originServer, originSequence) WHERE originServer IS NOT NULL;
                """)
        }
        return migrator
    }
}
