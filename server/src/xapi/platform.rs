//! The statements mobieusLearn writes about its own progress records, so
//! that analytics reading the LRS see the platform's activity without glue:
//! ADL verbs, the course and its activities as Activity objects, the learner
//! as an account agent, the enrollment as the registration.
//!
//! Identifiers are fixed by the tenant's slug and the rows' ids, never by
//! the server's configuration: a stored statement is immutable, so what it
//! names must not move when a deployment's domain does.

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

const ADL_VERBS: &str = "http://adlnet.gov/expapi/verbs";
const ADL_ACTIVITIES: &str = "http://adlnet.gov/expapi/activities";

/// The home of a tenant's identifiers.
pub fn home_page(slug: &str) -> String {
    format!("https://{slug}.mobieus.example")
}

pub fn course_iri(slug: &str, course: i64) -> String {
    format!("{}/learn/courses/{course}", home_page(slug))
}

pub fn activity_iri(slug: &str, activity: i64) -> String {
    format!("{}/learn/activities/{activity}", home_page(slug))
}

/// An enrollment's xAPI registration: a name-based (version 5) UUID of the
/// tenant and the enrollment, so every statement of one enrollment shares it
/// and it needs no column.
pub fn registration(slug: &str, enrollment: i64) -> String {
    // the URL namespace of RFC 4122, appendix C
    const URL_NAMESPACE: [u8; 16] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8];
    let mut h = Sha1::new();
    h.update(URL_NAMESPACE);
    h.update(format!("{}/learn/enrollments/{enrollment}", home_page(slug)).as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid().to_string()
}

/// The platform as the authority of what it states.
pub fn authority(slug: &str) -> Value {
    json!({ "objectType": "Agent", "name": "mobieusLearn", "account": { "homePage": home_page(slug), "name": "mobieuslearn" } })
}

/// What a progress statement is about.
pub struct Progress<'a> {
    pub slug: &'a str,
    pub user_id: i64,
    pub learner_name: &'a str,
    pub enrollment_id: i64,
    pub course_id: i64,
    pub course_title: &'a str,
}

impl Progress<'_> {
    fn actor(&self) -> Value {
        json!({ "objectType": "Agent", "name": self.learner_name, "account": { "homePage": home_page(self.slug), "name": self.user_id.to_string() } })
    }

    fn course(&self) -> Value {
        json!({
            "objectType": "Activity",
            "id": course_iri(self.slug, self.course_id),
            "definition": { "type": format!("{ADL_ACTIVITIES}/course"), "name": { "und": self.course_title } },
        })
    }

    fn statement(&self, verb: &str, object: Value, result: Option<Value>, in_course: bool, at: &str) -> Value {
        let mut context = json!({ "registration": registration(self.slug, self.enrollment_id), "platform": "mobieusLearn" });
        if in_course {
            context["contextActivities"] = json!({ "parent": [{ "objectType": "Activity", "id": course_iri(self.slug, self.course_id) }] });
        }
        let mut s = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "actor": self.actor(),
            "verb": { "id": format!("{ADL_VERBS}/{verb}"), "display": { "en-US": verb } },
            "object": object,
            "context": context,
            "timestamp": at,
            "authority": authority(self.slug),
            "version": "1.0.3",
        });
        if let Some(r) = result {
            s["result"] = r;
        }
        s
    }

    /// The learner completed an activity of the course (of any kind).
    pub fn activity_completed(&self, activity: (i64, &str, &str), at: &str) -> Value {
        self.statement("completed", activity_object(self.slug, activity), Some(json!({ "completion": true })), true, at)
    }

    /// A quiz attempt was scored: `passed` or `failed`, with its score.
    pub fn attempt_scored(&self, activity: (i64, &str, &str), score: i64, max: i64, passed: bool, at: &str) -> Value {
        let mut result = json!({ "success": passed, "completion": true });
        // xAPI wants min < max: a quiz worth nothing states no score
        if max > 0 {
            result["score"] = json!({ "raw": score, "min": 0, "max": max, "scaled": score as f64 / max as f64 });
        }
        self.statement(if passed { "passed" } else { "failed" }, activity_object(self.slug, activity), Some(result), true, at)
    }

    /// The learner completed the course.
    pub fn course_completed(&self, at: &str) -> Value {
        self.statement("completed", self.course(), Some(json!({ "completion": true })), false, at)
    }
}

/// (id, kind, title) of a course activity as an xAPI Activity.
fn activity_object(slug: &str, (id, kind, title): (i64, &str, &str)) -> Value {
    let kind_type = match kind {
        "quiz" => format!("{ADL_ACTIVITIES}/assessment"),
        "video" => "https://w3id.org/xapi/video/activity-type/video".to_owned(),
        "reading" => format!("{ADL_ACTIVITIES}/lesson"),
        "live" => format!("{ADL_ACTIVITIES}/meeting"),
        "scorm" => format!("{ADL_ACTIVITIES}/module"),
        _ => format!("{ADL_ACTIVITIES}/interaction"),
    };
    json!({ "objectType": "Activity", "id": activity_iri(slug, id), "definition": { "type": kind_type, "name": { "und": title } } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xapi::validate;

    fn ada() -> Progress<'static> {
        Progress { slug: "acme", user_id: 7, learner_name: "Ada", enrollment_id: 3, course_id: 41, course_title: "Safety" }
    }

    #[test]
    fn the_platforms_statements_are_valid_xapi() {
        let at = "2026-12-01T10:00:00.000Z";
        for s in [
            ada().activity_completed((95, "video", "Intro"), at),
            ada().attempt_scored((96, "quiz", "Check"), 3, 4, true, at),
            ada().attempt_scored((96, "quiz", "Check"), 0, 0, false, at),
            ada().course_completed(at),
        ] {
            validate::statement(&s).unwrap_or_else(|e| panic!("{e:?}: {s}"));
        }
    }

    #[test]
    fn one_enrollment_is_one_registration() {
        assert_eq!(registration("acme", 3), registration("acme", 3));
        assert_ne!(registration("acme", 3), registration("acme", 4));
        assert_ne!(registration("acme", 3), registration("beta", 3));
        assert_eq!(uuid::Uuid::parse_str(&registration("acme", 3)).unwrap().get_version_num(), 5);
    }
}
