-- The statements a statement targets through a StatementRef object, and
-- through theirs in turn (Communication 2.1.3, "Filter Conditions for
-- StatementRefs": a statement targeting another meets a query's filters
-- when its target does, recursively). Kept by id, as a target may be stored
-- after the statement naming it; when it is, its own targets are added to
-- every statement already naming it, so one lookup answers the whole chain.

CREATE TABLE learn_xapi_statement_targets (
    tenant_id BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq, target_id),
    FOREIGN KEY (tenant_id, seq) REFERENCES learn_xapi_statements (tenant_id, seq) ON DELETE CASCADE
);
CREATE INDEX learn_xapi_statement_targets_target ON learn_xapi_statement_targets (tenant_id, target_id, seq);
