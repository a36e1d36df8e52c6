//! What a structured hook accepts from the model: the JSON it asked for,
//! read out of the model's text (a code fence or prose around it is
//! tolerated), and checked against the hook's schema and the tenant's data.
//! A refusal says what was wrong, in words the repair request repeats to
//! the model.

use serde_json::{Map, Value};

/// The first JSON object in `text` (inside a code fence or not).
pub fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    let start = text.find('{').ok_or("the answer holds no JSON object")?;
    let end = text.rfind('}').filter(|e| *e > start).ok_or("the answer's JSON object is not closed")?;
    match serde_json::from_str::<Value>(&text[start..=end]) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("the answer is not a JSON object".into()),
        Err(e) => Err(format!("the answer is not valid JSON ({e})")),
    }
}

fn text(m: &Map<String, Value>, field: &str) -> Result<String, String> {
    match m.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(Value::String(_)) => Err(format!("`{field}` is empty")),
        Some(_) => Err(format!("`{field}` must be a string")),
        None => Err(format!("`{field}` is missing")),
    }
}

fn strings(m: &Map<String, Value>, field: &str, max: usize) -> Result<Vec<String>, String> {
    let items = m.get(field).and_then(Value::as_array).ok_or_else(|| format!("`{field}` must be an array of strings"))?;
    if items.len() > max {
        return Err(format!("`{field}` has more than {max} items"));
    }
    items.iter().map(|v| v.as_str().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).ok_or_else(|| format!("`{field}` must hold non-empty strings"))).collect()
}

fn unit(m: &Map<String, Value>, field: &str) -> Result<f64, String> {
    match m.get(field).and_then(Value::as_f64) {
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{field}` must be a number from 0 to 1")),
    }
}

fn one_of(m: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<String, String> {
    let v = text(m, field)?.to_lowercase();
    if allowed.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(format!("`{field}` must be one of {}", allowed.join(", ")))
    }
}

/// An id among `known`, or null.
fn known_id(m: &Map<String, Value>, field: &str, known: &[i64]) -> Result<Option<i64>, String> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(id) if known.contains(&id) => Ok(Some(id)),
            Some(id) => Err(format!("`{field}` {id} is not one of the ids given")),
            None => Err(format!("`{field}` must be an integer id or null")),
        },
    }
}

/// reply-suggest: `{"suggestions": [three drafts]}`.
pub fn suggestions(m: &Map<String, Value>) -> Result<Vec<String>, String> {
    let s = strings(m, "suggestions", 3)?;
    if s.len() != 3 {
        return Err("`suggestions` must hold exactly 3 drafts".into());
    }
    Ok(s)
}

/// summary: `{"problem", "tried", "done", "next_step"}`, as four lines.
pub fn summary(m: &Map<String, Value>) -> Result<String, String> {
    let parts = [("Problem", "problem"), ("Tried", "tried"), ("Done", "done"), ("Next step", "next_step")];
    let lines: Vec<String> = parts.iter().map(|(label, f)| text(m, f).map(|t| format!("{label}: {}", t.replace('\n', " ")))).collect::<Result<_, _>>()?;
    Ok(lines.join("\n"))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub help_topic_id: Option<i64>,
    pub queue_id: Option<i64>,
    pub confidence: f64,
    pub reasoning: String,
}

pub fn category(m: &Map<String, Value>, topics: &[i64], queues: &[i64]) -> Result<Category, String> {
    Ok(Category {
        help_topic_id: known_id(m, "help_topic_id", topics)?,
        queue_id: known_id(m, "queue_id", queues)?,
        confidence: unit(m, "confidence")?,
        reasoning: text(m, "reasoning")?,
    })
}

pub const SENTIMENTS: [&str; 6] = ["positive", "neutral", "mixed", "negative", "frustrated", "angry"];

#[derive(Debug, Clone, PartialEq)]
pub struct Sentiment {
    pub overall: String,
    pub confidence: f64,
    pub signals: Vec<String>,
}

pub fn sentiment(m: &Map<String, Value>) -> Result<Sentiment, String> {
    Ok(Sentiment { overall: one_of(m, "overall", &SENTIMENTS)?, confidence: unit(m, "confidence")?, signals: strings(m, "signals", 10)? })
}

pub const RISKS: [&str; 3] = ["low", "medium", "high"];

#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub eta_hours: f64,
    pub risk: String,
    pub next_action: String,
    pub blockers: Vec<String>,
}

pub fn resolution(m: &Map<String, Value>) -> Result<Resolution, String> {
    let eta_hours = match m.get("eta_hours").and_then(Value::as_f64) {
        Some(h) if h.is_finite() && (0.0..=24.0 * 365.0).contains(&h) => h,
        _ => return Err("`eta_hours` must be a number of hours from 0 to 8760".into()),
    };
    Ok(Resolution { eta_hours, risk: one_of(m, "risk", &RISKS)?, next_action: text(m, "next_action")?, blockers: strings(m, "blockers", 10)? })
}

/// canned-generate: `{"body_md"}`, whose placeholders `check` accepts.
pub fn canned(m: &Map<String, Value>, check: impl Fn(&str) -> Result<(), String>) -> Result<String, String> {
    let body = text(m, "body_md")?;
    check(&body)?;
    Ok(body)
}

/// audit-qa: `{"answer", "citations": [ids]}`, every id one of `events`.
pub fn audit_answer(m: &Map<String, Value>, events: &[i64]) -> Result<(String, Vec<i64>), String> {
    let answer = text(m, "answer")?;
    let cited = m.get("citations").and_then(Value::as_array).ok_or("`citations` must be an array of event ids")?;
    let mut ids = Vec::new();
    for c in cited {
        let id = c.as_i64().ok_or("`citations` must hold integer event ids")?;
        if !events.contains(&id) {
            return Err(format!("citation {id} is not one of the audit events given"));
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok((answer, ids))
}

/// knowledge-gaps: `{"gaps": [{"cluster": n, "title", "description"}]}`,
/// one for each of the `clusters` numbered from 1, in any order.
pub fn gap_names(m: &Map<String, Value>, clusters: usize) -> Result<Vec<(String, String)>, String> {
    let gaps = m.get("gaps").and_then(Value::as_array).ok_or("`gaps` must be an array")?;
    let mut named: Vec<Option<(String, String)>> = vec![None; clusters];
    for g in gaps {
        let g = g.as_object().ok_or("each gap must be an object")?;
        let n = g.get("cluster").and_then(Value::as_u64).filter(|n| (1..=clusters as u64).contains(n)).ok_or_else(|| format!("each gap's `cluster` must be a number from 1 to {clusters}"))?;
        named[n as usize - 1] = Some((text(g, "title")?, text(g, "description")?));
    }
    named.into_iter().enumerate().map(|(i, g)| g.ok_or_else(|| format!("cluster {} has no gap", i + 1))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn json_is_found_in_fences_and_prose() {
        assert_eq!(json_object("Sure!\n```json\n{\"a\": 1}\n```").unwrap()["a"], 1);
        assert!(json_object("no json here").is_err());
        assert!(json_object("{\"a\": }").unwrap_err().contains("not valid JSON"));
        assert!(json_object("[1, 2]").is_err());
    }

    #[test]
    fn each_hook_checks_its_shape() {
        assert_eq!(suggestions(&obj(json!({ "suggestions": ["a", "b", "c"] }))).unwrap().len(), 3);
        assert!(suggestions(&obj(json!({ "suggestions": ["a", "b"] }))).is_err());
        let s = summary(&obj(json!({ "problem": "p", "tried": "t", "done": "d", "next_step": "n" }))).unwrap();
        assert_eq!(s, "Problem: p\nTried: t\nDone: d\nNext step: n");
        assert!(summary(&obj(json!({ "problem": "p" }))).unwrap_err().contains("tried"));
        let c = category(&obj(json!({ "help_topic_id": 2, "queue_id": null, "confidence": 0.5, "reasoning": "r" })), &[1, 2], &[7]).unwrap();
        assert_eq!((c.help_topic_id, c.queue_id), (Some(2), None));
        assert!(category(&obj(json!({ "help_topic_id": 9, "queue_id": 7, "confidence": 0.5, "reasoning": "r" })), &[1, 2], &[7]).unwrap_err().contains("9"));
        assert!(sentiment(&obj(json!({ "overall": "Frustrated", "confidence": 0.8, "signals": ["x"] }))).is_ok());
        assert!(sentiment(&obj(json!({ "overall": "meh", "confidence": 0.8, "signals": [] }))).is_err());
        assert!(sentiment(&obj(json!({ "overall": "angry", "confidence": 1.5, "signals": [] }))).is_err());
        assert!(resolution(&obj(json!({ "eta_hours": 4, "risk": "low", "next_action": "x", "blockers": [] }))).is_ok());
        assert!(resolution(&obj(json!({ "eta_hours": -1, "risk": "low", "next_action": "x", "blockers": [] }))).is_err());
        let no_braces = |b: &str| if b.contains("{{") { Err("no placeholders".to_string()) } else { Ok(()) };
        assert!(canned(&obj(json!({ "body_md": "Hi {{x}}" })), no_braces).is_err());
        assert_eq!(audit_answer(&obj(json!({ "answer": "a", "citations": [3, 3, 4] })), &[3, 4]).unwrap().1, vec![3, 4]);
        assert!(audit_answer(&obj(json!({ "answer": "a", "citations": [5] })), &[3, 4]).is_err());
        let names = gap_names(&obj(json!({ "gaps": [{ "cluster": 2, "title": "B", "description": "b" }, { "cluster": 1, "title": "A", "description": "a" }] })), 2).unwrap();
        assert_eq!(names[0].0, "A");
        assert!(gap_names(&obj(json!({ "gaps": [{ "cluster": 1, "title": "A", "description": "a" }] })), 2).unwrap_err().contains("cluster 2"));
    }
}
