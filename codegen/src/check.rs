//! Checks the document before anything is generated, so that a spec mistake
//! fails the build with a message naming the operation instead of panicking
//! in dropshot's router at start-up or inside progenitor.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, Parameter, ReferenceOr, Response, StatusCode};

use crate::spec::{
    ErrorForm, RawExchange,
    param_kind, ref_name, resolve_param, success_status, BodySpec, Operation, ParamLocation,
    ParamSpec, SuccessSpec,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The operation (or document part) the problem belongs to.
    pub at: String,
    pub problem: String,
}

impl SpecError {
    pub fn new(at: impl Into<String>, problem: impl Into<String>) -> Self {
        SpecError { at: at.into(), problem: problem.into() }
    }
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Collects the operations, or every problem found in them.
pub fn check(api: &OpenAPI) -> Result<Vec<Operation>, Vec<SpecError>> {
    let mut errors = Vec::new();
    let mut ops = Vec::new();
    if !api.openapi.starts_with("3.0.") {
        errors.push(SpecError::new("(document)", format!("openapi must be 3.0.x, found {}", api.openapi)));
    }
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut error_schemas: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();

    for (path, item) in api.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            errors.push(SpecError::new(path.as_str(), "$ref path items are not supported"));
            continue;
        };
        for (method, op) in item.iter() {
            if !METHODS.contains(&method) {
                errors.push(SpecError::new(
                    format!("{} {path}", method.to_uppercase()),
                    "only GET, POST, PUT, PATCH and DELETE may be documented (OPTIONS is generated)",
                ));
                continue;
            }
            let Some(operation_id) = op.operation_id.clone() else {
                errors.push(SpecError::new(
                    format!("{} {path}", method.to_uppercase()),
                    "operation has no operationId",
                ));
                continue;
            };
            let label = format!("{} {path} ({operation_id})", method.to_uppercase());
            if let Some(other) = seen_ids.insert(operation_id.clone(), label.clone()) {
                errors.push(SpecError::new(&label, format!("operationId is also used by {other}")));
            }

            // parameters: path-level first, operation-level overrides by (name, in)
            let mut params: Vec<ParamSpec> = Vec::new();
            for p in item.parameters.iter().chain(op.parameters.iter()) {
                let Some(p) = resolve_param(api, p) else {
                    errors.push(SpecError::new(&label, "a parameter $ref does not resolve"));
                    continue;
                };
                let (location, data) = match p {
                    Parameter::Path { parameter_data, .. } => (ParamLocation::Path, parameter_data),
                    Parameter::Query { parameter_data, .. } => (ParamLocation::Query, parameter_data),
                    Parameter::Header { parameter_data, .. } => (ParamLocation::Header, parameter_data),
                    Parameter::Cookie { parameter_data, .. } => {
                        errors.push(SpecError::new(
                            &label,
                            format!("cookie parameter {} is not supported", parameter_data.name),
                        ));
                        continue;
                    }
                };
                match param_kind(api, &data.format) {
                    Ok(kind) => {
                        params.retain(|q| !(q.name == data.name && q.location == location));
                        let error_code = data.extensions.get("x-error-code").and_then(|v| v.as_str()).map(str::to_owned);
                        params.push(ParamSpec { name: data.name.clone(), location, required: data.required, kind, error_code });
                    }
                    Err(e) => errors.push(SpecError::new(&label, format!("parameter {}: {e}", data.name))),
                }
            }
            let template_vars: Vec<String> = path_vars(path);
            let declared: Vec<String> = params
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .map(|p| p.name.clone())
                .collect();
            for v in &template_vars {
                if !declared.contains(v) {
                    errors.push(SpecError::new(&label, format!("path variable {{{v}}} has no path parameter")));
                }
            }
            for d in &declared {
                if !template_vars.contains(d) {
                    errors.push(SpecError::new(&label, format!("path parameter {d} is not in the path")));
                }
            }
            for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
                if !p.required {
                    errors.push(SpecError::new(&label, format!("path parameter {} must be required", p.name)));
                }
            }

            let raw_exchange = match op.extensions.get("x-raw-exchange") {
                None => None,
                Some(v) => match raw_exchange(v) {
                    Ok(r) => Some(r),
                    Err(problem) => {
                        errors.push(SpecError::new(&label, format!("x-raw-exchange: {problem}")));
                        None
                    }
                },
            };

            // request body
            let body = match &op.request_body {
                None => None,
                Some(ReferenceOr::Reference { .. }) => {
                    errors.push(SpecError::new(&label, "requestBody $ref is not supported; inline it"));
                    None
                }
                // a standard's body: raw bytes, whatever media types it lists
                Some(ReferenceOr::Item(rb)) if raw_exchange.is_some() => rb.content.keys().next().map(|ct| BodySpec::Raw(ct.clone())),
                Some(ReferenceOr::Item(rb)) => {
                    if rb.content.len() != 1 {
                        errors.push(SpecError::new(&label, "requestBody must have exactly one media type"));
                    }
                    match rb.content.iter().next() {
                        Some((ct, mt)) if ct == "application/json" => {
                            match mt.schema.as_ref().and_then(ref_name) {
                                Some(name) => Some(BodySpec::Json(name)),
                                None => {
                                    errors.push(SpecError::new(
                                        &label,
                                        "a JSON requestBody must $ref a named schema",
                                    ));
                                    None
                                }
                            }
                        }
                        Some((ct, _)) if ct == "multipart/form-data" => {
                            errors.push(SpecError::new(
                                &label,
                                "multipart/form-data bodies are not supported by progenitor; use a raw body",
                            ));
                            None
                        }
                        Some((ct, _)) => Some(BodySpec::Raw(ct.clone())),
                        None => None,
                    }
                }
            };

            // responses: exactly one 2xx; every error response the one envelope
            let mut successes = Vec::new();
            for (code, resp) in op.responses.responses.iter() {
                let Some(resp) = resolve_response(api, resp) else {
                    errors.push(SpecError::new(&label, format!("response {code} $ref does not resolve")));
                    continue;
                };
                if let Some(status) = success_status(code) {
                    successes.push((status, resp));
                } else if matches!(code, StatusCode::Code(n) if *n >= 400) || matches!(code, StatusCode::Range(4 | 5)) {
                    // each error form has one schema, in its own media type
                    let form = raw_exchange.as_ref().map(|r| r.errors).unwrap_or_default();
                    match resp.content.get(form.media_type()).and_then(|m| m.schema.as_ref()).and_then(ref_name) {
                        Some(name) => {
                            error_schemas.entry(form.media_type()).or_default().insert(name);
                        }
                        None => errors.push(SpecError::new(
                            &label,
                            format!("error response {code} must be {} with a $ref schema", form.media_type()),
                        )),
                    }
                } else {
                    errors.push(SpecError::new(&label, format!("response {code} is neither 2xx nor an error")));
                }
            }
            if let Some(default) = &op.responses.default {
                let _ = default;
                errors.push(SpecError::new(&label, "use explicit error codes, not a `default` response"));
            }
            let success = match successes.as_slice() {
                [(status, _)] if raw_exchange.is_some() => Some(SuccessSpec::Raw { status: *status }),
                [(status, resp)] => {
                    match resp.content.get("application/json") {
                        Some(mt) => match mt.schema.as_ref().and_then(ref_name) {
                            Some(schema) => {
                                let variants = if is_envelope(api, &schema) {
                                    Vec::new()
                                } else if let Some(variants) = answer_variants(api, &schema) {
                                    variants
                                } else {
                                    errors.push(SpecError::new(
                                        &label,
                                        format!(
                                            "success schema {schema} is not an envelope: it needs required `data` and `request_id` (a string), \
                                             or to be a `oneOf` of answers with required `ok` (a boolean) and `request_id`"
                                        ),
                                    ));
                                    Vec::new()
                                };
                                Some(SuccessSpec::Json { status: *status, schema, variants })
                            }
                            None => {
                                errors.push(SpecError::new(&label, "a JSON success response must $ref a named schema"));
                                None
                            }
                        },
                        None => Some(SuccessSpec::Raw { status: *status }),
                    }
                }
                [] => {
                    errors.push(SpecError::new(&label, "operation has no 2xx response"));
                    None
                }
                _ => {
                    errors.push(SpecError::new(
                        &label,
                        "operation has several 2xx responses; progenitor needs exactly one",
                    ));
                    None
                }
            };

            // security: public only when explicitly `security: []`
            let public = matches!(&op.security, Some(reqs) if reqs.is_empty());
            let scope = op.extensions.get("x-required-scope").and_then(|v| v.as_str()).map(str::to_owned);
            if !public && scope.is_none() {
                errors.push(SpecError::new(
                    &label,
                    "authenticated operation has no x-required-scope (or mark it public with `security: []`)",
                ));
            }
            if public && scope.is_some() {
                errors.push(SpecError::new(&label, "a public operation cannot require a scope"));
            }
            if let Some(scope) = &scope {
                let described = op.description.as_deref().unwrap_or("");
                if !described.contains(scope.as_str()) {
                    errors.push(SpecError::new(
                        &label,
                        format!("description must name the required scope `{scope}`"),
                    ));
                }
            }
            if op.tags.is_empty() {
                errors.push(SpecError::new(&label, "operation has no tag"));
            }
            let max_body_bytes = op.extensions.get("x-max-body-bytes").and_then(|v| v.as_u64());
            let basic_auth = op.security.iter().flatten().any(|req| req.contains_key("basicAuth"));
            if basic_auth && raw_exchange.is_none() {
                errors.push(SpecError::new(&label, "only x-raw-exchange operations (a standard's clients) accept basicAuth"));
            }
            let scim_token = op.security.iter().flatten().any(|req| req.contains_key("scimBearer"));
            if scim_token != (raw_exchange.as_ref().map(|r| r.errors) == Some(ErrorForm::Scim)) {
                errors.push(SpecError::new(&label, "SCIM operations (`x-raw-exchange.errors: scim`) and only they take `security: scimBearer`"));
            }
            if scim_token && op.security.iter().flatten().any(|req| !req.contains_key("scimBearer")) {
                errors.push(SpecError::new(&label, "a SCIM operation accepts the SCIM token only"));
            }
            let alternate_syntax = match op.extensions.get("x-alternate-request-syntax") {
                None => false,
                Some(serde_json::Value::Bool(true)) if path.contains('{') => {
                    errors.push(SpecError::new(&label, "x-alternate-request-syntax paths have no path parameters"));
                    false
                }
                Some(serde_json::Value::Bool(true)) if raw_exchange.is_some() && !public => true,
                Some(serde_json::Value::Bool(true)) => {
                    errors.push(SpecError::new(&label, "x-alternate-request-syntax is for admitted x-raw-exchange operations (xAPI's)"));
                    false
                }
                Some(_) => {
                    errors.push(SpecError::new(&label, "x-alternate-request-syntax is `true` or absent"));
                    false
                }
            };

            if let Some(success) = success {
                ops.push(Operation {
                    method: method.to_string(),
                    path: path.clone(),
                    operation_id,
                    tags: op.tags.clone(),
                    params,
                    body,
                    success,
                    scope,
                    public,
                    max_body_bytes,
                    raw_exchange,
                    basic_auth,
                    scim_token,
                    alternate_syntax,
                    fold: None,
                });
            }
        }
    }
    for (media, schemas) in &error_schemas {
        if schemas.len() > 1 {
            errors.push(SpecError::new(
                "(document)",
                format!("all {media} error responses must share one schema, found {schemas:?}"),
            ));
        }
    }
    fold_literals(&mut ops);
    errors.extend(route_conflicts(&ops));
    errors.extend(tag_groups(api, &ops));
    if errors.is_empty() { Ok(ops) } else { Err(errors) }
}

/// `x-raw-exchange: { reason, headers, errors }`: `reason` (why the envelope
/// does not apply) is required; `headers` (plain strings) and `errors`
/// (`envelope`, the default, or `scim`) optional.
fn raw_exchange(v: &serde_json::Value) -> Result<RawExchange, String> {
    let obj = v.as_object().ok_or("must be an object with `reason` (and optional `headers`, `errors`)")?;
    for k in obj.keys() {
        if k != "reason" && k != "headers" && k != "errors" {
            return Err(format!("unknown member `{k}`"));
        }
    }
    let errors = match obj.get("errors").map(|e| e.as_str()) {
        None | Some(Some("envelope")) => ErrorForm::Envelope,
        Some(Some("scim")) => ErrorForm::Scim,
        Some(_) => return Err("`errors` is `envelope` or `scim`".into()),
    };
    if obj.get("reason").and_then(|r| r.as_str()).is_none_or(|r| r.trim().is_empty()) {
        return Err("needs a `reason` saying whose shapes the operation answers in".into());
    }
    let mut headers = Vec::new();
    if let Some(h) = obj.get("headers") {
        let h = h.as_object().ok_or("`headers` must map header names to values")?;
        for (name, value) in h {
            let value = value.as_str().ok_or(format!("header `{name}` must be a string"))?;
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)) {
                return Err(format!("`{name}` is not a header name"));
            }
            if !value.bytes().all(|c| (0x20..0x7f).contains(&c)) {
                return Err(format!("`{value}` is not a plain header value"));
            }
            headers.push((name.to_ascii_lowercase(), value.to_owned()));
        }
    }
    Ok(RawExchange { headers, errors })
}

/// The docs sidebar: every tag an operation uses is declared with an
/// `x-displayName`, and sits in exactly one of the root's `x-tagGroups` (a
/// tag in no group would vanish from the reference page).
fn tag_groups(api: &OpenAPI, ops: &[Operation]) -> Vec<SpecError> {
    let mut errors = Vec::new();
    let mut grouped: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(groups) = api.extensions.get("x-tagGroups").and_then(|g| g.as_array()) {
        for group in groups {
            for tag in group.get("tags").and_then(|t| t.as_array()).into_iter().flatten() {
                *grouped.entry(tag.as_str().unwrap_or_default().to_owned()).or_default() += 1;
            }
        }
    } else {
        errors.push(SpecError::new("x-tagGroups", "the document groups its tags by surface (x-tagGroups)"));
    }
    for tag in &api.tags {
        if !tag.extensions.contains_key("x-displayName") {
            errors.push(SpecError::new(format!("tag {}", tag.name), "tag has no x-displayName"));
        }
        match grouped.get(&tag.name) {
            Some(1) => {}
            Some(_) => errors.push(SpecError::new(format!("tag {}", tag.name), "tag sits in more than one x-tagGroups group")),
            None => errors.push(SpecError::new(format!("tag {}", tag.name), "tag sits in no x-tagGroups group")),
        }
    }
    let declared: BTreeSet<&str> = api.tags.iter().map(|t| t.name.as_str()).collect();
    for op in ops {
        for tag in &op.tags {
            if !declared.contains(tag.as_str()) {
                errors.push(SpecError::new(format!("({})", op.operation_id), format!("tag `{tag}` is not declared in the document's tags")));
            }
        }
    }
    errors.sort_by(|a, b| a.at.cmp(&b.at));
    errors.dedup_by(|a, b| a.at == b.at && a.problem == b.problem);
    errors
}

/// Every JSON success body is the envelope: required `data` and a string
/// `request_id` (the runtime fills it in).
fn is_envelope(api: &OpenAPI, name: &str) -> bool {
    let Some(ReferenceOr::Item(schema)) = api.components.as_ref().and_then(|c| c.schemas.get(name)) else {
        return false;
    };
    let openapiv3::SchemaKind::Type(openapiv3::Type::Object(obj)) = &schema.schema_kind else { return false };
    let required = |f: &str| obj.required.iter().any(|r| r == f);
    let request_id_is_string = matches!(
        obj.properties.get("request_id"),
        Some(ReferenceOr::Item(p)) if matches!(p.schema_kind, openapiv3::SchemaKind::Type(openapiv3::Type::String(_)))
    );
    required("data") && required("request_id") && request_id_is_string
}

/// The member type names of an answer union: a `oneOf` of `$ref`s, each an
/// object with a required boolean `ok` and a required string `request_id`
/// (`{"ok": true, ...}` or `{"ok": false, "error": ...}`, the form the AI
/// assists answer in, as CONTRACT.md allows).
fn answer_variants(api: &OpenAPI, name: &str) -> Option<Vec<String>> {
    let schemas = &api.components.as_ref()?.schemas;
    let Some(ReferenceOr::Item(schema)) = schemas.get(name) else { return None };
    let openapiv3::SchemaKind::OneOf { one_of } = &schema.schema_kind else { return None };
    let names: Vec<String> = one_of.iter().map(ref_name).collect::<Option<_>>()?;
    let is_answer = |n: &String| {
        let Some(ReferenceOr::Item(s)) = schemas.get(n) else { return false };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Object(obj)) = &s.schema_kind else { return false };
        let typed = |f: &str, boolean: bool| {
            obj.required.iter().any(|r| r == f)
                && matches!(obj.properties.get(f), Some(ReferenceOr::Item(p)) if match &p.schema_kind {
                    openapiv3::SchemaKind::Type(openapiv3::Type::Boolean(_)) => boolean,
                    openapiv3::SchemaKind::Type(openapiv3::Type::String(_)) => !boolean,
                    _ => false,
                })
        };
        typed("ok", true) && typed("request_id", false)
    };
    (names.len() >= 2 && names.iter().all(is_answer)).then_some(names)
}

fn resolve_response<'a>(api: &'a OpenAPI, r: &'a ReferenceOr<Response>) -> Option<&'a Response> {
    crate::spec::resolve(r, || api.components.as_ref().map(|c| &c.responses), "#/components/responses/")
}

pub fn path_vars(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.split(':').next().unwrap_or(s).to_owned())
        .collect()
}

/// Folds each literal last segment that sits beside a variable into the
/// variable's path, where that path leaves the literal's method free (see
/// [`crate::spec::Fold`]).
fn fold_literals(ops: &mut [Operation]) {
    let paths: BTreeSet<String> = ops.iter().map(|o| o.path.clone()).collect();
    for i in 0..ops.len() {
        let path = ops[i].path.clone();
        let Some((prefix, last)) = path.rsplit_once('/') else { continue };
        if last.starts_with('{') || paths.iter().any(|p| p.starts_with(&format!("{path}/"))) {
            continue;
        }
        let sibling = paths.iter().find_map(|p| {
            let (pre, seg) = p.rsplit_once('/')?;
            let var = seg.strip_prefix('{')?.strip_suffix('}')?;
            (pre == prefix).then(|| (p.clone(), var.to_owned()))
        });
        let Some((route_path, variable)) = sibling else { continue };
        let method = ops[i].method.clone();
        // a GET would bring its HEAD twin along; nothing needs that yet
        if method == "get" || ops.iter().any(|o| o.path == route_path && o.method == method) {
            continue;
        }
        ops[i].fold = Some(crate::spec::Fold { route_path, variable, literal: last.to_owned() });
    }
}

/// dropshot's router panics when, at one position below a common prefix,
/// a literal segment sits beside a variable, or two variables have different
/// names. Report those with both operations named.
pub fn route_conflicts(ops: &[Operation]) -> Vec<SpecError> {
    #[derive(Default)]
    struct Node {
        literals: BTreeMap<String, String>,      // literal -> first op using it
        variables: BTreeMap<String, String>,     // variable name -> first op using it
    }
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for op in ops {
        let mut prefix = String::new();
        for seg in op.route_path().split('/').filter(|s| !s.is_empty()) {
            let node = nodes.entry(prefix.clone()).or_default();
            if let Some(var) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                node.variables.entry(var.to_owned()).or_insert_with(|| op.label());
                prefix.push_str("/{}");
            } else {
                node.literals.entry(seg.to_owned()).or_insert_with(|| op.label());
                prefix.push('/');
                prefix.push_str(seg);
            }
        }
    }
    let mut errors = Vec::new();
    for (prefix, node) in nodes {
        let prefix = if prefix.is_empty() { "/".to_owned() } else { prefix };
        if let (Some((lit, lit_op)), Some((var, var_op))) =
            (node.literals.iter().next(), node.variables.iter().next())
        {
            errors.push(SpecError::new(
                var_op.clone(),
                format!(
                    "below {prefix}, variable {{{var}}} sits beside literal segment `{lit}` of {lit_op}; \
                     dropshot's router cannot route both"
                ),
            ));
        }
        if node.variables.len() > 1 {
            let names: Vec<_> = node.variables.iter().map(|(n, o)| format!("{{{n}}} in {o}")).collect();
            errors.push(SpecError::new(
                prefix,
                format!("one position has several variable names: {}", names.join(", ")),
            ));
        }
    }
    errors
}
