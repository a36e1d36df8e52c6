//! RFC 7644 §3.5.2 PATCH: path parsing and atomic application of a PatchOp
//! request, including the shapes Entra ID and Okta send.

use serde_json::{Map, Value};

use super::ScimError;
use crate::errors::json_kind;
use super::filter::{self, AttrPath, Filter};
use super::resource::{
    self, Object, coerce_element, coerce_value, get_ci, get_ci_mut, remove_ci, set_ci,
};
use super::schema::{self, Attr, Mutability, ResourceKind, Schema};

pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
static NULL: Value = Value::Null;

/// Most operations accepted in one PATCH request.
pub const MAX_OPERATIONS: usize = 1000;

/// `attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2, Figure 7).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub urn: Option<String>,
    pub attr: String,
    /// The value filter of `attr[...]`, paths relative to `attr`.
    pub filter: Option<Filter>,
    /// `name.givenName`, or `emails[...].value`.
    pub sub_attr: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Replace => "replace",
            Op::Remove => "remove",
        }
    }
}

/// Index of the `]` closing the `[` at `open`, skipping quoted strings.
fn find_close(s: &str, open: usize) -> Option<usize> {
    let mut in_str = false;
    let mut esc = false;
    for (i, c) in s[open + 1..].char_indices() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ']' {
            return Some(open + 1 + i);
        }
    }
    None
}

/// Parses a PATCH `path`; every error is `invalidPath`.
pub fn parse_path(s: &str) -> Result<PatchPath, ScimError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ScimError::invalid_path("the path is empty"));
    }
    if s.chars().count() > filter::MAX_FILTER_LEN {
        return Err(ScimError::invalid_path(format!(
            "the path is longer than {} characters",
            filter::MAX_FILTER_LEN
        )));
    }
    let bad = |why: String| ScimError::invalid_path(format!("invalid path '{s}': {why}"));
    let Some(open) = s.find('[') else {
        let p = AttrPath::parse(s).map_err(bad)?;
        return Ok(PatchPath {
            urn: p.urn,
            attr: p.attr,
            filter: None,
            sub_attr: p.sub_attr,
        });
    };
    let head = AttrPath::parse(&s[..open]).map_err(bad)?;
    if head.sub_attr.is_some() {
        return Err(bad(
            "a value filter '[...]' must follow a multi-valued attribute, not a sub-attribute"
                .to_string(),
        ));
    }
    let close = find_close(s, open).ok_or_else(|| bad("missing ']'".to_string()))?;
    let f = filter::parse_value_filter(&s[open + 1..close])
        .map_err(|e| bad(format!("in the value filter: {}", e.detail)))?;
    let rest = &s[close + 1..];
    let sub_attr = if rest.is_empty() {
        None
    } else if let Some(n) = rest.strip_prefix('.')
        && filter::valid_attr_name(n)
    {
        Some(n.to_string())
    } else {
        return Err(bad(format!("unexpected '{rest}' after ']'")));
    };
    Ok(PatchPath {
        urn: head.urn,
        attr: head.attr,
        filter: Some(f),
        sub_attr,
    })
}

/// Applies a whole PatchOp request body to `resource` (stored JSON of
/// `kind`). All operations are applied in order to a copy, which replaces
/// `resource` only if every one succeeds. Errors name the failing
/// operation (`Operations[2]: ...`).
pub fn apply(kind: ResourceKind, resource: &mut Value, body: &Value) -> Result<(), ScimError> {
    let body = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the PATCH body must be a JSON object"))?;
    let has_urn = get_ci(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))
            })
        });
    if !has_urn {
        return Err(ScimError::invalid_syntax(format!(
            "'schemas' must contain \"{PATCH_OP_URN}\""
        )));
    }
    let ops = match get_ci(body, "Operations") {
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "'Operations' must be an array, got {}",
                json_kind(other)
            )));
        }
        None => return Err(ScimError::invalid_syntax("'Operations' is missing")),
    };
    if ops.is_empty() {
        return Err(ScimError::invalid_value("'Operations' is empty"));
    }
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "{} operations in one request; at most {MAX_OPERATIONS} are accepted",
            ops.len()
        )));
    }
    let Value::Object(original) = &*resource else {
        return Err(ScimError::invalid_syntax(
            "the stored resource is not a JSON object",
        ));
    };
    let mut work = original.clone();
    for (i, op) in ops.iter().enumerate() {
        let before = work.clone();
        apply_op(kind, &mut work, op)
            .and_then(|()| finish_op(kind, &mut work, &before))
            .map_err(|e| e.prefixed(&format!("Operations[{i}]")))?;
    }
    *resource = Value::Object(work);
    Ok(())
}

/// After each operation: drop unassigned values, keep one `primary`
/// (the one this operation set wins), check required attributes, and
/// keep `schemas` in step with the extensions present.
fn finish_op(kind: ResourceKind, map: &mut Object, before: &Object) -> Result<(), ScimError> {
    resource::prune(map);
    resource::enforce_primary(kind, map, Some(before));
    resource::check_required(kind, map, true)?;
    resource::sync_schemas(kind, map);
    Ok(())
}

fn apply_op(kind: ResourceKind, map: &mut Object, op: &Value) -> Result<(), ScimError> {
    let op = op.as_object().ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "an operation must be a JSON object, got {}",
            json_kind(op)
        ))
    })?;
    let name = match get_ci(op, "op") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "'op' must be a string, got {}",
                json_kind(other)
            )));
        }
        None => return Err(ScimError::invalid_syntax("'op' is missing")),
    };
    let kind_op = if name.eq_ignore_ascii_case("add") {
        Op::Add
    } else if name.eq_ignore_ascii_case("replace") {
        Op::Replace
    } else if name.eq_ignore_ascii_case("remove") {
        Op::Remove
    } else {
        return Err(ScimError::invalid_syntax(format!(
            "unknown op '{name}'; expected add, replace or remove"
        )));
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim()),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "'path' must be a string, got {}",
                json_kind(other)
            )));
        }
    };
    let value = get_ci(op, "value");
    let Some(path) = path else {
        if kind_op == Op::Remove {
            return Err(ScimError::no_target("'remove' needs a 'path'"));
        }
        let obj = match value {
            Some(Value::Object(o)) => o,
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "without a 'path', 'value' must be an object of attributes, got {}",
                    json_kind(other)
                )));
            }
            None => {
                return Err(ScimError::invalid_value(format!(
                    "'{}' needs a 'value'",
                    kind_op.as_str()
                )));
            }
        };
        for (k, v) in obj {
            apply_key(kind, map, kind_op, k, v)?;
        }
        return Ok(());
    };
    // A bare schema URN as the path: the value holds that schema's attributes.
    if let Some(schema) = schema::find_schema(kind, path) {
        return apply_schema(kind, map, kind_op, schema, value, false);
    }
    let pp = parse_path(path)?;
    apply_path(kind, map, kind_op, &pp, value, false)
}

/// One key of a no-path value object (or of a schema URN's object):
/// attribute names in any case, dotted sub-attributes, URN-prefixed names,
/// or a schema URN holding an object. Unknown and readOnly keys are ignored
/// (Okta sends `id` when renaming a group).
fn apply_key(
    kind: ResourceKind,
    map: &mut Object,
    op: Op,
    key: &str,
    v: &Value,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("schemas") {
        return Ok(());
    }
    if let Some(schema) = schema::find_schema(kind, key) {
        return apply_schema(kind, map, op, schema, Some(v), true);
    }
    let Ok(pp) = parse_path(key) else {
        return Ok(());
    };
    apply_path(kind, map, op, &pp, Some(v), true)
}

fn apply_schema(
    kind: ResourceKind,
    map: &mut Object,
    op: Op,
    schema: &'static Schema,
    value: Option<&Value>,
    lenient: bool,
) -> Result<(), ScimError> {
    let core = kind.is_core(schema);
    match (op, value) {
        (Op::Remove, _) if core => Err(ScimError::invalid_path(format!(
            "the core schema '{}' cannot be removed",
            schema.id
        ))),
        (Op::Remove, _) | (_, Some(Value::Null)) if !core => {
            remove_ci(map, schema.id);
            Ok(())
        }
        (_, Some(Value::Object(o))) => {
            for (k, v) in o {
                if core {
                    apply_key(kind, map, op, k, v)?;
                    continue;
                }
                let Ok(mut pp) = parse_path(k) else { continue };
                if pp.urn.is_none() {
                    pp.urn = Some(schema.id.to_string());
                }
                apply_path(kind, map, op, &pp, Some(v), true)?;
            }
            Ok(())
        }
        _ if lenient => Ok(()),
        (_, other) => Err(ScimError::invalid_value(format!(
            "the value for '{}' must be an object of its attributes, got {}",
            schema.id,
            other.map_or("nothing", json_kind)
        ))),
    }
}

fn path_name(pp: &PatchPath) -> String {
    let mut s = String::new();
    if let Some(u) = &pp.urn {
        s.push_str(u);
        s.push(':');
    }
    s.push_str(&pp.attr);
    if pp.filter.is_some() {
        s.push_str("[...]");
    }
    if let Some(sub) = &pp.sub_attr {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// Applies one operation at a parsed path. `lenient` (keys of a no-path
/// value object): unknown and readOnly attributes are skipped, not errors.
fn apply_path(
    kind: ResourceKind,
    map: &mut Object,
    op: Op,
    pp: &PatchPath,
    value: Option<&Value>,
    lenient: bool,
) -> Result<(), ScimError> {
    let skip_or = |e: ScimError| if lenient { Ok(()) } else { Err(e) };
    let Some((schema, attr)) = schema::find_attr(kind, pp.urn.as_deref(), &pp.attr) else {
        return skip_or(ScimError::invalid_path(format!(
            "'{}' is not an attribute of {}",
            path_name(pp),
            kind.name()
        )));
    };
    let sub = match &pp.sub_attr {
        None => None,
        Some(s) => match attr.sub(s) {
            Some(x) => Some(x),
            None => {
                return skip_or(ScimError::invalid_path(format!(
                    "'{}' has no sub-attribute '{s}'",
                    attr.name
                )));
            }
        },
    };
    let label = match sub {
        Some(s) => format!("{}.{}", attr.name, s.name),
        None => attr.name.to_string(),
    };
    if attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        return skip_or(ScimError::mutability(format!(
            "'{label}' is readOnly and cannot be changed"
        )));
    }
    if pp.filter.is_some() && !attr.multi_valued {
        return skip_or(ScimError::invalid_path(format!(
            "'{}' is single-valued; a value filter '[...]' needs a multi-valued attribute",
            attr.name
        )));
    }
    if let Some(f) = &pp.filter {
        filter::validate_element(f, attr).map_err(|e| {
            ScimError::invalid_path(format!(
                "in the value filter of '{}': {}",
                attr.name, e.detail
            ))
        })?;
    }
    let value = match (op, value) {
        (Op::Remove, v) => v.filter(|v| !v.is_null()),
        (_, Some(v)) => Some(v),
        (_, None) => {
            return Err(ScimError::invalid_value(format!(
                "'{}' of '{label}' needs a 'value'",
                op.as_str()
            )));
        }
    };
    // Removing from an extension the resource does not have: nothing to do.
    let Some(container) = resource::container_mut(map, kind, schema, op != Op::Remove) else {
        return Ok(());
    };
    match (&pp.filter, sub) {
        (None, None) => whole(container, op, attr, value, &label),
        (None, Some(s)) if !attr.multi_valued => single_sub(container, op, attr, s, value, &label),
        (f, s) => multi(container, op, attr, f.as_ref(), s, value, &label),
    }
}

/// Entries of a multi-valued attribute whose `value` is immutable (group
/// `members`) are identified by that `value`; others by equality.
fn same_entry(attr: &Attr, a: &Value, b: &Value) -> bool {
    if let Some(vs) = attr.sub("value")
        && vs.mutability == Mutability::Immutable
    {
        let id = |x: &Value| {
            x.as_object()
                .and_then(|o| get_ci(o, "value"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let (Some(x), Some(y)) = (id(a), id(b)) {
            return str_eq(vs, &x, &y);
        }
    }
    a == b
}

fn str_eq(attr: &Attr, a: &str, b: &str) -> bool {
    if attr.case_exact {
        a == b
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn take_array(container: &mut Object, name: &str) -> Vec<Value> {
    match remove_ci(container, name) {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

/// Merges a complex value into the attribute's object (RFC 7644 §3.5.2.1/3:
/// sub-attributes not given are left unchanged). A new `value` (another
/// manager) drops the old readOnly sub-attributes (its `displayName`).
fn merge_into(container: &mut Object, attr: &Attr, new: Value) {
    let Value::Object(new) = new else {
        set_ci(container, attr.name, new);
        return;
    };
    let mut obj = match remove_ci(container, attr.name) {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    if let Some(nv) = new.get("value")
        && get_ci(&obj, "value") != Some(nv)
    {
        for s in attr
            .sub_attributes
            .iter()
            .filter(|s| s.mutability == Mutability::ReadOnly)
        {
            remove_ci(&mut obj, s.name);
        }
    }
    for (k, x) in new {
        set_ci(&mut obj, &k, x);
    }
    container.insert(attr.name.to_string(), Value::Object(obj));
}

/// Does `entry` match one item of a remove's value list (Entra:
/// `"value": [{"value": "<member id>"}]`)?
fn listed(attr: &Attr, entry: &Value, item: &Value) -> bool {
    if let Some(vs) = attr.sub("value") {
        let want = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => get_ci(o, "value").and_then(Value::as_str),
            _ => None,
        };
        let have = entry
            .as_object()
            .and_then(|o| get_ci(o, "value"))
            .and_then(Value::as_str);
        if let (Some(w), Some(h)) = (want, have) {
            return str_eq(vs, w, h);
        }
    }
    entry == item
}

/// The attribute as a whole: `userName`, `name`, `emails`, `members`.
fn whole(
    container: &mut Object,
    op: Op,
    attr: &Attr,
    value: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    if op == Op::Remove {
        match value {
            Some(v) if attr.multi_valued => {
                let items: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                if let Some(Value::Array(cur)) = get_ci_mut(container, attr.name) {
                    cur.retain(|e| !items.iter().any(|it| listed(attr, e, it)));
                }
            }
            _ => {
                remove_ci(container, attr.name);
            }
        }
        return Ok(());
    }
    let Some(c) = value
        .map(|v| coerce_value(attr, v, label))
        .transpose()?
        .flatten()
    else {
        // A null value removes the attribute.
        remove_ci(container, attr.name);
        return Ok(());
    };
    if attr.multi_valued {
        let new = match c {
            Value::Array(a) => a,
            other => vec![other],
        };
        let mut cur = if op == Op::Add {
            take_array(container, attr.name)
        } else {
            remove_ci(container, attr.name);
            Vec::new()
        };
        for item in new {
            if !cur.iter().any(|e| same_entry(attr, e, &item)) {
                cur.push(item);
            }
        }
        container.insert(attr.name.to_string(), Value::Array(cur));
    } else if attr.is_complex() {
        merge_into(container, attr, c);
    } else {
        set_ci(container, attr.name, c);
    }
    Ok(())
}

/// A sub-attribute of a single-valued complex attribute: `name.givenName`,
/// `manager.value`. Without its `value` a complex attribute like `manager`
/// means nothing, so clearing `value` (null or "") removes it whole.
fn single_sub(
    container: &mut Object,
    op: Op,
    attr: &Attr,
    sub: &Attr,
    value: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    let is_value = sub.name == "value";
    let c = match (op, value) {
        (Op::Remove, _) => None,
        (_, Some(Value::String(s))) if s.is_empty() && is_value => None,
        (_, Some(v)) => coerce_value(sub, v, label)?,
        (_, None) => None,
    };
    let Some(c) = c else {
        if is_value {
            remove_ci(container, attr.name);
        } else if let Some(Value::Object(o)) = get_ci_mut(container, attr.name) {
            remove_ci(o, sub.name);
        }
        return Ok(());
    };
    let mut obj = Map::new();
    obj.insert(sub.name.to_string(), c);
    merge_into(container, attr, Value::Object(obj));
    Ok(())
}

fn check_immutable(
    sub: &Attr,
    entry: &Object,
    new: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    if sub.mutability != Mutability::Immutable {
        return Ok(());
    }
    match get_ci(entry, sub.name) {
        Some(old) if !old.is_null() && Some(old) != new => Err(ScimError::mutability(format!(
            "'{label}' is immutable and already set to {old}"
        ))),
        _ => Ok(()),
    }
}

/// The entry a filtered add/replace creates when nothing matches (Entra:
/// `emails[type eq "work"].value` on a user without a work email): the
/// filter's `eq` comparisons become sub-attributes, then the value is set.
fn new_entry(
    attr: &Attr,
    filter: Option<&Filter>,
    sub: Option<&Attr>,
    v: &Value,
    label: &str,
) -> Result<Option<Value>, ScimError> {
    let mut base = Map::new();
    if let Some(f) = filter {
        let Some(eqs) = filter::equalities(f) else {
            return Err(ScimError::no_target(format!(
                "no value of '{}' matches the filter, and no new value can be made from it (only 'eq' comparisons joined by 'and' can)",
                attr.name
            )));
        };
        for (p, lit) in eqs {
            let Some(s) = attr.sub(&p.attr) else { continue };
            if p.sub_attr.is_some() || s.mutability == Mutability::ReadOnly {
                continue;
            }
            if let Some(c) = coerce_value(s, lit, &format!("{}.{}", attr.name, s.name))? {
                base.insert(s.name.to_string(), c);
            }
        }
    }
    match sub {
        Some(s) => match coerce_value(s, v, label)? {
            Some(c) => {
                base.insert(s.name.to_string(), c);
            }
            None => return Ok(None),
        },
        None => match coerce_element(attr, v, label)? {
            Some(Value::Object(o)) => base.extend(o),
            Some(other) => return Ok(Some(other)),
            None => return Ok(None),
        },
    }
    Ok((!base.is_empty()).then_some(Value::Object(base)))
}

/// A multi-valued attribute with a value filter and/or a sub-attribute:
/// `emails[type eq "work"]`, `emails[type eq "work"].value`, `emails.value`
/// (no filter: every value).
fn multi(
    container: &mut Object,
    op: Op,
    attr: &'static Attr,
    filter: Option<&Filter>,
    sub: Option<&Attr>,
    value: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    let mut arr = take_array(container, attr.name);
    let mut matched = Vec::new();
    for (i, e) in arr.iter().enumerate() {
        let hit = match filter {
            Some(f) => filter::matches_element(f, attr, e)?,
            None => true,
        };
        if hit {
            matched.push(i);
        }
    }
    match op {
        // RFC 7644 §3.5.2.2 defines noTarget for a remove without a path,
        // but not for a filter that selects nothing; the intent (those
        // values absent) already holds, so that remove succeeds as a no-op
        // (Entra and Okta retry removals of members already gone).
        Op::Remove => match sub {
            None => {
                let mut i = 0;
                arr.retain(|_| {
                    let keep = !matched.contains(&i);
                    i += 1;
                    keep
                });
            }
            Some(s) => {
                for &i in &matched {
                    if let Some(o) = arr[i].as_object_mut() {
                        check_immutable(s, o, None, label)?;
                        remove_ci(o, s.name);
                    }
                }
            }
        },
        Op::Add | Op::Replace => {
            let v = value.unwrap_or(&NULL);
            if matched.is_empty() {
                // §3.5.2.3: a replace whose value filter matches nothing is
                // noTarget. With a sub-attribute (Entra's
                // `emails[type eq "work"].value`), and for add, the entry is
                // created instead.
                if op == Op::Replace && filter.is_some() && sub.is_none() {
                    return Err(ScimError::no_target(format!(
                        "no value of '{}' matches the filter",
                        attr.name
                    )));
                }
                if let Some(new) = new_entry(attr, filter, sub, v, label)? {
                    arr.push(new);
                }
            } else if let Some(s) = sub {
                let c = coerce_value(s, v, label)?;
                for &i in &matched {
                    if let Some(o) = arr[i].as_object_mut() {
                        check_immutable(s, o, c.as_ref(), label)?;
                        match &c {
                            Some(c) => set_ci(o, s.name, c.clone()),
                            None => {
                                remove_ci(o, s.name);
                            }
                        }
                    }
                }
            } else {
                match coerce_element(attr, v, label)? {
                    // A null value removes the matched values.
                    None => {
                        let mut i = 0;
                        arr.retain(|_| {
                            let keep = !matched.contains(&i);
                            i += 1;
                            keep
                        });
                    }
                    Some(Value::Object(new)) => {
                        for &i in &matched {
                            if let Some(o) = arr[i].as_object_mut() {
                                for (k, x) in &new {
                                    if let Some(s) = attr.sub(k) {
                                        check_immutable(s, o, Some(x), label)?;
                                    }
                                    set_ci(o, k, x.clone());
                                }
                            }
                        }
                    }
                    Some(other) => {
                        for &i in &matched {
                            arr[i] = other.clone();
                        }
                    }
                }
            }
        }
    }
    if !arr.is_empty() {
        container.insert(attr.name.to_string(), Value::Array(arr));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = schema::ENTERPRISE_USER_URN;
    const USER_URN: &str = schema::USER_URN;
    const GROUP_URN: &str = schema::GROUP_URN;

    fn user() -> Value {
        json!({
            "schemas": [USER_URN],
            "id": "u1",
            "userName": "bjensen",
            "active": true,
            "displayName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "home@x.org", "type": "home", "primary": true}],
            "groups": [{"value": "g1", "display": "Admins"}],
            "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z",
                     "lastModified": "2024-01-01T00:00:00Z"}
        })
    }

    fn group() -> Value {
        json!({
            "schemas": [GROUP_URN],
            "id": "g1",
            "displayName": "Admins",
            "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]
        })
    }

    fn body(ops: Value) -> Value {
        json!({"schemas": [PATCH_OP_URN], "Operations": ops})
    }

    fn patch(kind: ResourceKind, r: &Value, ops: Value) -> Result<Value, ScimError> {
        let mut r = r.clone();
        apply(kind, &mut r, &body(ops))?;
        Ok(r)
    }

    fn pu(ops: Value) -> Value {
        patch(ResourceKind::User, &user(), ops).unwrap_or_else(|e| panic!("{e}"))
    }

    fn pg(ops: Value) -> Value {
        patch(ResourceKind::Group, &group(), ops).unwrap_or_else(|e| panic!("{e}"))
    }

    fn eu(ops: Value) -> ScimError {
        let r = user();
        let mut w = r.clone();
        let e = apply(ResourceKind::User, &mut w, &body(ops)).expect_err("should fail");
        assert_eq!(w, r, "a failed PATCH must leave the resource unchanged");
        e
    }

    fn member_ids(g: &Value) -> Vec<&str> {
        g["members"]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m["value"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn parse_path_shapes() {
        let p = parse_path("userName").unwrap();
        assert_eq!(
            (p.urn, p.attr.as_str(), p.filter, p.sub_attr),
            (None, "userName", None, None)
        );
        let p = parse_path("name.givenName").unwrap();
        assert_eq!(p.sub_attr.as_deref(), Some("givenName"));
        let p = parse_path("emails[type eq \"work\"]").unwrap();
        assert_eq!(p.attr, "emails");
        assert!(p.filter.is_some() && p.sub_attr.is_none());
        let p = parse_path("emails[type eq \"work\" and primary eq true].value").unwrap();
        assert!(matches!(p.filter, Some(Filter::And(_))));
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        let p =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
                .unwrap();
        assert_eq!(
            (p.urn.as_deref(), p.attr.as_str(), p.sub_attr.as_deref()),
            (Some(ENT), "manager", Some("value"))
        );
        let p = parse_path(
            "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"a]b\"].display",
        )
        .unwrap();
        assert_eq!(p.urn.as_deref(), Some(USER_URN));
        assert_eq!(p.sub_attr.as_deref(), Some("display"));
        let p = parse_path(" members[value eq \"x\\\"]\"] ").unwrap();
        assert_eq!(p.attr, "members");
        for bad in [
            "",
            "emails[type eq \"work\"",
            "emails[type eq]",
            "emails[]",
            "emails[type eq \"w\"]x",
            "emails[type eq \"w\"].1bad",
            "emails[type eq \"w\"].value.x",
            "a.b.c",
            "1abc",
            "emails.value[type eq \"x\"]",
            "emails[type[value eq \"x\"]]",
        ] {
            let e = parse_path(bad).expect_err(bad);
            assert_eq!(e.scim_type, Some("invalidPath"), "{bad}");
        }
    }

    #[test]
    fn request_validation() {
        let mut r = user();
        let cases = [
            (json!([]), "invalidSyntax"),
            (
                json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                "invalidSyntax",
            ),
            (
                json!({"schemas": ["urn:wrong"], "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                "invalidSyntax",
            ),
            (json!({"schemas": [PATCH_OP_URN]}), "invalidSyntax"),
            (
                json!({"schemas": [PATCH_OP_URN], "Operations": {}}),
                "invalidSyntax",
            ),
            (
                json!({"schemas": [PATCH_OP_URN], "Operations": []}),
                "invalidValue",
            ),
        ];
        for (b, t) in cases {
            let e = apply(ResourceKind::User, &mut r, &b).expect_err(&b.to_string());
            assert_eq!(e.scim_type, Some(t), "{b}");
        }
        let many: Vec<Value> = (0..1001)
            .map(|_| json!({"op": "add", "path": "title", "value": "x"}))
            .collect();
        let e = apply(ResourceKind::User, &mut r, &body(Value::Array(many))).unwrap_err();
        assert_eq!(e.scim_type, Some("invalidValue"));
        assert!(e.detail.contains("1000"));
        let ok: Vec<Value> = (0..1000)
            .map(|_| json!({"op": "add", "path": "title", "value": "x"}))
            .collect();
        assert!(apply(ResourceKind::User, &mut r, &body(Value::Array(ok))).is_ok());
        // Lower-case "operations", case-insensitive schema URN and keys.
        let b = json!({"schemas": [PATCH_OP_URN.to_uppercase()],
                       "operations": [{"OP": "add", "PATH": "nickName", "VALUE": "B"}]});
        apply(ResourceKind::User, &mut r, &b).unwrap();
        assert_eq!(r["nickName"], "B");
        assert_eq!(
            eu(json!([{"op": "copy", "path": "title"}])).scim_type,
            Some("invalidSyntax")
        );
        assert_eq!(
            eu(json!([{"path": "title", "value": "x"}])).scim_type,
            Some("invalidSyntax")
        );
        assert_eq!(eu(json!(["add"])).scim_type, Some("invalidSyntax"));
        assert_eq!(
            eu(json!([{"op": "add", "path": 5, "value": "x"}])).scim_type,
            Some("invalidPath")
        );
        assert_eq!(
            eu(json!([{"op": "add", "path": "title"}])).scim_type,
            Some("invalidValue")
        );
        assert_eq!(
            eu(json!([{"op": "add", "value": "x"}])).scim_type,
            Some("invalidValue")
        );
    }

    #[test]
    fn entra_capitalised_ops_and_string_booleans() {
        let r = pu(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "title", "value": "Boss"},
            {"op": "REPLACE", "path": "displayName", "value": "B. Jensen"}
        ]));
        assert_eq!(r["active"], false);
        assert_eq!(r["title"], "Boss");
        assert_eq!(r["displayName"], "B. Jensen");
        assert_eq!(
            pu(json!([{"op": "replace", "path": "active", "value": "true"}]))["active"],
            true
        );
        let e = eu(json!([{"op": "replace", "path": "active", "value": "nope"}]));
        assert_eq!(e.scim_type, Some("invalidValue"));
        assert!(e.detail.contains("'active'"), "{}", e.detail);
        let e = eu(json!([{"op": "replace", "path": "displayName", "value": 5}]));
        assert_eq!(e.scim_type, Some("invalidValue"));
        let e = eu(
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "x"}]),
        );
        assert!(e.detail.contains("emails.primary"), "{}", e.detail);
    }

    #[test]
    fn entra_filtered_sub_attribute_creates_entry() {
        let r = pu(
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@b"}]),
        );
        assert_eq!(
            r["emails"],
            json!([{"value": "home@x.org", "type": "home", "primary": true}, {"type": "work", "value": "a@b"}])
        );
        // A second replace updates that entry in place.
        let r2 = patch(
            ResourceKind::User,
            &r,
            json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "c@d"}]),
        )
        .unwrap();
        assert_eq!(r2["emails"][1], json!({"type": "work", "value": "c@d"}));
        assert_eq!(r2["emails"].as_array().map(Vec::len), Some(2));
        // Add on an attribute the user lacks entirely.
        let r = pu(
            json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}]),
        );
        assert_eq!(
            r["phoneNumbers"],
            json!([{"type": "mobile", "value": "+1 555"}])
        );
        // Several equalities, typed by the sub-attribute.
        let r = pu(
            json!([{"op": "add", "path": "addresses[type eq \"work\" and primary eq true].locality", "value": "Oslo"}]),
        );
        assert_eq!(
            r["addresses"],
            json!([{"type": "work", "primary": true, "locality": "Oslo"}])
        );
        // Add with a filter and no sub-attribute creates from filter + value.
        let r = pu(
            json!([{"op": "add", "path": "emails[type eq \"other\"]", "value": {"value": "o@x"}}]),
        );
        assert_eq!(r["emails"][1], json!({"type": "other", "value": "o@x"}));
        // A filter that cannot describe a new value.
        let e = eu(
            json!([{"op": "replace", "path": "emails[type eq \"a\" or type eq \"b\"].value", "value": "x"}]),
        );
        assert_eq!(e.scim_type, Some("noTarget"));
    }

    #[test]
    fn filtered_replace_without_sub_attribute() {
        let e = eu(
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "w@x"}}]),
        );
        assert_eq!(e.scim_type, Some("noTarget"));
        assert!(e.detail.starts_with("Operations[0]: "), "{}", e.detail);
        let r = pu(
            json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "new@x.org", "display": "N"}}]),
        );
        assert_eq!(
            r["emails"],
            json!([{"value": "new@x.org", "type": "home", "primary": true, "display": "N"}])
        );
        // A bad filter in the path.
        let e = eu(json!([{"op": "replace", "path": "emails[primary gt true]", "value": {}}]));
        assert_eq!(e.scim_type, Some("invalidPath"));
        let e = eu(json!([{"op": "replace", "path": "emails[type eq \"x\"", "value": {}}]));
        assert_eq!(e.scim_type, Some("invalidPath"));
    }

    #[test]
    fn no_path_value_objects() {
        let r = pu(json!([{"op": "replace", "value": {
            "name.givenName": "Ann",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
            "displayname": "Ann L",
            "unknownKey": 1,
            "id": "zzz",
            "meta": {"version": "x"},
            "groups": [],
            "schemas": ["junk"]
        }}]));
        assert_eq!(
            r["name"],
            json!({"givenName": "Ann", "familyName": "Jensen"})
        );
        assert_eq!(r[ENT], json!({"employeeNumber": "42"}));
        assert_eq!(r["schemas"], json!([USER_URN, ENT]));
        assert_eq!(r["displayName"], "Ann L");
        assert!(r.get("displayname").is_none() && r.get("unknownKey").is_none());
        assert_eq!(r["id"], "u1");
        assert_eq!(r["meta"], user()["meta"]);
        assert_eq!(r["groups"], user()["groups"]);
        let r = pu(json!([{"op": "add", "value": {
            ENT: {"department": "Eng", "manager": "m1", "manager.displayName": "ignored"},
            "USERNAME": "new-name"
        }}]));
        assert_eq!(
            r[ENT],
            json!({"department": "Eng", "manager": {"value": "m1"}})
        );
        assert_eq!(r["userName"], "new-name");
        assert!(r.get("USERNAME").is_none());
        // The core URN as a key, holding core attributes.
        let r = pu(json!([{"op": "replace", "value": {USER_URN: {"title": "T"}}}]));
        assert_eq!(r["title"], "T");
        // A URN path whose value is an object of that extension's attributes.
        let r = pu(json!([{"op": "add", "path": ENT, "value": {"costCenter": "c1"}}]));
        assert_eq!(r[ENT], json!({"costCenter": "c1"}));
        let r2 = patch(
            ResourceKind::User,
            &r,
            json!([{"op": "remove", "path": ENT}]),
        )
        .unwrap();
        assert!(r2.get(ENT).is_none());
        assert_eq!(r2["schemas"], json!([USER_URN]));
        // Multi-valued in a no-path add appends; in replace replaces.
        let r = pu(json!([{"op": "add", "value": {"emails": [{"value": "w@x", "type": "work"}]}}]));
        assert_eq!(r["emails"].as_array().map(Vec::len), Some(2));
        let r =
            pu(json!([{"op": "replace", "value": {"emails": [{"value": "w@x", "type": "work"}]}}]));
        assert_eq!(r["emails"], json!([{"value": "w@x", "type": "work"}]));
        // A value-path key inside a no-path value object.
        let r = pu(json!([{"op": "add", "value": {"emails[type eq \"work\"].value": "k@x"}}]));
        assert_eq!(r["emails"][1], json!({"type": "work", "value": "k@x"}));
        // Values are still type-checked.
        assert_eq!(
            eu(json!([{"op": "replace", "value": {"active": "maybe"}}])).scim_type,
            Some("invalidValue")
        );
    }

    #[test]
    fn okta_shapes() {
        let r = pu(json!([{"op": "replace", "value": {"active": false}}]));
        assert_eq!(r["active"], false);
        let g = pg(json!([{"op": "replace", "value": {"id": "g1-other", "displayName": "new"}}]));
        assert_eq!(g["displayName"], "new");
        assert_eq!(g["id"], "g1");
        let g = pg(json!([{"op": "remove", "path": "members[value eq \"u3\"]"}]));
        assert_eq!(member_ids(&g), ["u1", "u2"]);
        let g = pg(
            json!([{"op": "add", "path": "members", "value": [{"value": "u4", "display": "Dee"}]}]),
        );
        assert_eq!(g["members"][3], json!({"value": "u4"}));
    }

    #[test]
    fn entra_manager_shapes() {
        let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let r = pu(json!([{"op": "Add", "path": path, "value": "m1"}]));
        assert_eq!(r[ENT], json!({"manager": {"value": "m1"}}));
        assert_eq!(r["schemas"], json!([USER_URN, ENT]));
        let mut with_name = r.clone();
        with_name[ENT]["manager"]["displayName"] = json!("Old Boss");
        let r2 = patch(
            ResourceKind::User,
            &with_name,
            json!([{"op": "Replace", "path": path, "value": {"value": "m2"}}]),
        )
        .unwrap();
        assert_eq!(r2[ENT]["manager"], json!({"value": "m2"}));
        for clear in [
            json!({"op": "Replace", "path": path, "value": ""}),
            json!({"op": "Replace", "path": path, "value": null}),
            json!({"op": "Replace", "path": format!("{path}.value"), "value": ""}),
            json!({"op": "Remove", "path": format!("{path}.value")}),
            json!({"op": "Remove", "path": path}),
            json!({"op": "Replace", "path": path, "value": {"value": ""}}),
        ] {
            let r2 = patch(ResourceKind::User, &r, json!([clear.clone()])).unwrap();
            assert!(r2.get(ENT).is_none(), "{clear}");
            assert_eq!(r2["schemas"], json!([USER_URN]), "{clear}");
        }
        let r = pu(json!([{"op": "add", "path": "manager.value", "value": "m3"}]));
        assert_eq!(r[ENT]["manager"], json!({"value": "m3"}));
        let e = eu(json!([{"op": "add", "path": "manager.displayName", "value": "x"}]));
        assert_eq!(e.scim_type, Some("mutability"));
        // Removing from an extension the user does not have is a no-op.
        assert_eq!(
            pu(json!([{"op": "remove", "path": "employeeNumber"}])),
            user()
        );
    }

    #[test]
    fn group_members() {
        let g = pg(
            json!([{"op": "Add", "path": "members", "value": [{"value": "u2"}, {"value": "u4"}]}]),
        );
        assert_eq!(member_ids(&g), ["u1", "u2", "u3", "u4"]);
        // Entra: remove exactly the listed members.
        let g = pg(json!([{"op": "Remove", "path": "members", "value": [{"value": "u2"}]}]));
        assert_eq!(member_ids(&g), ["u1", "u3"]);
        let g = pg(
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "nope"}, {"value": "U3"}]}]),
        );
        assert_eq!(member_ids(&g), ["u2", "u3"]);
        // No value: all members.
        let g = pg(json!([{"op": "remove", "path": "members"}]));
        assert!(g.get("members").is_none());
        // Remove by filter plus add in one request.
        let g = pg(json!([
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u9"}]}
        ]));
        assert_eq!(member_ids(&g), ["u2", "u3", "u9"]);
        // Full replace, and replace with [] empties.
        let g = pg(
            json!([{"op": "replace", "path": "members", "value": [{"value": "x1"}, {"value": "x1"}]}]),
        );
        assert_eq!(member_ids(&g), ["x1"]);
        let g = pg(json!([{"op": "replace", "path": "members", "value": []}]));
        assert!(g.get("members").is_none());
        assert_eq!(g["displayName"], "Admins");
        // A filter matching nothing on remove succeeds and changes nothing.
        assert_eq!(
            pg(json!([{"op": "remove", "path": "members[value eq \"zz\"]"}])),
            group()
        );
        // Immutable member value.
        let e = patch(
            ResourceKind::Group,
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u7"}]),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("mutability"));
        let e = patch(ResourceKind::Group, &group(),
            json!([{"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u7"}}])).unwrap_err();
        assert_eq!(e.scim_type, Some("mutability"));
        let e = patch(
            ResourceKind::Group,
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("mutability"));
        // Group displayName is required.
        let e = patch(
            ResourceKind::Group,
            &group(),
            json!([{"op": "remove", "path": "displayName"}]),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("mutability"));
    }

    #[test]
    fn atomicity() {
        let e = eu(json!([
            {"op": "replace", "path": "displayName", "value": "X"},
            {"op": "replace", "path": "id", "value": "y"}
        ]));
        assert_eq!(e.scim_type, Some("mutability"));
        assert!(e.detail.starts_with("Operations[1]: "), "{}", e.detail);
        let e = eu(json!([
            {"op": "add", "path": "emails", "value": [{"value": "n@x"}]},
            {"op": "remove", "path": "bogus"}
        ]));
        assert_eq!(e.scim_type, Some("invalidPath"));
    }

    #[test]
    fn mutability_errors() {
        for (op, path) in [
            ("replace", "id"),
            ("remove", "meta"),
            ("replace", "meta.lastModified"),
            ("add", "groups"),
            ("remove", "groups[value eq \"g1\"]"),
            ("replace", "urn:ietf:params:scim:schemas:core:2.0:User:id"),
        ] {
            let e = eu(json!([{"op": op, "path": path, "value": "x"}]));
            assert_eq!(e.scim_type, Some("mutability"), "{op} {path}");
            assert!(e.detail.contains("readOnly"), "{}", e.detail);
        }
        let e = eu(json!([{"op": "remove", "path": "userName"}]));
        assert_eq!(e.scim_type, Some("mutability"));
        assert!(e.detail.contains("userName"));
        let e = eu(json!([{"op": "replace", "path": "userName", "value": null}]));
        assert_eq!(e.scim_type, Some("mutability"));
        let e = eu(json!([{"op": "replace", "path": "userName", "value": ""}]));
        assert_eq!(e.scim_type, Some("invalidValue"));
    }

    #[test]
    fn invalid_paths() {
        for path in [
            "foo",
            "name.foo",
            "userName.x",
            "urn:x:y:title",
            "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
            "name[givenName eq \"x\"]",
            "emails[type eq \"w\"]junk",
            "password",
            "roles",
        ] {
            let e = eu(json!([{"op": "replace", "path": path, "value": "x"}]));
            assert_eq!(e.scim_type, Some("invalidPath"), "{path}: {}", e.detail);
        }
        let e = patch(
            ResourceKind::Group,
            &group(),
            json!([{"op": "add", "path": "userName", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("invalidPath"));
        let e = eu(json!([{"op": "remove", "path": USER_URN}]));
        assert_eq!(e.scim_type, Some("invalidPath"));
    }

    #[test]
    fn remove_shapes() {
        let e = eu(json!([{"op": "remove"}]));
        assert_eq!(e.scim_type, Some("noTarget"));
        let e = eu(json!([{"op": "Remove", "path": ""}]));
        assert_eq!(e.scim_type, Some("noTarget"));
        let r = pu(
            json!([{"op": "remove", "path": "name.familyName"}, {"op": "remove", "path": "displayName"}]),
        );
        assert_eq!(r["name"], json!({"givenName": "Barbara"}));
        assert!(r.get("displayName").is_none());
        let r = pu(
            json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}]),
        );
        assert!(r.get("name").is_none());
        let r = pu(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
        assert!(r.get("emails").is_none());
        let r = pu(json!([{"op": "remove", "path": "emails[type eq \"home\"].primary"}]));
        assert_eq!(
            r["emails"],
            json!([{"value": "home@x.org", "type": "home"}])
        );
        assert_eq!(
            pu(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])),
            user()
        );
        assert_eq!(pu(json!([{"op": "remove", "path": "nickName"}])), user());
        let r = pu(json!([{"op": "remove", "path": "emails", "value": [{"value": "HOME@x.org"}]}]));
        assert!(r.get("emails").is_none());
    }

    #[test]
    fn add_and_replace_shapes() {
        // add to a complex attribute merges; replace does too (§3.5.2.3).
        let r = pu(json!([{"op": "add", "path": "name", "value": {"middleName": "J"}}]));
        assert_eq!(
            r["name"],
            json!({"givenName": "Barbara", "familyName": "Jensen", "middleName": "J"})
        );
        let r = pu(json!([{"op": "replace", "path": "name", "value": {"givenName": "B"}}]));
        assert_eq!(r["name"], json!({"givenName": "B", "familyName": "Jensen"}));
        let r = pu(json!([{"op": "replace", "path": "name.GIVENNAME", "value": "C"}]));
        assert_eq!(r["name"]["givenName"], "C");
        // null removes.
        let r = pu(json!([{"op": "replace", "path": "displayName", "value": null}]));
        assert!(r.get("displayName").is_none());
        // Canonical names are written back.
        let r = pu(json!([{"op": "replace", "path": "USERNAME", "value": "new"}]));
        assert_eq!(r["userName"], "new");
        assert!(r.get("USERNAME").is_none());
        let mut odd = user();
        odd["NickName"] = json!("old");
        let r = patch(
            ResourceKind::User,
            &odd,
            json!([{"op": "replace", "path": "nickname", "value": "n"}]),
        )
        .unwrap();
        assert_eq!(r["nickName"], "n");
        assert!(r.get("NickName").is_none());
        // add to a multi-valued attribute appends, skipping exact duplicates.
        let r = pu(json!([{"op": "add", "path": "emails", "value": [
            {"value": "home@x.org", "type": "home", "primary": true},
            {"value": "w@x.org", "type": "work"}
        ]}]));
        assert_eq!(r["emails"].as_array().map(Vec::len), Some(2));
        // replace a sub-attribute of every value.
        let r = pu(json!([{"op": "replace", "path": "emails.type", "value": "other"}]));
        assert_eq!(r["emails"][0]["type"], "other");
        // externalId is readWrite.
        assert_eq!(
            pu(json!([{"op": "add", "path": "externalId", "value": "E"}]))["externalId"],
            "E"
        );
    }

    #[test]
    fn single_primary() {
        let r = pu(
            json!([{"op": "add", "path": "emails", "value": [{"value": "w@x", "type": "work", "primary": true}]}]),
        );
        assert_eq!(
            r["emails"],
            json!([{"value": "home@x.org", "type": "home", "primary": false},
                   {"value": "w@x", "type": "work", "primary": true}])
        );
        // Setting primary on an existing value moves it there.
        let r2 = patch(
            ResourceKind::User,
            &r,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]),
        )
        .unwrap();
        assert_eq!(r2["emails"][0]["primary"], true);
        assert_eq!(r2["emails"][1]["primary"], false);
        // Two primaries in one replace: the last wins.
        let r = pu(json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}
        ]}]));
        assert_eq!(r["emails"][0]["primary"], false);
        assert_eq!(r["emails"][1]["primary"], true);
    }
}
