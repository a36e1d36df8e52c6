-- The same as migrations/postgres (see there), in SQLite's terms.
-- SCIM 2.0 provisioning: the tenant's switch, its SCIM tokens (directory
-- rows, like API keys: a token's hash decides the tenant), what SCIM keeps of
-- a member beyond the profile columns, and groups of members.
--
-- `username_folded` is the user name folded in Rust (both backends alike), so
-- a user name is unique per tenant whatever its case (SCIM's `userName` is
-- caseExact false). `scim_attributes` holds the rest of the SCIM User (name,
-- emails, addresses, the enterprise extension, ...) as SCIM sends it,
-- normalised; `version` is the ETag. A SCIM DELETE sets `scim_deleted_at`
-- (and deactivates): the member and their history stay, the SCIM resource is gone.

ALTER TABLE tenants ADD COLUMN scim_enabled BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE scim_tokens (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    per_minute  INTEGER NOT NULL,
    per_hour    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant_id, id);

ALTER TABLE users ADD COLUMN username_folded TEXT NOT NULL DEFAULT '';
UPDATE users SET username_folded = lower(username);
CREATE UNIQUE INDEX users_username_folded ON users (tenant_id, username_folded);
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN scim_attributes TEXT;
ALTER TABLE users ADD COLUMN updated_at TEXT;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN scim_deleted_at TEXT;
CREATE INDEX users_external_id ON users (tenant_id, external_id);

CREATE TABLE user_groups (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    display_name TEXT NOT NULL,
    external_id  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX user_groups_name ON user_groups (tenant_id, display_name);

CREATE TABLE user_group_members (
    tenant_id INTEGER NOT NULL,
    group_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES user_groups (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX user_group_members_user ON user_group_members (tenant_id, user_id, group_id);
