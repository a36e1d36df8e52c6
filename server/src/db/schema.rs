//! One diesel schema for both backends (see `types` for the portable types).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    tenants (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        plan -> Text,
        cors_allowed_origins -> PJson,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    api_keys (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> PJson,
        per_minute -> Integer,
        per_hour -> Integer,
        created_at -> UtcTs,
        expires_at -> Nullable<UtcTs>,
        revoked_at -> Nullable<UtcTs>,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    rate_limit_counters (tenant_id, key_id) {
        tenant_id -> BigInt,
        key_id -> BigInt,
        minute_start -> BigInt,
        minute_count -> Integer,
        hour_start -> BigInt,
        hour_count -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    idempotency_keys (tenant_id, idem_key, path) {
        tenant_id -> BigInt,
        idem_key -> Text,
        path -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> UtcTs,
        locked_until -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        event_type -> Text,
        data -> PJson,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    users (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    posts (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        body -> Text,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_tags (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        slug -> Text,
        name -> Text,
        color -> Text,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants, api_keys, server_secrets, rate_limit_counters, idempotency_keys, events, users, posts, helpdesk_tags,
);
