-- The same as migrations/postgres (see there), in SQLite's terms.
-- mobieusAI: each tenant's settings (provider, model, its key sealed with
-- the server's master key, the hooks switched on, its caps) and the usage
-- log every hook call writes, whatever its outcome.

CREATE TABLE ai_settings (
    tenant_id         INTEGER PRIMARY KEY REFERENCES tenants (id),
    provider          TEXT NOT NULL,
    base_url          TEXT,
    model             TEXT,
    sealed_key        TEXT,
    enabled_hooks     TEXT NOT NULL,
    monthly_token_cap INTEGER,
    per_minute        INTEGER NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE ai_feature_usage (
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
    id                INTEGER PRIMARY KEY,
    hook              TEXT NOT NULL,
    provider          TEXT,
    model             TEXT,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_ms        INTEGER NOT NULL,
    outcome           TEXT NOT NULL,
    reason            TEXT,
    called            BOOLEAN NOT NULL,
    request_id        TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX ai_feature_usage_time ON ai_feature_usage (tenant_id, created_at);
