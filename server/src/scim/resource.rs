//! Input normalisation of POST/PUT bodies, output projection
//! (`attributes` / `excludedAttributes`, RFC 7644 §3.4.2.5 and §3.9), and
//! the JSON helpers the filter and PATCH modules share.

use serde_json::{Map, Value};

use super::ScimError;
use crate::errors::json_kind;
use super::filter::AttrPath;
use super::schema::{self, Attr, AttrType, Mutability, ResourceKind, Returned, Schema};

pub type Object = Map<String, Value>;

// ---------------------------------------------------------------------------
// Case-insensitive key helpers

/// The value under `key`, exact match first, then case-insensitively.
pub fn get_ci<'a>(map: &'a Object, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The actual key matching `key` case-insensitively (exact match preferred).
pub fn key_ci(map: &Object, key: &str) -> Option<String> {
    if map.contains_key(key) {
        return Some(key.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

pub fn get_ci_mut<'a>(map: &'a mut Object, key: &str) -> Option<&'a mut Value> {
    let k = key_ci(map, key)?;
    map.get_mut(&k)
}

/// Removes every key equal to `key` ignoring case; returns the value of the
/// exact key if there was one, else of the first one removed.
pub fn remove_ci(map: &mut Object, key: &str) -> Option<Value> {
    let keys: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .collect();
    let mut out = None;
    for k in keys {
        let v = map.remove(&k);
        if out.is_none() || k == key {
            out = v;
        }
    }
    out
}

/// Sets `key` (its canonical spelling), replacing any other-case spelling.
pub fn set_ci(map: &mut Object, key: &str, v: Value) {
    remove_ci(map, key);
    map.insert(key.to_string(), v);
}

/// The object that holds `schema`'s attributes: the resource itself for the
/// core schema, the object under the schema URN for an extension.
pub fn container<'a>(map: &'a Object, kind: ResourceKind, schema: &Schema) -> Option<&'a Object> {
    if kind.is_core(schema) {
        Some(map)
    } else {
        get_ci(map, schema.id)?.as_object()
    }
}

/// Mutable [`container`]; with `create`, makes the extension object (under
/// its canonical URN) when missing.
pub fn container_mut<'a>(
    map: &'a mut Object,
    kind: ResourceKind,
    schema: &Schema,
    create: bool,
) -> Option<&'a mut Object> {
    if kind.is_core(schema) {
        return Some(map);
    }
    match key_ci(map, schema.id) {
        Some(k) if k != schema.id => {
            if let Some(v) = map.remove(&k) {
                map.insert(schema.id.to_string(), v);
            }
        }
        Some(_) => {}
        None if create => {
            map.insert(schema.id.to_string(), Value::Object(Map::new()));
        }
        None => return None,
    }
    let slot = map.get_mut(schema.id)?;
    if !slot.is_object() {
        if !create {
            return None;
        }
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// The (non-null) value of `attr` of `schema` in a resource.
pub fn get_attr<'a>(
    resource: &'a Value,
    kind: ResourceKind,
    schema: &Schema,
    attr: &Attr,
) -> Option<&'a Value> {
    let obj = resource.as_object()?;
    get_ci(container(obj, kind, schema)?, attr.name).filter(|v| !v.is_null())
}

// ---------------------------------------------------------------------------
// Coercion


/// Checks and converts a value for `attr` (named `label` in errors).
/// `Ok(None)` means "no value" (null, or an empty manager id): remove it.
/// Booleans may arrive as "True"/"false" strings; a complex attribute with
/// a `value` sub-attribute may arrive as a bare string (`"manager": "id"`);
/// unknown and readOnly sub-attributes are dropped; a multi-valued
/// attribute given a single value gets a one-element array.
pub fn coerce_value(attr: &Attr, v: &Value, label: &str) -> Result<Option<Value>, ScimError> {
    if v.is_null() {
        return Ok(None);
    }
    if attr.multi_valued {
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            if let Some(x) = coerce_element(attr, it, label)? {
                out.push(x);
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    coerce_element(attr, v, label)
}

/// Like [`coerce_value`] for one value (one element of a multi-valued attribute).
pub fn coerce_element(attr: &Attr, v: &Value, label: &str) -> Result<Option<Value>, ScimError> {
    let bad = |what: &str| {
        ScimError::invalid_value(format!("'{label}' must be {what}, got {}", json_kind(v)))
    };
    match (attr.ty, v) {
        (_, Value::Null) => Ok(None),
        (AttrType::Complex, Value::Object(m)) => {
            let mut out = Map::new();
            for (k, sv) in m {
                let Some(sub) = attr.sub(k) else { continue };
                if sub.mutability == Mutability::ReadOnly {
                    continue;
                }
                if let Some(c) = coerce_value(sub, sv, &format!("{label}.{}", sub.name))? {
                    out.insert(sub.name.to_string(), c);
                }
            }
            // `"manager": {"value": ""}` clears the manager.
            if !attr.multi_valued && out.get("value").is_some_and(|x| x.as_str() == Some("")) {
                return Ok(None);
            }
            Ok(Some(Value::Object(out)))
        }
        (AttrType::Complex, Value::String(s)) if attr.sub("value").is_some() => {
            if s.is_empty() {
                Ok(None)
            } else {
                let mut o = Map::new();
                o.insert("value".to_string(), Value::String(s.clone()));
                Ok(Some(Value::Object(o)))
            }
        }
        (AttrType::Complex, _) => Err(bad("an object")),
        (AttrType::Boolean, Value::Bool(_)) => Ok(Some(v.clone())),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Some(Value::Bool(true)))
        }
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Some(Value::Bool(false)))
        }
        (AttrType::Boolean, _) => Err(bad("a boolean (true or false)")),
        (AttrType::DateTime, Value::String(s)) => {
            if schema::parse_datetime(s).is_some() {
                Ok(Some(v.clone()))
            } else {
                Err(ScimError::invalid_value(format!(
                    "'{label}' must be an RFC 3339 dateTime, got \"{s}\""
                )))
            }
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(_)) => {
            Ok(Some(v.clone()))
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime, _) => {
            Err(bad("a string"))
        }
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(v.clone())),
        (AttrType::Integer, _) => Err(bad("an integer")),
        (AttrType::Decimal, Value::Number(_)) => Ok(Some(v.clone())),
        (AttrType::Decimal, _) => Err(bad("a number")),
    }
}

// ---------------------------------------------------------------------------
// Invariants shared by normalize and PATCH

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn prune_value(v: &mut Value) {
    match v {
        Value::Object(o) => o.retain(|_, x| {
            prune_value(x);
            !is_empty_value(x)
        }),
        Value::Array(a) => {
            a.iter_mut().for_each(prune_value);
            a.retain(|x| !is_empty_value(x));
        }
        _ => {}
    }
}

/// Drops unassigned values (RFC 7643 §2.5): nulls, empty arrays and empty
/// objects, at every level.
pub fn prune(map: &mut Object) {
    map.retain(|k, v| {
        if k == "schemas" {
            return true;
        }
        prune_value(v);
        !is_empty_value(v)
    });
}

/// Sets `schemas` to the core URN plus each extension URN that holds a
/// value; drops empty extension objects and moves them to canonical keys.
pub fn sync_schemas(kind: ResourceKind, map: &mut Object) {
    let mut list = vec![Value::String(kind.core_schema().id.to_string())];
    for ext in kind.extensions() {
        if let Some(k) = key_ci(map, ext.id)
            && k != ext.id
            && let Some(v) = map.remove(&k)
        {
            map.insert(ext.id.to_string(), v);
        }
        if map
            .get(ext.id)
            .and_then(Value::as_object)
            .is_some_and(|o| !o.is_empty())
        {
            list.push(Value::String(ext.id.to_string()));
        } else {
            map.remove(ext.id);
        }
    }
    remove_ci(map, "schemas");
    map.insert("schemas".to_string(), Value::Array(list));
}

fn is_primary(v: &Value) -> bool {
    v.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// Leaves at most one `primary: true`: the last value that is new or
/// changed since `before`, else the last one.
pub fn normalize_primary(before: Option<&[Value]>, after: &mut [Value]) {
    let idx: Vec<usize> = after
        .iter()
        .enumerate()
        .filter(|(_, v)| is_primary(v))
        .map(|(i, _)| i)
        .collect();
    if idx.len() < 2 {
        return;
    }
    let winner = idx
        .iter()
        .rev()
        .copied()
        .find(|&i| before.is_none_or(|b| !b.contains(&after[i])))
        .or(idx.last().copied());
    for i in idx {
        if Some(i) != winner
            && let Some(o) = after[i].as_object_mut()
        {
            set_ci(o, "primary", Value::Bool(false));
        }
    }
}

/// [`normalize_primary`] on every multi-valued attribute with `primary`.
pub fn enforce_primary(kind: ResourceKind, map: &mut Object, before: Option<&Object>) {
    for schema in kind.schemas() {
        for attr in schema
            .attributes
            .iter()
            .filter(|a| a.multi_valued && a.sub("primary").is_some())
        {
            let prev = before
                .and_then(|b| container(b, kind, schema))
                .and_then(|c| get_ci(c, attr.name))
                .and_then(Value::as_array)
                .map(Vec::as_slice);
            if let Some(c) = container_mut(map, kind, schema, false)
                && let Some(Value::Array(a)) = get_ci_mut(c, attr.name)
            {
                normalize_primary(prev, a);
            }
        }
    }
}

/// Required attributes (`userName`, group `displayName`) must be non-empty
/// strings. A missing one is `invalidValue` on create, `mutability` after a
/// PATCH (RFC 7644 §3.5.2.2: removing a required attribute).
pub fn check_required(kind: ResourceKind, map: &Object, in_patch: bool) -> Result<(), ScimError> {
    for schema in kind.schemas() {
        for attr in schema.attributes.iter().filter(|a| a.required) {
            let v = container(map, kind, schema).and_then(|c| get_ci(c, attr.name));
            match v {
                None | Some(Value::Null) => {
                    let d = format!("'{}' is required", attr.name);
                    return Err(if in_patch {
                        ScimError::mutability(format!("{d} and cannot be removed"))
                    } else {
                        ScimError::invalid_value(d)
                    });
                }
                Some(Value::String(s)) if s.trim().is_empty() => {
                    return Err(ScimError::invalid_value(format!(
                        "'{}' must not be empty",
                        attr.name
                    )));
                }
                Some(Value::String(_)) => {}
                Some(other) => {
                    return Err(ScimError::invalid_value(format!(
                        "'{}' must be a string, got {}",
                        attr.name,
                        json_kind(other)
                    )));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// normalize

fn put(
    kind: ResourceKind,
    out: &mut Object,
    schema: &Schema,
    attr: &Attr,
    sub: Option<&Attr>,
    v: &Value,
) -> Result<(), ScimError> {
    if attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        return Ok(());
    }
    match sub {
        None => {
            let Some(c) = coerce_value(attr, v, attr.name)? else {
                return Ok(());
            };
            let Some(dst) = container_mut(out, kind, schema, true) else {
                return Ok(());
            };
            let merge = !attr.multi_valued
                && c.is_object()
                && matches!(get_ci(dst, attr.name), Some(Value::Object(_)));
            if merge {
                if let (Some(Value::Object(existing)), Value::Object(new)) =
                    (get_ci_mut(dst, attr.name), c)
                {
                    for (k, x) in new {
                        set_ci(existing, &k, x);
                    }
                }
            } else {
                set_ci(dst, attr.name, c);
            }
        }
        Some(sub) => {
            if attr.multi_valued {
                return Ok(());
            }
            let label = format!("{}.{}", attr.name, sub.name);
            let Some(c) = coerce_value(sub, v, &label)? else {
                return Ok(());
            };
            let Some(dst) = container_mut(out, kind, schema, true) else {
                return Ok(());
            };
            if let Some(Value::Object(o)) = get_ci_mut(dst, attr.name) {
                set_ci(o, sub.name, c);
            } else {
                let mut o = Map::new();
                o.insert(sub.name.to_string(), c);
                set_ci(dst, attr.name, Value::Object(o));
            }
        }
    }
    Ok(())
}

/// Normalises a POST/PUT body: known attributes only, in canonical case;
/// readOnly ones (`id`, `meta`, `groups`, `members[].display`) and nulls
/// dropped; values coerced and type-checked; extension attributes (under
/// their URN or as `urn:...:attr` keys) collected under the URN; `schemas`
/// set; a single `primary`. The result has no `id`/`meta`.
pub fn normalize(kind: ResourceKind, input: &Value) -> Result<Value, ScimError> {
    let obj = input.as_object().ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "the {} must be a JSON object, got {}",
            kind.name(),
            json_kind(input)
        ))
    })?;
    let mut out = Object::new();
    for (key, v) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(schema) = schema::find_schema(kind, key) {
            match v {
                Value::Null => {}
                Value::Object(inner) => {
                    for (k2, v2) in inner {
                        let Ok(p) = AttrPath::parse(k2) else { continue };
                        if p.urn.is_some() {
                            continue;
                        }
                        let Some((s, a)) = schema::find_attr(kind, Some(schema.id), &p.attr) else {
                            continue;
                        };
                        let sub = match &p.sub_attr {
                            Some(n) => match a.sub(n) {
                                Some(x) => Some(x),
                                None => continue,
                            },
                            None => None,
                        };
                        put(kind, &mut out, s, a, sub, v2)?;
                    }
                }
                other => {
                    return Err(ScimError::invalid_value(format!(
                        "'{}' must be an object of that schema's attributes, got {}",
                        schema.id,
                        json_kind(other)
                    )));
                }
            }
            continue;
        }
        let Ok(p) = AttrPath::parse(key) else {
            continue;
        };
        let Some((s, a, sub)) = p.resolve(kind) else {
            continue;
        };
        put(kind, &mut out, s, a, sub, v)?;
    }
    prune(&mut out);
    enforce_primary(kind, &mut out, None);
    check_required(kind, &out, false)?;
    sync_schemas(kind, &mut out);
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------
// project

struct Sel {
    schema_id: &'static str,
    /// `None`: the whole schema (a bare schema URN in the list).
    attr: Option<&'static str>,
    sub: Option<&'static str>,
}

fn parse_list(kind: ResourceKind, s: Option<&str>) -> Option<Vec<Sel>> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(sc) = schema::find_schema(kind, part) {
            out.push(Sel {
                schema_id: sc.id,
                attr: None,
                sub: None,
            });
            continue;
        }
        let Ok(p) = AttrPath::parse(part) else {
            continue;
        };
        if let Some((sc, a, sub)) = p.resolve(kind) {
            out.push(Sel {
                schema_id: sc.id,
                attr: Some(a.name),
                sub: sub.map(|x| x.name),
            });
        }
    }
    Some(out)
}

fn project_subs(attr: &Attr, v: &Value, keep: Option<&[&str]>, drop: &[&str]) -> Option<Value> {
    if !attr.is_complex() {
        return Some(v.clone());
    }
    let one = |e: &Value| -> Option<Value> {
        let o = e.as_object()?;
        let mut r = Map::new();
        for sub in attr.sub_attributes {
            let wanted = match sub.returned {
                Returned::Never => false,
                Returned::Always => true,
                Returned::Request => keep.is_some_and(|k| k.contains(&sub.name)),
                Returned::Default => keep.is_none_or(|k| k.contains(&sub.name)),
            };
            if !wanted || (sub.returned != Returned::Always && drop.contains(&sub.name)) {
                continue;
            }
            if let Some(x) = get_ci(o, sub.name).filter(|x| !x.is_null()) {
                r.insert(sub.name.to_string(), x.clone());
            }
        }
        (!r.is_empty()).then_some(Value::Object(r))
    };
    match v {
        Value::Array(a) => {
            let items: Vec<Value> = a.iter().filter_map(one).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        other => one(other),
    }
}

fn project_attr(
    schema: &Schema,
    attr: &Attr,
    v: &Value,
    include: Option<&[Sel]>,
    exclude: &[Sel],
) -> Option<Value> {
    let hit = |s: &Sel| s.schema_id == schema.id && s.attr.is_none_or(|a| a == attr.name);
    match attr.returned {
        Returned::Never => return None,
        Returned::Always => return project_subs(attr, v, None, &[]),
        Returned::Default | Returned::Request => {}
    }
    let keep: Option<Vec<&str>> = match include {
        Some(inc) => {
            if inc.iter().any(|s| hit(s) && s.sub.is_none()) {
                None
            } else {
                let subs: Vec<&str> = inc
                    .iter()
                    .filter(|s| hit(s))
                    .filter_map(|s| s.sub)
                    .collect();
                if subs.is_empty() {
                    return None;
                }
                Some(subs)
            }
        }
        None if attr.returned == Returned::Request => return None,
        None => None,
    };
    if exclude.iter().any(|s| hit(s) && s.sub.is_none()) {
        return None;
    }
    let drop: Vec<&str> = exclude
        .iter()
        .filter(|s| hit(s))
        .filter_map(|s| s.sub)
        .collect();
    project_subs(attr, v, keep.as_deref(), &drop)
}

/// Projects a stored resource for output (RFC 7644 §3.4.2.5, §3.9).
/// `attributes`: only those (plus `returned: always` ones and `schemas`);
/// `excludedAttributes`: the default set minus those (never `always` ones).
/// Both are comma-separated, case-insensitive, URN-prefixed or dotted
/// (`name.givenName`); a bare schema URN names all its attributes; unknown
/// names are ignored. Given both, `attributes` selects and then
/// `excludedAttributes` removes.
pub fn project(
    kind: ResourceKind,
    resource: &Value,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<Value, ScimError> {
    let obj = resource
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("a resource must be a JSON object"))?;
    let include = parse_list(kind, attributes);
    let exclude = parse_list(kind, excluded).unwrap_or_default();
    let mut out = Object::new();
    if let Some(s) = get_ci(obj, "schemas") {
        out.insert("schemas".to_string(), s.clone());
    }
    for schema in kind.schemas() {
        let common: &[Attr] = if kind.is_core(schema) {
            schema::common_attrs()
        } else {
            &[]
        };
        for attr in common.iter().chain(schema.attributes) {
            let Some(v) = get_attr(resource, kind, schema, attr) else {
                continue;
            };
            let Some(pv) = project_attr(schema, attr, v, include.as_deref(), &exclude) else {
                continue;
            };
            if let Some(dst) = container_mut(&mut out, kind, schema, true) {
                dst.insert(attr.name.to_string(), pv);
            }
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = schema::ENTERPRISE_USER_URN;
    const USER_URN: &str = schema::USER_URN;

    #[test]
    fn entra_create_body() {
        let body = json!({
            "schemas": [USER_URN, ENT],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee@contoso.com",
            "active": "True",
            "displayName": "Test User",
            "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
            "id": "client-chosen",
            ENT: {"employeeNumber": "1234", "department": "Eng", "manager": null}
        });
        let n = normalize(ResourceKind::User, &body).unwrap();
        assert_eq!(
            n,
            json!({
                "schemas": [USER_URN, ENT],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "Test_User_ab6490ee@contoso.com",
                "active": true,
                "displayName": "Test User",
                "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
                "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
                ENT: {"employeeNumber": "1234", "department": "Eng"}
            })
        );
    }

    #[test]
    fn okta_create_body_and_extension_forms() {
        let body = json!({
            "schemas": [USER_URN],
            "userName": "ann@example.com",
            "password": "secret",
            "groups": [],
            "active": false,
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager": "boss-id"
        });
        let n = normalize(ResourceKind::User, &body).unwrap();
        assert!(n.get("password").is_none() && n.get("groups").is_none());
        assert_eq!(n["active"], false);
        assert_eq!(
            n[ENT],
            json!({"employeeNumber": "42", "manager": {"value": "boss-id"}})
        );
        assert_eq!(n["schemas"], json!([USER_URN, ENT]));
        // An extension that ends up empty is dropped and not listed.
        let body = json!({"userName": "a", ENT: {"manager": null, "costCenter": null}});
        let n = normalize(ResourceKind::User, &body).unwrap();
        assert!(n.get(ENT).is_none());
        assert_eq!(n["schemas"], json!([USER_URN]));
        let n = normalize(
            ResourceKind::User,
            &json!({"userName": "a", ENT: {"manager": {"value": ""}}}),
        )
        .unwrap();
        assert!(n.get(ENT).is_none());
    }

    #[test]
    fn canonical_case_and_primary() {
        let body = json!({
            "USERNAME": "Bob",
            "Name": {"GIVENNAME": "Bob", "bogus": 1},
            "name.familyName": "Smith",
            "EMAILS": [
                {"value": "a@x", "primary": true},
                {"Value": "b@x", "Primary": "true", "Type": "work"},
                {"value": "c@x"}
            ],
            "phoneNumbers": {"value": "+1 555"}
        });
        let n = normalize(ResourceKind::User, &body).unwrap();
        assert_eq!(n["userName"], "Bob");
        assert_eq!(
            n["name"],
            json!({"givenName": "Bob", "familyName": "Smith"})
        );
        assert_eq!(
            n["emails"],
            json!([
                {"value": "a@x", "primary": false},
                {"value": "b@x", "primary": true, "type": "work"},
                {"value": "c@x"}
            ])
        );
        assert_eq!(n["phoneNumbers"], json!([{"value": "+1 555"}]));
    }

    #[test]
    fn normalize_errors() {
        let e = normalize(ResourceKind::User, &json!([1])).unwrap_err();
        assert_eq!(e.scim_type, Some("invalidSyntax"));
        let cases = [
            (json!({"displayName": "x"}), "'userName' is required"),
            (json!({"userName": "  "}), "must not be empty"),
            (json!({"userName": 5}), "'userName' must be a string"),
            (
                json!({"userName": "a", "active": "yes"}),
                "'active' must be a boolean",
            ),
            (
                json!({"userName": "a", "title": 7}),
                "'title' must be a string",
            ),
            (
                json!({"userName": "a", "name": "Bob"}),
                "'name' must be an object",
            ),
            (
                json!({"userName": "a", "emails": [{"value": 5}]}),
                "'emails.value' must be a string",
            ),
            (
                json!({"userName": "a", "emails": [[1]]}),
                "'emails' must be an object",
            ),
            (
                json!({"userName": "a", "emails": [{"primary": "maybe"}]}),
                "'emails.primary'",
            ),
            (json!({"userName": "a", ENT: "x"}), ENT),
        ];
        for (body, want) in cases {
            let e = normalize(ResourceKind::User, &body).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidValue"), "{body}");
            assert!(e.detail.contains(want), "{body}: {}", e.detail);
        }
        let e = normalize(ResourceKind::Group, &json!({"members": []})).unwrap_err();
        assert!(e.detail.contains("'displayName' is required"));
    }

    #[test]
    fn normalize_group() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "x", "displayName": "Admins",
            "members": [{"value": "u1", "display": "Ann", "type": "User"}, "u2"],
            "meta": {"resourceType": "Group"}
        });
        let n = normalize(ResourceKind::Group, &body).unwrap();
        assert_eq!(
            n,
            json!({
                "schemas": [schema::GROUP_URN],
                "displayName": "Admins",
                "members": [{"value": "u1", "type": "User"}, {"value": "u2"}]
            })
        );
    }

    fn stored() -> Value {
        json!({
            "schemas": [USER_URN, ENT],
            "id": "u1",
            "externalId": "e1",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@x", "type": "work", "primary": true}, {"value": "c@x", "type": "home"}],
            "active": true,
            "groups": [{"value": "g1", "display": "Admins"}],
            "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z", "location": "https://h/Users/u1"},
            ENT: {"employeeNumber": "7", "department": "Eng", "manager": {"value": "m1", "displayName": "Boss"}}
        })
    }

    fn proj(a: Option<&str>, e: Option<&str>) -> Value {
        project(ResourceKind::User, &stored(), a, e).unwrap()
    }

    #[test]
    fn project_default_returns_everything_known() {
        let mut s = stored();
        if let Some(o) = s.as_object_mut() {
            o.insert("junk".into(), json!(1));
        }
        let p = project(ResourceKind::User, &s, None, None).unwrap();
        assert_eq!(p, stored());
        assert_eq!(proj(Some(""), Some(" ")), stored());
    }

    #[test]
    fn project_attributes() {
        assert_eq!(
            proj(Some("userName"), None),
            json!({"schemas": [USER_URN, ENT], "id": "u1", "userName": "bjensen"})
        );
        assert_eq!(
            proj(Some("NAME.GIVENNAME, emails.value,bogus,urn:x:y:z"), None),
            json!({"schemas": [USER_URN, ENT], "id": "u1",
                   "name": {"givenName": "Barbara"},
                   "emails": [{"value": "b@x"}, {"value": "c@x"}]})
        );
        assert_eq!(
            proj(
                Some(
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber,meta.created"
                ),
                None
            ),
            json!({"schemas": [USER_URN, ENT], "id": "u1",
                   "meta": {"created": "2024-01-01T00:00:00Z"},
                   ENT: {"employeeNumber": "7"}})
        );
        assert_eq!(
            proj(
                Some("manager.displayName,urn:ietf:params:scim:schemas:core:2.0:User:externalId"),
                None
            ),
            json!({"schemas": [USER_URN, ENT], "id": "u1", "externalId": "e1",
                   ENT: {"manager": {"displayName": "Boss"}}})
        );
        let p = proj(Some(ENT), None);
        assert_eq!(p[ENT], stored()[ENT]);
        assert!(p.get("userName").is_none());
        // Only unknown names: just the always-returned ones.
        assert_eq!(
            proj(Some("bogus"), None),
            json!({"schemas": [USER_URN, ENT], "id": "u1"})
        );
    }

    #[test]
    fn project_excluded_attributes() {
        let p = proj(None, Some("emails,META,id,groups"));
        assert_eq!(p["id"], "u1");
        assert!(p.get("emails").is_none() && p.get("meta").is_none() && p.get("groups").is_none());
        assert_eq!(p["userName"], "bjensen");
        let p = proj(None, Some("name.familyName,emails.type,manager"));
        assert_eq!(p["name"], json!({"givenName": "Barbara"}));
        assert_eq!(
            p["emails"],
            json!([{"value": "b@x", "primary": true}, {"value": "c@x"}])
        );
        assert_eq!(p[ENT], json!({"employeeNumber": "7", "department": "Eng"}));
        // Excluding every extension attribute drops the extension object.
        let p = proj(None, Some("employeeNumber,department,manager"));
        assert!(p.get(ENT).is_none());
        assert_eq!(p["schemas"], json!([USER_URN, ENT]));
        let p = proj(None, Some(ENT));
        assert!(p.get(ENT).is_none());
        // Both: select, then remove.
        assert_eq!(
            proj(Some("userName,name"), Some("name.givenName")),
            json!({"schemas": [USER_URN, ENT], "id": "u1", "userName": "bjensen", "name": {"familyName": "Jensen"}})
        );
    }

    #[test]
    fn helpers() {
        let mut m = json!({"UserName": "a", "userName": "b", "x": 1});
        let o = m.as_object_mut().unwrap();
        assert_eq!(get_ci(o, "USERNAME"), Some(&json!("a")));
        assert_eq!(get_ci(o, "userName"), Some(&json!("b")));
        set_ci(o, "userName", json!("c"));
        assert_eq!(o.len(), 2);
        assert_eq!(remove_ci(o, "X"), Some(json!(1)));
        let mut arr = [
            json!({"primary": true}),
            json!({"primary": true, "v": 1}),
            json!({"primary": true, "v": 2}),
        ];
        let before = [json!({"primary": true}), json!({"primary": true, "v": 2})];
        normalize_primary(Some(&before[..]), &mut arr);
        assert_eq!(
            arr,
            [
                json!({"primary": false}),
                json!({"primary": true, "v": 1}),
                json!({"primary": false, "v": 2})
            ]
        );
    }
}
