//! What members wrote.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::posts as p;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = p, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Post {
    pub tenant_id: i64,
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub body: String,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub hidden_at: Option<Ts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostFilter {
    pub author_id: Option<i64>,
    pub created: CreatedRange,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = p::table.filter(p::tenant_id.eq($tenant)).into_boxed();
        if let Some(a) = $f.author_id {
            q = q.filter(p::author_id.eq(a));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(p::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(p::created_at.lt(b));
        }
        q
    }};
}

pub async fn post_list(db: &Db, tenant: i64, f: &PostFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Post>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(p::id.lt(id));
        }
        q.order(p::id.desc()).limit(limit).select(Post::as_select()).load::<Post>(conn)
    }, list_total!(conn, tenant, counts::POSTS, 0, *f == PostFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn post_get(db: &Db, tenant: i64, id: i64) -> Result<Post, StoreError> {
    with_conn!(db, |conn| {
        Ok(p::table
            .filter(p::tenant_id.eq(tenant).and(p::id.eq(id)))
            .select(Post::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Creates a post and its `post.created` event in one transaction.
pub async fn post_create(db: &Db, tenant: i64, author_id: i64, title: &str, body: &str) -> Result<Post, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let post: Post = diesel::insert_into(p::table)
            .values((
                p::tenant_id.eq(tenant),
                p::author_id.eq(author_id),
                p::title.eq(title),
                p::body.eq(body),
                p::created_at.eq(now),
                p::updated_at.eq(now),
            ))
            .returning(Post::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, NewEvent::new(tenant, "post.created", json!({ "post_id": post.id, "author_id": author_id })));
        Ok(post)
    })
}
