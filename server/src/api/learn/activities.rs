use mobieus_api::server::{
    CreateLearnActivityHeaders, CreateLearnActivityPath, DeleteLearnActivityHeaders, DeleteLearnActivityPath, GetLearnActivityPath,
    LearnActivitiesService, ListLearnActivitiesPath, ListLearnActivitiesQuery, ReorderLearnActivitiesHeaders, ReorderLearnActivitiesPath,
    UpdateLearnActivityHeaders, UpdateLearnActivityPath,
};
use mobieus_api::support::{ApiError, Call, FieldProblem};
use mobieus_api::types;
use serde_json::{json, Value};

use super::deleted;
use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::activities::{
    activity_create, activity_delete, activity_get, activity_list, activity_reorder, activity_update, Activity, ActivityChanges, Content, Link,
    NewActivity,
};
use crate::store::learn::quiz::{quiz_build, QuestionKind, QuestionSpec, QuizSpec};

/// The content objects an activity write may carry, by kind.
struct ContentIn {
    video: Option<types::VideoContent>,
    reading: Option<types::ReadingContent>,
    quiz: Option<types::QuizInput>,
    assignment: Option<types::AssignmentContent>,
    scorm: Option<types::ScormContent>,
    live: Option<types::LiveContent>,
}

impl ContentIn {
    fn sent(&self) -> Vec<&'static str> {
        [
            self.video.is_some().then_some("video"),
            self.reading.is_some().then_some("reading"),
            self.quiz.is_some().then_some("quiz"),
            self.assignment.is_some().then_some("assignment"),
            self.scorm.is_some().then_some("scorm"),
            self.live.is_some().then_some("live"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The kind's content as stored (and shown) and, for a quiz, its key.
    /// Exactly the kind's object may be sent; `required` says whether it
    /// must (a create) or may be left out (an update).
    fn parse(self, kind: &str, required: bool) -> Result<Option<Content>, ApiError> {
        let mut problems: Vec<FieldProblem> = self
            .sent()
            .into_iter()
            .filter(|f| *f != kind)
            .map(|f| FieldProblem { field: f.into(), problem: format!("a {kind} activity carries `{kind}`, not `{f}`") })
            .collect();
        let shown = |v: Value| Content { shown: v, ..Content::default() };
        let content = match kind {
            "video" => self.video.map(|v| shown(json!({ "url": v.url, "duration_seconds": v.duration_seconds }))),
            "reading" => self.reading.map(|r| shown(json!({ "body": String::from(r.body) }))),
            "assignment" => self.assignment.map(|a| shown(json!({ "instructions": String::from(a.instructions) }))),
            "scorm" => self.scorm.map(|c| {
                let sco = c.sco.map(String::from);
                Content {
                    shown: json!({ "package_id": c.package_id, "sco": sco }),
                    answer_key: None,
                    link: Link::Package { id: c.package_id, sco },
                }
            }),
            "live" => self.live.map(|c| Content { shown: json!({ "session_id": c.session_id }), answer_key: None, link: Link::Session(c.session_id) }),
            "quiz" => match self.quiz.map(quiz_spec).map(|spec| quiz_build(&spec, "quiz")) {
                None => None,
                Some(Ok((quiz, key))) => Some(Content { shown: json!(quiz), answer_key: Some(json!(key)), link: Link::None }),
                Some(Err(found)) => {
                    problems.extend(found.into_iter().map(|(field, problem)| FieldProblem { field, problem }));
                    None
                }
            },
            _ => None,
        };
        if content.is_none() && required && problems.is_empty() {
            problems.push(FieldProblem { field: kind.into(), problem: format!("a {kind} activity needs its `{kind}` object") });
        }
        if problems.is_empty() { Ok(content) } else { Err(ApiError::validation(problems)) }
    }
}

fn quiz_spec(q: types::QuizInput) -> QuizSpec {
    QuizSpec {
        pass_mark: q.pass_mark,
        max_attempts: q.max_attempts.map(|n| n.get() as i32),
        questions: q
            .questions
            .into_iter()
            .map(|q| QuestionSpec {
                kind: match q.kind {
                    types::QuestionKind::SingleChoice => QuestionKind::SingleChoice,
                    types::QuestionKind::MultipleChoice => QuestionKind::MultipleChoice,
                    types::QuestionKind::TrueFalse => QuestionKind::TrueFalse,
                    types::QuestionKind::ShortText => QuestionKind::ShortText,
                },
                prompt: String::from(q.prompt),
                points: q.points.map(|n| n.get() as i32),
                options: q.options.map(|o| o.into_iter().map(String::from).collect()),
                correct_options: q.correct_options,
                correct: q.correct,
                accepted_answers: q.accepted_answers.map(|a| a.into_iter().map(String::from).collect()),
            })
            .collect(),
    }
}

/// An activity as the contract shows it: the kind's object from the stored
/// content, the others null (never the answer key, which is not read).
pub fn activity_out(a: Activity) -> Result<types::Activity, ApiError> {
    fn content<T: serde::de::DeserializeOwned>(v: &Value) -> Result<Option<T>, ApiError> {
        serde_json::from_value(v.clone()).map(Some).map_err(|e| {
            tracing::error!(error = %e, "stored activity content is not in the contract");
            ApiError::server_error()
        })
    }
    let c = &a.content.0;
    let kind: types::ActivityKind = stored("activity kind", &a.kind)?;
    Ok(types::Activity {
        video: if kind == types::ActivityKind::Video { content(c)? } else { None },
        reading: if kind == types::ActivityKind::Reading { content(c)? } else { None },
        quiz: if kind == types::ActivityKind::Quiz { content(c)? } else { None },
        assignment: if kind == types::ActivityKind::Assignment { content(c)? } else { None },
        scorm: if kind == types::ActivityKind::Scorm { content(c)? } else { None },
        live: if kind == types::ActivityKind::Live { content(c)? } else { None },
        id: a.id,
        lesson_id: a.lesson_id,
        course_id: a.course_id,
        kind,
        title: a.title,
        required: a.required,
        position: a.position,
        created_at: a.created_at.0,
        updated_at: a.updated_at.0,
    })
}

fn envelope(a: Activity) -> Result<types::ActivityEnvelope, ApiError> {
    Ok(types::ActivityEnvelope { data: activity_out(a)?, next_cursor: None, request_id: String::new() })
}

impl LearnActivitiesService for AppContext {
    async fn list_learn_activities(
        call: &Call<'_, Self>,
        path: ListLearnActivitiesPath,
        query: ListLearnActivitiesQuery,
    ) -> Result<types::ActivityList, ApiError> {
        let paging = Paging::new(call, "learn_activities", query.cursor.as_deref(), query.limit)?;
        let page = activity_list(&call.context().db, call.principal.tenant_id, path.id, paging.ordered()?, paging.fetch())
            .await
            .map_err(store_error("lesson"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |a| json!([a.position, a.id]));
        Ok(types::ActivityList {
            data: rows.into_iter().map(activity_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_learn_activity(
        call: &Call<'_, Self>,
        path: CreateLearnActivityPath,
        _headers: CreateLearnActivityHeaders,
        body: types::ActivityCreate,
    ) -> Result<types::ActivityEnvelope, ApiError> {
        let kind = body.kind.to_string();
        let parts = ContentIn { video: body.video, reading: body.reading, quiz: body.quiz, assignment: body.assignment, scorm: body.scorm, live: body.live };
        let content = parts.parse(&kind, true)?.unwrap_or_default();
        let new = NewActivity { kind, title: String::from(body.title), required: body.required.unwrap_or(true), content };
        let activity = activity_create(&call.context().db, call.principal.tenant_id, path.id, &new).await.map_err(store_error("activity"))?;
        envelope(activity)
    }

    async fn reorder_learn_activities(
        call: &Call<'_, Self>,
        path: ReorderLearnActivitiesPath,
        _headers: ReorderLearnActivitiesHeaders,
        body: types::ReorderActivities,
    ) -> Result<types::ActivityOrderEnvelope, ApiError> {
        let activities = activity_reorder(&call.context().db, call.principal.tenant_id, path.id, &body.activity_ids)
            .await
            .map_err(store_error("lesson"))?;
        Ok(types::ActivityOrderEnvelope {
            data: activities.into_iter().map(activity_out).collect::<Result<_, _>>()?,
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn get_learn_activity(call: &Call<'_, Self>, path: GetLearnActivityPath) -> Result<types::ActivityEnvelope, ApiError> {
        envelope(activity_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("activity"))?)
    }

    async fn update_learn_activity(
        call: &Call<'_, Self>,
        path: UpdateLearnActivityPath,
        _headers: UpdateLearnActivityHeaders,
        body: types::ActivityUpdate,
    ) -> Result<types::ActivityEnvelope, ApiError> {
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        let before = activity_get(db, tenant, path.id).await.map_err(store_error("activity"))?;
        let parts = ContentIn { video: body.video, reading: body.reading, quiz: body.quiz, assignment: body.assignment, scorm: body.scorm, live: body.live };
        let changes = ActivityChanges { title: body.title.map(String::from), required: body.required, content: parts.parse(&before.kind, false)? };
        if changes.title.is_none() && changes.required.is_none() && changes.content.is_none() {
            return envelope(before);
        }
        envelope(activity_update(db, tenant, path.id, &changes).await.map_err(store_error("activity"))?)
    }

    async fn delete_learn_activity(call: &Call<'_, Self>, path: DeleteLearnActivityPath, _headers: DeleteLearnActivityHeaders) -> Result<types::DeletedEnvelope, ApiError> {
        let activity = activity_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("activity"))?;
        Ok(deleted(activity.id, "learn_activity"))
    }
}
