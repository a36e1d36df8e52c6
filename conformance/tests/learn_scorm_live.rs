//! mobieusLearn's SCORM packages and live sessions over HTTP on each backend:
//! what an upload must be (zip bombs, traversal, manifests), SCO results and
//! attendance completing activities, isolation and scopes.

mod common;

use std::io::Write;

use common::{backends, Reply, TestServer};
use mobieus_api::types;
use serde_json::{json, Value};

/// A zip of (name, bytes) entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(false);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const MANIFEST_12: &str = r#"<?xml version="1.0"?>
<manifest identifier="com.example.safety" version="1"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG"><title>Safety basics</title>
      <item identifier="ITEM-1" identifierref="RES-1"><title>Intro</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="intro/index.html"/>
  </resources>
</manifest>"#;

/// SCORM 2004 4th edition: two SCOs under a grouping item, `xml:base`.
const MANIFEST_2004: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.example.fire" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="FIRE">
    <organization identifier="FIRE"><title>Fire safety</title>
      <item identifier="PART"><title>Part one</title>
        <item identifier="I-A" identifierref="SCO-A"><title>Extinguishers</title></item>
        <item identifier="I-B" identifierref="SCO-B" parameters="?lang=en"><title>Exits</title></item>
      </item>
    </organization>
  </organizations>
  <resources xml:base="sco/">
    <resource identifier="SCO-A" type="webcontent" adlcp:scormType="sco" href="a.html"/>
    <resource identifier="SCO-B" type="webcontent" adlcp:scormType="sco" href="b.html"/>
    <resource identifier="SHARED" type="webcontent" adlcp:scormType="asset" href="shared/style.css"/>
  </resources>
</manifest>"#;

fn package_12() -> Vec<u8> {
    zip_of(&[("imsmanifest.xml", MANIFEST_12.as_bytes()), ("intro/index.html", b"<p>intro</p>")])
}

fn package_2004() -> Vec<u8> {
    zip_of(&[("imsmanifest.xml", MANIFEST_2004.as_bytes()), ("sco/a.html", b"<p>a</p>"), ("sco/b.html", b"<p>b</p>")])
}

async fn upload(ts: &TestServer, key: &str, bytes: Vec<u8>) -> Reply {
    let r = ts
        .http
        .post(ts.url("/api/v1/learn/scorm-packages"))
        .bearer_auth(key)
        .header("content-type", "application/zip")
        .body(bytes)
        .send()
        .await
        .unwrap();
    Reply::from(r).await
}

async fn publish_and_enroll(ts: &TestServer, key: &str, course: i64, user: i64) -> i64 {
    let p = ts.post(Some(key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
    assert_eq!(p.status, 200, "{}", p.text);
    let e = ts.post(Some(key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": user }), None).await;
    assert_eq!(e.status, 201, "{}", e.text);
    e.body["data"]["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn packages_are_checked_parsed_and_stored_only_when_sound() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;

        // SCORM 1.2 through the generated client (sent as octet-stream)
        let c = ts.client(&key);
        let p12 = c.upload_learn_scorm_package().body(package_12()).send().await.unwrap();
        assert_eq!(p12.status().as_u16(), 201);
        let p12 = p12.into_inner().data;
        assert_eq!((p12.version, p12.title.as_str(), p12.identifier.as_str(), p12.sco_count), (types::ScormVersion::X12, "Safety basics", "com.example.safety", 1));
        assert_eq!(p12.scos[0].launch_href, "intro/index.html");

        // SCORM 2004 as application/zip: nesting, xml:base, parameters
        let p = upload(&ts, &key, package_2004()).await;
        assert_eq!(p.status, 201, "{}", p.text);
        let d = &p.body["data"];
        assert_eq!((d["version"].as_str(), d["schema_version"].as_str(), d["sco_count"].as_i64()), (Some("2004"), Some("2004 4th Edition"), Some(2)));
        assert_eq!(d["default_organization"], "FIRE");
        let items: Vec<(String, i64, Value)> = d["organizations"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["identifier"].as_str().unwrap().to_owned(), i["depth"].as_i64().unwrap(), i["launch_href"].clone()))
            .collect();
        assert_eq!(items, vec![("PART".into(), 1, Value::Null), ("I-A".into(), 2, json!("sco/a.html")), ("I-B".into(), 2, json!("sco/b.html?lang=en"))]);
        let id2004 = d["id"].as_i64().unwrap();
        let got = c.get_learn_scorm_package().id(id2004).send().await.unwrap().into_inner().data;
        assert_eq!((got.scos[1].identifier.as_str(), got.organizations[0].items.len()), ("SCO-B", 3));

        // every refusal is a 422 naming what is wrong, and stores nothing
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let many: Vec<(String, Vec<u8>)> = (0..5001).map(|i| (format!("f{i}.txt"), vec![])).collect();
        let many_refs: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let cases: Vec<(Vec<u8>, &str, &str)> = vec![
            (b"not a zip at all".to_vec(), "package", "not a zip"),
            (vec![], "package", "empty"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.as_bytes()), ("intro/index.html", b"x"), ("bomb.bin", &zeros)]), "package", "zip bomb"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.as_bytes()), ("intro/index.html", b"x"), ("../evil.html", b"x")]), "package", "`../evil.html`"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.as_bytes()), ("/etc/cron.d/x", b"x")]), "package", "absolute"),
            (zip_of(&many_refs), "package", "5001 entries"),
            (zip_of(&[("intro/index.html", b"x")]), "manifest", "no imsmanifest.xml"),
            (zip_of(&[("imsmanifest.xml", b"<manifest identifier='x'><organizations>"), ("a.html", b"x")]), "manifest", "not well-formed"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.as_bytes())]), "manifest", "does not contain"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.replace("<schemaversion>1.2</schemaversion>", "<schemaversion>9</schemaversion>").as_bytes()), ("intro/index.html", b"x")]), "manifest", "neither SCORM 1.2 nor SCORM 2004"),
            (zip_of(&[("imsmanifest.xml", MANIFEST_12.replace("identifierref=\"RES-1\"", "identifierref=\"RES-9\"").as_bytes()), ("intro/index.html", b"x")]), "manifest", "RES-9"),
        ];
        for (bytes, field, says) in cases {
            let r = upload(&ts, &key, bytes).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], field, "{}", r.text);
            assert!(r.text.contains(says), "expected {says:?} in {}", r.text);
        }
        let big = upload(&ts, &key, vec![b'x'; 50 * 1024 * 1024 + 1]).await;
        big.assert_error(413, "payload_too_large");
        assert_eq!(c.list_learn_scorm_packages().send().await.unwrap().into_inner().total_count, 2);
        let only = c.list_learn_scorm_packages().version(types::ScormVersion::X12).send().await.unwrap().into_inner();
        assert_eq!((only.total_count, only.data.iter().map(|p| p.id).collect::<Vec<_>>()), (1, vec![p12.id]));
        let raw = ts.get(Some(&key), "/api/v1/learn/scorm-packages?version=1.2").await;
        assert!(raw.body["data"][0].get("organizations").is_none(), "lists leave the structure out");
        assert_eq!(ts.events_of(&key, "learn.scorm_package.created").await.len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sco_results_complete_scorm_activities_and_a_used_package_stays() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let p12 = upload(&ts, &key, package_12()).await.body["data"]["id"].as_i64().unwrap();
        let p2004 = upload(&ts, &key, package_2004()).await.body["data"]["id"].as_i64().unwrap();

        // the activity's package and SCO are checked
        let (course, _, _, _) = ts.course_with(&key, "Safety", &[]).await;
        let lesson = ts.get(Some(&key), &format!("/api/v1/learn/courses/{course}")).await.body["data"]["modules"][0]["lessons"][0]["id"].as_i64().unwrap();
        let add = |body: Value| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/lessons/{lesson}/activities"), &body, None).await }
        };
        let r = add(json!({ "kind": "scorm", "title": "x", "scorm": { "package_id": p12, "sco": "NOPE" } })).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "scorm.sco");
        add(json!({ "kind": "scorm", "title": "x", "scorm": { "package_id": 999999 } })).await.assert_error(422, "validation_failed");
        add(json!({ "kind": "scorm", "title": "x", "video": { "url": "https://v.example.org/a.mp4" } })).await.assert_error(422, "validation_failed");
        let single = add(json!({ "kind": "scorm", "title": "Intro", "scorm": { "package_id": p12, "sco": "RES-1" } })).await;
        assert_eq!(single.status, 201, "{}", single.text);
        assert_eq!(single.body["data"]["scorm"], json!({ "package_id": p12, "sco": "RES-1" }));
        let single = single.body["data"]["id"].as_i64().unwrap();
        let both = add(json!({ "kind": "scorm", "title": "Fire", "scorm": { "package_id": p2004 } })).await.body["data"]["id"].as_i64().unwrap();

        let ada = ts.learner(tenant, "ada").await;
        let e = publish_and_enroll(&ts, &key, course, ada).await;
        let record = |body: Value| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/enrollments/{e}/scorm-results"), &body, None).await }
        };
        // a SCORM activity is not marked done by hand
        let r = ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{e}/done"), &json!({ "activity_id": single }), None).await;
        r.assert_error(422, "validation_failed");
        assert!(r.text.contains("SCO reports"), "{}", r.text);
        // the other version's fields are refused
        let r = record(json!({ "activity_id": single, "completion_status": "completed" })).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "completion_status");
        record(json!({ "activity_id": both, "lesson_status": "passed", "sco": "SCO-A" })).await.assert_error(422, "validation_failed");
        record(json!({ "activity_id": both, "completion_status": "completed" })).await.assert_error(422, "validation_failed");
        record(json!({ "activity_id": single, "lesson_status": "passed", "score_raw": 120, "score_max": 100 })).await.assert_error(422, "validation_failed");

        // 1.2: incomplete, then passed (through the generated client)
        let c = ts.client(&key);
        let report = |body: types::builder::ScormResultInput| {
            let c = &c;
            async move { c.record_learn_scorm_result().id(e).body(body).send().await.unwrap().into_inner().data }
        };
        let scored = |status, raw: f64| {
            types::ScormResultInput::builder().activity_id(single).lesson_status(Some(status)).score_raw(Some(raw)).score_min(Some(0.0)).score_max(Some(100.0))
        };
        let r = report(scored(types::ScormLessonStatus::Incomplete, 40.0)).await;
        assert_eq!((r.result.done, r.enrollment.progress.required_done), (false, 0));
        let r = report(scored(types::ScormLessonStatus::Passed, 90.0)).await;
        assert_eq!((r.result.done, r.enrollment.progress.required_done, r.result.sco.as_str()), (true, 1, "RES-1"));

        // 2004 with no SCO named: every SCO of the package must be done
        let sco = |name: &str| types::ScormResultInput::builder().activity_id(both).sco(Some(name.try_into().unwrap()));
        let r = report(sco("SCO-A").completion_status(Some(types::ScormCompletionStatus::Completed)).score_scaled(Some(0.8))).await;
        assert_eq!((r.enrollment.status, r.result.score_scaled), (types::EnrollmentStatus::Active, Some(0.8)));
        let r = report(sco("SCO-B").completion_status(Some(types::ScormCompletionStatus::Incomplete)).success_status(Some(types::ScormSuccessStatus::Passed))).await;
        assert_eq!((r.enrollment.status, r.enrollment.progress.percent), (types::EnrollmentStatus::Completed, 100));
        assert_eq!(ts.events_of(&key, "learn.course.completed").await.len(), 1);
        assert_eq!(ts.events_of(&key, "learn.scorm_result.recorded").await.len(), 4);

        let results = c.list_learn_scorm_results().id(e).limit(std::num::NonZeroU64::new(2).unwrap()).send().await.unwrap().into_inner();
        assert_eq!((results.total_count, results.has_more), (3, true));
        let rest = c.list_learn_scorm_results().id(e).cursor(results.next_cursor.unwrap()).send().await.unwrap().into_inner();
        assert_eq!((rest.data[0].sco.as_str(), rest.data[0].score_raw), ("RES-1", Some(90.0)));

        // a package in use stays; once its activity is gone it can go
        let r = ts.post(Some(&key), &format!("/api/v1/learn/scorm-packages/{p12}/delete"), &json!({}), None).await;
        r.assert_error(409, "conflict");
        assert!(r.text.contains(&single.to_string()), "{}", r.text);
        c.delete_learn_activity().id(single).send().await.unwrap();
        let gone = c.delete_learn_scorm_package().id(p12).send().await.unwrap().into_inner().data;
        assert_eq!((gone.object.as_str(), gone.id, gone.deleted), ("learn_scorm_package", p12, true));
        ts.get(Some(&key), &format!("/api/v1/learn/scorm-packages/{p12}")).await.assert_error(404, "scorm_package_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_sco_reports_complete_once() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let p = upload(&ts, &key, package_2004()).await.body["data"]["id"].as_i64().unwrap();
        let (course, _, _, acts) = ts.course_with(&key, "Safety", &[json!({ "kind": "scorm", "title": "Fire", "scorm": { "package_id": p } })]).await;
        let ada = ts.learner(tenant, "ada").await;
        let e = publish_and_enroll(&ts, &key, course, ada).await;
        let reports = (0..12).map(|i| {
            let (ts, key) = (&ts, &key);
            let sco = if i % 2 == 0 { "SCO-A" } else { "SCO-B" };
            let body = json!({ "activity_id": acts[0], "sco": sco, "success_status": "passed" });
            async move { ts.post(Some(key), &format!("/api/v1/learn/enrollments/{e}/scorm-results"), &body, None).await }
        });
        for r in futures::future::join_all(reports).await {
            assert_eq!(r.status, 200, "{}", r.text);
            assert!(r.body["data"]["enrollment"]["progress"]["percent"].as_i64().unwrap() <= 100);
        }
        assert_eq!(ts.events_of(&key, "learn.course.completed").await.len(), 1);
        assert_eq!(ts.events_of(&key, "learn.activity.completed").await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn live_sessions_are_scheduled_changed_cancelled_and_attendance_completes() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let host = ts.learner(tenant, "host").await;
        let (course, _, _, _) = ts.course_with(&key, "Safety", &[]).await;
        let now = chrono::Utc::now();
        let c = ts.client(&key);
        let schedule = |title: &'static str, starts: chrono::DateTime<chrono::Utc>| {
            let c = &c;
            let body = types::LiveSessionCreate::builder()
                .course_id(course)
                .title(title)
                .starts_at(starts)
                .duration_minutes(60)
                .host_user_id(host)
                .join_url("https://meet.example.org/x");
            async move {
                let r = c.schedule_learn_live_session().body(body).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201);
                r.into_inner().data
            }
        };
        let held = schedule("Held", now - chrono::TimeDelta::hours(2)).await;
        assert_eq!((held.status, held.host_user_id, held.ends_at - held.starts_at), (types::LiveSessionStatus::Scheduled, host, chrono::TimeDelta::hours(1)));
        let held = held.id;
        let running = schedule("Running", now - chrono::TimeDelta::minutes(30)).await.id;
        let later = schedule("Later", now + chrono::TimeDelta::days(3)).await.id;
        let r = ts.post(Some(&key), "/api/v1/learn/live-sessions", &json!({ "course_id": course, "title": "x", "starts_at": now, "duration_minutes": 60, "host_user_id": 999999, "join_url": "https://m.example.org" }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "host_user_id");
        ts.post(Some(&key), "/api/v1/learn/live-sessions", &json!({ "course_id": 999999, "title": "x", "starts_at": now, "duration_minutes": 60, "host_user_id": host, "join_url": "https://m.example.org" }), None).await.assert_error(404, "course_not_found");

        // in the order they take place; upcoming = not yet ended
        let all = c.list_learn_live_sessions().course(course).limit(std::num::NonZeroU64::new(2).unwrap()).send().await.unwrap().into_inner();
        assert_eq!((all.total_count, all.data.iter().map(|s| s.id).collect::<Vec<_>>()), (3, vec![held, running]));
        let rest = c.list_learn_live_sessions().course(course).cursor(all.next_cursor.unwrap()).send().await.unwrap().into_inner();
        assert_eq!(rest.data.iter().map(|s| s.id).collect::<Vec<_>>(), vec![later]);
        let upcoming = c.list_learn_live_sessions().upcoming(true).send().await.unwrap().into_inner();
        assert_eq!(upcoming.data.iter().map(|s| s.id).collect::<Vec<_>>(), vec![running, later]);

        // a join URL is an absolute, ASCII URI (format: uri), checked like every such field
        let r = ts.post(Some(&key), &format!("/api/v1/learn/live-sessions/{later}"), &json!({ "join_url": "https://\u{cf}" }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "join_url", "{}", r.text);
        // and numbers keep to their documented range (Schemathesis found 1441 minutes accepted)
        let r = ts.post(Some(&key), &format!("/api/v1/learn/live-sessions/{later}"), &json!({ "duration_minutes": 1441 }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "duration_minutes", "{}", r.text);

        // reschedule moves its end; recording by URL or by file
        let moved = c
            .update_learn_live_session()
            .id(later)
            .body(types::LiveSessionUpdate::builder().duration_minutes(Some(90.try_into().unwrap())).title(Some("Later, longer".try_into().unwrap())))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((moved.ends_at - moved.starts_at, moved.title.as_str()), (chrono::TimeDelta::minutes(90), "Later, longer"));
        assert_eq!(c.get_learn_live_session().id(later).send().await.unwrap().into_inner().data.duration_minutes, 90);
        let recording = |body: types::builder::LiveRecordingInput| {
            let c = &c;
            async move { c.attach_learn_live_recording().id(held).body(body).send().await.unwrap().into_inner().data }
        };
        let r = recording(types::LiveRecordingInput::builder().url(Some("https://videos.example.org/held.mp4".try_into().unwrap()))).await;
        assert_eq!(r.recording_url.as_deref(), Some("https://videos.example.org/held.mp4"));
        let file = mobieus_server::store::files::file_create(ts.db(), tenant, None, "held.mp4", "video/mp4", b"mp4").await.unwrap();
        let r = recording(types::LiveRecordingInput::builder().file_id(Some(file.id))).await;
        assert_eq!((r.recording_file_id, r.recording_url), (Some(file.id), None));
        ts.post(Some(&key), &format!("/api/v1/learn/live-sessions/{held}/recording"), &json!({}), None).await.assert_error(422, "validation_failed");
        ts.post(Some(&key), &format!("/api/v1/learn/live-sessions/{held}/recording"), &json!({ "file_id": 999999 }), None).await.assert_error(422, "validation_failed");

        // a live activity points at a session of its own course
        let lesson = ts.get(Some(&key), &format!("/api/v1/learn/courses/{course}")).await.body["data"]["modules"][0]["lessons"][0]["id"].as_i64().unwrap();
        let live = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{lesson}/activities"), &json!({ "kind": "live", "title": "Held", "live": { "session_id": held } }), None).await;
        assert_eq!(live.status, 201, "{}", live.text);
        let live = live.body["data"]["id"].as_i64().unwrap();
        let (other_course, _, _, _) = ts.course_with(&key, "Safety", &[]).await;
        let elsewhere = ts.get(Some(&key), &format!("/api/v1/learn/courses/{other_course}")).await.body["data"]["modules"][0]["lessons"][0]["id"].as_i64().unwrap();
        let r = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{elsewhere}/activities"), &json!({ "kind": "live", "title": "x", "live": { "session_id": held } }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "live.session_id");

        let (ada, grace) = (ts.learner(tenant, "ada").await, ts.learner(tenant, "grace").await);
        let e1 = publish_and_enroll(&ts, &key, course, ada).await;
        let e2 = ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": grace }), None).await.body["data"]["id"].as_i64().unwrap();
        ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{e1}/done"), &json!({ "activity_id": live }), None).await.assert_error(422, "validation_failed");
        let attend = |session: i64, ids: Value| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/live-sessions/{session}/attendance"), &json!({ "enrollment_ids": ids }), None).await }
        };
        attend(later, json!([e1])).await.assert_error(409, "conflict");
        let present = |ids: Vec<i64>| {
            let c = &c;
            async move {
                let body = types::LiveAttendanceInput::builder().enrollment_ids(ids);
                c.record_learn_live_attendance().id(held).body(body).send().await.unwrap().into_inner().data
            }
        };
        let r = present(vec![e1, e2, e1]).await;
        assert_eq!((r.session_id, r.recorded, r.already_recorded, r.completed_enrollment_ids), (held, 2, 0, vec![e1, e2]));
        let r = present(vec![e2]).await;
        assert_eq!((r.recorded, r.already_recorded), (0, 1));
        assert_eq!(c.get_learn_enrollment().id(e1).send().await.unwrap().into_inner().data.status, types::EnrollmentStatus::Completed);
        let r = attend(held, json!([e1, 999999])).await;
        r.assert_error(422, "validation_failed");
        assert!(r.text.contains("999999"), "{}", r.text);
        let list = c.list_learn_live_attendance().id(held).send().await.unwrap().into_inner();
        assert_eq!((list.total_count, list.data.iter().map(|a| (a.enrollment_id, a.user_id)).collect::<Vec<_>>()), (2, vec![(e1, ada), (e2, grace)]));
        assert_eq!(c.get_learn_live_session().id(held).send().await.unwrap().into_inner().data.attendee_count, 2);
        assert_eq!(ts.events_of(&key, "learn.live_session.attended").await.len(), 2);

        // cancelled: stays cancelled, refuses changes and attendance
        let cancel = |reason: Option<&str>| {
            let c = &c;
            let body = types::LiveSessionCancel::builder().reason(reason.map(|r| r.try_into().unwrap()));
            async move { c.cancel_learn_live_session().id(running).body(body).send().await.unwrap().into_inner().data }
        };
        let r = cancel(Some("Host ill")).await;
        assert_eq!((r.status, r.cancel_reason.as_deref()), (types::LiveSessionStatus::Cancelled, Some("Host ill")));
        let again = cancel(None).await;
        assert_eq!((again.cancelled_at, again.cancel_reason), (r.cancelled_at, r.cancel_reason));
        ts.post(Some(&key), &format!("/api/v1/learn/live-sessions/{running}"), &json!({ "title": "x" }), None).await.assert_error(409, "conflict");
        attend(running, json!([e1])).await.assert_error(409, "conflict");
        assert_eq!(ts.events_of(&key, "learn.live_session.cancelled").await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenant_reaches_no_package_session_or_result_and_scopes_hold() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let p = upload(&ts, &key, package_12()).await.body["data"]["id"].as_i64().unwrap();
        let (course, _, _, acts) = ts.course_with(&key, "Safety", &[json!({ "kind": "scorm", "title": "Intro", "scorm": { "package_id": p } })]).await;
        let ada = ts.learner(tenant, "ada").await;
        let e = publish_and_enroll(&ts, &key, course, ada).await;
        let s = ts.post(Some(&key), "/api/v1/learn/live-sessions", &json!({ "course_id": course, "title": "x", "starts_at": chrono::Utc::now(), "duration_minutes": 30, "host_user_id": ada, "join_url": "https://m.example.org" }), None).await;
        let s = s.body["data"]["id"].as_i64().unwrap();

        let (other_tenant, other) = ts.tenant_with_key("beta").await;
        for (path, code) in [
            (format!("/api/v1/learn/scorm-packages/{p}"), "scorm_package_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}"), "live_session_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}/attendance"), "live_session_not_found"),
            (format!("/api/v1/learn/enrollments/{e}/scorm-results"), "enrollment_not_found"),
        ] {
            ts.get(Some(&other), &path).await.assert_error(404, code);
        }
        for (path, body, code) in [
            (format!("/api/v1/learn/scorm-packages/{p}/delete"), json!({}), "scorm_package_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}"), json!({ "title": "x" }), "live_session_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}/cancel"), json!({}), "live_session_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}/recording"), json!({ "url": "https://x.example.org" }), "live_session_not_found"),
            (format!("/api/v1/learn/live-sessions/{s}/attendance"), json!({ "enrollment_ids": [e] }), "live_session_not_found"),
            (format!("/api/v1/learn/enrollments/{e}/scorm-results"), json!({ "activity_id": acts[0], "lesson_status": "passed" }), "enrollment_not_found"),
            ("/api/v1/learn/live-sessions".to_owned(), json!({ "course_id": course, "title": "x", "starts_at": chrono::Utc::now(), "duration_minutes": 30, "host_user_id": ada, "join_url": "https://m.example.org" }), "course_not_found"),
        ] {
            ts.post(Some(&other), &path, &body, None).await.assert_error(404, code);
        }
        // their package cannot back our activity, nor ours theirs
        let theirs = upload(&ts, &other, package_12()).await.body["data"]["id"].as_i64().unwrap();
        let lesson = ts.get(Some(&key), &format!("/api/v1/learn/courses/{course}")).await.body["data"]["modules"][0]["lessons"][0]["id"].as_i64().unwrap();
        let r = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{lesson}/activities"), &json!({ "kind": "scorm", "title": "x", "scorm": { "package_id": theirs } }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(ts.get(Some(&other), "/api/v1/learn/scorm-packages").await.body["total_count"], 1);
        assert_eq!(ts.get(Some(&other), "/api/v1/learn/live-sessions").await.body["total_count"], 0);
        let _ = other_tenant;

        let reader = ts.key(tenant, &["learn:read"]).await;
        assert_eq!(ts.get(Some(&reader), &format!("/api/v1/learn/scorm-packages/{p}")).await.status, 200);
        let r = upload(&ts, &reader, package_12()).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "learn:write");
        ts.post(Some(&reader), &format!("/api/v1/learn/live-sessions/{s}/attendance"), &json!({ "enrollment_ids": [e] }), None).await.assert_error(403, "insufficient_scope");
        let files = ts.key(tenant, &["files:read"]).await;
        ts.get(Some(&files), "/api/v1/learn/live-sessions").await.assert_error(403, "insufficient_scope");
    }
}
