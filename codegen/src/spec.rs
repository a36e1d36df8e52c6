//! The parts of an OpenAPI operation the server generator needs, resolved
//! (parameter `$ref`s followed, path-level parameters merged).

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StatusCode,
    Type,
};

use crate::check::SpecError;

pub fn load(yaml: &str) -> Result<OpenAPI, SpecError> {
    serde_yaml::from_str(yaml)
        .map_err(|e| SpecError::new("(document)", format!("openapi.yaml does not parse: {e}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

/// Scalar kinds a parameter can have on the server side.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    String { enumeration: Vec<String>, min_length: Option<usize>, max_length: Option<usize>, pattern: Option<String> },
    Integer { minimum: Option<i64>, maximum: Option<i64> },
    Boolean,
    DateTime,
}

#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub kind: ParamKind,
    /// `x-error-code`: the code a malformed value gets instead of
    /// `invalid_parameter` (e.g. `invalid_cursor`).
    pub error_code: Option<String>,
}

/// How the request body arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum BodySpec {
    /// `application/json` with a `$ref` schema: the named generated type.
    Json(String),
    /// Raw bytes (`application/octet-stream`, `application/zip`).
    Raw(String),
}

/// How the success response is produced.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessSpec {
    /// JSON body of the named generated type: the envelope, or (with
    /// `variants`, the `oneOf` members' type names) an answer that is one of
    /// several `ok`-flagged shapes (the AI assists' documented exception).
    Json { status: u16, schema: String, variants: Vec<String> },
    /// Anything else (YAML, HTML, bytes, event streams): the handler builds it.
    Raw { status: u16 },
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub tags: Vec<String>,
    pub params: Vec<ParamSpec>,
    pub body: Option<BodySpec>,
    pub success: SuccessSpec,
    /// `None` only for operations with `security: []` (public).
    pub scope: Option<String>,
    pub public: bool,
    /// Largest accepted request body, from `x-max-body-bytes`.
    pub max_body_bytes: Option<u64>,
    /// `x-raw-exchange`: the operation answers in a standard's own shapes,
    /// not the envelope (see [`RawExchange`]).
    pub raw_exchange: Option<RawExchange>,
    /// The operation's `security` accepts `basicAuth` besides the bearer key.
    pub basic_auth: bool,
    /// Where dropshot routes it when its path cannot be routed as written
    /// (see [`Fold`]).
    pub fold: Option<Fold>,
    /// The operation's `security` names `scimBearer`: it admits a SCIM token
    /// of the tenant, never an API key.
    pub scim_token: bool,
    /// `x-alternate-request-syntax`: also reachable as
    /// `POST <path>?method=<METHOD>` with its headers, parameters and body
    /// as form fields (xAPI Communication 1.3; `support::alternate`).
    pub alternate_syntax: bool,
}

/// An operation whose request and success bodies a standard defines (xAPI):
/// its body arrives raw whatever its media type(s), its success response is
/// built by the handler, and `headers` go on every answer, errors included.
/// Admission, scopes, rate limits, request ids and logging stay as for every
/// other operation; errors keep the envelope unless the standard defines its
/// own (`errors: scim`, RFC 7644 §3.12).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawExchange {
    pub headers: Vec<(String, String)>,
    pub errors: ErrorForm,
}

/// A path whose last segment is a literal beside a variable (`POST
/// /scim/v2/Users/.search` beside `/scim/v2/Users/{id}`), which dropshot's
/// router cannot hold both of: its endpoint is registered at the variable's
/// path (`route_path`), for a method that path does not document, and serves
/// the operation when the variable is the literal (otherwise the variable
/// path's 405).
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    pub route_path: String,
    pub variable: String,
    pub literal: String,
}

/// The shape every error of an operation is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorForm {
    /// This API's envelope (`application/json`, `ErrorEnvelope`).
    #[default]
    Envelope,
    /// SCIM's error schema (`application/scim+json`, `ScimError`).
    Scim,
}

impl ErrorForm {
    /// The media type its error responses are documented in.
    pub fn media_type(self) -> &'static str {
        match self {
            ErrorForm::Envelope => "application/json",
            ErrorForm::Scim => "application/scim+json",
        }
    }
}

impl Operation {
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.method.to_uppercase(), self.path, self.operation_id)
    }
    pub fn params_in(&self, loc: ParamLocation) -> Vec<&ParamSpec> {
        self.params.iter().filter(|p| p.location == loc).collect()
    }
    /// The path dropshot routes the operation at.
    pub fn route_path(&self) -> &str {
        self.fold.as_ref().map_or(self.path.as_str(), |f| f.route_path.as_str())
    }
    pub fn error_form(&self) -> ErrorForm {
        self.raw_exchange.as_ref().map(|r| r.errors).unwrap_or_default()
    }
    pub fn idempotent(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case("Idempotency-Key"))
    }
}

/// The component `reference` names in `map` (`prefix`: its section's path).
pub fn component<'a, T>(map: &'a indexmap::IndexMap<String, ReferenceOr<T>>, reference: &str, prefix: &str) -> Option<&'a T> {
    match map.get(reference.strip_prefix(prefix)?)? {
        ReferenceOr::Item(t) => Some(t),
        ReferenceOr::Reference { .. } => None,
    }
}

/// An item, or the component its reference names.
pub fn resolve<'a, T>(item: &'a ReferenceOr<T>, map: impl FnOnce() -> Option<&'a indexmap::IndexMap<String, ReferenceOr<T>>>, prefix: &str) -> Option<&'a T> {
    match item {
        ReferenceOr::Item(t) => Some(t),
        ReferenceOr::Reference { reference } => component(map()?, reference, prefix),
    }
}

pub fn resolve_param<'a>(api: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    resolve(p, || api.components.as_ref().map(|c| &c.parameters), "#/components/parameters/")
}

pub fn resolve_schema<'a>(api: &'a OpenAPI, s: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    resolve(s, || api.components.as_ref().map(|c| &c.schemas), "#/components/schemas/")
}

pub fn ref_name(s: &ReferenceOr<Schema>) -> Option<String> {
    match s {
        ReferenceOr::Reference { reference } => {
            reference.strip_prefix("#/components/schemas/").map(str::to_owned)
        }
        ReferenceOr::Item(_) => None,
    }
}

pub fn param_kind(api: &OpenAPI, format: &ParameterSchemaOrContent) -> Result<ParamKind, String> {
    let ParameterSchemaOrContent::Schema(s) = format else {
        return Err("parameters must be described by a schema, not content".into());
    };
    let schema = resolve_schema(api, s).ok_or("parameter schema reference does not resolve")?;
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(st)) => {
            if matches!(&st.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime)) {
                return Ok(ParamKind::DateTime);
            }
            if let Some(p) = &st.pattern {
                regress::Regex::new(p).map_err(|e| format!("pattern `{p}` does not compile: {e}"))?;
            }
            Ok(ParamKind::String {
                enumeration: st.enumeration.iter().flatten().cloned().collect(),
                min_length: st.min_length,
                max_length: st.max_length,
                pattern: st.pattern.clone(),
            })
        }
        SchemaKind::Type(Type::Integer(it)) => Ok(ParamKind::Integer { minimum: it.minimum, maximum: it.maximum }),
        SchemaKind::Type(Type::Boolean(_)) => Ok(ParamKind::Boolean),
        other => Err(format!(
            "parameter type {other:?} is not supported (dropshot accepts scalar parameters only)"
        )),
    }
}

pub fn success_status(code: &StatusCode) -> Option<u16> {
    match code {
        StatusCode::Code(n) if (200..300).contains(n) => Some(*n),
        _ => None,
    }
}
