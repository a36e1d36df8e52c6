use mobieus_api::server::{
    AddLearnCohortMembersHeaders, AddLearnCohortMembersPath, CreateLearnCohortHeaders, DeleteLearnCohortHeaders, DeleteLearnCohortPath,
    GetLearnCohortPath, GrantLearnCohortsHeaders, LearnCohortsService, ListLearnCohortMembersPath, ListLearnCohortMembersQuery,
    ListLearnCohortsQuery, RemoveLearnCohortMembersHeaders, RemoveLearnCohortMembersPath, UpdateLearnCohortHeaders, UpdateLearnCohortPath,
};
use mobieus_api::support::{ApiError, Call, FieldProblem};
use mobieus_api::types;
use serde_json::json;

use super::deleted;
use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::cohorts::{
    cohort_add_members, cohort_create, cohort_delete, cohort_get, cohort_grant, cohort_list, cohort_members, cohort_remove_members, cohort_update,
    CohortChanges, CohortWithCount, Grantees, Membership,
};

fn cohort_out(c: CohortWithCount) -> types::Cohort {
    let (co, member_count) = (c.cohort, c.member_count);
    types::Cohort {
        id: co.id,
        name: co.name,
        description: co.description,
        external_id: co.external_id,
        member_count,
        created_at: co.created_at.0,
        updated_at: co.updated_at.0,
    }
}

fn envelope(c: CohortWithCount) -> types::CohortEnvelope {
    types::CohortEnvelope { data: cohort_out(c), next_cursor: None, request_id: String::new() }
}

fn membership(m: Membership) -> types::MembershipChangeEnvelope {
    types::MembershipChangeEnvelope { data: types::MembershipChange { changed: m.changed, unchanged: m.unchanged }, next_cursor: None, request_id: String::new() }
}

impl LearnCohortsService for AppContext {
    async fn list_learn_cohorts(call: &Call<'_, Self>, query: ListLearnCohortsQuery) -> Result<types::CohortList, ApiError> {
        let paging = Paging::new(call, "learn_cohorts", query.cursor.as_deref(), query.limit)?;
        let page = cohort_list(&call.context().db, call.principal.tenant_id, paging.id()?, paging.fetch()).await.map_err(store_error("cohort"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |c| json!([c.cohort.id]));
        Ok(types::CohortList { data: rows.into_iter().map(cohort_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn create_learn_cohort(call: &Call<'_, Self>, _headers: CreateLearnCohortHeaders, body: types::CohortCreate) -> Result<types::CohortEnvelope, ApiError> {
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        let (description, external) = (body.description.map(String::from), body.external_id.map(String::from));
        let cohort = cohort_create(db, tenant, &String::from(body.name), description.as_deref(), external.as_deref()).await.map_err(store_error("cohort"))?;
        Ok(envelope(CohortWithCount { cohort, member_count: 0 }))
    }

    async fn grant_learn_cohorts(call: &Call<'_, Self>, _headers: GrantLearnCohortsHeaders, body: types::CohortGrant) -> Result<types::CohortGrantEnvelope, ApiError> {
        let (cohorts, users) = (body.cohort_ids.unwrap_or_default(), body.user_ids.unwrap_or_default());
        let groups: Vec<i64> = body
            .group_ids
            .unwrap_or_default()
            .iter()
            .map(|g| crate::api::scim::group_row_id(g).ok_or_else(|| ApiError::validation(vec![FieldProblem { field: "group_ids".into(), problem: format!("`{}` is no SCIM group id", &**g) }])))
            .collect::<Result<_, _>>()?;
        if cohorts.is_empty() && users.is_empty() && groups.is_empty() {
            return Err(ApiError::validation(vec![FieldProblem { field: "cohort_ids".into(), problem: "name at least one cohort, group or user".into() }]));
        }
        let grantees = Grantees { cohorts: &cohorts, groups: &groups, users: &users };
        let g = cohort_grant(&call.context().db, call.principal.tenant_id, grantees, &body.course_ids).await.map_err(store_error("cohort"))?;
        Ok(types::CohortGrantEnvelope {
            data: types::CohortGrantResult { enrolled: g.enrolled, already_enrolled: g.already_enrolled, learners: g.learners, courses: g.courses },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn get_learn_cohort(call: &Call<'_, Self>, path: GetLearnCohortPath) -> Result<types::CohortEnvelope, ApiError> {
        Ok(envelope(cohort_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("cohort"))?))
    }

    async fn update_learn_cohort(
        call: &Call<'_, Self>,
        path: UpdateLearnCohortPath,
        _headers: UpdateLearnCohortHeaders,
        body: types::CohortUpdate,
    ) -> Result<types::CohortEnvelope, ApiError> {
        let clears = |f: types::CohortUpdateClearItem| body.clear.iter().flatten().any(|c| *c == f);
        let changes = CohortChanges {
            name: body.name.clone().map(String::from),
            description: if clears(types::CohortUpdateClearItem::Description) { Some(None) } else { body.description.clone().map(|d| Some(String::from(d))) },
            external_id: if clears(types::CohortUpdateClearItem::ExternalId) { Some(None) } else { body.external_id.clone().map(|x| Some(String::from(x))) },
        };
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        if changes.name.is_some() || changes.description.is_some() || changes.external_id.is_some() {
            cohort_update(db, tenant, path.id, &changes).await.map_err(store_error("cohort"))?;
        }
        Ok(envelope(cohort_get(db, tenant, path.id).await.map_err(store_error("cohort"))?))
    }

    async fn delete_learn_cohort(call: &Call<'_, Self>, path: DeleteLearnCohortPath, _headers: DeleteLearnCohortHeaders) -> Result<types::DeletedEnvelope, ApiError> {
        let cohort = cohort_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("cohort"))?;
        Ok(deleted(cohort.id, "learn_cohort"))
    }

    async fn list_learn_cohort_members(
        call: &Call<'_, Self>,
        path: ListLearnCohortMembersPath,
        query: ListLearnCohortMembersQuery,
    ) -> Result<types::CohortMemberList, ApiError> {
        let paging = Paging::new(call, "learn_cohort_members", query.cursor.as_deref(), query.limit)?;
        let page = cohort_members(&call.context().db, call.principal.tenant_id, path.id, paging.id()?, paging.fetch()).await.map_err(store_error("cohort"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |(user, _)| json!([user]));
        Ok(types::CohortMemberList {
            data: rows.into_iter().map(|(user_id, added_at)| types::CohortMember { user_id, added_at: added_at.0 }).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn add_learn_cohort_members(
        call: &Call<'_, Self>,
        path: AddLearnCohortMembersPath,
        _headers: AddLearnCohortMembersHeaders,
        body: types::CohortMembers,
    ) -> Result<types::MembershipChangeEnvelope, ApiError> {
        let m = cohort_add_members(&call.context().db, call.principal.tenant_id, path.id, &body.user_ids).await.map_err(store_error("cohort"))?;
        Ok(membership(m))
    }

    async fn remove_learn_cohort_members(
        call: &Call<'_, Self>,
        path: RemoveLearnCohortMembersPath,
        _headers: RemoveLearnCohortMembersHeaders,
        body: types::CohortMembers,
    ) -> Result<types::MembershipChangeEnvelope, ApiError> {
        let m = cohort_remove_members(&call.context().db, call.principal.tenant_id, path.id, &body.user_ids).await.map_err(store_error("cohort"))?;
        Ok(membership(m))
    }
}
