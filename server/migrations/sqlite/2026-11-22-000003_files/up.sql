-- The same tables as migrations/postgres (see the init migration for the
-- SQLite conventions).

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    owner_id     INTEGER,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX files_kind ON files (tenant_id, kind, id);

CREATE TABLE helpdesk_message_attachments (
    tenant_id  INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    file_id    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, message_id, file_id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES helpdesk_messages (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
