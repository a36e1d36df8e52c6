//! Printing answers: `json` (pretty), `ndjson` (one item a line), `table`
//! (the resource's main columns, aligned) or `yaml`. What is printed is the
//! envelope's `data` (the items of a list), or the whole answer when it has
//! no envelope (SCIM, xAPI, the AI assists' answers keep theirs).

use std::io::Write;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Ndjson,
    Table,
    Yaml,
}

/// The envelope's `data`, or the answer itself.
pub fn result(body: Value) -> Value {
    match body {
        Value::Object(mut m) if m.contains_key("data") && m.contains_key("request_id") => m.remove("data").unwrap_or(Value::Null),
        other => other,
    }
}

pub fn emit(out: &mut impl Write, format: Format, value: &Value, columns: &[&str]) -> std::io::Result<()> {
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default()),
        Format::Ndjson => match value {
            Value::Array(items) => items.iter().try_for_each(|i| writeln!(out, "{i}")),
            other => writeln!(out, "{other}"),
        },
        Format::Yaml => write!(out, "{}", serde_yaml::to_string(value).unwrap_or_default()),
        Format::Table => write!(out, "{}", table(value, columns)),
    }
}

fn cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = s.replace(['\n', '\r', '\t'], " ");
    if s.chars().count() > 48 { format!("{}…", s.chars().take(47).collect::<String>()) } else { s }
}

/// The columns: those named, else `id` and the first scalar fields (at
/// most six).
fn pick_columns(items: &[Value], named: &[&str]) -> Vec<String> {
    if !named.is_empty() {
        return named.iter().map(|c| c.to_string()).collect();
    }
    let Some(Value::Object(first)) = items.first() else { return vec![] };
    let mut cols: Vec<String> = Vec::new();
    if first.contains_key("id") {
        cols.push("id".into());
    }
    for (k, v) in first {
        if cols.len() == 6 {
            break;
        }
        if k != "id" && !v.is_object() && !v.is_array() {
            cols.push(k.clone());
        }
    }
    cols
}

fn align(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map(Vec::len).unwrap_or(0)).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn table(value: &Value, named: &[&str]) -> String {
    match value {
        Value::Array(items) => {
            if items.iter().any(|i| !i.is_object()) {
                return items.iter().map(|i| format!("{}\n", cell(i))).collect();
            }
            let cols = pick_columns(items, named);
            let mut rows = vec![cols.iter().map(|c| c.to_uppercase()).collect::<Vec<_>>()];
            rows.extend(items.iter().map(|i| cols.iter().map(|c| cell(&i[c.as_str()])).collect()));
            align(&rows)
        }
        Value::Object(m) => {
            let rows: Vec<Vec<String>> = m.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
            align(&rows)
        }
        other => format!("{}\n", cell(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_the_main_columns() {
        let v = json!([{ "id": 1, "name": "Ann", "tags": ["a"] }, { "id": 22, "name": "Bo", "tags": [] }]);
        assert_eq!(table(&v, &[]), "ID  NAME\n1   Ann\n22  Bo\n");
        assert_eq!(table(&v, &["name"]), "NAME\nAnn\nBo\n");
        assert_eq!(table(&json!({ "a": 1, "bb": null }), &[]), "a   1\nbb\n");
        assert_eq!(result(json!({ "data": [1], "request_id": "r" })), json!([1]));
        assert_eq!(result(json!({ "ok": true })), json!({ "ok": true }));
    }
}
