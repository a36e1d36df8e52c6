//! `total_count` of an unfiltered list comes from a maintained count, not a
//! count of every row: after concurrent creates and deletes in two tenants,
//! every maintained count equals `count(*)` of its rows, and every list's
//! `total_count` equals the rows its pages hold — filtered lists too.

mod common;

use common::{backends, TestServer};
use mobieus_server::store::counts::{row_counts_fold, row_counts_verify};
use serde_json::{json, Value};

/// Every item of a list, following its cursors; checks each page's
/// `total_count` is the same.
async fn all_items(ts: &TestServer, key: &str, path: &str) -> (Vec<Value>, i64) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (mut items, mut cursor, mut total) = (vec![], None::<String>, None);
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=7&cursor={c}"),
            None => format!("{path}{sep}limit=7"),
        };
        let r = ts.get(Some(key), &url).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let t = r.body["total_count"].as_i64().unwrap();
        assert_eq!(*total.get_or_insert(t), t, "{path}: total_count is the same on every page");
        items.extend(r.body["data"].as_array().unwrap().iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (items, total.unwrap()),
        }
    }
}

async fn assert_lists_agree(ts: &TestServer, key: &str, endpoint: i64) {
    for path in [
        "/api/v1/helpdesk/tags".to_owned(),
        "/api/v1/helpdesk/tickets".to_owned(),
        "/api/v1/helpdesk/tickets?status=open".to_owned(),
        "/api/v1/helpdesk/audit".to_owned(),
        "/api/v1/events".to_owned(),
        "/api/v1/events?type=helpdesk.tag.deleted".to_owned(),
        "/api/v1/webhooks/endpoints".to_owned(),
        format!("/api/v1/webhooks/endpoints/{endpoint}/deliveries"),
        format!("/api/v1/webhooks/endpoints/{endpoint}/deliveries?status=pending"),
    ] {
        let (items, total) = all_items(ts, key, &path).await;
        assert_eq!(items.len() as i64, total, "{:?} {path}: total_count equals the rows listed", ts.backend);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn maintained_counts_stay_exact_under_concurrent_writes_and_deletes() {
    for backend in backends() {
        let ts = TestServer::start_with(&backend, |c| c.allow_private_webhooks = true).await;
        let mut tenants = vec![];
        for slug in ["acme", "beta"] {
            let (_, key) = ts.tenant_with_key(slug).await;
            let r = ts
                .post(Some(&key), "/api/v1/webhooks/endpoints", &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["helpdesk.tag.created", "helpdesk.tag.deleted"]}), None)
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            let spare = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({"url": "http://127.0.0.1:9/spare", "event_types": ["helpdesk.tag.created"]}), None).await;
            assert_eq!(spare.status, 201, "{}", spare.text);
            tenants.push((key, r.body["data"]["endpoint"]["id"].as_i64().unwrap(), spare.body["data"]["endpoint"]["id"].as_i64().unwrap()));
        }
        // creates and deletes at once, in both tenants: tags (with their
        // events, audit entries and deliveries) and tickets
        let server = &ts;
        let writes = tenants.iter().flat_map(|(key, _, _)| {
            (0..24).map(move |i| {
                let ts = server;
                async move {
                    let slug = format!("t{i}");
                    let r = ts.post(Some(key), "/api/v1/helpdesk/tags", &json!({"slug": slug, "name": slug}), None).await;
                    assert_eq!(r.status, 201, "{}", r.text);
                    if i % 3 == 0 {
                        let id = r.body["data"]["id"].as_i64().unwrap();
                        let d = ts.post(Some(key), &format!("/api/v1/helpdesk/tags/{id}/delete"), &json!({}), None).await;
                        assert_eq!(d.status, 200, "{}", d.text);
                    }
                    if i % 2 == 0 {
                        let body = json!({"subject": format!("s{i}"), "body": "b", "requester_email": format!("r{i}@x.example")});
                        assert_eq!(ts.post(Some(key), "/api/v1/helpdesk/tickets", &body, None).await.status, 201);
                    }
                }
            })
        });
        futures::future::join_all(writes).await;
        // an endpoint deleted with its deliveries
        for (key, _, spare) in &tenants {
            let r = ts.post(Some(key), &format!("/api/v1/webhooks/endpoints/{spare}/delete"), &json!({}), None).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
        // before a fold (PostgreSQL keeps deltas until then) and after it
        assert_eq!(row_counts_verify(ts.db()).await.unwrap(), vec![], "{backend:?}: maintained counts equal count(*)");
        for (key, endpoint, _) in &tenants {
            assert_lists_agree(&ts, key, *endpoint).await;
        }
        row_counts_fold(ts.db()).await.unwrap();
        assert_eq!(row_counts_verify(ts.db()).await.unwrap(), vec![], "{backend:?}: after the fold");
        for (key, endpoint, _) in &tenants {
            assert_lists_agree(&ts, key, *endpoint).await;
            let (tags, _) = all_items(&ts, key, "/api/v1/helpdesk/tags").await;
            assert_eq!(tags.len(), 24 - 8, "{backend:?}: 24 created, 8 deleted");
        }
    }
}
