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
        scim_enabled -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    scim_tokens (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        per_minute -> Integer,
        per_hour -> Integer,
        created_at -> UtcTs,
        revoked_at -> Nullable<UtcTs>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    user_groups (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        display_name -> Text,
        external_id -> Nullable<Text>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
        version -> BigInt,
    }
}

diesel::table! {
    user_group_members (tenant_id, group_id, user_id) {
        tenant_id -> BigInt,
        group_id -> BigInt,
        user_id -> BigInt,
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
    use crate::db::types::{UtcTs, PJson};
    users (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        created_at -> UtcTs,
        status -> Text,
        warning_count -> Integer,
        username_folded -> Text,
        external_id -> Nullable<Text>,
        scim_attributes -> Nullable<PJson>,
        updated_at -> Nullable<UtcTs>,
        version -> BigInt,
        scim_deleted_at -> Nullable<UtcTs>,
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
        hidden_at -> Nullable<UtcTs>,
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

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_queues (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_agents (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        name -> Text,
        email -> Text,
        availability -> Text,
        created_at -> UtcTs,
    }
}

diesel::table! {
    helpdesk_agent_queues (tenant_id, agent_id, queue_id) {
        tenant_id -> BigInt,
        agent_id -> BigInt,
        queue_id -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    helpdesk_help_topics (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        slug -> Text,
        name -> Text,
        queue_id -> Nullable<BigInt>,
        fields -> PJson,
        active -> Bool,
        created_at -> UtcTs,
    }
}

diesel::table! {
    helpdesk_ticket_counters (tenant_id) {
        tenant_id -> BigInt,
        last_number -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    helpdesk_tickets (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        number -> BigInt,
        subject -> Text,
        status -> Text,
        priority -> Text,
        queue_id -> Nullable<BigInt>,
        assignee_id -> Nullable<BigInt>,
        help_topic_id -> Nullable<BigInt>,
        requester_user_id -> Nullable<BigInt>,
        requester_email -> Text,
        requester_name -> Nullable<Text>,
        custom_fields -> PJson,
        message_count -> BigInt,
        merged_into_id -> Nullable<BigInt>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    helpdesk_ticket_tags (tenant_id, ticket_id, tag_id) {
        tenant_id -> BigInt,
        ticket_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_messages (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        ticket_id -> BigInt,
        seq -> BigInt,
        internal -> Bool,
        author_kind -> Text,
        author_agent_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    helpdesk_audit_events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        event_key -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        ticket_id -> Nullable<BigInt>,
        before_state -> Nullable<PJson>,
        after_state -> Nullable<PJson>,
        created_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_canned_responses (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        slug -> Text,
        title -> Text,
        body_md -> Text,
        queue_id -> Nullable<BigInt>,
        is_active -> Bool,
        sort_order -> BigInt,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    helpdesk_notification_prefs (tenant_id, scope, scope_id, event_key, channel) {
        tenant_id -> BigInt,
        scope -> Text,
        scope_id -> BigInt,
        event_key -> Text,
        channel -> Text,
        enabled -> Bool,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    files (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        owner_id -> Nullable<BigInt>,
        kind -> Text,
        name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        created_at -> UtcTs,
    }
}

diesel::table! {
    helpdesk_message_attachments (tenant_id, message_id, file_id) {
        tenant_id -> BigInt,
        message_id -> BigInt,
        file_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    listings (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        seller_id -> BigInt,
        title -> Text,
        description -> Text,
        price_cents -> BigInt,
        currency -> Text,
        status -> Text,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    reports (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        target_kind -> Text,
        target_id -> BigInt,
        target_author_id -> Nullable<BigInt>,
        reporter_id -> BigInt,
        reason -> Text,
        details -> Text,
        status -> Text,
        resolution_note -> Nullable<Text>,
        resolution_effect -> Nullable<Text>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
        closed_at -> Nullable<UtcTs>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    moderation_actions (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        report_id -> Nullable<BigInt>,
        action -> Text,
        effect -> Nullable<Text>,
        target_kind -> Text,
        target_id -> BigInt,
        author_id -> Nullable<BigInt>,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        note -> Nullable<Text>,
        created_at -> UtcTs,
    }
}

diesel::table! {
    event_heads (tenant_id) {
        tenant_id -> BigInt,
        writes -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{UtcTs, PJson};
    webhook_endpoints (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> PJson,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<UtcTs>,
        failing_since -> Nullable<UtcTs>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    webhook_deliveries (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        endpoint_id -> BigInt,
        event_id -> BigInt,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempt_count -> Integer,
        next_attempt_at -> Nullable<UtcTs>,
        locked_until -> Nullable<UtcTs>,
        last_status_code -> Nullable<Integer>,
        replay_of -> Nullable<BigInt>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    webhook_attempts (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        webhook_timestamp -> BigInt,
        signature -> Text,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        latency_ms -> BigInt,
        response_excerpt -> Nullable<Text>,
        created_at -> UtcTs,
    }
}

diesel::table! {
    row_counts (tenant_id, list, scope_id) {
        tenant_id -> BigInt,
        list -> Text,
        scope_id -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    row_count_deltas (tenant_id, list, scope_id, id) {
        tenant_id -> BigInt,
        list -> Text,
        scope_id -> BigInt,
        id -> BigInt,
        d -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_courses (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        title -> Text,
        title_folded -> Text,
        summary -> Nullable<Text>,
        status -> Text,
        certificate_template_id -> Nullable<BigInt>,
        published_at -> Nullable<UtcTs>,
        archived_at -> Nullable<UtcTs>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_modules (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        position -> Integer,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_lessons (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        module_id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        summary -> Nullable<Text>,
        position -> Integer,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJson, UtcTs};
    learn_activities (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        lesson_id -> BigInt,
        course_id -> BigInt,
        kind -> Text,
        title -> Text,
        required -> Bool,
        position -> Integer,
        content -> PJson,
        answer_key -> Nullable<PJson>,
        scorm_package_id -> Nullable<BigInt>,
        live_session_id -> Nullable<BigInt>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_enrollments (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        course_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        enrolled_at -> UtcTs,
        completed_at -> Nullable<UtcTs>,
        withdrawn_at -> Nullable<UtcTs>,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_activity_completions (tenant_id, enrollment_id, activity_id) {
        tenant_id -> BigInt,
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        via -> Text,
        done_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJson, UtcTs};
    learn_attempts (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        number -> Integer,
        status -> Text,
        answers -> Nullable<PJson>,
        results -> Nullable<PJson>,
        score -> Nullable<Integer>,
        max_score -> Integer,
        passed -> Nullable<Bool>,
        started_at -> UtcTs,
        submitted_at -> Nullable<UtcTs>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_certificate_templates (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        name -> Text,
        body -> Text,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_certificates (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        code -> Text,
        enrollment_id -> BigInt,
        course_id -> BigInt,
        user_id -> BigInt,
        template_id -> BigInt,
        learner_name -> Text,
        course_title -> Text,
        html -> Text,
        issued_at -> UtcTs,
        revoked_at -> Nullable<UtcTs>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_cohorts (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_cohort_members (tenant_id, cohort_id, user_id) {
        tenant_id -> BigInt,
        cohort_id -> BigInt,
        user_id -> BigInt,
        added_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJson, UtcTs};
    learn_scorm_packages (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        title -> Text,
        identifier -> Text,
        version -> Text,
        schema_version -> Nullable<Text>,
        size_bytes -> BigInt,
        sha256 -> Text,
        entry_count -> Integer,
        uncompressed_bytes -> BigInt,
        sco_count -> Integer,
        structure -> PJson,
        content -> Binary,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_scorm_results (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        package_id -> BigInt,
        sco -> Text,
        lesson_status -> Nullable<Text>,
        completion_status -> Nullable<Text>,
        success_status -> Nullable<Text>,
        score_raw -> Nullable<Double>,
        score_min -> Nullable<Double>,
        score_max -> Nullable<Double>,
        score_scaled -> Nullable<Double>,
        done -> Bool,
        recorded_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_live_sessions (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        starts_at -> UtcTs,
        duration_minutes -> Integer,
        ends_at -> UtcTs,
        host_user_id -> BigInt,
        join_url -> Text,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        cancelled_at -> Nullable<UtcTs>,
        recording_file_id -> Nullable<BigInt>,
        recording_url -> Nullable<Text>,
        created_at -> UtcTs,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_live_attendance (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        session_id -> BigInt,
        enrollment_id -> BigInt,
        user_id -> BigInt,
        recorded_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJson, UtcTs};
    learn_xapi_statements (tenant_id, seq) {
        tenant_id -> BigInt,
        seq -> BigInt,
        id -> Text,
        statement -> PJson,
        verb_id -> Text,
        registration -> Nullable<Text>,
        voided -> Bool,
        voids -> Nullable<Text>,
        stored -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    learn_xapi_agents (tenant_id, agent, seq, direct) {
        tenant_id -> BigInt,
        seq -> BigInt,
        agent -> Text,
        direct -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    know_pages (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        slug -> Text,
        title -> Text,
        title_folded -> Text,
        parent_id -> Nullable<BigInt>,
        revision -> BigInt,
        body_md -> Text,
        summary -> Nullable<Text>,
        author_kind -> Text,
        author_id -> Nullable<BigInt>,
        author_name -> Text,
        created_at -> UtcTs,
        updated_at -> UtcTs,
        deleted_at -> Nullable<UtcTs>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    know_revisions (tenant_id, page_id, number) {
        tenant_id -> BigInt,
        page_id -> BigInt,
        number -> BigInt,
        title -> Text,
        body_md -> Text,
        summary -> Nullable<Text>,
        author_kind -> Text,
        author_id -> Nullable<BigInt>,
        author_name -> Text,
        size -> BigInt,
        size_change -> BigInt,
        submitted_at -> UtcTs,
    }
}

/// mobieusKnow's search index differs by backend (a tsvector table, an
/// FTS5 table); `store::know::search` holds the queries of each.
pub mod pg {
    diesel::table! {
        use diesel::sql_types::*;
        use crate::db::types::TsVector;
        know_search (tenant_id, page_id) {
            tenant_id -> BigInt,
            page_id -> BigInt,
            title_words -> Text,
            body_words -> Text,
            document -> TsVector,
        }
    }
}

pub mod sqlite {
    diesel::table! {
        use diesel::sql_types::*;
        /// FTS5: `rowid` is the page's id; `know_search` the hidden column
        /// that MATCH takes; `rank` the configured bm25.
        know_search (rowid) {
            rowid -> BigInt,
            title_words -> Text,
            body_words -> Text,
            tenant_id -> BigInt,
            page_id -> BigInt,
            #[sql_name = "know_search"]
            fts -> Text,
            rank -> Double,
        }
    }
}

diesel::table! {
    use diesel::sql_types::*;
    learn_xapi_statement_targets (tenant_id, seq, target_id) {
        tenant_id -> BigInt,
        seq -> BigInt,
        target_id -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    learn_xapi_activities (tenant_id, activity, seq, direct) {
        tenant_id -> BigInt,
        seq -> BigInt,
        activity -> Text,
        direct -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_xapi_documents (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        resource -> Text,
        activity_id -> Text,
        agent -> Text,
        registration -> Text,
        doc_id -> Text,
        content_type -> Text,
        content -> Binary,
        etag -> Text,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    learn_xapi_attachments (tenant_id, sha2) {
        tenant_id -> BigInt,
        sha2 -> Text,
        content_type -> Text,
        content -> Binary,
        stored -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    ai_settings (tenant_id) {
        tenant_id -> BigInt,
        provider -> Text,
        base_url -> Nullable<Text>,
        model -> Nullable<Text>,
        sealed_key -> Nullable<Text>,
        enabled_hooks -> Text,
        monthly_token_cap -> Nullable<BigInt>,
        per_minute -> Integer,
        updated_at -> UtcTs,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::UtcTs;
    ai_feature_usage (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        hook -> Text,
        provider -> Nullable<Text>,
        model -> Nullable<Text>,
        prompt_tokens -> Integer,
        completion_tokens -> Integer,
        latency_ms -> Integer,
        outcome -> Text,
        reason -> Nullable<Text>,
        called -> Bool,
        request_id -> Text,
        created_at -> UtcTs,
    }
}

diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(scim_tokens -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants, api_keys, server_secrets, rate_limit_counters, idempotency_keys, events, users, posts, helpdesk_tags,
    helpdesk_queues, helpdesk_agents, helpdesk_agent_queues, helpdesk_help_topics, helpdesk_ticket_counters,
    helpdesk_tickets, helpdesk_ticket_tags, helpdesk_messages, helpdesk_audit_events, helpdesk_canned_responses,
    helpdesk_notification_prefs, files, helpdesk_message_attachments, listings, reports, moderation_actions, event_heads,
    webhook_endpoints, webhook_deliveries, webhook_attempts, row_counts, row_count_deltas, learn_courses, learn_modules,
    learn_lessons, learn_activities, learn_enrollments, learn_activity_completions, learn_attempts, learn_certificate_templates,
    learn_certificates, learn_cohorts, learn_cohort_members, learn_scorm_packages, learn_scorm_results, learn_live_sessions,
    learn_live_attendance, learn_xapi_statements, learn_xapi_agents, learn_xapi_activities,
    learn_xapi_documents, learn_xapi_attachments, learn_xapi_statement_targets, know_pages, know_revisions, scim_tokens,
    user_groups, user_group_members, ai_settings, ai_feature_usage,
);

// progress counts group done activities by enrollment and by `required`
diesel::allow_columns_to_appear_in_same_group_by_clause!(learn_activity_completions::enrollment_id, learn_activities::required);
