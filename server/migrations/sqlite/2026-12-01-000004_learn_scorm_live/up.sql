-- mobieusLearn, part three: SCORM packages (their zip kept with them, so
-- every process serves them), the runtime results of their SCOs, live
-- sessions and who attended them.
--
-- learn_activities.scorm_package_id and .live_session_id (part one) point
-- here; a package's delete and a scorm activity's write both lock the
-- package's row first, so "no activity uses it" holds without a foreign key
-- (which SQLite could not add to the existing table).

CREATE TABLE learn_scorm_packages (
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    id                 INTEGER PRIMARY KEY,
    title              TEXT NOT NULL,
    identifier         TEXT NOT NULL,
    version            TEXT NOT NULL,
    schema_version     TEXT,
    size_bytes         INTEGER NOT NULL,
    sha256             TEXT NOT NULL,
    entry_count        INTEGER NOT NULL,
    uncompressed_bytes INTEGER NOT NULL,
    sco_count          INTEGER NOT NULL,
    -- organizations, items and SCOs as parsed from imsmanifest.xml
    structure          TEXT NOT NULL,
    content            BLOB NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX learn_scorm_packages_version ON learn_scorm_packages (tenant_id, version, id);
CREATE INDEX learn_activities_scorm ON learn_activities (tenant_id, scorm_package_id) WHERE scorm_package_id IS NOT NULL;
CREATE INDEX learn_activities_live ON learn_activities (tenant_id, live_session_id) WHERE live_session_id IS NOT NULL;

-- The latest state a SCO reported for an enrollment and activity.
CREATE TABLE learn_scorm_results (
    tenant_id         INTEGER NOT NULL,
    id                INTEGER PRIMARY KEY,
    enrollment_id     INTEGER NOT NULL,
    activity_id       INTEGER NOT NULL,
    package_id        INTEGER NOT NULL,
    sco               TEXT NOT NULL,
    lesson_status     TEXT,
    completion_status TEXT,
    success_status    TEXT,
    score_raw         REAL,
    score_min         REAL,
    score_max         REAL,
    score_scaled      REAL,
    done              INTEGER NOT NULL,
    recorded_at       TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, enrollment_id, activity_id, sco),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES learn_enrollments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, activity_id) REFERENCES learn_activities (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_scorm_results_enrollment ON learn_scorm_results (tenant_id, enrollment_id, id);

CREATE TABLE learn_live_sessions (
    tenant_id         INTEGER NOT NULL,
    id                INTEGER PRIMARY KEY,
    course_id         INTEGER NOT NULL,
    title             TEXT NOT NULL,
    starts_at         TEXT NOT NULL,
    duration_minutes  INTEGER NOT NULL,
    ends_at           TEXT NOT NULL,
    host_user_id      INTEGER NOT NULL,
    join_url          TEXT NOT NULL,
    status            TEXT NOT NULL,
    cancel_reason     TEXT,
    cancelled_at      TEXT,
    recording_file_id INTEGER,
    recording_url     TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES learn_courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, host_user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, recording_file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX learn_live_sessions_starts ON learn_live_sessions (tenant_id, starts_at, id);
CREATE INDEX learn_live_sessions_course ON learn_live_sessions (tenant_id, course_id, starts_at, id);

CREATE TABLE learn_live_attendance (
    tenant_id     INTEGER NOT NULL,
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL,
    enrollment_id INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    recorded_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, session_id, enrollment_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES learn_live_sessions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES learn_enrollments (tenant_id, id) ON DELETE CASCADE
);
