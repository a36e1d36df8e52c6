//! The migrations follow CONTRACT.md's scale rules, and both backends'
//! migrations say the same thing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Global tables looked up before a tenant is known (the key's hash decides
/// the tenant); reference tables when the schema is distributed.
const DIRECTORY: [&str; 4] = ["tenants", "api_keys", "server_secrets", "scim_tokens"];

struct Table {
    columns: BTreeSet<String>,
    primary_key: Option<Vec<String>>,
    uniques: Vec<Vec<String>>,
    foreign_keys: Vec<(Vec<String>, String)>,
}

fn cols(list: &str) -> Vec<String> {
    list.split(',').map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect()
}

fn inside_parens(s: &str) -> &str {
    let start = s.find('(').map(|i| i + 1).unwrap_or(0);
    let end = s[start..].find(')').map(|i| start + i).unwrap_or(s.len());
    &s[start..end]
}

fn parse(sql: &str) -> BTreeMap<String, Table> {
    let mut tables = BTreeMap::new();
    let sql: String = sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    for stmt in sql.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = stmt.strip_prefix("CREATE TABLE ").or_else(|| stmt.strip_prefix("CREATE UNLOGGED TABLE ")) else { continue };
        let name = rest.split_whitespace().next().unwrap().to_lowercase();
        let body = &rest[rest.find('(').unwrap() + 1..rest.rfind(')').unwrap()];
        // split on top-level commas
        let (mut depth, mut parts, mut cur) = (0, vec![], String::new());
        for ch in body.chars() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(ch);
        }
        parts.push(cur);
        let mut t = Table { columns: BTreeSet::new(), primary_key: None, uniques: vec![], foreign_keys: vec![] };
        for part in parts.iter().map(|p| p.trim()) {
            let upper = part.to_uppercase();
            if upper.starts_with("PRIMARY KEY") {
                t.primary_key = Some(cols(inside_parens(part)));
            } else if upper.starts_with("UNIQUE") {
                t.uniques.push(cols(inside_parens(part)));
            } else if upper.starts_with("FOREIGN KEY") {
                let target = upper.split("REFERENCES").nth(1).unwrap().split_whitespace().next().unwrap().to_lowercase();
                t.foreign_keys.push((cols(inside_parens(part)), target));
            } else {
                let column = part.split_whitespace().next().unwrap().to_lowercase();
                if upper.contains("PRIMARY KEY") {
                    t.primary_key = Some(vec![column.clone()]);
                }
                if upper.contains(" UNIQUE") {
                    t.uniques.push(vec![column.clone()]);
                }
                if let Some(target) = upper.split("REFERENCES").nth(1) {
                    let target = target.split_whitespace().next().unwrap().to_lowercase();
                    t.foreign_keys.push((vec![column.clone()], target));
                }
                t.columns.insert(column);
            }
        }
        tables.insert(name, t);
    }
    tables
}

fn migrations(backend: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(p.join("up.sql")).unwrap()))
        .collect();
    out.sort();
    out
}

fn schema(backend: &str) -> BTreeMap<String, Table> {
    let all: String = migrations(backend).into_iter().map(|(_, sql)| sql).collect::<Vec<_>>().join("\n");
    parse(&all)
}

#[test]
fn every_tenant_table_is_keyed_by_tenant_first() {
    let tables = schema("postgres");
    assert!(tables.len() >= 9, "parsed the migrations");
    for (name, t) in &tables {
        if DIRECTORY.contains(&name.as_str()) {
            continue;
        }
        assert!(t.columns.contains("tenant_id"), "{name} carries tenant_id");
        let pk = t.primary_key.as_ref().unwrap_or_else(|| panic!("{name} has a primary key"));
        assert_eq!(pk[0], "tenant_id", "{name}: primary key starts with tenant_id");
        for u in &t.uniques {
            assert!(u.contains(&"tenant_id".to_owned()), "{name}: unique {u:?} includes tenant_id");
        }
        for (fk, target) in &t.foreign_keys {
            if target != "tenants" && !DIRECTORY.contains(&target.as_str()) {
                assert!(fk.contains(&"tenant_id".to_owned()), "{name}: foreign key {fk:?} -> {target} includes tenant_id");
            }
        }
    }
}

/// Search indexes whose tables differ by engine (`store::know::search`).
const ENGINE_INDEXES: &[&str] = &["know_search"];

#[test]
fn both_backends_have_the_same_migrations_tables_and_columns() {
    let names = |b| migrations(b).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    assert_eq!(names("postgres"), names("sqlite"), "migration versions match");
    let mut pg = schema("postgres");
    let lite = schema("sqlite");
    // full-text indexes are each engine's own: a tsvector table on
    // PostgreSQL, an FTS5 virtual table (which the parser skips) on SQLite
    let sqlite_sql: String = migrations("sqlite").into_iter().map(|(_, sql)| sql).collect();
    for index in ENGINE_INDEXES {
        assert!(pg.remove(*index).is_some(), "{index} on PostgreSQL");
        assert!(sqlite_sql.contains(&format!("CREATE VIRTUAL TABLE {index} USING fts5(")), "{index} on SQLite");
    }
    assert_eq!(pg.keys().collect::<Vec<_>>(), lite.keys().collect::<Vec<_>>(), "same tables");
    for (name, t) in &pg {
        assert_eq!(t.columns, lite[name].columns, "{name}: same columns");
    }
}

/// Tables whose row counts the migrations maintain (a `<table>_counted_insert`
/// and a `<table>_counted_delete` trigger).
fn counted_tables(backend: &str) -> BTreeSet<String> {
    let all: String = migrations(backend).into_iter().map(|(_, sql)| sql).collect::<Vec<_>>().join("\n");
    let triggers = |suffix: &str| -> BTreeSet<String> {
        all.split_whitespace()
            .filter_map(|w| w.strip_suffix(suffix))
            .map(str::to_owned)
            .collect()
    };
    let (inserts, deletes) = (triggers("_counted_insert"), triggers("_counted_delete"));
    assert_eq!(inserts, deletes, "{backend}: every counted table has both triggers");
    inserts
}

#[test]
fn the_maintained_counts_are_the_ones_the_code_reads() {
    let code: BTreeSet<String> = mobieus_server::store::counts::ALL.iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(counted_tables("postgres"), code, "PostgreSQL triggers vs store::counts::ALL");
    assert_eq!(counted_tables("sqlite"), code, "SQLite triggers vs store::counts::ALL");
}
