//! xAPI 1.0.3 Statement validation: the rules of Part Two ("Experience API
//! Data"), section 2 (Statements) and section 4 (special data types), that a
//! Learning Record Store MUST enforce, as pure functions over
//! `serde_json::Value`.
//!
//! [`statement`] takes one Statement as the LRS receives it (before the LRS
//! sets `id`, `stored`, `authority` or `version`) and returns the first
//! problem found as an [`Invalid`]: where (a path such as `actor.mbox` or
//! `context.contextActivities.parent[0].id`) and what is wrong, for the
//! `400 Bad Request` the LRS answers with. Where the specification leaves
//! room, the checks follow the ADL reference LRS (`StatementValidator.py`)
//! and the ADL LRS conformance test suite (`test/v1_0_3`).
//!
//! [`refs`] and [`agent_key`] give the Agents and Activities a Statement is
//! about, as the `agent`, `activity`, `related_agents` and
//! `related_activities` filters of `GET statements` (Part Three, 2.1.3)
//! match them.
//!
//! What JSON parsing has already lost cannot be checked here: a property
//! repeated within one object (Data 2.2.s2.b2) is gone once parsed into a
//! `Value`.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::errors::json_kind;

/// Why a statement is refused: a JSON-pointer-ish path to the offending
/// member (e.g. "actor.mbox", "object.definition.name",
/// "context.contextActivities.parent[0].id", or "" for the whole statement)
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub problem: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

impl std::error::Error for Invalid {}

type Check<T = ()> = Result<T, Invalid>;

/// The reserved Verb of a voiding Statement (Data 2.3.2).
const VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";
/// The usageType of a JWS signature Attachment (Data 2.6).
const SIGNATURE: &str = "http://adlnet.gov/expapi/attachments/signature";
/// The Inverse Functional Identifiers (Data 2.4.2.3).
const IFIS: &[&str] = &["mbox", "mbox_sha1sum", "openid", "account"];

const STATEMENT_KEYS: &[&str] = &[
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
];
const SUB_STATEMENT_KEYS: &[&str] = &[
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
];
const AGENT_KEYS: &[&str] = &[
    "objectType",
    "name",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
];
const GROUP_KEYS: &[&str] = &[
    "objectType",
    "name",
    "member",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
];
const DEFINITION_KEYS: &[&str] = &[
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
];
const INTERACTION_TYPES: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
];
const COMPONENT_LISTS: &[&str] = &["choices", "scale", "source", "target", "steps"];
const RESULT_KEYS: &[&str] = &[
    "score",
    "success",
    "completion",
    "response",
    "duration",
    "extensions",
];
const SCORE_KEYS: &[&str] = &["scaled", "raw", "min", "max"];
const CONTEXT_KEYS: &[&str] = &[
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
];
const CONTEXT_TYPES: &[&str] = &["parent", "grouping", "category", "other"];
const ATTACHMENT_KEYS: &[&str] = &[
    "usageType",
    "display",
    "description",
    "contentType",
    "length",
    "sha2",
    "fileUrl",
];

/// RFC 5646 "irregular" grandfathered tags, which the langtag grammar does
/// not produce (the "regular" ones it does), lowercased.
const IRREGULAR_TAGS: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
];

/// What a Statement's object is (Data 2.4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Activity,
    Agent,
    Group,
    StatementRef,
    SubStatement,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Activity => "an Activity",
            Kind::Agent => "an Agent",
            Kind::Group => "a Group",
            Kind::StatementRef => "a StatementRef",
            Kind::SubStatement => "a SubStatement",
        }
    }
}

/// Where an Agent or Group appears: the rules differ a little by place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Actor,
    /// The object of a Statement: `objectType` is required there.
    Object,
    /// Data 2.4.9: an Agent, or the anonymous Group of two Agents of
    /// 3-legged OAuth.
    Authority,
    Instructor,
    /// Context `team`: a Group.
    Team,
    /// An entry of a Group's `member`: an Agent.
    Member,
}

// ---------------------------------------------------------------------------
// The statement
// ---------------------------------------------------------------------------

/// Validates one statement as received by the LRS (before the LRS sets
/// id/stored/authority/version). `Ok(())` or the first problem found.
pub fn statement(v: &Value) -> Result<(), Invalid> {
    let Some(m) = v.as_object() else {
        return fail(
            "",
            format!("a Statement must be a JSON object, not {}", json_kind(v)),
        );
    };
    // Data 2.2.s4.b1.b1: no null values, except inside extensions.
    no_nulls(v, "")?;
    // Data 2.2.s4.b1.b5, b7; 2.4.s1 table.
    only(m, "", STATEMENT_KEYS, "a Statement")?;
    // Data 2.2.s2.b3.
    for key in ["actor", "verb", "object"] {
        need(m, "", key, "a Statement")?;
    }
    // Data 2.4.1, 4.4.
    if let Some(id) = m.get("id") {
        uuid(id, "id")?;
    }
    // Data 2.4.7, 2.4.8, 4.5.
    if let Some(t) = m.get("timestamp") {
        timestamp(t, "timestamp")?;
    }
    if let Some(t) = m.get("stored") {
        timestamp(t, "stored")?;
    }
    // Data 2.4.10.
    if let Some(ver) = m.get("version") {
        version(ver, "version")?;
    }
    body(m, "", false, "a Statement")?;
    // Data 2.4.9.
    if let Some(a) = m.get("authority") {
        agent(a, "authority", Role::Authority)?;
    }
    Ok(())
}

/// What a Statement and a SubStatement share: actor, verb, object, result,
/// context, attachments, and the voiding rule.
fn body(m: &Map<String, Value>, path: &str, nested: bool, what: &str) -> Check {
    let actor_v = need(m, path, "actor", what)?;
    let verb_v = need(m, path, "verb", what)?;
    let object_v = need(m, path, "object", what)?;
    agent(actor_v, &at(path, "actor"), Role::Actor)?;
    let verb_id = verb(verb_v, &at(path, "verb"))?;
    let object_path = at(path, "object");
    let kind = object(object_v, &object_path, nested)?;
    // Data 2.3.2.s2.b1, b2.
    if verb_id == VOIDED && kind != Kind::StatementRef {
        return fail(
            &object_path,
            format!(
                "a voiding Statement (verb {VOIDED}) must have a StatementRef to the voided Statement as its object, not {}",
                kind.name()
            ),
        );
    }
    if let Some(r) = m.get("result") {
        result(r, &at(path, "result"))?;
    }
    if let Some(c) = m.get("context") {
        context(c, &at(path, "context"), kind)?;
    }
    // Data 2.4.11.
    if let Some(a) = m.get("attachments") {
        attachments(a, &at(path, "attachments"))?;
    }
    Ok(())
}

/// Data 2.2.s4.b1.b1: the LRS MUST reject Statements with any null values,
/// except inside extensions.
fn no_nulls(v: &Value, path: &str) -> Check {
    match v {
        Value::Null => fail(
            path,
            "must not be null (null is allowed only inside extensions)",
        ),
        Value::Array(list) => {
            for (i, x) in list.iter().enumerate() {
                no_nulls(x, &nth(path, i))?;
            }
            Ok(())
        }
        Value::Object(m) => {
            for (k, x) in m {
                if k.as_str() != "extensions" {
                    no_nulls(x, &at(path, k))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Actor, Agent, Group (Data 2.4.2)
// ---------------------------------------------------------------------------

fn agent(v: &Value, path: &str, role: Role) -> Check<Kind> {
    let m = as_object(v, path, "an Agent or a Group")?;
    let is_group = match m.get("objectType") {
        None => false,
        Some(t) => match t.as_str() {
            Some("Agent") => false,
            Some("Group") => true,
            Some(other) => {
                return fail(
                    &at(path, "objectType"),
                    format!("must be \"Agent\" or \"Group\" (case-sensitive), not \"{other}\""),
                );
            }
            None => {
                return fail(
                    &at(path, "objectType"),
                    format!("must be a string, not {}", json_kind(t)),
                );
            }
        },
    };
    match role {
        // Data 2.4.2.2.s4.b2, s5.b2.
        Role::Member if is_group => {
            return fail(
                &at(path, "objectType"),
                "a Group's members must be Agents, not Groups",
            );
        }
        // Data 2.4.6.s3 table: team is a Group.
        Role::Team if !is_group => {
            return fail(path, "the team must be a Group, with objectType \"Group\"");
        }
        _ => {}
    }
    let what = if is_group { "a Group" } else { "an Agent" };
    if is_group {
        only(m, path, GROUP_KEYS, what)?;
    } else {
        if m.contains_key("member") {
            return fail(
                &at(path, "member"),
                "is not a property of an Agent (a Group needs objectType \"Group\")",
            );
        }
        only(m, path, AGENT_KEYS, what)?;
    }
    if let Some(name) = m.get("name") {
        as_str(name, &at(path, "name"))?;
    }
    let ifis: Vec<&str> = IFIS
        .iter()
        .copied()
        .filter(|k| m.contains_key(*k))
        .collect();
    // Data 2.4.2.1.s2.b1, b2; 2.4.2.2.s5.b1.
    if ifis.len() > 1 {
        return fail(
            path,
            format!(
                "{what} must have exactly one inverse functional identifier, but this one has {}",
                ifis.join(", ")
            ),
        );
    }
    if !is_group && ifis.is_empty() {
        return fail(
            path,
            "an Agent must be identified by exactly one of mbox, mbox_sha1sum, openid or account",
        );
    }
    if let Some(key) = ifis.first() {
        ifi(m, path, key)?;
    }
    if is_group {
        // Data 2.4.9.s3.b1 (and the reference LRS): an authority Group is
        // the anonymous pair of 3-legged OAuth.
        if role == Role::Authority && !ifis.is_empty() {
            return fail(
                path,
                "an authority Group must be an anonymous Group (no inverse functional identifier) of two Agents, the OAuth consumer and the user",
            );
        }
        match m.get("member") {
            Some(members) => {
                let member_path = at(path, "member");
                let list = as_array(members, &member_path, "an array of Agents")?;
                if list.is_empty() {
                    return fail(&member_path, "must list at least one Agent");
                }
                if role == Role::Authority && list.len() != 2 {
                    return fail(
                        &member_path,
                        format!(
                            "an authority Group must have exactly two members (3-legged OAuth), not {}",
                            list.len()
                        ),
                    );
                }
                for (i, a) in list.iter().enumerate() {
                    agent(a, &nth(&member_path, i), Role::Member)?;
                }
            }
            // Data 2.4.2.2.s4.b1.
            None if ifis.is_empty() => {
                return fail(
                    &at(path, "member"),
                    "is required in an anonymous Group (a Group without an inverse functional identifier)",
                );
            }
            None => {}
        }
    }
    Ok(if is_group { Kind::Group } else { Kind::Agent })
}

/// Data 2.4.2.3: the value of the one Inverse Functional Identifier.
fn ifi(m: &Map<String, Value>, path: &str, key: &str) -> Check {
    let p = at(path, key);
    let Some(v) = m.get(key) else {
        return Ok(());
    };
    match key {
        "mbox" => {
            let s = as_str(v, &p)?;
            if !is_mailto(s) {
                return fail(
                    &p,
                    format!(
                        "must be a mailto IRI of an e-mail address, such as \"mailto:name@example.com\", not \"{s}\""
                    ),
                );
            }
        }
        "mbox_sha1sum" => {
            let s = as_str(v, &p)?;
            if !(s.len() == 40 && s.bytes().all(|c| c.is_ascii_hexdigit())) {
                return fail(
                    &p,
                    format!("must be the 40 hexadecimal digits of a SHA-1 hash, not \"{s}\""),
                );
            }
        }
        "openid" => iri(v, &p)?,
        "account" => account(v, &p)?,
        _ => {}
    }
    Ok(())
}

/// Data 2.4.2.4: `homePage` (IRL) and `name` (string), both required,
/// nothing else.
fn account(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "an account")?;
    only(m, path, &["homePage", "name"], "an account")?;
    let home_page = need(m, path, "homePage", "an account")?;
    let name = need(m, path, "name", "an account")?;
    iri(home_page, &at(path, "homePage"))?;
    as_str(name, &at(path, "name"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Verb (Data 2.4.3)
// ---------------------------------------------------------------------------

fn verb<'a>(v: &'a Value, path: &str) -> Check<&'a str> {
    let m = as_object(v, path, "a Verb")?;
    only(m, path, &["id", "display"], "a Verb")?;
    let id_v = need(m, path, "id", "a Verb")?;
    let id_path = at(path, "id");
    let id = as_str(id_v, &id_path)?;
    iri(id_v, &id_path)?;
    if let Some(d) = m.get("display") {
        language_map(d, &at(path, "display"))?;
    }
    Ok(id)
}

// ---------------------------------------------------------------------------
// Object (Data 2.4.4)
// ---------------------------------------------------------------------------

/// The object of a Statement (`nested`: of a SubStatement, which cannot hold
/// another SubStatement).
fn object(v: &Value, path: &str, nested: bool) -> Check<Kind> {
    let m = as_object(
        v,
        path,
        "an Activity, an Agent, a Group, a StatementRef or a SubStatement",
    )?;
    let Some(t) = m.get("objectType") else {
        // Data 2.4.4.2.s1.b1: an Agent or Group as the object names its
        // objectType; without one the object is an Activity.
        if IFIS
            .iter()
            .chain(["member"].iter())
            .any(|k| m.contains_key(*k))
        {
            return fail(
                &at(path, "objectType"),
                "is required when the object is an Agent or a Group (\"Agent\" or \"Group\"); without it the object is an Activity",
            );
        }
        activity(v, path)?;
        return Ok(Kind::Activity);
    };
    let type_path = at(path, "objectType");
    match as_str(t, &type_path)? {
        "Activity" => {
            activity(v, path)?;
            Ok(Kind::Activity)
        }
        "Agent" | "Group" => agent(v, path, Role::Object),
        "StatementRef" => {
            statement_ref(v, path)?;
            Ok(Kind::StatementRef)
        }
        // Data 2.4.4.3.s8.b4.
        "SubStatement" if nested => {
            fail(&type_path, "a SubStatement must not contain a SubStatement")
        }
        "SubStatement" => {
            sub_statement(v, path)?;
            Ok(Kind::SubStatement)
        }
        other => fail(
            &type_path,
            format!(
                "must be \"Activity\", \"Agent\", \"Group\", \"StatementRef\" or \"SubStatement\" (case-sensitive), not \"{other}\""
            ),
        ),
    }
}

/// Data 2.4.4.1: an Activity (also each context Activity, 2.4.6.2).
fn activity(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "an Activity")?;
    only(m, path, &["objectType", "id", "definition"], "an Activity")?;
    if let Some(t) = m.get("objectType")
        && t.as_str() != Some("Activity") {
            return fail(
                &at(path, "objectType"),
                "must be \"Activity\" when present on an Activity",
            );
        }
    let id = need(m, path, "id", "an Activity")?;
    iri(id, &at(path, "id"))?;
    if let Some(d) = m.get("definition") {
        definition(d, &at(path, "definition"))?;
    }
    Ok(())
}

/// Data 2.4.4.1.s2 (Activity Definition) and s8 to s16 (Interaction
/// Activities).
fn definition(v: &Value, path: &str) -> Check {
    let what = "an Activity Definition";
    let m = as_object(v, path, what)?;
    only(m, path, DEFINITION_KEYS, what)?;
    if let Some(x) = m.get("name") {
        language_map(x, &at(path, "name"))?;
    }
    if let Some(x) = m.get("description") {
        language_map(x, &at(path, "description"))?;
    }
    if let Some(x) = m.get("type") {
        iri(x, &at(path, "type"))?;
    }
    if let Some(x) = m.get("moreInfo") {
        iri(x, &at(path, "moreInfo"))?;
    }
    // Data 2.4.4.1.s13.b1: a valid interactionType.
    let interaction = match m.get("interactionType") {
        None => false,
        Some(x) => {
            let p = at(path, "interactionType");
            let s = as_str(x, &p)?;
            if !INTERACTION_TYPES.contains(&s) {
                return fail(
                    &p,
                    format!(
                        "must be one of {} (case-sensitive), not \"{s}\"",
                        INTERACTION_TYPES.join(", ")
                    ),
                );
            }
            true
        }
    };
    // Data 2.4.4.1.s8 table: interactionType is required of Interaction
    // Activities, which are what use these properties (conformance
    // XAPI-00064).
    if let Some(x) = m.get("correctResponsesPattern") {
        let p = at(path, "correctResponsesPattern");
        if !interaction {
            return fail(
                &p,
                "needs interactionType: only Interaction Activities have a correctResponsesPattern",
            );
        }
        let list = as_array(x, &p, "an array of strings")?;
        for (i, r) in list.iter().enumerate() {
            as_str(r, &nth(&p, i))?;
        }
    }
    for &key in COMPONENT_LISTS {
        if let Some(x) = m.get(key) {
            let p = at(path, key);
            if !interaction {
                return fail(
                    &p,
                    "needs interactionType: interaction component lists belong to Interaction Activities",
                );
            }
            components(x, &p)?;
        }
    }
    if let Some(x) = m.get("extensions") {
        extensions(x, &at(path, "extensions"))?;
    }
    Ok(())
}

/// Data 2.4.4.1.s15, s16: an array of {id (string, required), description
/// (language map)}, ids distinct.
fn components(v: &Value, path: &str) -> Check {
    let what = "an interaction component";
    let list = as_array(v, path, "an array of interaction components")?;
    let mut seen = HashSet::new();
    for (i, c) in list.iter().enumerate() {
        let p = nth(path, i);
        let m = as_object(c, &p, what)?;
        only(m, &p, &["id", "description"], what)?;
        let id_path = at(&p, "id");
        let id = as_str(need(m, &p, "id", what)?, &id_path)?;
        if !seen.insert(id) {
            return fail(
                &id_path,
                format!(
                    "\"{id}\" is used twice: the ids within an interaction component list must be distinct"
                ),
            );
        }
        if let Some(d) = m.get("description") {
            language_map(d, &at(&p, "description"))?;
        }
    }
    Ok(())
}

/// Data 2.4.4.3.s4: objectType "StatementRef" and the UUID of a Statement.
fn statement_ref(v: &Value, path: &str) -> Check {
    let what = "a StatementRef";
    let m = as_object(v, path, what)?;
    only(m, path, &["objectType", "id"], what)?;
    let t = need(m, path, "objectType", what)?;
    if t.as_str() != Some("StatementRef") {
        return fail(&at(path, "objectType"), "must be \"StatementRef\"");
    }
    let id = need(m, path, "id", what)?;
    uuid(id, &at(path, "id"))
}

/// Data 2.4.4.3.s8: validated as a Statement, without id, stored, version
/// or authority, and not nested.
fn sub_statement(v: &Value, path: &str) -> Check {
    let what = "a SubStatement";
    let m = as_object(v, path, what)?;
    for key in ["id", "stored", "version", "authority"] {
        if m.contains_key(key) {
            return fail(
                &at(path, key),
                "a SubStatement must not have this property (id, stored, version and authority belong to the containing Statement)",
            );
        }
    }
    only(m, path, SUB_STATEMENT_KEYS, what)?;
    for key in ["actor", "verb", "object"] {
        need(m, path, key, what)?;
    }
    if let Some(t) = m.get("timestamp") {
        timestamp(t, &at(path, "timestamp"))?;
    }
    body(m, path, true, what)
}

// ---------------------------------------------------------------------------
// Result (Data 2.4.5)
// ---------------------------------------------------------------------------

fn result(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "a Result")?;
    only(m, path, RESULT_KEYS, "a Result")?;
    if let Some(s) = m.get("score") {
        score(s, &at(path, "score"))?;
    }
    for key in ["success", "completion"] {
        if let Some(b) = m.get(key)
            && !b.is_boolean() {
                return fail(
                    &at(path, key),
                    format!("must be a boolean (true or false), not {}", json_kind(b)),
                );
            }
    }
    if let Some(r) = m.get("response") {
        as_str(r, &at(path, "response"))?;
    }
    // Data 4.6.
    if let Some(d) = m.get("duration") {
        let p = at(path, "duration");
        let s = as_str(d, &p)?;
        if !is_duration(s) {
            return fail(
                &p,
                format!(
                    "must be an ISO 8601 duration such as \"PT1H30M5.5S\", \"P1DT12H\" or \"P4W\", not \"{s}\""
                ),
            );
        }
    }
    if let Some(x) = m.get("extensions") {
        extensions(x, &at(path, "extensions"))?;
    }
    Ok(())
}

/// Data 2.4.5.1: scaled in [-1, 1]; min < max; min <= raw <= max.
fn score(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "a Score")?;
    only(m, path, SCORE_KEYS, "a Score")?;
    let num = |key: &str| -> Check<Option<f64>> {
        match m.get(key) {
            None => Ok(None),
            Some(x) => number(x, &at(path, key)).map(Some),
        }
    };
    let scaled = num("scaled")?;
    let raw = num("raw")?;
    let min = num("min")?;
    let max = num("max")?;
    if let Some(s) = scaled
        && !(-1.0..=1.0).contains(&s) {
            return fail(
                &at(path, "scaled"),
                format!("must be between -1 and 1 inclusive, not {s}"),
            );
        }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo >= hi {
            return fail(
                &at(path, "min"),
                format!("must be less than max ({lo} is not less than {hi})"),
            );
        }
    if let Some(r) = raw {
        if let Some(lo) = min
            && r < lo {
                return fail(
                    &at(path, "raw"),
                    format!("must not be less than min ({r} < {lo})"),
                );
            }
        if let Some(hi) = max
            && r > hi {
                return fail(
                    &at(path, "raw"),
                    format!("must not be more than max ({r} > {hi})"),
                );
            }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Context (Data 2.4.6)
// ---------------------------------------------------------------------------

/// `object`: what the Statement's (or SubStatement's) object is, for the
/// revision and platform rules.
fn context(v: &Value, path: &str, object: Kind) -> Check {
    let m = as_object(v, path, "a Context")?;
    only(m, path, CONTEXT_KEYS, "a Context")?;
    if let Some(x) = m.get("registration") {
        uuid(x, &at(path, "registration"))?;
    }
    if let Some(x) = m.get("instructor") {
        agent(x, &at(path, "instructor"), Role::Instructor)?;
    }
    if let Some(x) = m.get("team") {
        agent(x, &at(path, "team"), Role::Team)?;
    }
    if let Some(x) = m.get("contextActivities") {
        context_activities(x, &at(path, "contextActivities"))?;
    }
    // Data 2.4.6.s4.b1, b2.
    for key in ["revision", "platform"] {
        if let Some(x) = m.get(key) {
            let p = at(path, key);
            as_str(x, &p)?;
            if object != Kind::Activity {
                return fail(
                    &p,
                    format!(
                        "may only be used when the Statement's object is an Activity; here it is {}",
                        object.name()
                    ),
                );
            }
        }
    }
    if let Some(x) = m.get("language") {
        let p = at(path, "language");
        let s = as_str(x, &p)?;
        if !is_language_tag(s) {
            return fail(
                &p,
                format!(
                    "must be an RFC 5646 language tag (such as \"en\" or \"en-US\"), not \"{s}\""
                ),
            );
        }
    }
    if let Some(x) = m.get("statement") {
        statement_ref(x, &at(path, "statement"))?;
    }
    if let Some(x) = m.get("extensions") {
        extensions(x, &at(path, "extensions"))?;
    }
    Ok(())
}

/// Data 2.4.6.2.s4.b1, b2: keys parent, grouping, category, other; each
/// value an Activity or an array of Activities.
fn context_activities(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "a contextActivities object")?;
    only(
        m,
        path,
        CONTEXT_TYPES,
        "contextActivities (parent, grouping, category, other)",
    )?;
    for (key, x) in m {
        let p = at(path, key);
        match x {
            Value::Array(list) => {
                for (i, a) in list.iter().enumerate() {
                    activity(a, &nth(&p, i))?;
                }
            }
            Value::Object(_) => activity(x, &p)?,
            _ => {
                return fail(
                    &p,
                    format!(
                        "must be an Activity or an array of Activities, not {}",
                        json_kind(x)
                    ),
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Attachments (Data 2.4.11, 2.6)
// ---------------------------------------------------------------------------

fn attachments(v: &Value, path: &str) -> Check {
    let what = "an Attachment";
    let list = as_array(v, path, "an array of Attachments")?;
    for (i, a) in list.iter().enumerate() {
        let p = nth(path, i);
        let m = as_object(a, &p, what)?;
        only(m, &p, ATTACHMENT_KEYS, what)?;
        for key in ["usageType", "display", "contentType", "length", "sha2"] {
            need(m, &p, key, what)?;
        }
        let usage = need(m, &p, "usageType", what)?;
        iri(usage, &at(&p, "usageType"))?;
        language_map(need(m, &p, "display", what)?, &at(&p, "display"))?;
        if let Some(d) = m.get("description") {
            language_map(d, &at(&p, "description"))?;
        }
        let type_path = at(&p, "contentType");
        let content_type = as_str(need(m, &p, "contentType", what)?, &type_path)?;
        if !is_media_type(content_type) {
            return fail(
                &type_path,
                format!(
                    "must be an Internet media type such as \"text/plain\", not \"{content_type}\""
                ),
            );
        }
        let length = need(m, &p, "length", what)?;
        if length.as_u64().is_none() {
            return fail(
                &at(&p, "length"),
                format!(
                    "must be a non-negative integer (the attachment's size in octets), not {}",
                    json_kind(length)
                ),
            );
        }
        let sha_path = at(&p, "sha2");
        let sha2 = as_str(need(m, &p, "sha2", what)?, &sha_path)?;
        if !is_sha2_hex(sha2) {
            return fail(
                &sha_path,
                format!(
                    "must be the hexadecimal SHA-2 hash of the attachment (64 digits for SHA-256; 56, 96 or 128 for SHA-224, SHA-384, SHA-512), not \"{sha2}\""
                ),
            );
        }
        if let Some(f) = m.get("fileUrl") {
            iri(f, &at(&p, "fileUrl"))?;
        }
        // Data 2.6.s4.b1: a signature is a JWS with contentType
        // application/octet-stream.
        if usage.as_str() == Some(SIGNATURE) {
            let essence = content_type.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case("application/octet-stream") {
                return fail(
                    &type_path,
                    format!(
                        "a signature attachment (usageType {SIGNATURE}) must have contentType application/octet-stream, not \"{content_type}\""
                    ),
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Typed values: extensions, language maps, IRIs, UUIDs, timestamps, version
// ---------------------------------------------------------------------------

/// Data 4.1: keys are IRIs; values any JSON (null included).
fn extensions(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "an extensions map")?;
    for key in m.keys() {
        if !is_iri(key) {
            return fail(
                &at(path, key),
                "extension keys must be absolute IRIs, such as \"http://example.com/extension\"",
            );
        }
    }
    Ok(())
}

/// Data 4.2, 2.2.s3.b2, 2.2.s4.b2: keys RFC 5646 language tags, values
/// strings.
fn language_map(v: &Value, path: &str) -> Check {
    let m = as_object(v, path, "a language map")?;
    for (tag, text) in m {
        let p = at(path, tag);
        if !is_language_tag(tag) {
            return fail(
                &p,
                format!("\"{tag}\" is not an RFC 5646 language tag (such as \"en\" or \"en-US\")"),
            );
        }
        as_str(text, &p)?;
    }
    Ok(())
}

/// Data 2.2.s4.b1.b4, b8; 4.3: an IRI (or IRL) value.
fn iri(v: &Value, path: &str) -> Check {
    let s = as_str(v, path)?;
    if !is_iri(s) {
        return fail(
            path,
            format!(
                "must be an absolute IRI with a scheme, such as \"http://example.com/thing\", not \"{s}\""
            ),
        );
    }
    Ok(())
}

/// Data 2.4.1, 4.4: a UUID in its standard string form.
fn uuid(v: &Value, path: &str) -> Check {
    let s = as_str(v, path)?;
    if !is_uuid(s) {
        return fail(
            path,
            format!(
                "must be a UUID in its standard form (8-4-4-4-12 hexadecimal digits), not \"{s}\""
            ),
        );
    }
    Ok(())
}

/// Data 4.5: an ISO 8601 date and time.
fn timestamp(v: &Value, path: &str) -> Check {
    let s = as_str(v, path)?;
    match check_timestamp(s) {
        Ok(()) => Ok(()),
        Err(why) => fail(path, format!("{why}, not \"{s}\"")),
    }
}

/// Data 2.4.10.s3: the version starts with "1.0." ("1.0" itself counts as
/// 1.0.0, Communication 3.3.s3.b3; the conformance suite accepts it).
fn version(v: &Value, path: &str) -> Check {
    let s = as_str(v, path)?;
    if !is_version(s) {
        return fail(
            path,
            format!("must be a 1.0.x version such as \"1.0.0\", not \"{s}\""),
        );
    }
    Ok(())
}

fn number(v: &Value, path: &str) -> Check<f64> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) => Ok(x),
            None => fail(path, "must be a number that fits a 64-bit float"),
        },
        _ => fail(path, format!("must be a number, not {}", json_kind(v))),
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn fail<T>(path: &str, problem: impl Into<String>) -> Check<T> {
    Err(Invalid {
        path: path.to_owned(),
        problem: problem.into(),
    })
}

fn at(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn nth(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

fn as_object<'a>(v: &'a Value, path: &str, what: &str) -> Check<&'a Map<String, Value>> {
    match v.as_object() {
        Some(m) => Ok(m),
        None => fail(
            path,
            format!("must be {what} (a JSON object), not {}", json_kind(v)),
        ),
    }
}

fn as_array<'a>(v: &'a Value, path: &str, what: &str) -> Check<&'a Vec<Value>> {
    match v.as_array() {
        Some(list) => Ok(list),
        None => fail(path, format!("must be {what}, not {}", json_kind(v))),
    }
}

fn as_str<'a>(v: &'a Value, path: &str) -> Check<&'a str> {
    match v.as_str() {
        Some(s) => Ok(s),
        None => fail(path, format!("must be a string, not {}", json_kind(v))),
    }
}

/// Data 2.2.s4.b1.b5, b7: every key is one the specification defines here,
/// in its exact case.
fn only(m: &Map<String, Value>, path: &str, allowed: &[&str], what: &str) -> Check {
    for key in m.keys() {
        if allowed.contains(&key.as_str()) {
            continue;
        }
        let hint = match allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
            Some(a) => format!(" (property names are case-sensitive: \"{a}\")"),
            None => String::new(),
        };
        return fail(&at(path, key), format!("is not a property of {what}{hint}"));
    }
    Ok(())
}

fn need<'a>(m: &'a Map<String, Value>, path: &str, key: &str, what: &str) -> Check<&'a Value> {
    match m.get(key) {
        Some(v) => Ok(v),
        None => fail(&at(path, key), format!("is required in {what}")),
    }
}

// ---------------------------------------------------------------------------
// Formats, hand-written (no regex)
// ---------------------------------------------------------------------------

/// An absolute IRI (RFC 3987, best effort as Data 2.2.s4.b6 allows): a
/// scheme (a letter, then letters, digits, '+', '-', '.') and ':', no
/// whitespace, control or other characters IRIs exclude, '%' followed by
/// two hexadecimal digits, at most one '#'. Then either `url` parses it, or
/// (IRIs carry Unicode the WHATWG parser may refuse) its authority has a
/// plausible shape: brackets only around an IP literal host, a numeric port,
/// and a host for http and https.
pub fn is_iri(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let mut scheme_bytes = scheme.bytes();
    if !scheme_bytes.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    if !scheme_bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        return false;
    }
    let rest = &s[colon + 1..];
    if !iri_chars_ok(rest) {
        return false;
    }
    url::Url::parse(s).is_ok() || iri_structure_ok(scheme, rest)
}

fn iri_chars_ok(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    let mut hashes = 0;
    for (i, c) in rest.char_indices() {
        if c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
            // bidirectional formatting characters (RFC 3987 4.1)
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}')
        {
            return false;
        }
        if c == '%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return false;
        }
        if c == '#' {
            hashes += 1;
            if hashes > 1 {
                return false;
            }
        }
    }
    true
}

fn iri_structure_ok(scheme: &str, rest: &str) -> bool {
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (hier, tail) = rest.split_at(end);
    if tail.contains(['[', ']']) {
        return false;
    }
    let Some(after) = hier.strip_prefix("//") else {
        return !web && !hier.contains(['[', ']']);
    };
    let authority_end = after.find('/').unwrap_or(after.len());
    let (authority, path) = after.split_at(authority_end);
    if path.contains(['[', ']']) {
        return false;
    }
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(e) => host_port.split_at(e + 1),
            None => return false,
        }
    } else {
        match host_port.rfind(':') {
            Some(c) => host_port.split_at(c),
            None => (host_port, ""),
        }
    };
    if !host.starts_with('[') && host.contains(['[', ']']) {
        return false;
    }
    if !(port.is_empty() || port.starts_with(':') && port[1..].bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    !(web && host.is_empty())
}

/// "mailto:" and an e-mail address: a local part, one '@', a domain of at
/// least two non-empty labels (letters, digits, '-'; Unicode letters for
/// internationalized domains), and a valid IRI as a whole.
fn is_mailto(s: &str) -> bool {
    let Some(address) = s.strip_prefix("mailto:") else {
        return false;
    };
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(['?', '#'])
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && is_iri(s)
}

/// Standard string form: 8-4-4-4-12 hexadecimal digits, either case, any
/// version and variant (the spec's own example id is not RFC 4122 variant).
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A SHA-2 digest in hexadecimal: SHA-224, SHA-256, SHA-384 or SHA-512
/// (Communication 1.5.2.s4.b4 names the last three).
fn is_sha2_hex(s: &str) -> bool {
    matches!(s.len(), 56 | 64 | 96 | 128) && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// An Internet media type (RFC 2046): `type/subtype`, both RFC 2045
/// tokens, optionally followed by `;` parameters (not checked: quoted
/// parameter values may hold anything).
fn is_media_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or("").trim();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    is_token(kind) && is_token(sub)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&c))
}

/// "1.0", or "1.0." and a patch number, optionally with a semver
/// pre-release or build suffix ("1.0.0", "1.0.3", "1.0.0-rc.1").
fn is_version(s: &str) -> bool {
    if s == "1.0" {
        return true;
    }
    let Some(rest) = s.strip_prefix("1.0.") else {
        return false;
    };
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if digits == 0 {
        return false;
    }
    let suffix = &rest[digits..];
    suffix.is_empty()
        || ((suffix.starts_with('-') || suffix.starts_with('+'))
            && suffix.len() > 1
            && suffix[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
}

/// An RFC 5646 language tag: the `langtag` grammar (language, up to three
/// extlangs, script, region, variants, extensions, private use), a private
/// use tag ("x-..."), or an irregular grandfathered tag. Case-insensitive.
fn is_language_tag(tag: &str) -> bool {
    let tag = tag.to_ascii_lowercase();
    if IRREGULAR_TAGS.contains(&tag.as_str()) {
        return true;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 8 || !p.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return false;
    }
    let alpha = |p: &str| p.bytes().all(|c| c.is_ascii_alphabetic());
    let digit = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
    let n = parts.len();
    if parts[0] == "x" {
        return n > 1;
    }
    // language: 2 to 8 letters
    if parts[0].len() < 2 || !alpha(parts[0]) {
        return false;
    }
    let mut i = 1;
    // extlang: up to three of 3 letters, after a 2- or 3-letter language
    if parts[0].len() <= 3 {
        let mut extlangs = 0;
        while i < n && extlangs < 3 && parts[i].len() == 3 && alpha(parts[i]) {
            i += 1;
            extlangs += 1;
        }
    }
    // script: 4 letters
    if i < n && parts[i].len() == 4 && alpha(parts[i]) {
        i += 1;
    }
    // region: 2 letters or 3 digits
    if i < n
        && ((parts[i].len() == 2 && alpha(parts[i])) || (parts[i].len() == 3 && digit(parts[i])))
    {
        i += 1;
    }
    // variants: 5 to 8 characters, or 4 starting with a digit
    while i < n
        && (parts[i].len() >= 5 || (parts[i].len() == 4 && parts[i].as_bytes()[0].is_ascii_digit()))
    {
        i += 1;
    }
    // extensions: a singleton other than x, then subtags of 2 to 8
    while i < n && parts[i].len() == 1 && parts[i] != "x" {
        i += 1;
        let start = i;
        while i < n && parts[i].len() >= 2 {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    // private use: x, then at least one subtag of 1 to 8
    if i < n && parts[i] == "x" {
        return i + 1 < n;
    }
    i == n
}

/// Reads an ISO 8601 timestamp: a calendar date (extended YYYY-MM-DD or
/// basic YYYYMMDD), 'T' (or 't', or a space as RFC 3339 permits), a time
/// (hh[:mm[:ss]] or hhmm[ss], with an optional decimal fraction), and a
/// time zone: Z, ±hh:mm, ±hhmm or ±hh. A timestamp without a time zone is
/// accepted (the spec says it SHOULD have one); the offset -00:00 (-00, -0000), which ISO 8601 does
/// not allow (conformance XAPI-00123).
fn check_timestamp(s: &str) -> Result<(), &'static str> {
    const SHAPE: &str =
        "must be an ISO 8601 date and time with a time zone, such as \"2024-05-01T12:30:00.000Z\"";
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4).ok_or(SHAPE)?;
    let extended = c.eat(b'-');
    let month = c.digits(2).ok_or(SHAPE)?;
    if extended && !c.eat(b'-') {
        return Err(SHAPE);
    }
    let day = c.digits(2).ok_or(SHAPE)?;
    if chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_none() {
        return Err("names a day the calendar does not have");
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(SHAPE);
    }
    let hour = c.digits(2).ok_or(SHAPE)?;
    let mut minute = 0;
    let mut second = 0;
    if c.eat(b':') {
        minute = c.digits(2).ok_or(SHAPE)?;
        if c.eat(b':') {
            second = c.digits(2).ok_or(SHAPE)?;
        }
    } else if c.peek_digit() {
        minute = c.digits(2).ok_or(SHAPE)?;
        if c.peek_digit() {
            second = c.digits(2).ok_or(SHAPE)?;
        }
    }
    if (c.eat(b'.') || c.eat(b',')) && c.skip_digits() == 0 {
        return Err(SHAPE);
    }
    // 60: a leap second
    if hour > 23 || minute > 59 || second > 60 {
        return Err("has an hour, minute or second out of range");
    }
    match c.bump() {
        // a time zone is a SHOULD (Data 2.4.7.s4.b3): accepted without
        None => {}
        Some(b'Z' | b'z') => {}
        Some(sign @ (b'+' | b'-')) => {
            let offset_hours = c.digits(2).ok_or(SHAPE)?;
            let offset_minutes = if c.eat(b':') || c.peek_digit() {
                c.digits(2).ok_or(SHAPE)?
            } else {
                0
            };
            if offset_hours > 23 || offset_minutes > 59 {
                return Err("has a time zone offset out of range");
            }
            if sign == b'-' && offset_hours == 0 && offset_minutes == 0 {
                return Err(
                    "has the offset -00:00, which ISO 8601 does not allow (use Z or +00:00)",
                );
            }
        }
        Some(_) => return Err(SHAPE),
    }
    if c.i != c.b.len() {
        return Err(SHAPE);
    }
    Ok(())
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.b.get(self.i..self.i + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(
            part.iter()
                .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0')),
        )
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek_digit(&self) -> bool {
        self.b.get(self.i).is_some_and(u8::is_ascii_digit)
    }

    fn skip_digits(&mut self) -> usize {
        let start = self.i;
        while self.peek_digit() {
            self.i += 1;
        }
        self.i - start
    }

    fn bump(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }
}

/// An ISO 8601:2004 4.4.3.2 duration (Data 4.6.s1.b1):
/// `P[nY][nM][nD][T[nH][nM][nS]]` with at least one component, and a 'T'
/// only when time components follow; or `PnW` alone (weeks do not combine:
/// "P4W1D" is refused, Data 4.6.s2). Components are non-negative integers,
/// except that the last one may carry a decimal fraction ('.' or ','), as
/// "PT4.5S" or "P0.5Y". No sign: ISO 8601:2004 has no negative durations.
fn is_duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut fractions = Vec::new();
    if date.contains('W') {
        if time.is_some() || !duration_parts(date, b"W", &mut fractions) {
            return false;
        }
    } else {
        if !duration_parts(date, b"YMD", &mut fractions) {
            return false;
        }
        if let Some(t) = time
            && (t.is_empty() || !duration_parts(t, b"HMS", &mut fractions)) {
                return false;
            }
    }
    match fractions.split_last() {
        Some((_, before)) => !before.contains(&true),
        None => false,
    }
}

/// Components `<digits>[(.|,)<digits>]<unit>` with units in the order
/// given, each at most once; pushes whether each has a fraction.
fn duration_parts(part: &str, units: &[u8], fractions: &mut Vec<bool>) -> bool {
    let b = part.as_bytes();
    let mut i = 0;
    let mut next_unit = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        let mut fraction = false;
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            i += 1;
            let fraction_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == fraction_start {
                return false;
            }
            fraction = true;
        }
        let Some(&unit) = b.get(i) else {
            return false;
        };
        let Some(pos) = units[next_unit..].iter().position(|&u| u == unit) else {
            return false;
        };
        next_unit += pos + 1;
        i += 1;
        fractions.push(fraction);
    }
    true
}

// ---------------------------------------------------------------------------
// What a statement is about, for queries (Communication 2.1.3)
// ---------------------------------------------------------------------------

/// The statement's agents and activities as the LRS indexes them (for
/// queries): the IFI key of each agent (as a canonical string like
/// "mbox::mailto:a@b.c", "mbox_sha1sum::<hex>", "openid::<uri>",
/// "account::<homePage>::<name>") in roles, and activity ids.
///
/// - `actor`: the actor's key; for a Group, the Group's own key when it is
///   identified, then each member's key (the `agent` filter matches an
///   Agent, an identified Group, or a Group with the Agent as member).
/// - `object_agent`: the same for an Agent or Group object (the `agent`
///   filter matches the actor or the object).
/// - `object_activity`: the object's id when the object is an Activity (the
///   `activity` filter).
/// - `related_agents`: every Agent and Group key anywhere, members
///   included: actor, object, authority, context instructor and team, and
///   the actor, object, instructor and team of a SubStatement object (the
///   `agent` filter with `related_agents=true`).
/// - `related_activities`: every Activity id anywhere: the object, the
///   context Activities of all four kinds, and the same inside a
///   SubStatement object (the `activity` filter with
///   `related_activities=true`).
/// - `verb`: the verb id (the `verb` filter).
///
/// Each list is free of duplicates, in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    pub actor: Vec<String>,
    pub object_agent: Vec<String>,
    pub object_activity: Option<String>,
    pub related_agents: Vec<String>,
    pub related_activities: Vec<String>,
    pub verb: String,
}

/// What [`Refs`] describes, read from a statement (meant for one that
/// [`statement`] accepted, with the authority the LRS settled on; anything
/// malformed is skipped, never a panic).
pub fn refs(v: &Value) -> Refs {
    let mut r = Refs {
        verb: v
            .get("verb")
            .and_then(|x| x.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        ..Refs::default()
    };
    if let Some(actor) = v.get("actor") {
        r.actor = dedup(agent_keys(actor));
    }
    if let Some(object) = v.get("object") {
        match object_type(object) {
            "Agent" | "Group" => r.object_agent = dedup(agent_keys(object)),
            "Activity" => r.object_activity = activity_id(object),
            _ => {}
        }
    }
    let mut agents = Vec::new();
    let mut activities = Vec::new();
    collect(v, &mut agents, &mut activities, true);
    r.related_agents = dedup(agents);
    r.related_activities = dedup(activities);
    r
}

/// The IFI key of an Agent/identified Group JSON object (the `agent` query
/// parameter's value), or None.
///
/// None when the object has no IFI, more than one, an objectType other than
/// Agent or Group, or an IFI of the wrong shape. The key keeps values as
/// given except where the specification makes case irrelevant: the domain
/// of an mbox (Data 2.3.1.b7) and the hexadecimal digits of an
/// mbox_sha1sum are lowercased, so equal identifiers give equal keys.
pub fn agent_key(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    match m.get("objectType") {
        None => {}
        Some(t) if matches!(t.as_str(), Some("Agent" | "Group")) => {}
        Some(_) => return None,
    }
    let mut present = IFIS
        .iter()
        .copied()
        .filter(|k| m.get(*k).is_some_and(|x| !x.is_null()));
    let key = present.next()?;
    if present.next().is_some() {
        return None;
    }
    let value = m.get(key)?;
    match key {
        "mbox" => value
            .as_str()
            .map(|s| format!("mbox::{}", normalize_mbox(s))),
        "mbox_sha1sum" => value
            .as_str()
            .map(|s| format!("mbox_sha1sum::{}", s.to_ascii_lowercase())),
        "openid" => value.as_str().map(|s| format!("openid::{s}")),
        "account" => {
            let home_page = value.get("homePage")?.as_str()?;
            let name = value.get("name")?.as_str()?;
            Some(format!("account::{home_page}::{name}"))
        }
        _ => None,
    }
}

fn normalize_mbox(s: &str) -> String {
    match s.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => s.to_owned(),
    }
}

/// An Agent's key, or a Group's own key (if identified) then its members'.
fn agent_keys(a: &Value) -> Vec<String> {
    let mut keys: Vec<String> = agent_key(a).into_iter().collect();
    if a.get("objectType").and_then(Value::as_str) == Some("Group")
        && let Some(members) = a.get("member").and_then(Value::as_array) {
            keys.extend(members.iter().filter_map(agent_key));
        }
    keys
}

/// A Statement object's objectType, "Activity" when absent (Data 2.4.4.s2).
fn object_type(o: &Value) -> &str {
    o.get("objectType")
        .and_then(Value::as_str)
        .unwrap_or("Activity")
}

fn activity_id(a: &Value) -> Option<String> {
    a.get("id").and_then(Value::as_str).map(str::to_owned)
}

/// Agents and Activities of a Statement (`top`) or of its SubStatement.
fn collect(s: &Value, agents: &mut Vec<String>, activities: &mut Vec<String>, top: bool) {
    if let Some(a) = s.get("actor") {
        agents.extend(agent_keys(a));
    }
    if let Some(o) = s.get("object") {
        match object_type(o) {
            "Agent" | "Group" => agents.extend(agent_keys(o)),
            "Activity" => activities.extend(activity_id(o)),
            "SubStatement" if top => collect(o, agents, activities, false),
            _ => {}
        }
    }
    if top
        && let Some(a) = s.get("authority") {
            agents.extend(agent_keys(a));
        }
    if let Some(c) = s.get("context") {
        for key in ["instructor", "team"] {
            if let Some(a) = c.get(key) {
                agents.extend(agent_keys(a));
            }
        }
        if let Some(ca) = c.get("contextActivities").and_then(Value::as_object) {
            for &key in CONTEXT_TYPES {
                match ca.get(key) {
                    Some(Value::Array(list)) => {
                        activities.extend(list.iter().filter_map(activity_id))
                    }
                    Some(a @ Value::Object(_)) => activities.extend(activity_id(a)),
                    _ => {}
                }
            }
        }
    }
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    list.into_iter()
        .filter(|k| seen.insert(k.clone()))
        .collect()
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The spec's simplest Statement (Data 2.4.s2).
    fn minimal() -> Value {
        json!({
            "id": "12345678-1234-5678-1234-567812345678",
            "actor": {"mbox": "mailto:xapi@adlnet.gov"},
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/created",
                "display": {"en-US": "created"}
            },
            "object": {"id": "http://example.adlnet.gov/xapi/example/activity"}
        })
    }

    fn refused(v: &Value) -> Invalid {
        match statement(v) {
            Ok(()) => panic!("should have been refused: {v}"),
            Err(e) => e,
        }
    }

    fn refused_at(v: &Value, path: &str) {
        let e = refused(v);
        assert_eq!(e.path, path, "refused for another reason: {e}");
    }

    #[test]
    fn minimal_statement_passes() {
        assert_eq!(statement(&minimal()), Ok(()));
    }

    #[test]
    fn full_statement_passes() {
        let s = json!({
            "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
            "actor": {
                "objectType": "Group",
                "name": "Team",
                "member": [
                    {"mbox": "mailto:a@example.com"},
                    {"account": {"homePage": "http://lms.example.com", "name": "42"}}
                ]
            },
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/answered",
                "display": {"en-US": "answered", "zh-Hans-CN": "回答"}
            },
            "object": {
                "objectType": "Activity",
                "id": "http://example.com/q/1",
                "definition": {
                    "name": {"en": "Q1"},
                    "description": {"en-GB": "Question one"},
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "moreInfo": "http://example.com/q/1/info",
                    "interactionType": "choice",
                    "correctResponsesPattern": ["a[,]b"],
                    "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}],
                    "extensions": {"http://example.com/ext": null}
                }
            },
            "result": {
                "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
                "success": true,
                "completion": true,
                "response": "a[,]b",
                "duration": "PT1M30.5S",
                "extensions": {"http://example.com/r": {"any": [1, null]}}
            },
            "context": {
                "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
                "instructor": {"name": "I", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
                "team": {"objectType": "Group", "openid": "http://openid.example.org/team"},
                "contextActivities": {
                    "parent": [{"id": "http://example.com/quiz"}],
                    "grouping": {"id": "http://example.com/course"},
                    "category": [{
                        "id": "http://example.com/profile",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}
                    }]
                },
                "revision": "2",
                "platform": "web",
                "language": "en-US",
                "statement": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"},
                "extensions": {"http://example.com/c": 1}
            },
            "timestamp": "2013-05-18T05:32:34.804+02:00",
            "stored": "2013-05-18T05:32:34.804Z",
            "version": "1.0.0",
            "authority": {
                "objectType": "Group",
                "member": [
                    {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
                    {"mbox": "mailto:bob@example.com"}
                ]
            },
            "attachments": [{
                "usageType": "http://example.com/attachment-usage/test",
                "display": {"en-US": "A test attachment"},
                "description": {"en-US": "A test attachment (description)"},
                "contentType": "text/plain; charset=ascii",
                "length": 27,
                "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
                "fileUrl": "http://over.there.com/file.txt"
            }]
        });
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn sub_statement_passes() {
        let mut s = minimal();
        s["object"] = json!({
            "objectType": "SubStatement",
            "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
            "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
            "object": {"objectType": "Activity", "id": "http://example.com/website"},
            "timestamp": "2030-01-01T00:00:00Z",
            "context": {"platform": "web"}
        });
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn agent_object_and_statement_ref_pass() {
        let mut s = minimal();
        s["object"] = json!({"objectType": "Agent", "mbox": "mailto:b@example.com"});
        assert_eq!(statement(&s), Ok(()));
        s["object"] =
            json!({"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"});
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn not_an_object_is_refused() {
        assert_eq!(refused(&json!([])).path, "");
        assert_eq!(refused(&json!("x")).path, "");
    }

    #[test]
    fn two_ifis_are_refused() {
        let mut s = minimal();
        s["actor"]["mbox_sha1sum"] = json!("cd9b00a5611f94eaa7b1661edab976068e364975");
        refused_at(&s, "actor");
    }

    #[test]
    fn agent_without_ifi_is_refused() {
        let mut s = minimal();
        s["actor"] = json!({"name": "nobody"});
        refused_at(&s, "actor");
    }

    #[test]
    fn missing_verb_id_is_refused() {
        let mut s = minimal();
        s["verb"] = json!({"display": {"en-US": "created"}});
        refused_at(&s, "verb.id");
    }

    #[test]
    fn missing_actor_is_refused() {
        let mut s = minimal();
        s.as_object_mut().unwrap().remove("actor");
        refused_at(&s, "actor");
    }

    #[test]
    fn bad_mbox_is_refused() {
        let mut s = minimal();
        s["actor"]["mbox"] = json!("mailto:should.fail.com");
        refused_at(&s, "actor.mbox");
        s["actor"]["mbox"] = json!("xapi@adlnet.gov");
        refused_at(&s, "actor.mbox");
        s["actor"]["mbox"] = json!("http://should.fail.com");
        refused_at(&s, "actor.mbox");
    }

    #[test]
    fn bad_account_is_refused() {
        let mut s = minimal();
        s["actor"] = json!({"account": {"homePage": "homePage.com/testUser", "name": "123456"}});
        refused_at(&s, "actor.account.homePage");
        s["actor"] = json!({"account": {"homePage": "http://example.com"}});
        refused_at(&s, "actor.account.name");
        s["actor"] = json!({"account": {"homePage": "http://example.com", "name": {"key": "x"}}});
        refused_at(&s, "actor.account.name");
        s["actor"] =
            json!({"account": {"homePage": "http://example.com", "name": "n", "extra": 1}});
        refused_at(&s, "actor.account.extra");
    }

    #[test]
    fn bad_uuid_is_refused() {
        let mut s = minimal();
        s["id"] = json!("MA97B177-9383-4934-8543-0F91A7A02836");
        refused_at(&s, "id");
        s["id"] = json!("AA97B177-9383-4934-8543-0F91A7A028368");
        refused_at(&s, "id");
        s["id"] = json!(12345);
        refused_at(&s, "id");
    }

    #[test]
    fn bad_duration_is_refused() {
        let mut s = minimal();
        s["result"] = json!({"duration": "PA1H0M0S"});
        refused_at(&s, "result.duration");
        s["result"] = json!({"duration": "P4W1D"});
        refused_at(&s, "result.duration");
    }

    #[test]
    fn scores_out_of_range_are_refused() {
        let mut s = minimal();
        s["result"] = json!({"score": {"scaled": 1.5}});
        refused_at(&s, "result.score.scaled");
        s["result"] = json!({"score": {"min": 10, "max": 10}});
        refused_at(&s, "result.score.min");
        s["result"] = json!({"score": {"raw": 11, "min": 0, "max": 10}});
        refused_at(&s, "result.score.raw");
        s["result"] = json!({"score": {"max": "100"}});
        refused_at(&s, "result.score.max");
        s["result"] = json!({"score": {"raw": 0, "min": 0, "max": 10, "scaled": -1}});
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn wrong_types_are_refused() {
        let mut s = minimal();
        s["result"] = json!({"success": "true"});
        refused_at(&s, "result.success");
        s["result"] = json!({"completion": "false"});
        refused_at(&s, "result.completion");
        s["result"] = json!({"response": 5});
        refused_at(&s, "result.response");
    }

    #[test]
    fn unknown_top_level_property_is_refused() {
        let mut s = minimal();
        s["foo"] = json!(1);
        refused_at(&s, "foo");
    }

    #[test]
    fn wrong_case_property_is_refused() {
        let mut s = minimal();
        s["result"] = json!({"Success": true});
        let e = refused(&s);
        assert_eq!(e.path, "result.Success");
        assert!(e.problem.contains("\"success\""), "{e}");
    }

    #[test]
    fn revision_and_platform_need_an_activity_object() {
        let mut s = minimal();
        s["object"] = json!({"objectType": "Agent", "mbox": "mailto:b@example.com"});
        s["context"] = json!({"revision": "1"});
        refused_at(&s, "context.revision");
        s["context"] = json!({"platform": "web"});
        refused_at(&s, "context.platform");
        s["object"] =
            json!({"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"});
        refused_at(&s, "context.platform");
    }

    #[test]
    fn voiding_needs_a_statement_ref() {
        let mut s = minimal();
        s["verb"]["id"] = json!(VOIDED);
        refused_at(&s, "object");
        s["object"] =
            json!({"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"});
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn sub_statement_with_id_is_refused() {
        let mut s = minimal();
        s["object"] = json!({
            "objectType": "SubStatement",
            "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
            "actor": {"mbox": "mailto:test@example.com"},
            "verb": {"id": "http://example.com/visited"},
            "object": {"id": "http://example.com/website"}
        });
        refused_at(&s, "object.id");
        s["object"].as_object_mut().unwrap().remove("id");
        assert_eq!(statement(&s), Ok(()));
        for key in ["stored", "version", "authority"] {
            let mut t = s.clone();
            t["object"][key] = json!("1.0.0");
            refused_at(&t, &format!("object.{key}"));
        }
    }

    #[test]
    fn nested_sub_statement_is_refused() {
        let inner = json!({
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:test@example.com"},
            "verb": {"id": "http://example.com/visited"},
            "object": {"id": "http://example.com/website"}
        });
        let mut outer = inner.clone();
        outer["object"] = inner;
        let mut s = minimal();
        s["object"] = outer;
        refused_at(&s, "object.object.objectType");
    }

    #[test]
    fn object_types_are_case_sensitive() {
        let mut s = minimal();
        s["object"] = json!({"objectType": "activity", "id": "http://example.com/a"});
        refused_at(&s, "object.objectType");
        s["actor"]["objectType"] = json!("agent");
        refused_at(&s, "actor.objectType");
    }

    #[test]
    fn agent_object_needs_object_type() {
        let mut s = minimal();
        s["object"] = json!({"mbox": "mailto:b@example.com"});
        refused_at(&s, "object.objectType");
    }

    #[test]
    fn groups() {
        let mut s = minimal();
        s["actor"] = json!({"objectType": "Group", "name": "anonymous"});
        refused_at(&s, "actor.member");
        s["actor"] = json!({"objectType": "Group", "member": [
            {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}
        ]});
        refused_at(&s, "actor.member[0].objectType");
        s["actor"] = json!({"objectType": "Group", "member": [{"name": "no ifi"}]});
        refused_at(&s, "actor.member[0]");
        s["actor"] = json!({"member": [{"mbox": "mailto:a@example.com"}]});
        refused_at(&s, "actor.member");
        s["actor"] = json!({"objectType": "Group", "mbox": "mailto:g@example.com"});
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn authority_rules() {
        let two = json!([{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]);
        let mut s = minimal();
        s["authority"] = json!({"objectType": "Group", "member": two.clone()});
        assert_eq!(statement(&s), Ok(()));
        s["authority"] =
            json!({"objectType": "Group", "openid": "http://openid.example.org/g", "member": two});
        refused_at(&s, "authority");
        s["authority"] = json!({"objectType": "Group", "member": [
            {"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}, {"mbox": "mailto:c@example.com"}
        ]});
        refused_at(&s, "authority.member");
        s["authority"] =
            json!({"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]});
        refused_at(&s, "authority.member");
        s["authority"] = json!({"objectType": "Activity", "id": "http://example.com/a"});
        refused_at(&s, "authority.objectType");
    }

    #[test]
    fn context_rules() {
        let mut s = minimal();
        s["context"] = json!({"team": {"mbox": "mailto:a@example.com"}});
        refused_at(&s, "context.team");
        s["context"] = json!({"registration": "not a uuid"});
        refused_at(&s, "context.registration");
        s["context"] = json!({"language": "a12345678"});
        refused_at(&s, "context.language");
        s["context"] = json!({"contextActivities": {"sibling": [{"id": "http://example.com/a"}]}});
        refused_at(&s, "context.contextActivities.sibling");
        s["context"] = json!({"contextActivities": {"parent": [{"id": "http://example.com/a"}, {"id": "no scheme"}]}});
        refused_at(&s, "context.contextActivities.parent[1].id");
        s["context"] = json!({"contextActivities": {"parent": "http://example.com/a"}});
        refused_at(&s, "context.contextActivities.parent");
        s["context"] = json!({"statement": {"id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}});
        refused_at(&s, "context.statement.objectType");
    }

    #[test]
    fn nulls_are_refused_except_in_extensions() {
        let mut s = minimal();
        s["actor"]["name"] = Value::Null;
        refused_at(&s, "actor.name");
        let mut s = minimal();
        s["verb"]["display"]["en-US"] = Value::Null;
        refused_at(&s, "verb.display.en-US");
        let mut s = minimal();
        s["context"] = json!({"extensions": {"http://example.com/null": null}});
        assert_eq!(statement(&s), Ok(()));
        s["result"] = json!({"extensions": {"http://example.com/null": {"deep": [null]}}});
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn language_maps_are_checked() {
        let mut s = minimal();
        s["verb"]["display"] = json!({"a12345678": "should error"});
        refused_at(&s, "verb.display.a12345678");
        s["verb"]["display"] = json!("attended");
        refused_at(&s, "verb.display");
        s["verb"]["display"] = json!({"en-US": 5});
        refused_at(&s, "verb.display.en-US");
    }

    #[test]
    fn extension_keys_must_be_iris() {
        let mut s = minimal();
        s["result"] = json!({"extensions": {"should fail": true}});
        refused_at(&s, "result.extensions.should fail");
        s["result"] = json!({"extensions": "not an object"});
        refused_at(&s, "result.extensions");
    }

    #[test]
    fn activity_definition_rules() {
        let mut s = minimal();
        s["object"]["definition"] = json!({"interactionType": "Choice"});
        refused_at(&s, "object.definition.interactionType");
        s["object"]["definition"] = json!({"correctResponsesPattern": ["true"]});
        refused_at(&s, "object.definition.correctResponsesPattern");
        s["object"]["definition"] = json!({"choices": [{"id": "a"}]});
        refused_at(&s, "object.definition.choices");
        s["object"]["definition"] =
            json!({"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]});
        refused_at(&s, "object.definition.choices[1].id");
        s["object"]["definition"] =
            json!({"interactionType": "choice", "choices": [{"description": {"en": "x"}}]});
        refused_at(&s, "object.definition.choices[0].id");
        s["object"]["definition"] =
            json!({"interactionType": "true-false", "correctResponsesPattern": [true]});
        refused_at(&s, "object.definition.correctResponsesPattern[0]");
        s["object"]["definition"] = json!({"name": "not a map"});
        refused_at(&s, "object.definition.name");
        s["object"]["definition"] = json!({"moreInfo": "virtualmeeting.example.com/345256"});
        refused_at(&s, "object.definition.moreInfo");
        s["object"]["definition"] = json!("not an object");
        refused_at(&s, "object.definition");
    }

    #[test]
    fn attachment_rules() {
        let good = json!({
            "usageType": "http://example.com/attachment-usage/test",
            "display": {"en-US": "A test attachment"},
            "contentType": "text/plain",
            "length": 27,
            "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
        });
        let mut s = minimal();
        s["attachments"] = json!([good.clone()]);
        assert_eq!(statement(&s), Ok(()));
        s["attachments"] = good.clone();
        refused_at(&s, "attachments");
        for (key, bad) in [
            ("length", json!("27")),
            ("length", json!(-1)),
            ("sha2", json!(12345)),
            ("sha2", json!("should fail")),
            ("contentType", json!(12345)),
            ("contentType", json!("text")),
            ("usageType", json!("should fail")),
            ("fileUrl", json!("should fail")),
        ] {
            let mut a = good.clone();
            a[key] = bad;
            s["attachments"] = json!([a]);
            refused_at(&s, &format!("attachments[0].{key}"));
        }
        let mut a = good.clone();
        a.as_object_mut().unwrap().remove("display");
        s["attachments"] = json!([a]);
        refused_at(&s, "attachments[0].display");
        let mut a = good;
        a["usageType"] = json!(SIGNATURE);
        s["attachments"] = json!([a.clone()]);
        refused_at(&s, "attachments[0].contentType");
        a["contentType"] = json!("application/octet-stream");
        s["attachments"] = json!([a]);
        assert_eq!(statement(&s), Ok(()));
    }

    #[test]
    fn versions() {
        for ok in ["1.0", "1.0.0", "1.0.3", "1.0.9", "1.0.10"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in [
            "0.9.9",
            "1.1.0",
            "2.0.0",
            "1.0.",
            "1.0.x",
            "should fail",
            "1",
        ] {
            assert!(!is_version(bad), "{bad}");
        }
        let mut s = minimal();
        s["version"] = json!("1.1.0");
        refused_at(&s, "version");
        s["version"] = json!(1.0);
        refused_at(&s, "version");
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2013-05-18T05:32:34.804Z",
            "2013-05-18T05:32:34Z",
            "2013-05-18T05:32:34.804+02:00",
            "2013-05-18T05:32:34.804+0200",
            "2013-05-18T05:32:34+02",
            "2013-05-18T05:32:34.804-05:00",
            "2013-05-18 05:32:34Z",
            "2013-05-18t05:32:34z",
            "20130518T053234Z",
            "2016-02-29T00:00:00+00:00",
            "2016-12-31T23:59:60Z",
            "2013-05-18T05:32:34",
        ] {
            assert_eq!(check_timestamp(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2013-05-18",
            "01/011/2015",
            "should fail",
            "2008-09-15T15:53:00.601-00",
            "2008-09-15T15:53:00.601-0000",
            "2008-09-15T15:53:00.601-00:00",
            "2015-02-29T00:00:00Z",
            "2013-13-01T00:00:00Z",
            "2013-05-18T25:00:00Z",
            "2013-05-18T05:61:00Z",
            "2013-05-18T05:32:34.Z",
            "2013-05-18T05:32:34Zjunk",
            "2013-05-18T05:32:34+24:00",
            "",
        ] {
            assert!(check_timestamp(bad).is_err(), "{bad}");
        }
        let mut s = minimal();
        s["timestamp"] = json!("2008-09-15T15:53:00.601-00:00");
        refused_at(&s, "timestamp");
        s["timestamp"] = json!("2008-09-15T15:53:00.601Z");
        s["stored"] = json!("yesterday");
        refused_at(&s, "stored");
    }

    #[test]
    fn durations() {
        for ok in [
            "PT1H0M0S",
            "P3Y6M4DT12H30M5S",
            "PT0.5S",
            "P4W",
            "PT1H0M0.1S",
            "PT4H35M59.14S",
            "P3Y1M29DT4H35M59.14S",
            "P3Y",
            "P1DT12H",
            "PT1M",
            "P0.5Y",
            "PT0,5S",
        ] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in [
            "P",
            "PT",
            "1H",
            "P1H",
            "P4W1D",
            "PA1H0M0S",
            "PT1S1M",
            "P1Y1Y",
            "P1.5Y2M",
            "-PT1S",
            "P16559.14S",
            "PT1.S",
            "pt1h",
            "P1DT",
            "should fail",
            "",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "es-MX",
            "es-419",
            "zh-Hans-CN",
            "zh-yue-HK",
            "de-CH-1901",
            "sl-rozaj-biske",
            "en-a-bbb-x-a-ccc",
            "x-private",
            "i-klingon",
            "en-GB-oed",
            "ja-JP",
            "EN-us",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "a12345678",
            "something",
            "a12345",
            "en_US",
            "e",
            "en-",
            "-en",
            "en--US",
            "en-US-a",
            "x",
            "en-x",
            "123",
            "i-unknown",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn iris() {
        for ok in [
            "http://example.com",
            "http://adlnet.gov/expapi/verbs/voided",
            "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
            "http://example.com/فعل/خواندن",
            "https://例え.jp/パス?q=値#frag",
            "tag:adlnet.gov,2013:expapi:0.9:activities",
            "mailto:a@example.com",
            "http://[::1]:8080/x",
            "http://example.com/a%20b",
        ] {
            assert!(is_iri(ok), "{ok}");
        }
        for bad in [
            "",
            "example.com/x",
            "not.valid.com/extension",
            "ab=c://should.fail.com",
            "http://exa mple.com",
            "http://example.com/a b",
            "1http://x",
            "http://",
            "http://example.com/%zz",
            "http://a.com/#a#b",
            "http://example.com/<x>",
            ":no-scheme",
        ] {
            assert!(!is_iri(bad), "{bad}");
        }
    }

    #[test]
    fn mailtos() {
        assert!(is_mailto("mailto:xapi@adlnet.gov"));
        assert!(is_mailto("mailto:first.last+tag@sub.example.co.uk"));
        assert!(!is_mailto("mailto:should.fail.com"));
        assert!(!is_mailto("mailto:@example.com"));
        assert!(!is_mailto("mailto:a@localhost"));
        assert!(!is_mailto("mailto:a@b@example.com"));
        assert!(!is_mailto("mailto:a b@example.com"));
        assert!(!is_mailto("MAILTO:a@example.com"));
    }

    #[test]
    fn refs_of_a_statement() {
        let s = json!({
            "actor": {
                "objectType": "Group",
                "mbox": "mailto:group@Example.COM",
                "member": [
                    {"mbox": "mailto:a@example.com"},
                    {"account": {"homePage": "http://lms.example.com", "name": "42"}}
                ]
            },
            "verb": {"id": "http://example.com/planned"},
            "object": {
                "objectType": "SubStatement",
                "actor": {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
                "verb": {"id": "http://example.com/visit"},
                "object": {"id": "http://example.com/site"},
                "context": {"contextActivities": {"parent": {"id": "http://example.com/tour"}}}
            },
            "context": {
                "instructor": {"openid": "http://openid.example.org/teacher"},
                "contextActivities": {
                    "grouping": [{"id": "http://example.com/course"}],
                    "other": [{"id": "http://example.com/site"}]
                }
            },
            "authority": {"mbox": "mailto:a@example.com"}
        });
        assert_eq!(statement(&s), Ok(()));
        let r = refs(&s);
        assert_eq!(r.verb, "http://example.com/planned");
        assert_eq!(
            r.actor,
            [
                "mbox::mailto:group@example.com",
                "mbox::mailto:a@example.com",
                "account::http://lms.example.com::42"
            ]
        );
        assert!(r.object_agent.is_empty());
        assert_eq!(r.object_activity, None);
        assert_eq!(
            r.related_agents,
            [
                "mbox::mailto:group@example.com",
                "mbox::mailto:a@example.com",
                "account::http://lms.example.com::42",
                "mbox_sha1sum::cd9b00a5611f94eaa7b1661edab976068e364975",
                "openid::http://openid.example.org/teacher"
            ]
        );
        assert_eq!(
            r.related_activities,
            [
                "http://example.com/site",
                "http://example.com/tour",
                "http://example.com/course"
            ]
        );
    }

    #[test]
    fn refs_of_simple_objects() {
        let r = refs(&minimal());
        assert_eq!(r.actor, ["mbox::mailto:xapi@adlnet.gov"]);
        assert_eq!(
            r.object_activity.as_deref(),
            Some("http://example.adlnet.gov/xapi/example/activity")
        );
        assert_eq!(
            r.related_activities,
            ["http://example.adlnet.gov/xapi/example/activity"]
        );
        assert_eq!(r.verb, "http://adlnet.gov/expapi/verbs/created");

        let mut s = minimal();
        s["object"] = json!({"objectType": "Agent", "mbox": "mailto:b@example.com"});
        let r = refs(&s);
        assert_eq!(r.object_agent, ["mbox::mailto:b@example.com"]);
        assert_eq!(r.object_activity, None);
        assert_eq!(
            r.related_agents,
            ["mbox::mailto:xapi@adlnet.gov", "mbox::mailto:b@example.com"]
        );
        assert!(r.related_activities.is_empty());

        // never panics on junk
        assert_eq!(refs(&json!("junk")), Refs::default());
    }

    #[test]
    fn agent_keys_of_agents_and_groups() {
        assert_eq!(
            agent_key(&json!({"mbox": "mailto:A@Example.com"})).as_deref(),
            Some("mbox::mailto:A@example.com")
        );
        assert_eq!(
            agent_key(&json!({"objectType": "Group", "account": {"homePage": "http://x.com", "name": "n"}}))
                .as_deref(),
            Some("account::http://x.com::n")
        );
        assert_eq!(
            agent_key(&json!({"openid": "http://openid.example.org/1"})).as_deref(),
            Some("openid::http://openid.example.org/1")
        );
        assert_eq!(
            agent_key(&json!({"mbox": "mailto:a@b.co", "openid": "http://openid.example.org/1"})),
            None
        );
        assert_eq!(
            agent_key(&json!({"objectType": "Group", "member": []})),
            None
        );
        assert_eq!(
            agent_key(&json!({"objectType": "Activity", "id": "http://x.com"})),
            None
        );
        assert_eq!(agent_key(&json!("mailto:a@b.co")), None);
    }

    #[test]
    fn display() {
        let e = Invalid {
            path: "actor.mbox".into(),
            problem: "is wrong".into(),
        };
        assert_eq!(e.to_string(), "actor.mbox: is wrong");
        let e = Invalid {
            path: String::new(),
            problem: "not an object".into(),
        };
        assert_eq!(e.to_string(), "not an object");
    }
}
