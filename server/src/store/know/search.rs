//! The search index of live pages, kept by each backend in its own engine
//! (a tsvector table on PostgreSQL, an FTS5 table on SQLite) behind one
//! trait, [`SearchIndex`], implemented for each backend's connection: the
//! page writes call it inside their transaction, whichever the backend.
//!
//! The engines only find candidates (at most [`POOL`] of the best by their
//! own rank, and the count of all matches); `know::search` ranks them, the
//! same way on both.

use std::future::Future;

use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{know_pages as p, pg, sqlite};
use crate::db::types::{TsQuery, TsVector};
use crate::db::{Db, StoreError, Ts};
use crate::know::search::{tokens, Query};

/// The candidates an engine answers, best first by its own rank.
pub const POOL: i64 = 200;

diesel::infix_operator!(TsMatch, " @@ ", Bool, backend: diesel::pg::Pg);
diesel::infix_operator!(FtsMatch, " MATCH ", Bool, backend: diesel::sqlite::Sqlite);
diesel::define_sql_function! {
    /// `to_tsquery('simple', q)` (the migration's function).
    fn know_tsquery(q: Text) -> TsQuery;
}
diesel::define_sql_function! {
    fn ts_rank(document: TsVector, query: TsQuery) -> Float;
}

/// A page's words as the index keeps them: its title's and its body's
/// tokens, space-separated.
pub fn words(title: &str, body_md: &str) -> (String, String) {
    (tokens(title).join(" "), tokens(&crate::know::markdown::to_text(body_md)).join(" "))
}

/// A candidate: the page and its indexed words.
pub struct Candidate {
    pub page_id: i64,
    pub title_words: String,
    pub body_words: String,
}

pub trait SearchIndex {
    /// Sets the page's entry (a page that is live).
    fn put<'a>(&'a mut self, tenant: i64, page: i64, title_words: &'a str, body_words: &'a str) -> impl Future<Output = QueryResult<()>> + Send + 'a;
    /// Removes the page's entry (a page deleted).
    fn remove(&mut self, tenant: i64, page: i64) -> impl Future<Output = QueryResult<()>> + Send + '_;
    /// The best candidates for `q` by the engine's rank, and how many match.
    fn candidates<'a>(&'a mut self, tenant: i64, q: &'a Query) -> impl Future<Output = QueryResult<(Vec<Candidate>, i64)>> + Send + 'a;
}

impl SearchIndex for AsyncPgConnection {
    fn put<'a>(&'a mut self, tenant: i64, page: i64, title_words: &'a str, body_words: &'a str) -> impl Future<Output = QueryResult<()>> + Send + 'a {
        use pg::know_search as s;
        async move {
            diesel::insert_into(s::table)
                .values((s::tenant_id.eq(tenant), s::page_id.eq(page), s::title_words.eq(title_words), s::body_words.eq(body_words)))
                .on_conflict((s::tenant_id, s::page_id))
                .do_update()
                .set((s::title_words.eq(title_words), s::body_words.eq(body_words)))
                .execute(self)
                .await
                .map(drop)
        }
    }

    fn remove(&mut self, tenant: i64, page: i64) -> impl Future<Output = QueryResult<()>> + Send + '_ {
        use pg::know_search as s;
        async move { diesel::delete(s::table.filter(s::tenant_id.eq(tenant).and(s::page_id.eq(page)))).execute(self).await.map(drop) }
    }

    fn candidates<'a>(&'a mut self, tenant: i64, q: &'a Query) -> impl Future<Output = QueryResult<(Vec<Candidate>, i64)>> + Send + 'a {
        use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
        use pg::know_search as s;
        async move {
            let text = q.tsquery();
            // A query's selectivity swings from a handful of pages to every
            // page with its words, so no plan fits all of them: after five
            // runs PostgreSQL may settle a prepared statement on one generic
            // plan (measured: a rare word at 100k pages went from 6 ms to
            // 819 ms when that plan scanned the tenant's rows by key). Each
            // search is planned for its own query instead, within its read
            // transaction (SET LOCAL: nothing outlives it, so a
            // transaction-mode pooler can sit in front), which also reads
            // the count and the rows from one snapshot.
            self.transaction(async |conn| {
                conn.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan").await?;
                let matching = || s::table.filter(s::tenant_id.eq(tenant).and(TsMatch::new(s::document, know_tsquery(text.clone()))));
                let total: i64 = matching().count().get_result(conn).await?;
                let rows: Vec<(i64, String, String)> = matching()
                    .order((ts_rank(s::document, know_tsquery(text.clone())).desc(), s::page_id.asc()))
                    .limit(POOL)
                    .select((s::page_id, s::title_words, s::body_words))
                    .load(conn)
                    .await?;
                Ok((rows.into_iter().map(|(page_id, title_words, body_words)| Candidate { page_id, title_words, body_words }).collect(), total))
            })
            .await
        }
    }
}

impl<S: diesel_async::sync_connection_wrapper::SpawnBlocking + Send> SearchIndex for diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection, S> {
    fn put<'a>(&'a mut self, tenant: i64, page: i64, title_words: &'a str, body_words: &'a str) -> impl Future<Output = QueryResult<()>> + Send + 'a {
        use sqlite::know_search as s;
        async move {
            // the rowid is the page's id (SQLite ids are rowids, unique across tenants)
            diesel::delete(s::table.filter(s::rowid.eq(page))).execute(self).await?;
            diesel::insert_into(s::table)
                .values((s::rowid.eq(page), s::title_words.eq(title_words), s::body_words.eq(body_words), s::tenant_id.eq(tenant), s::page_id.eq(page)))
                .execute(self)
                .await
                .map(drop)
        }
    }

    fn remove(&mut self, _tenant: i64, page: i64) -> impl Future<Output = QueryResult<()>> + Send + '_ {
        use sqlite::know_search as s;
        async move { diesel::delete(s::table.filter(s::rowid.eq(page))).execute(self).await.map(drop) }
    }

    fn candidates<'a>(&'a mut self, tenant: i64, q: &'a Query) -> impl Future<Output = QueryResult<(Vec<Candidate>, i64)>> + Send + 'a {
        use sqlite::know_search as s;
        async move {
            let text = q.fts5();
            let matching = || s::table.filter(FtsMatch::new(s::fts, text.clone().into_sql::<Text>()).and(s::tenant_id.eq(tenant)));
            let total: i64 = matching().count().get_result(self).await?;
            let rows: Vec<(i64, String, String)> =
                matching().order((s::rank.asc(), s::page_id.asc())).limit(POOL).select((s::page_id, s::title_words, s::body_words)).load(self).await?;
            Ok((rows.into_iter().map(|(page_id, title_words, body_words)| Candidate { page_id, title_words, body_words }).collect(), total))
        }
    }
}

/// A ranked hit, with what the answer shows.
#[derive(Debug, Clone)]
pub struct Hit {
    pub page_id: i64,
    pub slug: String,
    pub title: String,
    pub snippet: String,
    pub score: f64,
    pub title_match: bool,
    pub updated_at: Ts,
}

/// The page of hits at `offset` (at most `limit`), whether more follow, and
/// how many pages match in all.
pub async fn search(db: &Db, tenant: i64, q: &Query, offset: i64, limit: i64) -> Result<(Vec<Hit>, bool, i64), StoreError> {
    crate::with_conn!(db, |conn| {
        let (candidates, total) = conn.candidates(tenant, q).await?;
        let mut ranked: Vec<(f64, bool, i64)> = candidates
            .iter()
            .map(|c| {
                let title: Vec<String> = c.title_words.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
                let body: Vec<String> = c.body_words.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
                (q.score(&title, &body), q.in_title(&title), c.page_id)
            })
            .collect();
        // best first; equal scores in page order, so both backends agree
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let more = (ranked.len() as i64) > offset + limit;
        let shown: Vec<(f64, bool, i64)> = ranked.into_iter().skip(offset.max(0) as usize).take(limit as usize).collect();
        let ids: Vec<i64> = shown.iter().map(|s| s.2).collect();
        let pages: Vec<(i64, String, String, String, Ts)> = p::table
            .filter(p::tenant_id.eq(tenant).and(p::id.eq_any(&ids)).and(p::deleted_at.is_null()))
            .select((p::id, p::slug, p::title, p::body_md, p::updated_at))
            .load(conn)
            .await?;
        let hits = shown
            .into_iter()
            .filter_map(|(score, title_match, id)| {
                let (_, slug, title, body, updated_at) = pages.iter().find(|row| row.0 == id)?;
                let text = crate::know::markdown::to_text(body);
                Some(Hit { page_id: id, slug: slug.clone(), title: title.clone(), snippet: q.snippet(&text, 30), score, title_match, updated_at: *updated_at })
            })
            .collect();
        Ok((hits, more, total))
    })
}
