-- xAPI attachments' data (Communication 1.5.2), received as multipart/mixed
-- parts with statements. A statement names its attachments by their SHA-2
-- (the `sha2` of its Attachment objects), so the data is kept once per hash
-- and tenant, however many statements share it.

CREATE TABLE learn_xapi_attachments (
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
    sha2         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BYTEA NOT NULL,
    stored       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sha2)
);
