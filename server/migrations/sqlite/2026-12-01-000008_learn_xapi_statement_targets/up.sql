-- The same table as migrations/postgres (see there).

CREATE TABLE learn_xapi_statement_targets (
    tenant_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq, target_id),
    FOREIGN KEY (tenant_id, seq) REFERENCES learn_xapi_statements (tenant_id, seq) ON DELETE CASCADE
);
CREATE INDEX learn_xapi_statement_targets_target ON learn_xapi_statement_targets (tenant_id, target_id, seq);
