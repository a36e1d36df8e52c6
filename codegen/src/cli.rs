//! The `mobieus` CLI's command table: one entry per documented operation,
//! grouped by the operation's first tag and named from its operationId (the
//! group's words left out: `listHelpdeskTickets` in `helpdesk-tickets` is
//! `list`), or from `x-cli.name`. Parameters become flags; a JSON body's
//! top-level properties become flags too (an object or an array of objects
//! takes JSON). `x-cli.columns` on an operation picks the table columns of
//! what it answers. The CLI builds its commands from this table at run
//! time, so a new operation in the yaml is a new command with no code.

use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Schema, SchemaKind, Type};
use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::check::SpecError;
use crate::spec::{component, resolve, resolve_param, resolve_schema};

struct Param {
    name: String,
    location: &'static str,
    required: bool,
    kind: &'static str,
    help: String,
    values: Vec<String>,
    example: String,
}

struct Field {
    name: String,
    required: bool,
    kind: &'static str,
    help: String,
    values: Vec<String>,
}

struct Command {
    group: String,
    name: String,
    operation_id: String,
    summary: String,
    method: String,
    path: String,
    params: Vec<Param>,
    /// `json`, another media type (a raw body), or none.
    body_media: Option<String>,
    body_required: bool,
    fields: Vec<Field>,
    list: bool,
    json_answer: bool,
    columns: Vec<String>,
    /// Documents `Idempotency-Key`.
    idempotency: bool,
    /// The JSON answer's named schema (a list's envelope, for `pages`).
    answer_schema: Option<String>,
}

fn singular(w: &str) -> String {
    if let Some(stem) = w.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = w.strip_suffix('s') {
        stem.to_owned()
    } else {
        w.to_owned()
    }
}

/// The command's name: the operationId's words without the group's.
fn command_name(group: &str, operation_id: &str) -> String {
    let group_words: Vec<String> = group.split('-').flat_map(|w| [w.to_owned(), singular(w)]).collect();
    let words: Vec<String> = operation_id.to_kebab_case().split('-').map(str::to_owned).collect();
    let kept: Vec<&str> = words.iter().filter(|w| !group_words.contains(w)).map(String::as_str).collect();
    // nothing left (`searchKnow` in `know-search`): the verb alone
    if kept.is_empty() { words[0].clone() } else { kept.join("-") }
}

fn resolve_boxed<'a>(api: &'a OpenAPI, s: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => component(&api.components.as_ref()?.schemas, reference, "#/components/schemas/"),
    }
}

/// A scalar's kind for a flag: `string`, `integer`, `number`, `boolean`,
/// `list:<scalar>` (an array of scalars) or `json` (anything else).
fn kind_of(api: &OpenAPI, s: &Schema) -> (&'static str, Vec<String>) {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => ("string", st.enumeration.iter().flatten().cloned().collect()),
        SchemaKind::Type(Type::Integer(_)) => ("integer", vec![]),
        SchemaKind::Type(Type::Number(_)) => ("number", vec![]),
        SchemaKind::Type(Type::Boolean(_)) => ("boolean", vec![]),
        SchemaKind::Type(Type::Array(a)) => {
            let item = a.items.as_ref().and_then(|i| resolve_boxed(api, i)).map(|i| &i.schema_kind);
            let kind = match item {
                Some(SchemaKind::Type(Type::String(_))) => "list:string",
                Some(SchemaKind::Type(Type::Integer(_))) => "list:integer",
                Some(SchemaKind::Type(Type::Number(_))) => "list:number",
                Some(SchemaKind::Type(Type::Boolean(_))) => "list:boolean",
                _ => "json",
            };
            (kind, vec![])
        }
        _ => ("json", vec![]),
    }
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default().to_owned()
}

fn resolve_body<'a>(api: &'a OpenAPI, b: &'a ReferenceOr<RequestBody>) -> Option<&'a RequestBody> {
    resolve(b, || api.components.as_ref().map(|c| &c.request_bodies), "#/components/requestBodies/")
}

fn commands(api: &OpenAPI) -> Result<Vec<Command>, SpecError> {
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else { continue };
        for (method, op) in item.iter() {
            let id = op.operation_id.clone().unwrap_or_default();
            let label = format!("{} {path} ({id})", method.to_uppercase());
            let group = op.tags.first().cloned().ok_or_else(|| SpecError::new(&label, "an operation needs a tag (its CLI group)"))?;
            let x_cli = op.extensions.get("x-cli");
            let name = x_cli.and_then(|x| x["name"].as_str()).map(str::to_owned).unwrap_or_else(|| command_name(&group, &id));
            let columns: Vec<String> = x_cli.and_then(|x| x["columns"].as_array()).into_iter().flatten().filter_map(|c| c.as_str().map(str::to_owned)).collect();
            let mut params = Vec::new();
            let mut idempotency = false;
            for p in item.parameters.iter().chain(&op.parameters) {
                let Some(p) = resolve_param(api, p) else { continue };
                let (location, data) = match p {
                    Parameter::Path { parameter_data, .. } => ("path", parameter_data),
                    Parameter::Query { parameter_data, .. } => ("query", parameter_data),
                    Parameter::Header { parameter_data, .. } => ("header", parameter_data),
                    Parameter::Cookie { .. } => continue,
                };
                // the CLI sends its own Idempotency-Key (`--idempotency-key`)
                if location == "header" && data.name.eq_ignore_ascii_case("idempotency-key") {
                    idempotency = true;
                    continue;
                }
                let (kind, values) = match &data.format {
                    ParameterSchemaOrContent::Schema(s) => resolve_schema(api, s).map(|s| kind_of(api, s)).unwrap_or(("string", vec![])),
                    ParameterSchemaOrContent::Content(_) => ("string", vec![]),
                };
                let example = data.example.as_ref().map(|e| e.as_str().map(str::to_owned).unwrap_or_else(|| e.to_string())).unwrap_or_default();
                params.push(Param { name: data.name.clone(), location, required: data.required, kind, help: first_line(data.description.as_deref().unwrap_or_default()), values, example });
            }
            let mut fields = Vec::new();
            let (mut body_media, mut body_required) = (None, false);
            if let Some(body) = op.request_body.as_ref().and_then(|b| resolve_body(api, b)) {
                body_required = body.required;
                if let Some(mt) = body.content.get("application/json") {
                    body_media = Some("json".to_owned());
                    let schema = mt.schema.as_ref().and_then(|s| resolve_schema(api, s));
                    if let Some(SchemaKind::Type(Type::Object(obj))) = schema.map(|s| &s.schema_kind) {
                        for (fname, fs) in &obj.properties {
                            let Some(fs) = resolve_boxed(api, fs) else { continue };
                            let (kind, values) = kind_of(api, fs);
                            fields.push(Field {
                                name: fname.clone(),
                                required: obj.required.contains(fname),
                                kind,
                                help: first_line(fs.schema_data.description.as_deref().unwrap_or_default()),
                                values,
                            });
                        }
                    }
                } else if let Some((media, _)) = body.content.iter().next() {
                    body_media = Some(media.clone());
                }
            }
            let ok = op.responses.responses.iter().find(|(c, _)| c.to_string().starts_with('2'));
            let json_answer = ok.is_some_and(|(_, r)| match r {
                ReferenceOr::Item(r) => r.content.contains_key("application/json") || r.content.contains_key("application/scim+json"),
                ReferenceOr::Reference { .. } => false,
            });
            let answer_schema = ok
                .and_then(|(_, r)| match r {
                    ReferenceOr::Item(r) => r.content.get("application/json").and_then(|m| m.schema.as_ref()),
                    ReferenceOr::Reference { .. } => None,
                })
                .and_then(crate::spec::ref_name);
            let list = params.iter().any(|p| p.name == "cursor" && p.location == "query");
            out.push(Command {
                group,
                name,
                operation_id: id,
                summary: op.summary.clone().unwrap_or_default(),
                method: method.to_uppercase(),
                path: path.clone(),
                params,
                body_media,
                body_required,
                fields,
                list,
                json_answer,
                columns,
                idempotency,
                answer_schema,
            });
        }
    }
    // a name twice in a group would shadow a command
    let mut seen = std::collections::BTreeSet::new();
    for c in &out {
        if !seen.insert((c.group.clone(), c.name.clone())) {
            return Err(SpecError::new(&c.operation_id, format!("CLI command `{} {}` is named twice; give one an `x-cli.name`", c.group, c.name)));
        }
    }
    Ok(out)
}

/// `impl crate::Page` for every list's envelope (an operation taking
/// `cursor` whose JSON answer's `data` is an array of a named schema), so
/// the SDK follows the cursors of any list: `(list envelope, item type)`.
fn pages(api: &OpenAPI, commands: &[Command]) -> Result<Vec<(String, String)>, SpecError> {
    let schemas = api.components.as_ref().map(|c| &c.schemas);
    let mut out = std::collections::BTreeSet::new();
    for c in commands.iter().filter(|c| c.list) {
        let Some(envelope) = c.answer_schema.clone() else { continue };
        let data_item = schemas.and_then(|s| s.get(&envelope)).and_then(|s| match s {
            ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) => o.properties.get("data"),
            _ => None,
        });
        let item_name = data_item.and_then(|d| match d {
            ReferenceOr::Item(d) => match &d.schema_kind {
                SchemaKind::Type(Type::Array(a)) => match a.items.as_ref()? {
                    ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/").map(str::to_owned),
                    ReferenceOr::Item(_) => None,
                },
                _ => None,
            },
            ReferenceOr::Reference { .. } => None,
        });
        // a standard's own list (xAPI's `more`, SCIM's startIndex) has no envelope
        let Some(data_item) = data_item else { continue };
        match item_name {
            Some(item) => {
                out.insert((envelope, item));
            }
            None => return Err(SpecError::new(&c.operation_id, format!("a list's `{envelope}.data` must be an array of a named schema (the SDK's pages), not {data_item:?}"))),
        }
    }
    Ok(out.into_iter().collect())
}

/// The table as Rust: `pub static COMMANDS: &[CliCommand]`.
pub fn cli_tokens(api: &OpenAPI) -> Result<TokenStream, SpecError> {
    let group_about: std::collections::BTreeMap<String, String> =
        api.tags.iter().map(|t| (t.name.clone(), t.extensions.get("x-displayName").and_then(|v| v.as_str()).map(str::to_owned).unwrap_or_else(|| first_line(t.description.as_deref().unwrap_or_default())))).collect();
    let commands = commands(api)?;
    let page_impls = pages(api, &commands)?.into_iter().map(|(list, item)| {
        let (list, item) = (quote::format_ident!("{}", list), quote::format_ident!("{}", item));
        quote! {
            impl crate::Page for crate::types::#list {
                type Item = crate::types::#item;
                fn into_parts(self) -> (Vec<crate::types::#item>, Option<String>) {
                    (self.data, self.next_cursor)
                }
            }
        }
    });
    let entries = commands.iter().map(|c| {
        let Command { group, name, operation_id, summary, method, path, params, body_media, body_required, fields, list, json_answer, columns, idempotency, .. } = c;
        let group_about = group_about.get(group).cloned().unwrap_or_default();
        let params = params.iter().map(|p| {
            let Param { name, location, required, kind, help, values, example } = p;
            quote! { CliParam { name: #name, location: #location, required: #required, kind: #kind, help: #help, values: &[#(#values),*], example: #example } }
        });
        let fields = fields.iter().map(|f| {
            let Field { name, required, kind, help, values } = f;
            quote! { CliField { name: #name, required: #required, kind: #kind, help: #help, values: &[#(#values),*] } }
        });
        let body_media = match body_media {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        quote! {
            CliCommand {
                group: #group, group_about: #group_about, name: #name, operation_id: #operation_id, summary: #summary,
                method: #method, path: #path, params: &[#(#params),*], body_media: #body_media, body_required: #body_required,
                fields: &[#(#fields),*], list: #list, json_answer: #json_answer, columns: &[#(#columns),*], idempotency: #idempotency,
            }
        }
    });
    Ok(quote! {
        /// A documented operation as a command.
        #[derive(Debug, Clone, Copy)]
        pub struct CliCommand {
            /// The operation's first tag.
            pub group: &'static str,
            pub group_about: &'static str,
            pub name: &'static str,
            pub operation_id: &'static str,
            pub summary: &'static str,
            pub method: &'static str,
            /// With `{name}` for path parameters.
            pub path: &'static str,
            pub params: &'static [CliParam],
            /// `json`, or the media type of a raw body.
            pub body_media: Option<&'static str>,
            pub body_required: bool,
            /// A JSON body's top-level properties.
            pub fields: &'static [CliField],
            /// Takes `cursor` (and answers `next_cursor`).
            pub list: bool,
            /// Answers JSON (else bytes: YAML, HTML, a file, a stream).
            pub json_answer: bool,
            /// `x-cli.columns`: the table's columns.
            pub columns: &'static [&'static str],
            /// Takes an `Idempotency-Key` (the CLI always sends one).
            pub idempotency: bool,
        }

        /// `location`: `path`, `query` or `header`; `kind`: `string`,
        /// `integer`, `number`, `boolean`, `list:<scalar>` or `json`.
        #[derive(Debug, Clone, Copy)]
        pub struct CliParam {
            pub name: &'static str,
            pub location: &'static str,
            pub required: bool,
            pub kind: &'static str,
            pub help: &'static str,
            pub values: &'static [&'static str],
            pub example: &'static str,
        }

        #[derive(Debug, Clone, Copy)]
        pub struct CliField {
            pub name: &'static str,
            pub required: bool,
            pub kind: &'static str,
            pub help: &'static str,
            pub values: &'static [&'static str],
        }

        /// Every documented operation, in document order.
        pub static COMMANDS: &[CliCommand] = &[#(#entries),*];

        #(#page_impls)*
    })
}

#[cfg(test)]
mod tests {
    use super::command_name;

    #[test]
    fn names_drop_the_groups_words() {
        assert_eq!(command_name("helpdesk-tickets", "listHelpdeskTickets"), "list");
        assert_eq!(command_name("helpdesk-tickets", "changeHelpdeskTicketStatus"), "change-status");
        assert_eq!(command_name("learn-courses", "createLearnCourse"), "create");
        assert_eq!(command_name("helpdesk-canned-responses", "renderHelpdeskCannedResponse"), "render");
        assert_eq!(command_name("learn-activities", "listLearnActivities"), "list");
        assert_eq!(command_name("know-search", "searchKnow"), "search");
    }
}
