-- The same table as migrations/postgres (see there).

CREATE TABLE learn_xapi_attachments (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    sha2         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB NOT NULL,
    stored       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sha2)
);
