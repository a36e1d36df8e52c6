//! mobieusKnow over HTTP (through the generated client where it can say
//! it) on each backend: pages written in revisions and read by slug or id,
//! safe HTML, the parent rule, soft delete and restore, history, diffs and
//! reverts, concurrent edits, and search that ranks alike on both databases.

mod common;

use common::{backends, TestServer};
use mobieus_api::types;
use mobieus_server::store::users::{user_create, NewUser};
use serde_json::{json, Value};

const PAGES: &str = "/api/v1/know/pages";

async fn create(ts: &TestServer, key: &str, slug: &str, title: &str, body: &str, parent: Option<i64>) -> Value {
    let r = ts.post(Some(key), PAGES, &json!({ "slug": slug, "title": title, "body_md": body, "parent_id": parent }), None).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["data"].clone()
}

async fn edit(ts: &TestServer, key: &str, page: &str, body: Value) -> common::Reply {
    ts.post(Some(key), &format!("{PAGES}/{page}"), &body, None).await
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_written_in_revisions_and_read_by_slug_or_id() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let created = c
            .create_know_page()
            .body(
                types::KnowPageCreate::builder()
                    .slug("refund-policy")
                    .title("Refund policy")
                    .body_md("# Refunds\n\nWithin **14 days**.\n\n<script>alert(1)</script>\n\n[pay](javascript:alert(1)) [terms](/know/terms)\n")
                    .summary(Some("First draft".try_into().unwrap())),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let page = created.into_inner().data;
        assert_eq!((page.revision, page.author.kind, page.summary.as_deref()), (1, types::KnowAuthorKind::ApiKey, Some("First draft")));
        assert!(page.body_html.contains("<h1>Refunds</h1>") && page.body_html.contains("<strong>14 days</strong>"), "{}", page.body_html);
        assert!(!page.body_html.contains("<script") && !page.body_html.contains("javascript:"), "{}", page.body_html);
        assert!(page.body_html.contains("&lt;script&gt;") && page.body_html.contains("href=\"/know/terms\""), "{}", page.body_html);

        // by slug and by id alike
        let by_slug = c.get_know_page().page("refund-policy").send().await.unwrap().into_inner().data;
        let by_id = c.get_know_page().page(page.id.to_string()).send().await.unwrap().into_inner().data;
        assert_eq!((by_slug.id, by_id.slug.as_str(), by_id.body_md.as_str()), (page.id, "refund-policy", page.body_md.as_str()));
        ts.get(Some(&key), &format!("{PAGES}/no-such-page")).await.assert_error(404, "page_not_found");

        // slugs: unique in the tenant, lower-case words that never read as an id
        let taken = ts.post(Some(&key), PAGES, &json!({ "slug": "refund-policy", "title": "Again", "body_md": "" }), None).await;
        taken.assert_error(409, "conflict");
        assert_eq!(taken.body["error"]["extra"]["field"], "slug");
        for bad in ["1-refund", "Refund", "refund--policy", "refund_policy"] {
            let r = ts.post(Some(&key), PAGES, &json!({ "slug": bad, "title": "x", "body_md": "" }), None).await;
            r.assert_error(422, "validation_failed");
        }

        // the tree: children under a live page, never under themselves
        let parent = create(&ts, &key, "policies", "Policies", "All our policies.", None).await;
        let pid = parent["id"].as_i64().unwrap();
        let child = create(&ts, &key, "shipping", "Shipping policy", "Parcels ship in two days.", Some(pid)).await;
        let grandchild = create(&ts, &key, "shipping-abroad", "Shipping abroad", "Customs apply.", Some(child["id"].as_i64().unwrap())).await;
        let under = |parent: Value| json!({ "base_revision": 1, "parent_id": parent });
        for (target, why) in [(json!(pid), "itself"), (grandchild["id"].clone(), "descendants"), (json!(999_999), "no page")] {
            let r = edit(&ts, &key, "policies", under(target)).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "parent_id", "{}", r.text);
            assert!(r.text.contains(why), "{why}: {}", r.text);
        }
        assert_eq!(ts.post(Some(&key), PAGES, &json!({ "slug": "orphan", "title": "x", "body_md": "", "parent_id": 999_999 }), None).await.status, 422);

        // an edit: the next revision, from the revision it was made from
        let user = user_create(ts.db(), tenant, &NewUser { username: "ada".into(), display_name: "Ada Lovelace".into(), email: None, role: "member".into() }).await.unwrap();
        let r = c
            .update_know_page()
            .page("refund-policy")
            .body(
                types::KnowPageUpdate::builder()
                    .base_revision(std::num::NonZeroU64::new(1).unwrap())
                    .body_md(Some("# Refunds\n\nWithin **30 days**.\n".try_into().unwrap()))
                    .summary(Some("Longer window".try_into().unwrap()))
                    .author_user_id(Some(user.id)),
            )
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((r.revision, r.author.kind, r.author.name.as_str(), r.author.id), (2, types::KnowAuthorKind::User, "Ada Lovelace", Some(user.id)));
        let stale = edit(&ts, &key, "refund-policy", json!({ "base_revision": 1, "title": "Lost edit" })).await;
        stale.assert_error(409, "conflict");
        assert_eq!(stale.body["error"]["extra"]["current_revision"], 2, "{}", stale.text);
        assert_eq!(ts.get(Some(&key), &format!("{PAGES}/refund-policy")).await.body["data"]["title"], "Refund policy", "the stale edit wrote nothing");
        // an edit that changes nothing writes nothing
        let same = edit(&ts, &key, "refund-policy", json!({ "base_revision": 2, "title": "Refund policy" })).await;
        assert_eq!((same.status, same.body["data"]["revision"].as_i64()), (200, Some(2)), "{}", same.text);
        // moved to the top level
        let moved = edit(&ts, &key, "shipping", json!({ "base_revision": 1, "clear": ["parent_id"] })).await;
        assert_eq!((moved.status, moved.body["data"]["parent_id"].clone()), (200, Value::Null), "{}", moved.text);
        assert_eq!(edit(&ts, &key, "shipping", json!({ "base_revision": 2, "parent_id": pid })).await.status, 200);

        // lists: slug order, filters, cursors
        let list = c.list_know_pages().send().await.unwrap().into_inner();
        let slugs: Vec<String> = list.data.iter().map(|p| p.slug.to_string()).collect();
        assert_eq!(slugs, ["policies", "refund-policy", "shipping", "shipping-abroad"]);
        assert_eq!(list.total_count, 4);
        let children = c.list_know_pages().parent_id(pid).send().await.unwrap().into_inner();
        assert_eq!(children.data.iter().map(|p| p.slug.to_string()).collect::<Vec<_>>(), ["shipping"]);
        let prefixed = ts.get(Some(&key), &format!("{PAGES}?title_prefix=SHIPPING")).await;
        assert_eq!(prefixed.body["total_count"], 2, "{}", prefixed.text);
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut req = c.list_know_pages().limit(std::num::NonZeroU64::new(3).unwrap());
            if let Some(cur) = &cursor {
                req = req.cursor(cur.clone());
            }
            let page = req.send().await.unwrap().into_inner();
            seen.extend(page.data.iter().map(|p| p.slug.to_string()));
            match page.next_cursor {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, slugs);

        // delete: out of lists (and search), still readable, restorable
        let gone = c.delete_know_page().page("shipping-abroad").send().await.unwrap().into_inner().data;
        assert!(gone.deleted_at.is_some());
        assert_eq!(c.list_know_pages().send().await.unwrap().into_inner().total_count, 3);
        let deleted = ts.get(Some(&key), &format!("{PAGES}?deleted=true")).await;
        assert_eq!(deleted.body["data"][0]["slug"], "shipping-abroad", "{}", deleted.text);
        edit(&ts, &key, "shipping-abroad", json!({ "base_revision": 1, "title": "x" })).await.assert_error(409, "conflict");
        let back = c.restore_know_page().page("shipping-abroad").send().await.unwrap().into_inner().data;
        assert!(back.deleted_at.is_none() && back.revision == 1);
        assert_eq!(c.list_know_pages().send().await.unwrap().into_inner().total_count, 4);
        for (event, n) in [("know.page.created", 4), ("know.page.updated", 3), ("know.page.deleted", 1), ("know.page.restored", 1)] {
            assert_eq!(ts.events_of(&key, event).await.len(), n, "{event}");
        }

        // tenants and scopes
        let (_, other) = ts.tenant_with_key("globex").await;
        ts.get(Some(&other), &format!("{PAGES}/refund-policy")).await.assert_error(404, "page_not_found");
        ts.get(Some(&other), &format!("{PAGES}/{}", page.id)).await.assert_error(404, "page_not_found");
        let reader = ts.key(tenant, &["know:read"]).await;
        assert_eq!(ts.get(Some(&reader), &format!("{PAGES}/refund-policy")).await.status, 200);
        ts.post(Some(&reader), PAGES, &json!({ "slug": "x", "title": "x", "body_md": "" }), None).await.assert_error(403, "insufficient_scope");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revisions_are_compared_and_reverted_to() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let first = "one\ntwo\nthree\n";
        create(&ts, &key, "faq", "FAQ", first, None).await;
        assert_eq!(edit(&ts, &key, "faq", json!({ "base_revision": 1, "body_md": "one\nTWO\nthree\nfour\n", "summary": "louder" })).await.status, 200);
        assert_eq!(edit(&ts, &key, "faq", json!({ "base_revision": 2, "title": "Questions" })).await.status, 200);

        let history = c.list_know_revisions().page("faq").send().await.unwrap().into_inner();
        let numbers: Vec<i64> = history.data.iter().map(|r| r.number).collect();
        assert_eq!((numbers, history.total_count), (vec![3, 2, 1], 3));
        let sizes: Vec<(i64, i64)> = history.data.iter().map(|r| (r.size, r.size_change)).collect();
        assert_eq!(sizes, vec![(19, 0), (19, 5), (14, 14)]);
        assert_eq!(history.data[1].summary.as_deref(), Some("louder"));
        assert_eq!((history.data[0].title.as_str(), history.data[2].title.as_str()), ("Questions", "FAQ"));

        let one = c.get_know_revision().page("faq").number(std::num::NonZeroU64::new(1).unwrap()).send().await.unwrap().into_inner().data;
        assert_eq!(one.body_md, first);
        ts.get(Some(&key), &format!("{PAGES}/faq/revisions/9")).await.assert_error(404, "revision_not_found");

        let d = c.diff_know_revisions().page("faq").from(std::num::NonZeroU64::new(1).unwrap()).to(std::num::NonZeroU64::new(2).unwrap()).send().await.unwrap().into_inner().data;
        assert_eq!((d.added, d.removed, d.from_title.as_str()), (2, 1, "FAQ"));
        assert!(d.unified.starts_with("--- revision 1\n+++ revision 2\n@@ -1,3 +1,4 @@\n"), "{}", d.unified);
        assert!(d.unified.contains("\n-two\n+TWO\n") && d.unified.contains("\n+four\n"), "{}", d.unified);
        let ops: Vec<(types::KnowDiffLineOp, &str)> = d.hunks[0].lines.iter().map(|l| (l.op, l.text.as_str())).collect();
        use types::KnowDiffLineOp::{Added, Context, Removed};
        assert_eq!(ops, vec![(Context, "one"), (Removed, "two"), (Added, "TWO"), (Context, "three"), (Added, "four")]);
        assert_eq!((d.hunks[0].lines[1].old_line, d.hunks[0].lines[1].new_line), (Some(2), None));
        let none = ts.get(Some(&key), &format!("{PAGES}/faq/diff?from=2&to=3")).await;
        assert_eq!((none.body["data"]["unified"].as_str(), none.body["data"]["hunks"].as_array().map(Vec::len)), (Some(""), Some(0)), "{}", none.text);
        ts.get(Some(&key), &format!("{PAGES}/faq/diff?from=1&to=7")).await.assert_error(404, "revision_not_found");

        // a revert is a new revision with the old content
        let stale = ts.post(Some(&key), &format!("{PAGES}/faq/revisions/1/revert"), &json!({ "base_revision": 2 }), None).await;
        stale.assert_error(409, "conflict");
        assert_eq!(stale.body["error"]["extra"]["current_revision"], 3);
        let r = ts.post(Some(&key), &format!("{PAGES}/faq/revisions/1/revert"), &json!({ "base_revision": 3, "summary": "undo" }), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!((r.body["data"]["revision"].as_i64(), r.body["data"]["title"].as_str(), r.body["data"]["body_md"].as_str()), (Some(4), Some("FAQ"), Some(first)));
        assert_eq!(r.body["data"]["summary"], "Reverted to revision 1: undo");
        let same = ts.get(Some(&key), &format!("{PAGES}/faq/diff?from=1&to=4")).await;
        assert_eq!(same.body["data"]["hunks"].as_array().map(Vec::len), Some(0), "{}", same.text);
        ts.post(Some(&key), &format!("{PAGES}/faq/revisions/12/revert"), &json!({}), None).await.assert_error(404, "revision_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_edits_from_one_revision_exactly_one_lands() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        create(&ts, &key, "race", "Race", "start\n", None).await;
        for base in 1..=6 {
            let a = edit(&ts, &key, "race", json!({ "base_revision": base, "body_md": format!("a{base}\n") }));
            let b = edit(&ts, &key, "race", json!({ "base_revision": base, "body_md": format!("b{base}\n") }));
            let (a, b) = tokio::join!(a, b);
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
            let loser = if a.status == 409 { &a } else { &b };
            assert_eq!(loser.body["error"]["extra"]["current_revision"], base + 1, "{}", loser.text);
        }
        let history = ts.get(Some(&key), &format!("{PAGES}/race/revisions?limit=100")).await;
        assert_eq!(history.body["total_count"], 7, "one revision per round: {}", history.text);
        let page = ts.get(Some(&key), &format!("{PAGES}/race")).await;
        let newest = ts.get(Some(&key), &format!("{PAGES}/race/revisions/7")).await;
        assert_eq!(page.body["data"]["body_md"], newest.body["data"]["body_md"], "the page is its newest revision");
    }
}

/// A fixed corpus: (slug, title, body).
const CORPUS: [(&str, &str, &str); 10] = [
    ("refund-policy", "Refund policy", "Refunds are issued within 30 days. A refund request needs the order number."),
    ("shipping", "Shipping", "Parcels ship in two days. Shipping abroad takes longer; refunds on shipping fees are not possible."),
    ("returns", "Returns and exchanges", "Return an item within 30 days for an exchange or a refund."),
    ("billing", "Billing questions", "Invoices are sent monthly. For a refund, see the refund policy."),
    ("api-keys", "API keys", "Mint keys in the admin area. Rotate keys regularly; a revoked key stops at once."),
    ("webhooks", "Webhooks", "Endpoints receive signed events. Verify the signature with the endpoint secret."),
    ("moderation", "Moderation guide", "Moderators act on reports. Refunding sellers is not a moderation task."),
    ("onboarding", "Onboarding", "Welcome aboard. Read the refund policy and the shipping page first."),
    ("events", "Events reference", "Every change writes an event: user.created, post.created and more."),
    ("glossary", "Glossary", "Refund: money returned. Exchange: an item swapped. Key: an API credential."),
];

#[tokio::test(flavor = "multi_thread")]
async fn search_ranks_titles_first_and_the_same_on_both_databases() {
    let mut answers: Vec<Vec<(String, Vec<String>)>> = Vec::new();
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        for (slug, title, body) in CORPUS {
            create(&ts, &key, slug, title, body, None).await;
        }
        create(&ts, &key, "old-refunds", "Old refund rules", "Refund within 14 days.", None).await;
        assert_eq!(c.delete_know_page().page("old-refunds").send().await.unwrap().status().as_u16(), 200);
        let (_, other) = ts.tenant_with_key("globex").await;
        create(&ts, &other, "refund-secrets", "Refund secrets", "Another tenant's refund page.", None).await;

        let search = |q: &'static str| {
            let c = &c;
            async move {
                let r = c.search_know().q(q).limit(std::num::NonZeroU64::new(50).unwrap()).send().await.unwrap().into_inner();
                (q.to_owned(), r.data.iter().map(|h| h.slug.clone()).collect::<Vec<String>>(), r)
            }
        };
        let mut mine = Vec::new();
        let (q, refund, r) = search("refund").await;
        // title matches first, deleted and other tenants' pages never
        assert_eq!(refund[0], "refund-policy", "{refund:?}");
        assert!(r.data[0].title_match && !r.data.last().unwrap().title_match, "{refund:?}");
        assert!(!refund.iter().any(|s| s == "old-refunds" || s == "refund-secrets"), "{refund:?}");
        assert_eq!(r.total_count as usize, refund.len());
        assert!(r.data[0].snippet.contains("<mark>Refunds</mark>") || r.data[0].snippet.contains("<mark>refund</mark>"), "{}", r.data[0].snippet);
        assert!(r.data.windows(2).all(|w| w[0].score >= w[1].score), "best first");
        mine.push((q, refund.clone()));

        let (q, prefix, _) = search("refund*").await;
        assert!(prefix.contains(&"moderation".to_owned()) && prefix.len() > refund.len(), "refunding matches the prefix: {prefix:?}");
        mine.push((q, prefix));
        let (q, excluded, _) = search("refund -shipping").await;
        assert!(!excluded.contains(&"shipping".to_owned()) && !excluded.contains(&"onboarding".to_owned()) && excluded.contains(&"refund-policy".to_owned()), "{excluded:?}");
        mine.push((q, excluded));
        // a phrase never spans the title and the body
        create(&ts, &key, "boundary", "All about refund", "Shipping is free.", None).await;
        assert!(!search("\"refund shipping\"").await.1.contains(&"boundary".to_owned()));
        assert!(c.delete_know_page().page("boundary").send().await.unwrap().status().is_success());
        let (q, phrase, _) = search("\"refund policy\"").await;
        assert_eq!(phrase, ["refund-policy", "billing", "onboarding"], "the words in a row");
        mine.push((q, phrase));
        let (q, either, _) = search("webhooks OR moderators").await;
        let mut sorted = either.clone();
        sorted.sort();
        assert_eq!(sorted, ["moderation", "webhooks"]);
        mine.push((q, either));
        for q in ["keys", "30 days", "item exchange", "signature", "events"] {
            let (q, found, _) = search(q).await;
            assert!(!found.is_empty(), "{q}");
            mine.push((q, found));
        }
        // paging through the ranking
        let first = c.search_know().q("refund*").limit(std::num::NonZeroU64::new(2).unwrap()).send().await.unwrap().into_inner();
        let second = c.search_know().q("refund*").limit(std::num::NonZeroU64::new(2).unwrap()).cursor(first.next_cursor.clone().unwrap()).send().await.unwrap().into_inner();
        let paged: Vec<String> = first.data.iter().chain(&second.data).map(|h| h.slug.clone()).collect();
        assert_eq!(paged, mine[1].1[..4]);

        for (bad, why) in [("\"open", "quote"), ("-refund", "leave out"), ("*", "`*`"), ("refund OR", "OR")] {
            let r = ts.get(Some(&key), &format!("/api/v1/know/search?q={}", url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>())).await;
            r.assert_error(400, "invalid_parameter");
            assert!(r.text.contains(why), "{bad}: {}", r.text);
        }
        answers.push(mine);
    }
    // the same data, the same answers in the same order, whichever the database
    for other in &answers[1..] {
        assert_eq!(other, &answers[0]);
    }
}
