-- The xAPI Learning Record Store: statements as stored (immutable; voiding
-- only sets `voided`), and the agents and activities each one names, for the
-- query filters. `seq` is the id of the statement's
-- `learn.xapi.statement.stored` event, so it follows commit order per tenant
-- (event_heads): a page read by `seq` never skips a statement committed later.

CREATE TABLE learn_xapi_statements (
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    seq             INTEGER NOT NULL,
    id              TEXT NOT NULL,
    statement       TEXT NOT NULL,
    verb_id         TEXT NOT NULL,
    registration    TEXT,
    voided          INTEGER NOT NULL,
    -- a voiding statement's target
    voids           TEXT,
    stored          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    UNIQUE (tenant_id, id)
);
CREATE INDEX learn_xapi_statements_verb ON learn_xapi_statements (tenant_id, verb_id, seq);
CREATE INDEX learn_xapi_statements_registration ON learn_xapi_statements (tenant_id, registration, seq);
CREATE INDEX learn_xapi_statements_stored ON learn_xapi_statements (tenant_id, stored, seq);

-- `direct`: the actor or object (the `agent` filter); otherwise anywhere else
-- (authority, instructor, team, sub-statement: `related_agents`).
CREATE TABLE learn_xapi_agents (
    tenant_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    agent     TEXT NOT NULL,
    direct    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, agent, seq, direct),
    FOREIGN KEY (tenant_id, seq) REFERENCES learn_xapi_statements (tenant_id, seq) ON DELETE CASCADE
);

-- `direct`: the object (the `activity` filter); otherwise a context activity
-- or inside a sub-statement (`related_activities`).
CREATE TABLE learn_xapi_activities (
    tenant_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    activity  TEXT NOT NULL,
    direct    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, activity, seq, direct),
    FOREIGN KEY (tenant_id, seq) REFERENCES learn_xapi_statements (tenant_id, seq) ON DELETE CASCADE
);
