-- The same tables as migrations/postgres, in SQLite's terms (rowid ids with
-- UNIQUE (tenant_id, id), TEXT timestamps and JSON).
--
-- mobieusLearn, part one: courses and their outline (modules → lessons →
-- activities), enrollments and what each has done. Keyed by tenant_id first,
-- like every tenant table; foreign keys carry tenant_id.
--
-- Order within a parent is `position` (1..n, renumbered in the transaction
-- that creates, deletes or reorders a sibling; the parent's row is updated
-- first, so concurrent changes to one parent's children queue on it).

CREATE TABLE learn_courses (
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id),
    id                      INTEGER PRIMARY KEY,
    title                   TEXT NOT NULL,
    -- lower-cased title, folded in Rust so both backends search alike
    title_folded            TEXT NOT NULL,
    summary                 TEXT,
    status                  TEXT NOT NULL,
    certificate_template_id INTEGER,
    published_at            TEXT,
    archived_at             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX learn_courses_status ON learn_courses (tenant_id, status, id);
CREATE INDEX learn_courses_updated ON learn_courses (tenant_id, updated_at, id);

CREATE TABLE learn_modules (
    tenant_id  INTEGER NOT NULL,
    id         INTEGER PRIMARY KEY,
    course_id  INTEGER NOT NULL,
    title      TEXT NOT NULL,
    position   INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES learn_courses (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_modules_course ON learn_modules (tenant_id, course_id, position);

CREATE TABLE learn_lessons (
    tenant_id  INTEGER NOT NULL,
    id         INTEGER PRIMARY KEY,
    module_id  INTEGER NOT NULL,
    course_id  INTEGER NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT,
    position   INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, module_id) REFERENCES learn_modules (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_lessons_module ON learn_lessons (tenant_id, module_id, position);
CREATE INDEX learn_lessons_course ON learn_lessons (tenant_id, course_id);

CREATE TABLE learn_activities (
    tenant_id        INTEGER NOT NULL,
    id               INTEGER PRIMARY KEY,
    lesson_id        INTEGER NOT NULL,
    course_id        INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    required         INTEGER NOT NULL,
    position         INTEGER NOT NULL,
    -- what the kind carries (video url, reading body, quiz questions without
    -- their answers, ...), as the API shows it
    content          TEXT NOT NULL,
    -- a quiz's answer key: written, never read back by the API
    answer_key       TEXT,
    scorm_package_id INTEGER,
    live_session_id  INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, lesson_id) REFERENCES learn_lessons (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_activities_lesson ON learn_activities (tenant_id, lesson_id, position);
CREATE INDEX learn_activities_course ON learn_activities (tenant_id, course_id, required);

CREATE TABLE learn_enrollments (
    tenant_id    INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    course_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    enrolled_at  TEXT NOT NULL,
    completed_at TEXT,
    withdrawn_at TEXT,
    updated_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    -- one enrollment per learner and course, whatever its status
    UNIQUE (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES learn_courses (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX learn_enrollments_user ON learn_enrollments (tenant_id, user_id, id);
CREATE INDEX learn_enrollments_status ON learn_enrollments (tenant_id, status, id);
CREATE INDEX learn_enrollments_course_status ON learn_enrollments (tenant_id, course_id, status, id);

-- An activity an enrollment has done (at most once each).
CREATE TABLE learn_activity_completions (
    tenant_id     INTEGER NOT NULL,
    enrollment_id INTEGER NOT NULL,
    activity_id   INTEGER NOT NULL,
    -- how: mark, attempt, scorm, attendance
    via           TEXT NOT NULL,
    done_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, enrollment_id, activity_id),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES learn_enrollments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, activity_id) REFERENCES learn_activities (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_activity_completions_activity ON learn_activity_completions (tenant_id, activity_id);

CREATE TRIGGER learn_courses_counted_insert AFTER INSERT ON learn_courses BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'learn_courses', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER learn_courses_counted_delete AFTER DELETE ON learn_courses BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'learn_courses' AND scope_id = 0;
END;
CREATE TRIGGER learn_enrollments_counted_insert AFTER INSERT ON learn_enrollments BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'learn_enrollments', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER learn_enrollments_counted_delete AFTER DELETE ON learn_enrollments BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'learn_enrollments' AND scope_id = 0;
END;
