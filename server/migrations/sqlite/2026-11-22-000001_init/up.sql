-- The same schema as migrations/postgres, in SQLite's terms: timestamps are
-- fixed-width RFC 3339 TEXT (so text order is time order), JSON is TEXT, and
-- ids are rowids (`id INTEGER PRIMARY KEY`) with UNIQUE (tenant_id, id)
-- standing in for PostgreSQL's (tenant_id, id) primary key.

CREATE TABLE tenants (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    plan                 TEXT NOT NULL,
    cors_allowed_origins TEXT NOT NULL DEFAULT '[]',
    created_at           TEXT NOT NULL
);

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    per_minute  INTEGER NOT NULL,
    per_hour    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE rate_limit_counters (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    key_id       INTEGER NOT NULL,
    minute_start INTEGER NOT NULL,
    minute_count INTEGER NOT NULL,
    hour_start   INTEGER NOT NULL,
    hour_count   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id)
);

CREATE TABLE idempotency_keys (
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    idem_key        TEXT NOT NULL,
    path            TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TEXT NOT NULL,
    locked_until    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, idem_key, path)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    event_type TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX events_type ON events (tenant_id, event_type, id);

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email        TEXT,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, username)
);

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    author_id  INTEGER NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX posts_author ON posts (tenant_id, author_id, id);

CREATE TABLE helpdesk_tags (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug)
);
