DROP TABLE user_group_members;
DROP TABLE user_groups;
DROP INDEX users_external_id;
ALTER TABLE users DROP COLUMN scim_deleted_at, DROP COLUMN version, DROP COLUMN updated_at, DROP COLUMN scim_attributes, DROP COLUMN external_id;
DROP INDEX users_username_folded;
ALTER TABLE users DROP COLUMN username_folded;
DROP TABLE scim_tokens;
ALTER TABLE tenants DROP COLUMN scim_enabled;
