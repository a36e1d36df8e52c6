-- The same tables as migrations/postgres (see the init migration for the
-- SQLite conventions). SQLite runs one writer at a time, so event ids are in
-- commit order already; event_heads is kept for the same code path.

ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN warning_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN hidden_at TEXT;

CREATE TABLE listings (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    seller_id   INTEGER NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, seller_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX listings_seller ON listings (tenant_id, seller_id, id);
CREATE INDEX listings_status ON listings (tenant_id, status, id);

CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    target_kind      TEXT NOT NULL,
    target_id        INTEGER NOT NULL,
    target_author_id INTEGER,
    reporter_id      INTEGER NOT NULL,
    reason           TEXT NOT NULL,
    details          TEXT NOT NULL,
    status           TEXT NOT NULL,
    resolution_note  TEXT,
    resolution_effect TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    closed_at        TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, reporter_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, target_author_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX reports_status ON reports (tenant_id, status, id);
CREATE INDEX reports_target ON reports (tenant_id, target_kind, target_id, id);

CREATE TABLE moderation_actions (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    report_id   INTEGER,
    action      TEXT NOT NULL,
    effect      TEXT,
    target_kind TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    author_id   INTEGER,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    note        TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, report_id) REFERENCES reports (tenant_id, id)
);
CREATE INDEX moderation_actions_action ON moderation_actions (tenant_id, action, id);

CREATE TABLE event_heads (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    writes    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id)
);
