DROP FUNCTION know_tsquery(TEXT);
DROP TABLE know_search;
DROP TABLE know_revisions;
DROP TABLE know_pages;
