DROP TABLE event_heads;
DROP TABLE moderation_actions;
DROP TABLE reports;
DROP TABLE listings;
ALTER TABLE posts DROP COLUMN hidden_at;
ALTER TABLE users DROP COLUMN warning_count;
ALTER TABLE users DROP COLUMN status;
