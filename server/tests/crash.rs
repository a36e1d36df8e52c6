//! `kill -9` under write load: a server process taking creates and updates
//! across surfaces (tickets, replies, tags, webhook endpoints, wiki pages and
//! their revisions, enrollments) is killed with SIGKILL at a random moment
//! and started again on the same database. Every write a client saw
//! acknowledged (2xx) is there exactly once, with its event (and, for the
//! helpdesk, its audit entry); nothing is half-written (a ticket without its
//! first message, a revision without its page update, an event or audit
//! entry without its row). Every request carries an Idempotency-Key, and after
//! the restart every one sent is retried with its key (as a client that lost
//! its answer would, once the keys' one-minute claims have run out): each
//! write is then there exactly once, whether its answer was recorded
//! (replayed), lost after the commit (`409 idempotency_key_applied`), or it
//! never committed (it runs now). On SQLite, and on PostgreSQL when
//! MOBIEUS_TEST_PG_URL is set.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{databases, unlimited_key, ServerProcess};
use rand::Rng;
use serde_json::{json, Value};

/// What the clients saw acknowledged.
#[derive(Default)]
struct Acknowledged {
    /// subject → ticket id
    tickets: HashMap<String, i64>,
    /// reply body → (ticket id, message id)
    replies: HashMap<String, (i64, i64)>,
    tags: Vec<String>,
    endpoints: Vec<i64>,
    /// page slug → its acknowledged revisions (number, summary)
    revisions: HashMap<String, Vec<(i64, String)>>,
    /// enrollment ids
    enrollments: Vec<i64>,
    /// answers that were neither 2xx nor a lost connection
    refused: Vec<String>,
    /// every request sent, answered or not: (path, body, Idempotency-Key)
    sent: Vec<(String, Value, String)>,
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_write_survives_kill_9() {
    for db in databases().await {
        let key = unlimited_key(&db);
        let mut server = ServerProcess::start(&db, &["--allow-private-webhooks"]).await;
        let base = server.url("");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        // an endpoint for every event, so each write queues its deliveries in its transaction too
        let r = http.post(format!("{base}/api/v1/webhooks/endpoints")).bearer_auth(&key).json(&json!({ "url": "http://127.0.0.1:9/all" })).send().await.unwrap();
        assert_eq!(r.status(), 201);

        let fixtures = Arc::new(Fixtures::make(&db, &http, &base, &key).await);

        let acked = Arc::new(Mutex::new(Acknowledged::default()));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| tokio::spawn(write_until_gone(http.clone(), base.clone(), key.clone(), w, acked.clone(), fixtures.clone())))
            .collect();
        let delay = rand::rng().random_range(400..1500);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(acked.refused.is_empty(), "{db}: answers that were neither 2xx nor a lost connection: {:?}", acked.refused);
        assert!(acked.tickets.len() >= 5, "{db}: only {} tickets before the kill ({delay} ms)", acked.tickets.len());

        // a minute passes: the dead process's claims run out
        let store = mobieus_server::db::Db::connect(&db, 1).await.unwrap();
        mobieus_server::store::idempotency::idempotency_locks_end(&store).await.unwrap();
        drop(store);
        let server = ServerProcess::start(&db, &["--allow-private-webhooks"]).await;
        let base = server.url("");
        let get_all = |path: &str| all(&http, &base, &key, path.to_owned());

        // every request retried with its key
        let mut outcomes: HashMap<&str, usize> = HashMap::new();
        for (path, body, idem) in &acked.sent {
            let r = http.post(format!("{base}{path}")).bearer_auth(&key).header("Idempotency-Key", idem).json(body).send().await.unwrap();
            let (status, replayed) = (r.status().as_u16(), r.headers().contains_key("idempotency-replayed"));
            let answer: Value = r.json().await.unwrap();
            let outcome = match (status, replayed) {
                (200..=299, true) => "replayed",
                (200..=299, false) => "ran now",
                (409, _) if answer["error"]["code"] == "idempotency_key_applied" => "applied, answer lost",
                _ => panic!("{db}: retry of {path} {body}: {status} {answer}"),
            };
            *outcomes.entry(outcome).or_default() += 1;
        }
        eprintln!("{db}: {} requests retried after the kill: {outcomes:?}", acked.sent.len());
        let sent_marks = |path: &str| -> Vec<String> {
            acked.sent.iter().filter(|(p, ..)| p == path).map(|(.., k)| k.clone()).collect()
        };

        // tickets: each acknowledged one once; every ticket has its first message
        let tickets = get_all("/api/v1/helpdesk/tickets").await;
        let mut by_subject: HashMap<String, Vec<i64>> = HashMap::new();
        for t in &tickets {
            by_subject.entry(t["subject"].as_str().unwrap().to_owned()).or_default().push(t["id"].as_i64().unwrap());
        }
        for (subject, id) in &acked.tickets {
            assert_eq!(by_subject.get(subject), Some(&vec![*id]), "{db}: acknowledged ticket {subject}");
        }
        assert!(by_subject.values().all(|ids| ids.len() == 1), "{db}: a ticket written twice");
        for mark in sent_marks("/api/v1/helpdesk/tickets") {
            assert!(by_subject.contains_key(&mark), "{db}: ticket {mark} sent, retried, missing");
        }
        let mut messages: HashMap<String, (i64, i64)> = HashMap::new();
        for t in &tickets {
            let id = t["id"].as_i64().unwrap();
            // paths name a ticket by its number (ids may skip where a killed transaction took one)
            let thread = get_all(&format!("/api/v1/helpdesk/tickets/{}/messages", t["number"])).await;
            assert_eq!(thread.first().and_then(|m| m["body"].as_str()), Some(format!("first {}", t["subject"].as_str().unwrap()).as_str()), "{db}: ticket {id} without its first message");
            for m in &thread[1..] {
                let body = m["body"].as_str().unwrap().to_owned();
                assert!(messages.insert(body.clone(), (id, m["id"].as_i64().unwrap())).is_none(), "{db}: reply {body} twice");
            }
        }
        for (body, at) in &acked.replies {
            assert_eq!(messages.get(body), Some(at), "{db}: acknowledged reply {body}");
        }
        for (path, body, _) in acked.sent.iter().filter(|(p, ..)| p.ends_with("/reply")) {
            assert!(messages.contains_key(body["body"].as_str().unwrap()), "{db}: reply {path} {body} sent, retried, missing");
        }

        // events and audit entries: one per row, none without its row
        let created = ids_in(&get_all("/api/v1/events?type=helpdesk.ticket.created").await, "data", "ticket_id");
        let audited = ids_in(&get_all("/api/v1/helpdesk/audit?event_key=ticket.created").await, "", "ticket_id");
        let mut ticket_ids: Vec<i64> = tickets.iter().map(|t| t["id"].as_i64().unwrap()).collect();
        ticket_ids.sort();
        assert_eq!(created, ticket_ids, "{db}: helpdesk.ticket.created events");
        assert_eq!(audited, ticket_ids, "{db}: ticket.created audit entries");
        let replied = ids_in(&get_all("/api/v1/events?type=helpdesk.ticket.replied").await, "data", "message_id");
        let replied_audit = ids_in(&get_all("/api/v1/helpdesk/audit?event_key=ticket.replied").await, "after", "message_id");
        let mut reply_ids: Vec<i64> = messages.values().map(|(_, m)| *m).collect();
        reply_ids.sort();
        assert_eq!(replied, reply_ids, "{db}: helpdesk.ticket.replied events");
        assert_eq!(replied_audit, reply_ids, "{db}: ticket.replied audit entries");

        // tags and endpoints
        let tags = get_all("/api/v1/helpdesk/tags").await;
        let slugs: Vec<&str> = tags.iter().map(|t| t["slug"].as_str().unwrap()).collect();
        for s in &acked.tags {
            assert_eq!(slugs.iter().filter(|x| *x == s).count(), 1, "{db}: acknowledged tag {s}");
        }
        for mark in sent_marks("/api/v1/helpdesk/tags") {
            assert_eq!(slugs.iter().filter(|x| **x == format!("t-{mark}")).count(), 1, "{db}: tag t-{mark} sent and retried");
        }
        let tag_events = get_all("/api/v1/events?type=helpdesk.tag.created").await;
        assert_eq!(tag_events.len(), tags.len(), "{db}: one helpdesk.tag.created event per tag");
        let listed = get_all("/api/v1/webhooks/endpoints").await;
        let endpoints: Vec<i64> = listed.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        for id in &acked.endpoints {
            assert!(endpoints.contains(id), "{db}: acknowledged endpoint {id}");
        }
        for mark in sent_marks("/api/v1/webhooks/endpoints") {
            let url = format!("http://127.0.0.1:9/{mark}");
            assert_eq!(listed.iter().filter(|e| e["url"] == url.as_str()).count(), 1, "{db}: endpoint {url} sent and retried");
        }

        // wiki pages: every acknowledged revision there with its summary, the
        // page at its last revision's body, each revision sent once
        let mut revisions_total = 0;
        let mut summaries: Vec<String> = Vec::new();
        let pages = get_all("/api/v1/know/pages").await;
        for listed_page in &pages {
            let slug = listed_page["slug"].as_str().unwrap();
            let page: Value = http.get(format!("{base}/api/v1/know/pages/{slug}")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
            let page = &page["data"];
            let listed = get_all(&format!("/api/v1/know/pages/{slug}/revisions")).await;
            let mut numbers: Vec<i64> = listed.iter().map(|r| r["number"].as_i64().unwrap()).collect();
            numbers.sort();
            assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>(), "{db}: page {slug}'s revisions");
            let last = listed.iter().find(|r| r["number"] == page["revision"]).unwrap_or_else(|| panic!("{db}: page {slug} at a revision not listed"));
            assert_eq!(page["revision"].as_i64(), numbers.last().copied(), "{db}: page {slug} not at its last revision");
            let mark = last["summary"].as_str().unwrap();
            assert_eq!(page["body_md"], format!("body {mark}"), "{db}: page {slug}'s body is not its last revision's");
            summaries.extend(listed.iter().map(|r| r["summary"].as_str().unwrap().to_owned()));
            revisions_total += listed.len();
            for (number, mark) in acked.revisions.get(slug).into_iter().flatten() {
                assert!(listed.iter().any(|r| r["number"] == *number && r["summary"] == mark.as_str()), "{db}: acknowledged revision {slug}#{number} {mark}");
            }
        }
        for slug in acked.revisions.keys() {
            assert!(pages.iter().any(|p| p["slug"] == slug.as_str()), "{db}: acknowledged page {slug}");
        }
        // creates and edits alike: every page path
        for (.., mark) in acked.sent.iter().filter(|(p, ..)| p.starts_with("/api/v1/know/pages")) {
            assert_eq!(summaries.iter().filter(|s| *s == mark).count(), 1, "{db}: revision {mark} sent and retried");
        }
        assert_eq!(get_all("/api/v1/events?type=know.page.created").await.len(), pages.len(), "{db}: know.page.created events");
        assert_eq!(get_all("/api/v1/events?type=know.page.updated").await.len(), revisions_total - pages.len(), "{db}: know.page.updated events");

        // enrollments: each acknowledged one there, each learner once
        let enrollments = get_all(&format!("/api/v1/learn/enrollments?course={}", fixtures.course)).await;
        let mut learners: Vec<i64> = enrollments.iter().map(|e| e["user_id"].as_i64().unwrap()).collect();
        learners.sort();
        learners.dedup();
        assert_eq!(learners.len(), enrollments.len(), "{db}: a learner enrolled twice");
        for id in &acked.enrollments {
            assert!(enrollments.iter().any(|e| e["id"] == *id), "{db}: acknowledged enrollment {id}");
        }
        for (_, body, _) in acked.sent.iter().filter(|(p, ..)| p == "/api/v1/learn/enrollments") {
            assert!(learners.contains(&body["user_id"].as_i64().unwrap()), "{db}: enrollment {body} sent and retried");
        }
        assert_eq!(get_all("/api/v1/events?type=learn.enrollment.created").await.len(), enrollments.len(), "{db}: learn.enrollment.created events");

        eprintln!(
            "{db}: killed after {delay} ms; {} tickets, {} replies, {} tags, {} endpoints, {} wiki revisions, {} enrollments acknowledged, all there",
            acked.tickets.len(),
            acked.replies.len(),
            acked.tags.len(),
            acked.endpoints.len(),
            acked.revisions.values().map(Vec::len).sum::<usize>(),
            acked.enrollments.len()
        );
    }
}

const WRITERS: usize = 4;
/// Learners each writer may enroll (more than it gets to before the kill).
const LEARNERS_EACH: usize = 100;

/// What the writers write into: a published course and learners to enroll.
struct Fixtures {
    course: i64,
    /// writer `w` enrolls `learners[w]`, `learners[w + WRITERS]`, …
    learners: Vec<i64>,
}

impl Fixtures {
    async fn make(db: &str, http: &reqwest::Client, base: &str, key: &str) -> Fixtures {
        let tenants = common::admin(db, &["tenant", "list"]);
        let tenant = tenants.as_array().unwrap().iter().find(|t| t["slug"] == "acme").unwrap()["id"].as_i64().unwrap();
        let store = mobieus_server::db::Db::connect(db, 1).await.unwrap();
        let mut learners = Vec::new();
        for i in 0..WRITERS * LEARNERS_EACH {
            let user = mobieus_server::store::users::NewUser { username: format!("learner{i}"), display_name: format!("Learner {i}"), email: None, role: "member".into() };
            learners.push(mobieus_server::store::users::user_create(&store, tenant, &user).await.unwrap().id);
        }
        let made = |path: String, body: Value| async move {
            let r = http.post(format!("{base}{path}")).bearer_auth(key).json(&body).send().await.unwrap();
            let (status, answer) = (r.status(), r.json::<Value>().await.unwrap());
            assert!(status.is_success(), "{path}: {status} {answer}");
            answer["data"]["id"].as_i64().unwrap()
        };
        let course = made("/api/v1/learn/courses".into(), json!({ "title": "Crash course" })).await;
        let module = made(format!("/api/v1/learn/courses/{course}/modules"), json!({ "title": "One" })).await;
        let lesson = made(format!("/api/v1/learn/modules/{module}/lessons"), json!({ "title": "First" })).await;
        let video = json!({ "kind": "video", "title": "Welcome", "video": { "url": "https://videos.example.org/a.mp4", "duration_seconds": 60 } });
        made(format!("/api/v1/learn/lessons/{lesson}/activities"), video).await;
        made(format!("/api/v1/learn/courses/{course}/publish"), json!({})).await;
        Fixtures { course, learners }
    }
}

/// One client writing in a loop (a ticket, a reply to its last ticket, a
/// tag, a ticket or now and then an endpoint, its wiki page or the page's
/// next revision, an enrollment) until the server stops answering.
async fn write_until_gone(http: reqwest::Client, base: String, key: String, w: usize, acked: Arc<Mutex<Acknowledged>>, fixtures: Arc<Fixtures>) {
    let mut last_ticket = None;
    // this writer's page: (slug, current revision)
    let mut page: Option<(String, i64)> = None;
    let mut learners = fixtures.learners.iter().skip(w).step_by(WRITERS);
    for n in 0.. {
        let mark = format!("w{w}-{n}");
        let ticket = || ("/api/v1/helpdesk/tickets".to_owned(), json!({ "subject": mark, "body": format!("first {mark}"), "requester_email": "crash@example.org" }));
        let (path, body) = match (n % 6, last_ticket) {
            (0, _) | (1, None) => ticket(),
            (1, Some((_, number))) => (format!("/api/v1/helpdesk/tickets/{number}/reply"), json!({ "body": format!("reply {mark}") })),
            (2, _) => ("/api/v1/helpdesk/tags".to_owned(), json!({ "slug": format!("t-{mark}"), "name": mark })),
            (3, _) if n % 30 == 3 => ("/api/v1/webhooks/endpoints".to_owned(), json!({ "url": format!("http://127.0.0.1:9/{mark}"), "event_types": ["helpdesk.tag.created"] })),
            (4, _) => match &page {
                None => ("/api/v1/know/pages".to_owned(), json!({ "slug": format!("p-{mark}"), "title": mark, "body_md": format!("body {mark}"), "summary": mark })),
                Some((slug, revision)) => (format!("/api/v1/know/pages/{slug}"), json!({ "base_revision": revision, "body_md": format!("body {mark}"), "summary": mark })),
            },
            (5, _) => match learners.next() {
                Some(learner) => ("/api/v1/learn/enrollments".to_owned(), json!({ "course_id": fixtures.course, "user_id": learner })),
                None => ticket(),
            },
            _ => ticket(),
        };
        acked.lock().unwrap().sent.push((path.clone(), body.clone(), mark.clone()));
        let sent = http.post(format!("{base}{path}")).bearer_auth(&key).header("Idempotency-Key", &mark).json(&body).send().await;
        let Ok(r) = sent else { return };
        let status = r.status().as_u16();
        // the body may be cut off by the kill: then it was not acknowledged
        let Ok(answer) = r.json::<Value>().await else { return };
        if !(200..300).contains(&status) {
            // a request caught by the kill mid-way may see the pool closing
            if status != 503 {
                acked.lock().unwrap().refused.push(format!("{path}: {status} {answer}"));
            }
            return;
        }
        let data = &answer["data"];
        let mut a = acked.lock().unwrap();
        if path == "/api/v1/helpdesk/tickets" {
            let id = data["id"].as_i64().unwrap();
            a.tickets.insert(mark, id);
            last_ticket = Some((id, data["number"].as_i64().unwrap()));
        } else if path.ends_with("/reply") {
            a.replies.insert(format!("reply {mark}"), (last_ticket.unwrap().0, data["id"].as_i64().unwrap()));
        } else if path == "/api/v1/helpdesk/tags" {
            a.tags.push(format!("t-{mark}"));
        } else if path.starts_with("/api/v1/know/pages") {
            let (slug, revision) = (data["slug"].as_str().unwrap().to_owned(), data["revision"].as_i64().unwrap());
            a.revisions.entry(slug.clone()).or_default().push((revision, mark));
            page = Some((slug, revision));
        } else if path == "/api/v1/learn/enrollments" {
            a.enrollments.push(data["id"].as_i64().unwrap());
        } else {
            a.endpoints.push(data["endpoint"]["id"].as_i64().unwrap());
        }
    }
}

/// Every item of a list, following its cursors.
async fn all(http: &reqwest::Client, base: &str, key: &str, path: String) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{base}{path}{sep}limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http.get(&url).bearer_auth(key).send().await.unwrap().json().await.unwrap();
        let data = page["data"].as_array().unwrap_or_else(|| panic!("{url}: {page}"));
        items.extend(data.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// `item[within][field]` (or `item[field]`) of every item, sorted.
fn ids_in(items: &[Value], within: &str, field: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = items
        .iter()
        .map(|i| if within.is_empty() { &i[field] } else { &i[within][field] })
        .map(|v| v.as_i64().unwrap_or_else(|| panic!("{field} in {items:?}")))
        .collect();
    ids.sort();
    ids
}
