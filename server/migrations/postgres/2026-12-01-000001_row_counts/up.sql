-- Maintained row counts: `total_count` of an unfiltered list is read from
-- here instead of counting every row (store/counts.rs). A list's count is its
-- `row_counts.n` plus the `row_count_deltas` not yet folded in; both change
-- only inside the transactions that insert or delete the rows, so the count is
-- exact and never drifts.
--
-- Why deltas: a trigger that updated one counter row per (tenant, list) would
-- hold that row's lock to commit, so two transactions counting two lists in
-- opposite orders (a ticket then its audit entry; an audit entry then a
-- ticket) could deadlock. Appending a delta row takes no shared lock; a
-- background fold (store/counts.rs, one process at a time by advisory lock)
-- moves committed deltas into `row_counts` in one statement, which readers
-- see all at once or not at all.
CREATE TABLE row_counts (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    list      TEXT NOT NULL,
    scope_id  BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, list, scope_id)
);

CREATE TABLE row_count_deltas (
    tenant_id BIGINT NOT NULL,
    list      TEXT NOT NULL,
    scope_id  BIGINT NOT NULL,
    id        BIGINT GENERATED ALWAYS AS IDENTITY,
    d         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, list, scope_id, id)
);

-- Statement-level: one delta row per tenant per statement, whatever the
-- number of rows. TG_ARGV: the list's name, +1 (insert) or -1 (delete).
CREATE FUNCTION row_counts_per_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO row_count_deltas (tenant_id, list, scope_id, d)
    SELECT tenant_id, TG_ARGV[0], 0, TG_ARGV[1]::integer * count(*) FROM changed GROUP BY tenant_id;
    RETURN NULL;
END $$;

-- Lists scoped to a parent row: TG_ARGV also names the parent's column (a
-- fixed identifier from this file, quoted by format's %I).
CREATE FUNCTION row_counts_per_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO row_count_deltas (tenant_id, list, scope_id, d) '
        'SELECT tenant_id, %L, %I, %s * count(*) FROM changed GROUP BY tenant_id, %I',
        TG_ARGV[0], TG_ARGV[2], TG_ARGV[1]::integer, TG_ARGV[2]);
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted_insert AFTER INSERT ON events REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('events', '1');
CREATE TRIGGER events_counted_delete AFTER DELETE ON events REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('events', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'events', 0, count(*) FROM events GROUP BY tenant_id;

CREATE TRIGGER users_counted_insert AFTER INSERT ON users REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('users', '1');
CREATE TRIGGER users_counted_delete AFTER DELETE ON users REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('users', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'users', 0, count(*) FROM users GROUP BY tenant_id;

CREATE TRIGGER posts_counted_insert AFTER INSERT ON posts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('posts', '1');
CREATE TRIGGER posts_counted_delete AFTER DELETE ON posts REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('posts', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'posts', 0, count(*) FROM posts GROUP BY tenant_id;

CREATE TRIGGER listings_counted_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('listings', '1');
CREATE TRIGGER listings_counted_delete AFTER DELETE ON listings REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('listings', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'listings', 0, count(*) FROM listings GROUP BY tenant_id;

CREATE TRIGGER files_counted_insert AFTER INSERT ON files REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('files', '1');
CREATE TRIGGER files_counted_delete AFTER DELETE ON files REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('files', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'files', 0, count(*) FROM files GROUP BY tenant_id;

CREATE TRIGGER reports_counted_insert AFTER INSERT ON reports REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('reports', '1');
CREATE TRIGGER reports_counted_delete AFTER DELETE ON reports REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('reports', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'reports', 0, count(*) FROM reports GROUP BY tenant_id;

CREATE TRIGGER moderation_actions_counted_insert AFTER INSERT ON moderation_actions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('moderation_actions', '1');
CREATE TRIGGER moderation_actions_counted_delete AFTER DELETE ON moderation_actions REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('moderation_actions', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'moderation_actions', 0, count(*) FROM moderation_actions GROUP BY tenant_id;

CREATE TRIGGER helpdesk_tickets_counted_insert AFTER INSERT ON helpdesk_tickets REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_tickets', '1');
CREATE TRIGGER helpdesk_tickets_counted_delete AFTER DELETE ON helpdesk_tickets REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_tickets', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_tickets', 0, count(*) FROM helpdesk_tickets GROUP BY tenant_id;

CREATE TRIGGER helpdesk_audit_events_counted_insert AFTER INSERT ON helpdesk_audit_events REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_audit_events', '1');
CREATE TRIGGER helpdesk_audit_events_counted_delete AFTER DELETE ON helpdesk_audit_events REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_audit_events', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_audit_events', 0, count(*) FROM helpdesk_audit_events GROUP BY tenant_id;

CREATE TRIGGER helpdesk_tags_counted_insert AFTER INSERT ON helpdesk_tags REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_tags', '1');
CREATE TRIGGER helpdesk_tags_counted_delete AFTER DELETE ON helpdesk_tags REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_tags', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_tags', 0, count(*) FROM helpdesk_tags GROUP BY tenant_id;

CREATE TRIGGER helpdesk_canned_responses_counted_insert AFTER INSERT ON helpdesk_canned_responses REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_canned_responses', '1');
CREATE TRIGGER helpdesk_canned_responses_counted_delete AFTER DELETE ON helpdesk_canned_responses REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_canned_responses', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_canned_responses', 0, count(*) FROM helpdesk_canned_responses GROUP BY tenant_id;

CREATE TRIGGER helpdesk_queues_counted_insert AFTER INSERT ON helpdesk_queues REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_queues', '1');
CREATE TRIGGER helpdesk_queues_counted_delete AFTER DELETE ON helpdesk_queues REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_queues', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_queues', 0, count(*) FROM helpdesk_queues GROUP BY tenant_id;

CREATE TRIGGER helpdesk_agents_counted_insert AFTER INSERT ON helpdesk_agents REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_agents', '1');
CREATE TRIGGER helpdesk_agents_counted_delete AFTER DELETE ON helpdesk_agents REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('helpdesk_agents', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_agents', 0, count(*) FROM helpdesk_agents GROUP BY tenant_id;

CREATE TRIGGER webhook_endpoints_counted_insert AFTER INSERT ON webhook_endpoints REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('webhook_endpoints', '1');
CREATE TRIGGER webhook_endpoints_counted_delete AFTER DELETE ON webhook_endpoints REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_tenant('webhook_endpoints', '-1');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'webhook_endpoints', 0, count(*) FROM webhook_endpoints GROUP BY tenant_id;

CREATE TRIGGER webhook_deliveries_counted_insert AFTER INSERT ON webhook_deliveries REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_parent('webhook_deliveries', '1', 'endpoint_id');
CREATE TRIGGER webhook_deliveries_counted_delete AFTER DELETE ON webhook_deliveries REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION row_counts_per_parent('webhook_deliveries', '-1', 'endpoint_id');
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'webhook_deliveries', endpoint_id, count(*) FROM webhook_deliveries GROUP BY tenant_id, endpoint_id;

-- Filtered lists are counted exactly, from these indexes alone.
CREATE INDEX users_role ON users (tenant_id, role, id);
CREATE INDEX users_created ON users (tenant_id, created_at, id);
CREATE INDEX posts_created ON posts (tenant_id, created_at, id);
CREATE INDEX events_created ON events (tenant_id, created_at, id);
CREATE INDEX listings_created ON listings (tenant_id, created_at, id);
CREATE INDEX files_owner ON files (tenant_id, owner_id, id);
CREATE INDEX files_created ON files (tenant_id, created_at, id);
CREATE INDEX helpdesk_tickets_priority ON helpdesk_tickets (tenant_id, priority, id);
CREATE INDEX helpdesk_tickets_topic ON helpdesk_tickets (tenant_id, help_topic_id, id);
CREATE INDEX webhook_deliveries_endpoint_status ON webhook_deliveries (tenant_id, endpoint_id, status, id);
CREATE INDEX moderation_actions_target ON moderation_actions (tenant_id, target_kind, id);
CREATE INDEX moderation_actions_created ON moderation_actions (tenant_id, created_at, id);
