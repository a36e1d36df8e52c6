-- The same tables as migrations/postgres (see the init migration for the
-- SQLite conventions). Workers claim due rows inside an IMMEDIATE
-- transaction (SQLite's one writer), with the same lease.

CREATE TABLE webhook_endpoints (
    id                         INTEGER PRIMARY KEY,
    tenant_id                  INTEGER NOT NULL REFERENCES tenants (id),
    url                        TEXT NOT NULL,
    description                TEXT,
    event_types                TEXT NOT NULL,
    enabled                    BOOLEAN NOT NULL,
    disabled_reason            TEXT,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at TEXT,
    failing_since              TEXT,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    endpoint_id      INTEGER NOT NULL,
    event_id         INTEGER NOT NULL,
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempt_count    INTEGER NOT NULL,
    next_attempt_at  TEXT,
    locked_until     TEXT,
    last_status_code INTEGER,
    replay_of        INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
    delivery_id       INTEGER NOT NULL,
    attempt           INTEGER NOT NULL,
    webhook_timestamp INTEGER NOT NULL,
    signature         TEXT NOT NULL,
    status_code       INTEGER,
    error             TEXT,
    latency_ms        INTEGER NOT NULL,
    response_excerpt  TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (tenant_id, delivery_id, attempt);
