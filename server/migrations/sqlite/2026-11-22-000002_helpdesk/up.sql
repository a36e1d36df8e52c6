-- The same tables as migrations/postgres, in SQLite's terms (see the init
-- migration): rowid ids with UNIQUE (tenant_id, id), TEXT timestamps and JSON.

CREATE TABLE helpdesk_queues (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE TABLE helpdesk_agents (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    availability TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE helpdesk_agent_queues (
    tenant_id INTEGER NOT NULL,
    agent_id  INTEGER NOT NULL,
    queue_id  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, agent_id, queue_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES helpdesk_agents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, queue_id) REFERENCES helpdesk_queues (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX helpdesk_agent_queues_queue ON helpdesk_agent_queues (tenant_id, queue_id);

CREATE TABLE helpdesk_help_topics (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    queue_id   INTEGER,
    fields     TEXT NOT NULL,
    active     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES helpdesk_queues (tenant_id, id)
);

-- The last ticket number handed out per tenant (one row each).
CREATE TABLE helpdesk_ticket_counters (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    last_number INTEGER NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE helpdesk_tickets (
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
    id                INTEGER PRIMARY KEY,
    number            INTEGER NOT NULL,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    queue_id          INTEGER,
    assignee_id       INTEGER,
    help_topic_id     INTEGER,
    requester_user_id INTEGER,
    requester_email   TEXT NOT NULL,
    requester_name    TEXT,
    custom_fields     TEXT NOT NULL,
    message_count     INTEGER NOT NULL,
    merged_into_id    INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES helpdesk_queues (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES helpdesk_agents (tenant_id, id),
    FOREIGN KEY (tenant_id, help_topic_id) REFERENCES helpdesk_help_topics (tenant_id, id),
    FOREIGN KEY (tenant_id, requester_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX helpdesk_tickets_status ON helpdesk_tickets (tenant_id, status, id);
CREATE INDEX helpdesk_tickets_queue ON helpdesk_tickets (tenant_id, queue_id, status);
CREATE INDEX helpdesk_tickets_assignee ON helpdesk_tickets (tenant_id, assignee_id, id);
CREATE INDEX helpdesk_tickets_requester ON helpdesk_tickets (tenant_id, requester_email, id);
CREATE INDEX helpdesk_tickets_updated ON helpdesk_tickets (tenant_id, updated_at, id);

CREATE TABLE helpdesk_ticket_tags (
    tenant_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL,
    tag_id    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id, tag_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES helpdesk_tickets (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES helpdesk_tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX helpdesk_ticket_tags_tag ON helpdesk_ticket_tags (tenant_id, tag_id);

CREATE TABLE helpdesk_messages (
    tenant_id       INTEGER NOT NULL,
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    internal        INTEGER NOT NULL,
    author_kind     TEXT NOT NULL,
    author_agent_id INTEGER,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, ticket_id, seq),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES helpdesk_tickets (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE helpdesk_audit_events (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    event_key    TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     INTEGER,
    ticket_id    INTEGER,
    before_state TEXT,
    after_state  TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX helpdesk_audit_events_key ON helpdesk_audit_events (tenant_id, event_key, id);
CREATE INDEX helpdesk_audit_events_actor ON helpdesk_audit_events (tenant_id, actor_kind, id);

CREATE TABLE helpdesk_canned_responses (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    slug       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body_md    TEXT NOT NULL,
    queue_id   INTEGER,
    is_active  INTEGER NOT NULL,
    sort_order INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES helpdesk_queues (tenant_id, id)
);
CREATE INDEX helpdesk_canned_responses_order ON helpdesk_canned_responses (tenant_id, sort_order, id);

CREATE TABLE helpdesk_notification_prefs (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    scope      TEXT NOT NULL,
    scope_id   INTEGER NOT NULL,
    event_key  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope, scope_id, event_key, channel)
);
