-- The same tables as migrations/postgres (see there), in SQLite's terms;
-- the search index is an FTS5 table whose rowid is the page's id (ids are
-- rowids, unique across tenants), words tokenised in Rust as on PostgreSQL.

CREATE TABLE know_pages (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    parent_id    INTEGER,
    revision     INTEGER NOT NULL,
    body_md      TEXT NOT NULL,
    summary      TEXT,
    author_kind  TEXT NOT NULL,
    author_id    INTEGER,
    author_name  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES know_pages (tenant_id, id)
);
CREATE INDEX know_pages_parent ON know_pages (tenant_id, parent_id, slug);
CREATE INDEX know_pages_updated ON know_pages (tenant_id, updated_at, id);

CREATE TABLE know_revisions (
    tenant_id    INTEGER NOT NULL,
    page_id      INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    body_md      TEXT NOT NULL,
    summary      TEXT,
    author_kind  TEXT NOT NULL,
    author_id    INTEGER,
    author_name  TEXT NOT NULL,
    size         INTEGER NOT NULL,
    size_change  INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, page_id, number),
    FOREIGN KEY (tenant_id, page_id) REFERENCES know_pages (tenant_id, id)
);

CREATE VIRTUAL TABLE know_search USING fts5(
    title_words, body_words, tenant_id UNINDEXED, page_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
-- candidates come best first by bm25 with the title weighing ten times the body
INSERT INTO know_search (know_search, rank) VALUES ('rank', 'bm25(10.0, 1.0)');
