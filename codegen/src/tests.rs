//! The generator refuses spec mistakes with the operation named, and
//! generates for good documents (including the real one).

use crate::{generate, SpecError};

fn doc(paths: &str) -> String {
    format!(
        r##"openapi: 3.0.3
info: {{title: t, version: '1'}}
tags: [{{name: t, x-displayName: T}}]
x-tagGroups: [{{name: G, tags: [t]}}]
paths:
{paths}
components:
  schemas:
    E: {{type: object, required: [error, request_id], properties: {{error: {{type: object}}, request_id: {{type: string}}}}}}
    F: {{type: object, properties: {{other: {{type: string}}}}}}
    T: {{type: object, required: [data, request_id], properties: {{data: {{type: string}}, request_id: {{type: string}}}}}}
    N: {{type: object, required: [data], properties: {{data: {{type: string}}}}}}
    B: {{type: object, additionalProperties: false, properties: {{name: {{type: string}}}}}}
"##
    )
}

const OK: &str = "{description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/T'}}}}";
const ERR: &str = "{description: e, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}";

fn get(path: &str, op_id: &str, params: &str) -> String {
    format!(
        "  {path}:\n    get:\n      operationId: {op_id}\n      tags: [t]\n      description: Requires scope `users:read`.\n      x-required-scope: users:read\n{params}      responses:\n        '200': {OK}\n        '401': {ERR}\n"
    )
}

fn errors_of(yaml: &str) -> Vec<SpecError> {
    match generate(yaml) {
        Ok(_) => panic!("expected the generator to refuse:\n{yaml}"),
        Err(e) => e,
    }
}

fn id_param(name: &str) -> String {
    format!("      parameters:\n        - {{name: {name}, in: path, required: true, schema: {{type: integer}}}}\n")
}

#[test]
fn generates_for_a_small_document() {
    let yaml = doc(&get("/a/{id}", "getA", &id_param("id")));
    let out = generate(&yaml).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(out.server.contains("pub trait TService"), "a service trait per tag");
    assert!(out.server.contains("fn get_a("));
    assert!(out.server.contains("method = OPTIONS"), "a preflight per path");
    assert!(out.server.contains("route_0_post_not_allowed"), "405 for undocumented methods");
    assert!(out.server.contains("fn get_a_head(") && !out.server.contains("route_0_head_not_allowed"), "HEAD wherever GET");
    assert!(out.server.contains("OP_GET_A"));
    assert!(out.client.contains("pub fn get_a("), "the progenitor client");
}

#[test]
fn refuses_a_missing_operation_id() {
    let yaml = doc(&format!("  /a:\n    get:\n      tags: [t]\n      responses:\n        '200': {OK}\n"));
    let e = errors_of(&yaml);
    assert!(e.iter().any(|e| e.at == "GET /a" && e.problem.contains("no operationId")), "{e:?}");
}

#[test]
fn refuses_a_literal_beside_a_variable_naming_both_operations() {
    let yaml = doc(&(get("/t/{id}", "getT", &id_param("id")) + &get("/t/search", "searchT", "")));
    let e = errors_of(&yaml);
    let msg = e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
    assert!(msg.contains("getT") && msg.contains("searchT") && msg.contains("beside literal"), "{msg}");
}

#[test]
fn refuses_two_variable_names_at_one_position() {
    let yaml = doc(&(get("/x/{id}", "getX", &id_param("id")) + &get("/x/{ref}/y", "getY", &id_param("ref"))));
    let e = errors_of(&yaml);
    assert!(e.iter().any(|e| e.problem.contains("several variable names") && e.problem.contains("{ref}")), "{e:?}");
}

#[test]
fn refuses_non_uniform_error_schemas() {
    let paths = format!(
        "  /a:\n    get:\n      operationId: a\n      tags: [t]\n      description: Requires scope `users:read`.\n      x-required-scope: users:read\n      responses:\n        '200': {OK}\n        '404': {{description: e, content: {{application/json: {{schema: {{$ref: '#/components/schemas/F'}}}}}}}}\n        '401': {ERR}\n"
    );
    let e = errors_of(&doc(&paths));
    assert!(e.iter().any(|e| e.problem.contains("share one schema")), "{e:?}");
}

#[test]
fn refuses_several_success_responses_and_missing_scope() {
    let paths = format!(
        "  /a:\n    post:\n      operationId: a\n      tags: [t]\n      responses:\n        '200': {OK}\n        '204': {{description: none}}\n"
    );
    let e = errors_of(&doc(&paths));
    assert!(e.iter().any(|e| e.at.contains("(a)") && e.problem.contains("several 2xx")), "{e:?}");
    assert!(e.iter().any(|e| e.at.contains("(a)") && e.problem.contains("x-required-scope")), "{e:?}");
}

#[test]
fn refuses_multipart_and_array_query_parameters() {
    let paths = format!(
        "  /a:\n    post:\n      operationId: up\n      tags: [t]\n      description: Requires scope `users:read`.\n      x-required-scope: users:read\n      parameters:\n        - {{name: ids, in: query, schema: {{type: array, items: {{type: string}}}}}}\n      requestBody: {{content: {{multipart/form-data: {{schema: {{type: object}}}}}}}}\n      responses:\n        '200': {OK}\n"
    );
    let e = errors_of(&doc(&paths));
    assert!(e.iter().any(|e| e.problem.contains("multipart")), "{e:?}");
    assert!(e.iter().any(|e| e.problem.contains("parameter ids")), "{e:?}");
}

#[test]
fn refuses_a_scope_the_description_does_not_name() {
    let paths = get("/a", "a", "").replace("Requires scope `users:read`.", "Reads things.");
    let e = errors_of(&doc(&paths));
    assert!(e.iter().any(|e| e.problem.contains("description must name")), "{e:?}");
}

#[test]
fn generates_for_the_real_document() {
    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let out = generate(&yaml).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(out.server.contains("pub trait EventsService"));
    assert!(out.server.contains("pub static ROUTES"));
}

#[test]
fn refuses_a_success_body_that_is_not_the_envelope() {
    let paths = get("/a", "a", "").replace("schemas/T'", "schemas/N'");
    let e = errors_of(&doc(&paths));
    assert!(e.iter().any(|e| e.at.contains("(a)") && e.problem.contains("not an envelope")), "{e:?}");
}

#[test]
fn a_tag_outside_every_group_is_refused() {
    let yaml = doc(&get("/a", "a", "")).replace("tags: [t]}]", "tags: []}]");
    let e = errors_of(&yaml);
    assert!(e.iter().any(|e| e.at == "tag t" && e.problem.contains("no x-tagGroups group")), "{e:?}");
    let yaml = doc(&get("/a", "a", "").replace("tags: [t]", "tags: [u]"));
    let e = errors_of(&yaml);
    assert!(e.iter().any(|e| e.at == "(a)" && e.problem.contains("not declared")), "{e:?}");
}

#[test]
fn a_raw_exchange_names_its_reason_and_only_it_takes_basic_auth() {
    // N is no envelope: refused, unless the operation answers in a standard's shapes
    let bare = get("/a", "a", "").replace("schemas/T", "schemas/N");
    assert!(errors_of(&doc(&bare)).iter().any(|e| e.problem.contains("not an envelope")));
    let raw = bare.replace("      x-required-scope", "      x-raw-exchange: {reason: xAPI, headers: {X-Std: '1.0'}}\n      x-required-scope");
    assert!(generate(&doc(&raw)).is_ok());
    let unexplained = bare.replace("      x-required-scope", "      x-raw-exchange: {headers: {X-Std: '1.0'}}\n      x-required-scope");
    assert!(errors_of(&doc(&unexplained)).iter().any(|e| e.problem.contains("reason")));
    let basic = get("/a", "a", "").replace("      x-required-scope", "      security: [{bearerAuth: []}, {basicAuth: []}]\n      x-required-scope");
    assert!(errors_of(&doc(&basic)).iter().any(|e| e.problem.contains("basicAuth")));
}
