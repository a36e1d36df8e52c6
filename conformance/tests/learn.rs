//! mobieusLearn over HTTP (and through the generated client) on each backend:
//! authoring an outline, publishing, enrolling, progress and completion.

mod common;

use common::{backends, TestServer};
use mobieus_api::types;
use mobieus_server::store::users::{user_create, NewUser};
use serde_json::{json, Value};

fn video(title: &str) -> Value {
    json!({ "kind": "video", "title": title, "video": { "url": "https://videos.example.org/a.mp4", "duration_seconds": 60 } })
}

fn quiz() -> Value {
    json!({ "kind": "quiz", "title": "Check", "quiz": { "pass_mark": 50, "max_attempts": 2, "questions": [
        { "kind": "single_choice", "prompt": "Which?", "options": ["a", "b", "c"], "correct_options": [2], "points": 2 },
        { "kind": "true_false", "prompt": "Sky is blue?", "correct": true },
        { "kind": "short_text", "prompt": "Capital of France?", "accepted_answers": ["Paris"] }
    ] } })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_course_is_authored_in_order_and_published_once_it_has_an_activity() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let course = c
            .create_learn_course()
            .body(types::CourseCreate::builder().title("Community onboarding").summary(Some("Week one".try_into().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(course.status().as_u16(), 201);
        let course = course.into_inner().data;
        assert_eq!(course.status, types::CourseStatus::Draft);

        // nothing to learn yet: publishing names what is missing
        let refused = ts.post(Some(&key), &format!("/api/v1/learn/courses/{}/publish", course.id), &json!({}), None).await;
        refused.assert_error(422, "validation_failed");
        assert_eq!(refused.body["error"]["extra"]["fields"][0]["field"], "outline", "{}", refused.text);
        assert!(refused.text.contains("no module"), "{}", refused.text);

        let m1 = c.create_learn_module().id(course.id).body(types::ModuleCreate::builder().title("Getting started")).send().await.unwrap().into_inner().data;
        let m2 = c.create_learn_module().id(course.id).body(types::ModuleCreate::builder().title("Going further")).send().await.unwrap().into_inner().data;
        let m3 = c.create_learn_module().id(course.id).body(types::ModuleCreate::builder().title("Extras")).send().await.unwrap().into_inner().data;
        assert_eq!((m1.position, m2.position, m3.position), (1, 2, 3));
        let refused = ts.post(Some(&key), &format!("/api/v1/learn/courses/{}/publish", course.id), &json!({}), None).await;
        assert!(refused.text.contains("no lesson"), "{}", refused.text);

        let l1 = ts.post(Some(&key), &format!("/api/v1/learn/modules/{}/lessons", m1.id), &json!({ "title": "Your profile" }), None).await;
        let l1 = l1.body["data"]["id"].as_i64().unwrap();
        let refused = ts.post(Some(&key), &format!("/api/v1/learn/courses/{}/publish", course.id), &json!({}), None).await;
        assert!(refused.text.contains("no activity"), "{}", refused.text);

        let v = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{l1}/activities"), &video("Welcome"), None).await;
        assert_eq!(v.status, 201, "{}", v.text);
        assert_eq!(v.body["data"]["video"]["url"], "https://videos.example.org/a.mp4");
        assert_eq!(v.body["data"]["quiz"], Value::Null);
        let q = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{l1}/activities"), &quiz(), None).await;
        assert_eq!(q.status, 201, "{}", q.text);
        assert_eq!(q.body["data"]["quiz"]["points"], 4);
        assert_eq!(q.body["data"]["quiz"]["questions"][1]["options"], json!(["true", "false"]));

        // the answer key is write-only: no read shows it
        for path in [format!("/api/v1/learn/activities/{}", q.body["data"]["id"]), format!("/api/v1/learn/courses/{}", course.id), format!("/api/v1/learn/lessons/{l1}/activities")] {
            let r = ts.get(Some(&key), &path).await;
            assert_eq!(r.status, 200, "{}", r.text);
            for secret in ["correct", "accepted_answers", "paris", "Paris"] {
                assert!(!r.text.contains(secret), "{path} shows {secret}: {}", r.text);
            }
        }

        // content of another kind, or none, is named
        let wrong = ts
            .post(Some(&key), &format!("/api/v1/learn/lessons/{l1}/activities"), &json!({ "kind": "reading", "title": "x", "video": { "url": "https://a.example/v" } }), None)
            .await;
        wrong.assert_error(422, "validation_failed");
        assert_eq!(wrong.body["error"]["extra"]["fields"][0]["field"], "video", "{}", wrong.text);
        let none = ts.post(Some(&key), &format!("/api/v1/learn/lessons/{l1}/activities"), &json!({ "kind": "reading", "title": "x" }), None).await;
        none.assert_error(422, "validation_failed");
        assert_eq!(none.body["error"]["extra"]["fields"][0]["field"], "reading", "{}", none.text);
        let bad_quiz = ts
            .post(
                Some(&key),
                &format!("/api/v1/learn/lessons/{l1}/activities"),
                &json!({ "kind": "quiz", "title": "x", "quiz": { "pass_mark": 50, "questions": [{ "kind": "single_choice", "prompt": "?", "options": ["a", "b"], "correct_options": [0, 1] }] } }),
                None,
            )
            .await;
        bad_quiz.assert_error(422, "validation_failed");
        assert_eq!(bad_quiz.body["error"]["extra"]["fields"][0]["field"], "quiz.questions[0].correct_options", "{}", bad_quiz.text);
        let eleven: Vec<String> = (0..11).map(|i| format!("o{i}")).collect();
        let too_many = ts
            .post(
                Some(&key),
                &format!("/api/v1/learn/lessons/{l1}/activities"),
                &json!({ "kind": "quiz", "title": "x", "quiz": { "pass_mark": 50, "questions": [{ "kind": "single_choice", "prompt": "?", "options": ["a", "b"], "correct_options": [0] }, { "kind": "single_choice", "prompt": "?", "options": eleven, "correct_options": [0] }] } }),
                None,
            )
            .await;
        too_many.assert_error(422, "validation_failed");
        assert_eq!(too_many.body["error"]["extra"]["fields"][0]["field"], "quiz.questions[1].options", "{}", too_many.text);
        let dup_clear = ts.post(Some(&key), &format!("/api/v1/learn/courses/{}", course.id), &json!({ "clear": ["summary", "summary", "summary"] }), None).await;
        dup_clear.assert_error(422, "validation_failed");

        // reorder: the whole order at once, every id exactly once
        let order = c.reorder_learn_modules().id(course.id).body(types::ReorderModules::builder().module_ids(vec![m3.id, m1.id, m2.id])).send().await.unwrap().into_inner().data;
        assert_eq!(order.iter().map(|m| (m.id, m.position)).collect::<Vec<_>>(), vec![(m3.id, 1), (m1.id, 2), (m2.id, 3)]);
        for ids in [json!([m3.id, m1.id]), json!([m3.id, m1.id, m2.id, m2.id]), json!([m3.id, m1.id, m2.id, 999_999])] {
            let r = ts.post(Some(&key), &format!("/api/v1/learn/courses/{}/modules/reorder", course.id), &json!({ "module_ids": ids }), None).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "module_ids", "{}", r.text);
        }

        // deleting closes the gap
        let gone = ts.post(Some(&key), &format!("/api/v1/learn/modules/{}/delete", m3.id), &json!({}), None).await;
        assert_eq!((gone.status, gone.body["data"]["object"].as_str()), (200, Some("learn_module")), "{}", gone.text);
        let modules = c.list_learn_modules().id(course.id).send().await.unwrap().into_inner();
        assert_eq!(modules.data.iter().map(|m| (m.id, m.position)).collect::<Vec<_>>(), vec![(m1.id, 1), (m2.id, 2)]);
        assert_eq!(modules.total_count, 2);

        // the outline, nested and in order
        let published = c.publish_learn_course().id(course.id).send().await.unwrap().into_inner().data;
        assert_eq!(published.status, types::CourseStatus::Published);
        assert!(published.published_at.is_some());
        let outline = c.get_learn_course().id(course.id).send().await.unwrap().into_inner().data;
        assert_eq!(outline.modules.len(), 2);
        assert_eq!(outline.modules[0].lessons[0].activities.iter().map(|a| a.kind).collect::<Vec<_>>(), vec![types::ActivityKind::Video, types::ActivityKind::Quiz]);
        assert!(outline.modules[1].lessons.is_empty());

        // lists: status and title search, same on both backends
        c.create_learn_course().body(types::CourseCreate::builder().title("100% Rust_basics")).send().await.unwrap();
        let drafts = c.list_learn_courses().status(types::CourseStatus::Draft).send().await.unwrap().into_inner();
        assert_eq!((drafts.total_count, drafts.data[0].title.as_str()), (1, "100% Rust_basics"));
        let found = c.list_learn_courses().q("ONBOARD").send().await.unwrap().into_inner();
        assert_eq!(found.data.iter().map(|c| c.id).collect::<Vec<_>>(), vec![course.id]);
        assert_eq!(c.list_learn_courses().q("0% r").send().await.unwrap().into_inner().total_count, 1);
        assert_eq!(c.list_learn_courses().q("%").send().await.unwrap().into_inner().total_count, 1, "% is literal");
        assert_eq!(c.list_learn_courses().q("t_b").send().await.unwrap().into_inner().total_count, 1, "_ is literal");
        assert_eq!(c.list_learn_courses().q("tXb").send().await.unwrap().into_inner().total_count, 0);
        assert_eq!(c.list_learn_courses().send().await.unwrap().into_inner().total_count, 2);
        ts.get(Some(&key), "/api/v1/learn/courses?q=").await.assert_error(400, "invalid_parameter");

        // every change wrote its event
        assert_eq!(ts.events_of(&key, "learn.course.created").await.len(), 2);
        let outline_events = ts.events_of(&key, "learn.course.outline_changed").await;
        assert!(outline_events.iter().any(|e| e["data"]["change"] == "modules.reordered"));
        assert!(outline_events.iter().any(|e| e["data"]["change"] == "module.deleted" && e["data"]["module_id"] == m3.id));

        let archived = c.archive_learn_course().id(course.id).send().await.unwrap().into_inner().data;
        assert_eq!(archived.status, types::CourseStatus::Archived);
        let again = c.archive_learn_course().id(course.id).send().await.unwrap().into_inner().data;
        assert_eq!(again.archived_at, archived.archived_at, "archiving twice changes nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enrollment_progresses_and_completes_once() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let ada = ts.learner(tenant, "ada").await;
        let (course, _, lesson, acts) = ts.course_with(
            &key,
            "Onboarding",
            &[video("Intro"), json!({ "kind": "reading", "title": "Rules", "reading": { "body": "Be kind." } }), quiz(),
              json!({ "kind": "assignment", "title": "Optional", "required": false, "assignment": { "instructions": "Say hi." } })],
        )
        .await;
        let refused = ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": ada }), None).await;
        refused.assert_error(422, "validation_failed");
        assert_eq!(refused.body["error"]["extra"]["fields"][0]["field"], "course_id");
        c.publish_learn_course().id(course).send().await.unwrap();

        let e = c.create_learn_enrollment().body(types::EnrollmentCreate::builder().course_id(course).user_id(ada)).send().await.unwrap();
        assert_eq!(e.status().as_u16(), 201);
        let e = e.into_inner().data;
        assert_eq!((e.status, e.progress.required_done, e.progress.required_total, e.progress.percent), (types::EnrollmentStatus::Active, 0, 3, 0));
        ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": ada }), None).await.assert_error(409, "conflict");
        ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": 999_999 }), None).await.assert_error(404, "user_not_found");
        ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": 999_999, "user_id": ada }), None).await.assert_error(404, "course_not_found");

        let done = |activity: i64| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/enrollments/{}/done", e.id), &json!({ "activity_id": activity }), None).await }
        };
        let r = done(acts[0]).await;
        assert_eq!((r.status, r.body["data"]["progress"]["percent"].as_i64()), (200, Some(33)), "{}", r.text);
        let again = done(acts[0]).await;
        assert_eq!(again.body["data"]["progress"]["required_done"], 1, "marking twice counts once");
        done(acts[2]).await.assert_error(422, "validation_failed"); // a quiz is done by passing it
        let optional = done(acts[3]).await;
        assert_eq!(optional.body["data"]["progress"]["required_done"], 1, "optional activities do not count");
        // an activity of another course
        let (_, _, _, other) = ts.course_with(&key, "Other", &[video("x")]).await;
        done(other[0]).await.assert_error(422, "validation_failed");
        done(999_999).await.assert_error(404, "activity_not_found");

        // the quiz made optional: the reading is then the last required one
        c.update_learn_activity().id(acts[2]).body(types::ActivityUpdate::builder().required(Some(false))).send().await.unwrap();
        let last = done(acts[1]).await;
        assert_eq!(last.body["data"]["status"], "completed", "{}", last.text);
        assert_eq!(last.body["data"]["progress"]["percent"], 100);
        assert!(last.body["data"]["completed_at"].is_string());
        let completed = ts.events_of(&key, "learn.course.completed").await;
        assert_eq!(completed.len(), 1);
        assert_eq!(completed[0]["data"]["enrollment_id"], e.id);
        assert_eq!(ts.events_of(&key, "learn.activity.completed").await.len(), 3);
        ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{}/withdraw", e.id), &json!({}), None).await.assert_error(409, "conflict");

        // withdraw and enroll again: the same enrollment, progress kept
        let bob = ts.learner(tenant, "bob").await;
        let eb = c.create_learn_enrollment().body(types::EnrollmentCreate::builder().course_id(course).user_id(bob)).send().await.unwrap().into_inner().data;
        ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{}/done", eb.id), &json!({ "activity_id": acts[0] }), None).await;
        let w = c.withdraw_learn_enrollment().id(eb.id).send().await.unwrap().into_inner().data;
        assert_eq!(w.status, types::EnrollmentStatus::Withdrawn);
        ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{}/done", eb.id), &json!({ "activity_id": acts[1] }), None).await.assert_error(409, "conflict");
        let back = c.create_learn_enrollment().body(types::EnrollmentCreate::builder().course_id(course).user_id(bob)).send().await.unwrap().into_inner().data;
        assert_eq!((back.id, back.status, back.progress.required_done), (eb.id, types::EnrollmentStatus::Active, 1));

        // lists by course, learner and status
        let all = c.list_learn_enrollments().send().await.unwrap().into_inner();
        assert_eq!(all.total_count, 2);
        let done_list = c.list_learn_enrollments().status(types::EnrollmentStatus::Completed).send().await.unwrap().into_inner();
        assert_eq!(done_list.data.iter().map(|e| e.user_id).collect::<Vec<_>>(), vec![ada]);
        assert_eq!(done_list.data[0].progress.percent, 100);
        assert_eq!(c.list_learn_enrollments().user(bob).send().await.unwrap().into_inner().total_count, 1);
        assert_eq!(c.list_learn_enrollments().course(course).send().await.unwrap().into_inner().total_count, 2);

        // a course with active enrollments cannot be deleted; activities can, and the gap closes
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/delete"), &json!({}), None).await.assert_error(409, "conflict");
        ts.post(Some(&key), &format!("/api/v1/learn/activities/{}/delete", acts[0]), &json!({}), None).await;
        let rest = c.list_learn_activities().id(lesson).send().await.unwrap().into_inner();
        assert_eq!(rest.data.iter().map(|a| a.position).collect::<Vec<_>>(), vec![1, 2, 3]);
        c.withdraw_learn_enrollment().id(eb.id).send().await.unwrap();
        let gone = ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/delete"), &json!({}), None).await;
        assert_eq!(gone.status, 200, "{}", gone.text);
        assert_eq!(c.list_learn_enrollments().send().await.unwrap().into_inner().total_count, 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_done_marks_complete_an_enrollment_exactly_once() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let activities: Vec<Value> = (0..6).map(|i| video(&format!("Part {i}"))).collect();
        let (course, _, _, acts) = ts.course_with(&key, "Parallel", &activities).await;
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
        let ada = ts.learner(tenant, "ada").await;
        let e = ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": ada }), None).await;
        let e = e.body["data"]["id"].as_i64().unwrap();
        // every activity marked three times, all at once
        let marks = acts.iter().cycle().take(acts.len() * 3).map(|a| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/enrollments/{e}/done"), &json!({ "activity_id": a }), None).await }
        });
        let replies = futures::future::join_all(marks).await;
        for r in &replies {
            assert_eq!(r.status, 200, "{}", r.text);
            assert!(r.body["data"]["progress"]["percent"].as_i64().unwrap() <= 100);
        }
        let got = ts.get(Some(&key), &format!("/api/v1/learn/enrollments/{e}")).await;
        assert_eq!((got.body["data"]["status"].as_str(), got.body["data"]["progress"]["required_done"].as_i64()), (Some("completed"), Some(6)), "{}", got.text);
        assert_eq!(ts.events_of(&key, "learn.course.completed").await.len(), 1);
        assert_eq!(ts.events_of(&key, "learn.activity.completed").await.len(), 6);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenant_reaches_none_of_the_outline_and_scopes_are_enforced() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let (course, module, lesson, acts) = ts.course_with(&key, "Ours", &[video("a")]).await;
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
        let ada = ts.learner(tenant, "ada").await;
        let e = ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": ada }), None).await;
        let e = e.body["data"]["id"].as_i64().unwrap();

        let (other_tenant, other) = ts.tenant_with_key("beta").await;
        let theirs = ts.learner(other_tenant, "eve").await;
        for (path, code) in [
            (format!("/api/v1/learn/courses/{course}"), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/modules"), "course_not_found"),
            (format!("/api/v1/learn/modules/{module}"), "module_not_found"),
            (format!("/api/v1/learn/modules/{module}/lessons"), "module_not_found"),
            (format!("/api/v1/learn/lessons/{lesson}"), "lesson_not_found"),
            (format!("/api/v1/learn/lessons/{lesson}/activities"), "lesson_not_found"),
            (format!("/api/v1/learn/activities/{}", acts[0]), "activity_not_found"),
            (format!("/api/v1/learn/enrollments/{e}"), "enrollment_not_found"),
        ] {
            ts.get(Some(&other), &path).await.assert_error(404, code);
        }
        for (path, body, code) in [
            (format!("/api/v1/learn/courses/{course}"), json!({ "title": "Mine" }), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/publish"), json!({}), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/archive"), json!({}), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/delete"), json!({}), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/modules"), json!({ "title": "x" }), "course_not_found"),
            (format!("/api/v1/learn/courses/{course}/modules/reorder"), json!({ "module_ids": [module] }), "course_not_found"),
            (format!("/api/v1/learn/modules/{module}"), json!({ "title": "x" }), "module_not_found"),
            (format!("/api/v1/learn/modules/{module}/delete"), json!({}), "module_not_found"),
            (format!("/api/v1/learn/modules/{module}/lessons"), json!({ "title": "x" }), "module_not_found"),
            (format!("/api/v1/learn/lessons/{lesson}/delete"), json!({}), "lesson_not_found"),
            (format!("/api/v1/learn/lessons/{lesson}/activities"), video("x"), "lesson_not_found"),
            (format!("/api/v1/learn/activities/{}", acts[0]), json!({ "title": "x" }), "activity_not_found"),
            (format!("/api/v1/learn/activities/{}/delete", acts[0]), json!({}), "activity_not_found"),
            (format!("/api/v1/learn/enrollments/{e}/withdraw"), json!({}), "enrollment_not_found"),
            (format!("/api/v1/learn/enrollments/{e}/done"), json!({ "activity_id": acts[0] }), "enrollment_not_found"),
            ("/api/v1/learn/enrollments".to_owned(), json!({ "course_id": course, "user_id": theirs }), "course_not_found"),
        ] {
            ts.post(Some(&other), &path, &body, None).await.assert_error(404, code);
        }
        assert_eq!(ts.get(Some(&other), "/api/v1/learn/courses").await.body["total_count"], 0);
        assert_eq!(ts.get(Some(&other), "/api/v1/learn/enrollments").await.body["total_count"], 0);
        // our learner cannot be enrolled by their key either, nor theirs by ours
        let (their_course, _, _, _) = ts.course_with(&other, "Theirs", &[video("b")]).await;
        ts.post(Some(&other), &format!("/api/v1/learn/courses/{their_course}/publish"), &json!({}), None).await;
        ts.post(Some(&other), "/api/v1/learn/enrollments", &json!({ "course_id": their_course, "user_id": ada }), None).await.assert_error(404, "user_not_found");

        // scopes: learn:read reads, only learn:write changes
        let reader = ts.key(tenant, &["learn:read"]).await;
        assert_eq!(ts.get(Some(&reader), &format!("/api/v1/learn/courses/{course}")).await.status, 200);
        let r = ts.post(Some(&reader), "/api/v1/learn/courses", &json!({ "title": "x" }), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "learn:write");
        let helpdesk = ts.key(tenant, &["helpdesk:admin"]).await;
        let r = ts.get(Some(&helpdesk), "/api/v1/learn/enrollments").await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "learn:read");
    }
}

async fn start_attempt(ts: &TestServer, key: &str, enrollment: i64, quiz: i64) -> common::Reply {
    ts.post(Some(key), "/api/v1/learn/attempts", &json!({ "enrollment_id": enrollment, "activity_id": quiz }), None).await
}

async fn enrolled(ts: &TestServer, key: &str, course: i64, user: i64) -> i64 {
    let e = ts.post(Some(key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": user }), None).await;
    assert_eq!(e.status, 201, "{}", e.text);
    e.body["data"]["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn quiz_attempts_are_scored_limited_and_a_pass_completes_with_one_certificate() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        // a template: an unknown placeholder is named
        let bad = ts.post(Some(&key), "/api/v1/learn/certificate-templates", &json!({ "name": "x", "body": "{{learner.shoe}}" }), None).await;
        bad.assert_error(422, "validation_failed");
        assert_eq!(bad.body["error"]["extra"]["fields"][0]["field"], "body");
        assert!(bad.text.contains("learner.shoe"), "{}", bad.text);
        let template = c
            .create_learn_certificate_template()
            .body(types::CertificateTemplateCreate::builder().name("Completion").body("<h1>{{course.title}}</h1><p>{{ learner.name }}, {{completion.date}}, {{tenant.name}}</p><p>{{certificate.code}}</p>"))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        let (course, _, _, acts) = ts.course_with(&key, "Safety <basics>", &[quiz()]).await;
        let set = ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}"), &json!({ "certificate_template_id": template.id }), None).await;
        assert_eq!(set.body["data"]["certificate_template_id"], template.id, "{}", set.text);
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}"), &json!({ "certificate_template_id": 999_999 }), None)
            .await
            .assert_error(404, "certificate_template_not_found");
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
        let ada = user_create(ts.db(), tenant, &NewUser { username: "ada".into(), display_name: "Ada <Lovelace>".into(), email: None, role: "member".into() })
            .await
            .unwrap()
            .id;
        let e = enrolled(&ts, &key, course, ada).await;
        let quiz_id = acts[0];

        let first = start_attempt(&ts, &key, e, quiz_id).await;
        assert_eq!((first.status, first.body["data"]["number"].as_i64(), first.body["data"]["status"].as_str()), (201, Some(1), Some("in_progress")), "{}", first.text);
        assert_eq!(first.body["data"]["max_score"], 4);
        start_attempt(&ts, &key, e, quiz_id).await.assert_error(409, "conflict"); // one in progress at a time
        let a1 = first.body["data"]["id"].as_i64().unwrap();
        // answers that do not fit are named, and the attempt stays open
        let bad = ts.post(Some(&key), &format!("/api/v1/learn/attempts/{a1}/submit"), &json!({ "answers": [{ "question": 2, "text": "yes" }, { "question": 7, "value": true }] }), None).await;
        bad.assert_error(422, "validation_failed");
        assert_eq!(bad.body["error"]["extra"]["fields"].as_array().unwrap().len(), 2, "{}", bad.text);
        // a failing attempt: only the true/false is right (1 of 4 points, pass mark 50%)
        let failed = c
            .submit_learn_attempt()
            .id(a1)
            .body(types::AttemptSubmit::builder().answers(vec![
                types::AttemptAnswer::builder().question(1).selected(Some(vec![0])).try_into().unwrap(),
                types::AttemptAnswer::builder().question(2).value(Some(true)).try_into().unwrap(),
            ]))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((failed.score, failed.passed, failed.status), (Some(1), Some(false), types::AttemptStatus::Submitted));
        assert_eq!(failed.results.unwrap().iter().map(|r| r.correct).collect::<Vec<_>>(), vec![false, true, false]);
        ts.post(Some(&key), &format!("/api/v1/learn/attempts/{a1}/submit"), &json!({ "answers": [] }), None).await.assert_error(409, "conflict");
        let progress = ts.get(Some(&key), &format!("/api/v1/learn/enrollments/{e}")).await;
        assert_eq!(progress.body["data"]["progress"]["required_done"], 0);

        // the second (and last) attempt passes: the quiz is done, the course completes, one certificate
        let second = start_attempt(&ts, &key, e, quiz_id).await;
        let a2 = second.body["data"]["id"].as_i64().unwrap();
        let passed = ts
            .post(Some(&key), &format!("/api/v1/learn/attempts/{a2}/submit"), &json!({ "answers": [{ "question": 1, "selected": [2] }, { "question": 3, "text": "  paris " }] }), None)
            .await;
        assert_eq!((passed.body["data"]["score"].as_i64(), passed.body["data"]["passed"].as_bool()), (Some(3), Some(true)), "{}", passed.text);
        start_attempt(&ts, &key, e, quiz_id).await.assert_error(422, "validation_failed"); // max_attempts 2
        let done = ts.get(Some(&key), &format!("/api/v1/learn/enrollments/{e}")).await;
        assert_eq!(done.body["data"]["status"], "completed", "{}", done.text);
        let attempts = c.list_learn_attempts().enrollment(e).send().await.unwrap().into_inner();
        assert_eq!(attempts.data.iter().map(|a| a.number).collect::<Vec<_>>(), vec![2, 1]);

        let certs = c.list_learn_certificates().send().await.unwrap().into_inner();
        assert_eq!(certs.total_count, 1);
        let cert = &certs.data[0];
        assert_eq!((cert.user_id, cert.course_id, cert.learner_name.as_str(), cert.status), (ada, course, "Ada <Lovelace>", types::CertificateStatus::Valid));
        assert!(cert.html.contains("<h1>Safety &lt;basics&gt;</h1>") && cert.html.contains("Ada &lt;Lovelace&gt;") && cert.html.contains(&cert.code), "{}", cert.html);
        let issued = ts.events_of(&key, "learn.certificate.issued").await;
        assert_eq!(issued.len(), 1);
        assert_eq!(issued[0]["data"]["serial"], cert.code.as_str());

        // verification by code, then revocation
        let v = c.verify_learn_certificate().code(cert.code.as_str()).send().await.unwrap().into_inner().data;
        assert!(v.valid);
        assert_eq!(v.course_title, "Safety <basics>");
        ts.get(Some(&key), "/api/v1/learn/certificate-codes/MC-2222-2222-2222").await.assert_error(404, "certificate_not_found");
        let revoked = c.revoke_learn_certificate().id(cert.id).body(types::CertificateRevoke::builder().reason("Issued in error.")).send().await.unwrap().into_inner().data;
        assert_eq!(revoked.status, types::CertificateStatus::Revoked);
        assert!(!c.verify_learn_certificate().code(cert.code.as_str()).send().await.unwrap().into_inner().data.valid);
        assert_eq!(c.list_learn_certificates().status(types::CertificateStatus::Valid).send().await.unwrap().into_inner().total_count, 0);
        // a template certificates came from cannot be deleted
        ts.post(Some(&key), &format!("/api/v1/learn/certificate-templates/{}/delete", template.id), &json!({}), None).await.assert_error(409, "conflict");

        // not a quiz; another tenant's attempt
        let (_, _, _, vids) = ts.course_with(&key, "Videos", &[video("v")]).await;
        let r = ts.post(Some(&key), "/api/v1/learn/attempts", &json!({ "enrollment_id": e, "activity_id": vids[0] }), None).await;
        r.assert_error(422, "validation_failed");
        let (_, other) = ts.tenant_with_key("beta").await;
        ts.get(Some(&other), &format!("/api/v1/learn/attempts/{a2}")).await.assert_error(404, "attempt_not_found");
        ts.post(Some(&other), &format!("/api/v1/learn/attempts/{a1}/submit"), &json!({ "answers": [] }), None).await.assert_error(404, "attempt_not_found");
        ts.get(Some(&other), &format!("/api/v1/learn/certificates/{}", cert.id)).await.assert_error(404, "certificate_not_found");
        ts.get(Some(&other), &format!("/api/v1/learn/certificate-codes/{}", cert.code)).await.assert_error(404, "certificate_not_found");
        ts.get(Some(&other), &format!("/api/v1/learn/certificate-templates/{}", template.id)).await.assert_error(404, "certificate_template_not_found");
        ts.post(Some(&other), "/api/v1/learn/attempts", &json!({ "enrollment_id": e, "activity_id": quiz_id }), None).await.assert_error(404, "enrollment_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_passing_submissions_issue_one_certificate() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let template = ts.post(Some(&key), "/api/v1/learn/certificate-templates", &json!({ "name": "t", "body": "{{learner.name}}" }), None).await;
        let template = template.body["data"]["id"].as_i64().unwrap();
        // two quizzes of one question each: the last passing submission completes
        let one = |n: &str| json!({ "kind": "quiz", "title": n, "quiz": { "pass_mark": 100, "questions": [{ "kind": "true_false", "prompt": "?", "correct": true }] } });
        let (course, _, _, acts) = ts.course_with(&key, "Race", &[one("a"), one("b"), video("c")]).await;
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}"), &json!({ "certificate_template_id": template }), None).await;
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
        let e = enrolled(&ts, &key, course, ts.learner(tenant, "ada").await).await;
        let mut open = vec![];
        for a in &acts[..2] {
            let r = ts.post(Some(&key), "/api/v1/learn/attempts", &json!({ "enrollment_id": e, "activity_id": a }), None).await;
            open.push(r.body["data"]["id"].as_i64().unwrap());
        }
        let submits = open.iter().map(|id| {
            let (ts, key) = (&ts, &key);
            async move { ts.post(Some(key), &format!("/api/v1/learn/attempts/{id}/submit"), &json!({ "answers": [{ "question": 1, "value": true }] }), None).await }
        });
        let (mark_path, mark_body) = (format!("/api/v1/learn/enrollments/{e}/done"), json!({ "activity_id": acts[2] }));
        let mark = ts.post(Some(&key), &mark_path, &mark_body, None);
        let (replies, marked) = futures::join!(futures::future::join_all(submits), mark);
        assert_eq!(marked.status, 200, "{}", marked.text);
        for r in replies {
            assert_eq!(r.status, 200, "{}", r.text);
        }
        assert_eq!(ts.events_of(&key, "learn.course.completed").await.len(), 1);
        assert_eq!(ts.events_of(&key, "learn.certificate.issued").await.len(), 1);
        assert_eq!(ts.get(Some(&key), "/api/v1/learn/certificates").await.body["total_count"], 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cohorts_gather_learners_and_the_grant_enrolls_them_in_one_go() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let mut users = vec![];
        for n in ["ada", "bob", "cy", "dee"] {
            users.push(ts.learner(tenant, n).await);
        }
        let cohort = c
            .create_learn_cohort()
            .body(types::CohortCreate::builder().name("Spring").external_id(Some("okta-group-1".try_into().unwrap())))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        ts.post(Some(&key), "/api/v1/learn/cohorts", &json!({ "name": "Spring" }), None).await.assert_error(409, "conflict");
        let dup = ts.post(Some(&key), "/api/v1/learn/cohorts", &json!({ "name": "Other", "external_id": "okta-group-1" }), None).await;
        dup.assert_error(409, "conflict");
        assert_eq!(dup.body["error"]["extra"]["field"], "external_id", "{}", dup.text);
        let added = c.add_learn_cohort_members().id(cohort.id).body(types::CohortMembers::builder().user_ids(vec![users[0], users[1], users[0]])).send().await.unwrap().into_inner().data;
        assert_eq!((added.changed, added.unchanged), (2, 0));
        let again = c.add_learn_cohort_members().id(cohort.id).body(types::CohortMembers::builder().user_ids(vec![users[1], users[2]])).send().await.unwrap().into_inner().data;
        assert_eq!((again.changed, again.unchanged), (1, 1));
        let too_many: Vec<i64> = (1..=1001).collect();
        let r = ts.post(Some(&key), &format!("/api/v1/learn/cohorts/by-id/{}/members/remove", cohort.id), &json!({ "user_ids": too_many }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "user_ids", "{}", r.text);
        let unknown = ts.post(Some(&key), &format!("/api/v1/learn/cohorts/by-id/{}/members", cohort.id), &json!({ "user_ids": [999_999] }), None).await;
        unknown.assert_error(422, "validation_failed");
        let members = c.list_learn_cohort_members().id(cohort.id).send().await.unwrap().into_inner();
        assert_eq!(members.data.iter().map(|m| m.user_id).collect::<Vec<_>>(), vec![users[0], users[1], users[2]]);
        assert_eq!(c.get_learn_cohort().id(cohort.id).send().await.unwrap().into_inner().data.member_count, 3);
        let removed = c.remove_learn_cohort_members().id(cohort.id).body(types::CohortMembers::builder().user_ids(vec![users[2], users[3]])).send().await.unwrap().into_inner().data;
        assert_eq!((removed.changed, removed.unchanged), (1, 1));

        let (c1, _, _, _) = ts.course_with(&key, "One", &[video("a")]).await;
        let (c2, _, _, _) = ts.course_with(&key, "Two", &[video("b")]).await;
        for id in [c1, c2] {
            ts.post(Some(&key), &format!("/api/v1/learn/courses/{id}/publish"), &json!({}), None).await;
        }
        let (draft, _, _, _) = ts.course_with(&key, "Draft", &[video("c")]).await;
        // all or nothing: a draft course refuses the whole grant
        let refused = ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "cohort_ids": [cohort.id], "course_ids": [c1, draft] }), None).await;
        refused.assert_error(422, "validation_failed");
        assert_eq!(refused.body["error"]["extra"]["fields"][0]["field"], "course_ids");
        assert_eq!(ts.get(Some(&key), "/api/v1/learn/enrollments").await.body["total_count"], 0);
        enrolled(&ts, &key, c1, users[0]).await; // one already enrolled
        let granted = c
            .grant_learn_cohorts()
            .body(types::CohortGrant::builder().cohort_ids(Some(vec![cohort.id])).user_ids(Some(vec![users[3]])).course_ids(vec![c1, c2]))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((granted.enrolled, granted.already_enrolled, granted.learners, granted.courses), (5, 1, 3, 2));
        assert_eq!(ts.get(Some(&key), "/api/v1/learn/enrollments").await.body["total_count"], 6);
        assert_eq!(ts.events_of(&key, "learn.enrollment.created").await.len(), 6);
        ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "course_ids": [c1] }), None).await.assert_error(422, "validation_failed");

        // the grant needs its own scope
        let writer = ts.key(tenant, &["learn:write"]).await;
        let r = ts.post(Some(&writer), "/api/v1/learn/cohorts/grant", &json!({ "cohort_ids": [cohort.id], "course_ids": [c1] }), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "learn:cohorts:grant");
        // tenant isolation
        let (_, other) = ts.tenant_with_key("beta").await;
        ts.get(Some(&other), &format!("/api/v1/learn/cohorts/by-id/{}", cohort.id)).await.assert_error(404, "cohort_not_found");
        ts.get(Some(&other), &format!("/api/v1/learn/cohorts/by-id/{}/members", cohort.id)).await.assert_error(404, "cohort_not_found");
        ts.post(Some(&other), &format!("/api/v1/learn/cohorts/by-id/{}/members", cohort.id), &json!({ "user_ids": [users[0]] }), None).await.assert_error(404, "cohort_not_found");
        ts.post(Some(&other), &format!("/api/v1/learn/cohorts/by-id/{}/delete", cohort.id), &json!({}), None).await.assert_error(404, "cohort_not_found");
        let foreign = ts.post(Some(&other), "/api/v1/learn/cohorts/grant", &json!({ "cohort_ids": [cohort.id], "course_ids": [c1] }), None).await;
        foreign.assert_error(422, "validation_failed");

        let gone = ts.post(Some(&key), &format!("/api/v1/learn/cohorts/by-id/{}/delete", cohort.id), &json!({}), None).await;
        assert_eq!(gone.status, 200);
        assert_eq!(ts.get(Some(&key), "/api/v1/learn/enrollments").await.body["total_count"], 6, "enrollments stay");
    }
}

/// The operations the scenarios above reach over raw HTTP (or not at all),
/// through the generated client: editing and tearing down an outline,
/// templates, cohorts, and reading an attempt and a certificate back.
#[tokio::test(flavor = "multi_thread")]
async fn an_outline_is_edited_reordered_and_torn_down_through_the_generated_client() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let template = c
            .create_learn_certificate_template()
            .body(types::CertificateTemplateCreate::builder().name("Plain").body("{{learner.name}}"))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        let course = c.create_learn_course().body(types::CourseCreate::builder().title("Draft title")).send().await.unwrap().into_inner().data;
        let course = c
            .update_learn_course()
            .id(course.id)
            .body(
                types::CourseUpdate::builder()
                    .title(Some("Rust at work".try_into().unwrap()))
                    .summary(Some("From zero.".try_into().unwrap()))
                    .certificate_template_id(Some(template.id)),
            )
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((course.title.as_str(), course.summary.as_deref(), course.certificate_template_id), ("Rust at work", Some("From zero."), Some(template.id)));
        let cleared = c.update_learn_course().id(course.id).body(types::CourseUpdate::builder().clear(Some(vec![types::CourseUpdateClearItem::Summary]))).send().await.unwrap().into_inner().data;
        assert_eq!((cleared.summary, cleared.title.as_str()), (None, "Rust at work"));

        // modules and lessons: get, update, reorder, list
        let module = c.create_learn_module().id(course.id).body(types::ModuleCreate::builder().title("Basics")).send().await.unwrap().into_inner().data;
        let module = c.update_learn_module().id(module.id).body(types::ModuleUpdate::builder().title(Some("Foundations".try_into().unwrap()))).send().await.unwrap().into_inner().data;
        assert_eq!(c.get_learn_module().id(module.id).send().await.unwrap().into_inner().data.title, "Foundations");
        let lesson = |title: &'static str| {
            let c = &c;
            async move { c.create_learn_lesson().id(module.id).body(types::LessonCreate::builder().title(title)).send().await.unwrap().into_inner().data }
        };
        let (l1, l2, l3) = (lesson("Ownership").await, lesson("Borrowing").await, lesson("Lifetimes").await);
        assert_eq!((l1.position, l3.position, l3.module_id), (1, 3, module.id));
        let order = c.reorder_learn_lessons().id(module.id).body(types::ReorderLessons::builder().lesson_ids(vec![l3.id, l1.id, l2.id])).send().await.unwrap().into_inner();
        assert_eq!(order.data.iter().map(|l| l.id).collect::<Vec<_>>(), vec![l3.id, l1.id, l2.id]);
        let listed = c.list_learn_lessons().id(module.id).send().await.unwrap().into_inner();
        assert_eq!((listed.total_count, listed.data.iter().map(|l| l.position).collect::<Vec<_>>()), (3, vec![1, 2, 3]));
        let l1 = c.update_learn_lesson().id(l1.id).body(types::LessonUpdate::builder().summary(Some("Who frees what.".try_into().unwrap()))).send().await.unwrap().into_inner().data;
        assert_eq!(c.get_learn_lesson().id(l1.id).send().await.unwrap().into_inner().data.summary.as_deref(), Some("Who frees what."));
        let l1 = c.update_learn_lesson().id(l1.id).body(types::LessonUpdate::builder().clear(Some(vec![types::LessonUpdateClearItem::Summary]))).send().await.unwrap().into_inner().data;
        assert_eq!(l1.summary, None);

        // activities: create each non-graded kind, reorder, get
        let activity = |body: types::builder::ActivityCreate| {
            let c = &c;
            async move { c.create_learn_activity().id(l1.id).body(body).send().await.unwrap().into_inner().data }
        };
        let video = activity(
            types::ActivityCreate::builder()
                .kind(types::ActivityKind::Video)
                .title("Watch")
                .video(Some(types::VideoContent::builder().url("https://videos.example.org/own.mp4").duration_seconds(Some(90)).try_into().unwrap())),
        )
        .await;
        let reading = activity(
            types::ActivityCreate::builder().kind(types::ActivityKind::Reading).title("Read").reading(Some(types::ReadingContent::builder().body("# Moves").try_into().unwrap())),
        )
        .await;
        let task = activity(
            types::ActivityCreate::builder()
                .kind(types::ActivityKind::Assignment)
                .title("Hand in")
                .required(Some(false))
                .assignment(Some(types::AssignmentContent::builder().instructions("Write a linked list.").try_into().unwrap())),
        )
        .await;
        assert_eq!((video.kind, video.video.as_ref().map(|v| v.duration_seconds), task.required), (types::ActivityKind::Video, Some(Some(90)), false));
        let order = c.reorder_learn_activities().id(l1.id).body(types::ReorderActivities::builder().activity_ids(vec![reading.id, task.id, video.id])).send().await.unwrap().into_inner();
        assert_eq!(order.data.iter().map(|a| a.id).collect::<Vec<_>>(), vec![reading.id, task.id, video.id]);
        let got = c.get_learn_activity().id(reading.id).send().await.unwrap().into_inner().data;
        assert_eq!((got.position, got.reading.map(|r| r.body.to_string())), (1, Some("# Moves".to_owned())));

        // a quiz attempt read back, marks done, a certificate read back
        let quiz: types::ActivityCreate = serde_json::from_value(json!({ "kind": "quiz", "title": "Check", "quiz": { "pass_mark": 100, "questions": [
            { "kind": "true_false", "prompt": "Moves copy?", "correct": false }
        ] } }))
        .unwrap();
        let quiz = c.create_learn_activity().id(l1.id).body(quiz).send().await.unwrap().into_inner().data;
        c.publish_learn_course().id(course.id).send().await.unwrap();
        let ada = ts.learner(tenant, "ada").await;
        let e = c.create_learn_enrollment().body(types::EnrollmentCreate::builder().course_id(course.id).user_id(ada)).send().await.unwrap().into_inner().data;
        for done in [reading.id, video.id] {
            let r = c.mark_learn_activity_done().id(e.id).body(types::ActivityDone::builder().activity_id(done)).send().await.unwrap().into_inner().data;
            assert_eq!(r.status, types::EnrollmentStatus::Active);
        }
        let attempt = c.start_learn_attempt().body(types::AttemptStart::builder().enrollment_id(e.id).activity_id(quiz.id)).send().await.unwrap().into_inner().data;
        let answer = types::AttemptAnswer::builder().question(1).value(Some(false)).try_into().unwrap();
        c.submit_learn_attempt().id(attempt.id).body(types::AttemptSubmit::builder().answers(vec![answer])).send().await.unwrap();
        let read = c.get_learn_attempt().id(attempt.id).send().await.unwrap().into_inner().data;
        assert_eq!((read.status, read.passed, read.score, read.number), (types::AttemptStatus::Submitted, Some(true), Some(1), 1));
        let e = c.get_learn_enrollment().id(e.id).send().await.unwrap().into_inner().data;
        assert_eq!((e.status, e.progress.required_done, e.progress.required_total), (types::EnrollmentStatus::Completed, 3, 3));
        let cert = c.list_learn_certificates().send().await.unwrap().into_inner().data.remove(0);
        let again = c.get_learn_certificate().id(cert.id).send().await.unwrap().into_inner().data;
        assert_eq!((again.code, again.enrollment_id, again.template_id, again.html), (cert.code, e.id, template.id, "ada".to_owned()));

        // templates: list, update, get; one certificates came from stays
        let spare = c.create_learn_certificate_template().body(types::CertificateTemplateCreate::builder().name("Spare").body("x")).send().await.unwrap().into_inner().data;
        let templates = c.list_learn_certificate_templates().send().await.unwrap().into_inner();
        assert_eq!((templates.total_count, templates.data.len()), (2, 2));
        c.update_learn_certificate_template()
            .id(spare.id)
            .body(types::CertificateTemplateUpdate::builder().name(Some("Formal".try_into().unwrap())).body(Some("<b>{{course.title}}</b>".try_into().unwrap())))
            .send()
            .await
            .unwrap();
        let spare = c.get_learn_certificate_template().id(spare.id).send().await.unwrap().into_inner().data;
        assert_eq!((spare.name.as_str(), spare.body.as_str()), ("Formal", "<b>{{course.title}}</b>"));
        let deleted = c.delete_learn_certificate_template().id(spare.id).send().await.unwrap().into_inner().data;
        assert_eq!((deleted.id, deleted.deleted), (spare.id, true));
        assert!(c.delete_learn_certificate_template().id(template.id).send().await.is_err(), "a template certificates came from stays");

        // cohorts: list, update (and clear), delete
        let cohort = c.create_learn_cohort().body(types::CohortCreate::builder().name("Autumn")).send().await.unwrap().into_inner().data;
        let cohort = c
            .update_learn_cohort()
            .id(cohort.id)
            .body(types::CohortUpdate::builder().description(Some("Late starters".try_into().unwrap())).external_id(Some("entra-7".try_into().unwrap())))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((cohort.description.as_deref(), cohort.external_id.as_deref()), (Some("Late starters"), Some("entra-7")));
        let cohort = c.update_learn_cohort().id(cohort.id).body(types::CohortUpdate::builder().clear(Some(vec![types::CohortUpdateClearItem::ExternalId]))).send().await.unwrap().into_inner().data;
        assert_eq!((cohort.external_id, cohort.description.as_deref()), (None, Some("Late starters")));
        assert_eq!(c.list_learn_cohorts().send().await.unwrap().into_inner().data.iter().map(|k| k.id).collect::<Vec<_>>(), vec![cohort.id]);
        c.delete_learn_cohort().id(cohort.id).send().await.unwrap();
        assert_eq!(c.list_learn_cohorts().send().await.unwrap().into_inner().total_count, 0);

        // tearing down: lesson, module, then the course once no enrollment is active
        let doomed = lesson("Unsafe").await;
        assert_eq!(c.delete_learn_lesson().id(doomed.id).send().await.unwrap().into_inner().data.id, doomed.id);
        assert_eq!(c.list_learn_lessons().id(module.id).send().await.unwrap().into_inner().total_count, 3);
        let extra = c.create_learn_module().id(course.id).body(types::ModuleCreate::builder().title("Extras")).send().await.unwrap().into_inner().data;
        c.delete_learn_module().id(extra.id).send().await.unwrap();
        assert_eq!(c.list_learn_modules().id(course.id).send().await.unwrap().into_inner().total_count, 1);
        let gone = c.delete_learn_course().id(course.id).send().await.unwrap().into_inner().data;
        assert_eq!((gone.object.as_str(), gone.id), ("learn_course", course.id));
        ts.get(Some(&key), &format!("/api/v1/learn/courses/{}", course.id)).await.assert_error(404, "course_not_found");
    }
}
