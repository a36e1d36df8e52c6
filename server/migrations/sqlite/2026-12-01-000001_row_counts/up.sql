-- Maintained row counts (see migrations/postgres): `total_count` of an
-- unfiltered list is read from `row_counts`. SQLite has one writer at a time,
-- so the triggers update the counter row directly; `row_count_deltas` stays
-- empty here (the read adds it, as on PostgreSQL).
CREATE TABLE row_counts (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    list      TEXT NOT NULL,
    scope_id  INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, list, scope_id)
);

CREATE TABLE row_count_deltas (
    tenant_id INTEGER NOT NULL,
    list      TEXT NOT NULL,
    scope_id  INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    d         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, list, scope_id, id)
);

CREATE TRIGGER events_counted_insert AFTER INSERT ON events BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'events', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER events_counted_delete AFTER DELETE ON events BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'events' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'events', 0, count(*) FROM events GROUP BY tenant_id;

CREATE TRIGGER users_counted_insert AFTER INSERT ON users BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'users', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER users_counted_delete AFTER DELETE ON users BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'users' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'users', 0, count(*) FROM users GROUP BY tenant_id;

CREATE TRIGGER posts_counted_insert AFTER INSERT ON posts BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'posts', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER posts_counted_delete AFTER DELETE ON posts BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'posts' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'posts', 0, count(*) FROM posts GROUP BY tenant_id;

CREATE TRIGGER listings_counted_insert AFTER INSERT ON listings BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'listings', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER listings_counted_delete AFTER DELETE ON listings BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'listings' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'listings', 0, count(*) FROM listings GROUP BY tenant_id;

CREATE TRIGGER files_counted_insert AFTER INSERT ON files BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'files', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER files_counted_delete AFTER DELETE ON files BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'files' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'files', 0, count(*) FROM files GROUP BY tenant_id;

CREATE TRIGGER reports_counted_insert AFTER INSERT ON reports BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'reports', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER reports_counted_delete AFTER DELETE ON reports BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'reports' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'reports', 0, count(*) FROM reports GROUP BY tenant_id;

CREATE TRIGGER moderation_actions_counted_insert AFTER INSERT ON moderation_actions BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'moderation_actions', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER moderation_actions_counted_delete AFTER DELETE ON moderation_actions BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'moderation_actions' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'moderation_actions', 0, count(*) FROM moderation_actions GROUP BY tenant_id;

CREATE TRIGGER helpdesk_tickets_counted_insert AFTER INSERT ON helpdesk_tickets BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_tickets', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_tickets_counted_delete AFTER DELETE ON helpdesk_tickets BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_tickets' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_tickets', 0, count(*) FROM helpdesk_tickets GROUP BY tenant_id;

CREATE TRIGGER helpdesk_audit_events_counted_insert AFTER INSERT ON helpdesk_audit_events BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_audit_events', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_audit_events_counted_delete AFTER DELETE ON helpdesk_audit_events BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_audit_events' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_audit_events', 0, count(*) FROM helpdesk_audit_events GROUP BY tenant_id;

CREATE TRIGGER helpdesk_tags_counted_insert AFTER INSERT ON helpdesk_tags BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_tags', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_tags_counted_delete AFTER DELETE ON helpdesk_tags BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_tags' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_tags', 0, count(*) FROM helpdesk_tags GROUP BY tenant_id;

CREATE TRIGGER helpdesk_canned_responses_counted_insert AFTER INSERT ON helpdesk_canned_responses BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_canned_responses', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_canned_responses_counted_delete AFTER DELETE ON helpdesk_canned_responses BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_canned_responses' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_canned_responses', 0, count(*) FROM helpdesk_canned_responses GROUP BY tenant_id;

CREATE TRIGGER helpdesk_queues_counted_insert AFTER INSERT ON helpdesk_queues BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_queues', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_queues_counted_delete AFTER DELETE ON helpdesk_queues BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_queues' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_queues', 0, count(*) FROM helpdesk_queues GROUP BY tenant_id;

CREATE TRIGGER helpdesk_agents_counted_insert AFTER INSERT ON helpdesk_agents BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'helpdesk_agents', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER helpdesk_agents_counted_delete AFTER DELETE ON helpdesk_agents BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'helpdesk_agents' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'helpdesk_agents', 0, count(*) FROM helpdesk_agents GROUP BY tenant_id;

CREATE TRIGGER webhook_endpoints_counted_insert AFTER INSERT ON webhook_endpoints BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'webhook_endpoints', 0, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER webhook_endpoints_counted_delete AFTER DELETE ON webhook_endpoints BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'webhook_endpoints' AND scope_id = 0;
END;
INSERT INTO row_counts (tenant_id, list, scope_id, n) SELECT tenant_id, 'webhook_endpoints', 0, count(*) FROM webhook_endpoints GROUP BY tenant_id;

CREATE TRIGGER webhook_deliveries_counted_insert AFTER INSERT ON webhook_deliveries BEGIN
    INSERT INTO row_counts (tenant_id, list, scope_id, n) VALUES (NEW.tenant_id, 'webhook_deliveries', NEW.endpoint_id, 1)
    ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER webhook_deliveries_counted_delete AFTER DELETE ON webhook_deliveries BEGIN
    UPDATE row_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND list = 'webhook_deliveries' AND scope_id = OLD.endpoint_id;
END;
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
