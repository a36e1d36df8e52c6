-- The same tables as migrations/postgres, in SQLite's terms.
--
-- mobieusLearn, part two: quiz attempts, certificate templates and the
-- certificates issued from them, cohorts and their members.

CREATE TABLE learn_attempts (
    tenant_id     INTEGER NOT NULL,
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL,
    activity_id   INTEGER NOT NULL,
    -- 1, 2, ... per enrollment and quiz; unique, so max_attempts holds under races
    number        INTEGER NOT NULL,
    status        TEXT NOT NULL,
    answers       TEXT,
    results       TEXT,
    score         INTEGER,
    max_score     INTEGER NOT NULL,
    passed        INTEGER,
    started_at    TEXT NOT NULL,
    submitted_at  TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, enrollment_id, activity_id, number),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES learn_enrollments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, activity_id) REFERENCES learn_activities (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX learn_attempts_activity ON learn_attempts (tenant_id, activity_id, id);

CREATE TABLE learn_certificate_templates (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

-- One per enrollment, whatever races; what it says is fixed when issued.
CREATE TABLE learn_certificates (
    tenant_id     INTEGER NOT NULL,
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL,
    enrollment_id INTEGER NOT NULL,
    course_id     INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    template_id   INTEGER NOT NULL,
    learner_name  TEXT NOT NULL,
    course_title  TEXT NOT NULL,
    html          TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    revoked_at    TEXT,
    revoke_reason TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, enrollment_id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, template_id) REFERENCES learn_certificate_templates (tenant_id, id)
);
CREATE INDEX learn_certificates_course ON learn_certificates (tenant_id, course_id, id);
CREATE INDEX learn_certificates_user ON learn_certificates (tenant_id, user_id, id);

CREATE TABLE learn_cohorts (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    -- the identity provider's id when SCIM provisions the cohort as a group
    external_id TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX learn_cohorts_external ON learn_cohorts (tenant_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE learn_cohort_members (
    tenant_id INTEGER NOT NULL,
    cohort_id INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, cohort_id, user_id),
    FOREIGN KEY (tenant_id, cohort_id) REFERENCES learn_cohorts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX learn_cohort_members_user ON learn_cohort_members (tenant_id, user_id);

-- (SQLite cannot add a foreign key to learn_courses; the store detaches a
-- deleted template from its courses on both backends.)

CREATE TRIGGER learn_certificates_counted_insert AFTER INSERT ON learn_certificates BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'learn_certificates', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER learn_certificates_counted_delete AFTER DELETE ON learn_certificates BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'learn_certificates' AND scope_id = 0;
END;
CREATE TRIGGER learn_attempts_counted_insert AFTER INSERT ON learn_attempts BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'learn_attempts', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER learn_attempts_counted_delete AFTER DELETE ON learn_attempts BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'learn_attempts' AND scope_id = 0;
END;
