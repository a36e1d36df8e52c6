use mobieus_api::server::{GetUserPath, ListUsersQuery, UsersService};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{created_range, stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::users::{user_get, user_list, User, UserFilter};

fn user_out(u: User) -> Result<types::User, ApiError> {
    Ok(types::User {
        id: u.id,
        role: stored("user role", &u.role)?,
        status: stored("user status", &u.status)?,
        warning_count: u.warning_count as i64,
        username: u.username,
        display_name: u.display_name,
        email: u.email,
        created_at: u.created_at.0,
    })
}

impl UsersService for AppContext {
    async fn list_users(call: &Call<'_, Self>, query: ListUsersQuery) -> Result<types::UserList, ApiError> {
        let paging = Paging::new(call, "users", query.cursor.as_deref(), query.limit)?;
        let filter = UserFilter { role: query.role, created: created_range(query.created_after, query.created_before) };
        let page = user_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("user"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |u| json!([u.id]));
        Ok(types::UserList {
            data: rows.into_iter().map(user_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_user(call: &Call<'_, Self>, path: GetUserPath) -> Result<types::UserEnvelope, ApiError> {
        let user = user_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("user"))?;
        Ok(types::UserEnvelope { data: user_out(user)?, next_cursor: None, request_id: String::new() })
    }
}
