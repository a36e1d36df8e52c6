//! Turns `openapi.yaml` into Rust source for the contract crate.
//!
//! Two outputs, both written by the root `build.rs` into `OUT_DIR` and
//! `include!`d there (never committed, never edited by hand):
//!
//! * `client.rs` — the progenitor client (builder style) with its `types`
//!   module, which the server shares for request and response bodies;
//! * `server.rs` — per operation a parameter struct per location, one method
//!   on the hand-implemented `Service` trait, and one endpoint on the dropshot
//!   API trait that runs the cross-cutting rules (admission, idempotency,
//!   envelope, CORS, logging) before and after calling it. Every documented
//!   path also gets an unpublished `OPTIONS` preflight endpoint and 405
//!   endpoints for the methods it does not document.
//!
//! Every mistake in the spec that would otherwise surface as a panic at
//! server start (dropshot's router) or inside progenitor is checked first by
//! [`check`] and reported with the operation it concerns.

mod bounds;
mod catalogue;
mod check;
mod cli;
mod server;
mod spec;

pub use check::{check, SpecError};
pub use spec::{load, Operation, ParamLocation, ParamSpec};

/// The generated sources.
pub struct Generated {
    pub client: String,
    pub server: String,
    /// The CLI's command table (`mobieus_api::cli`).
    pub cli: String,
}

/// Parses, checks and generates. The error lists every problem found.
pub fn generate(yaml: &str) -> Result<Generated, Vec<SpecError>> {
    let api = load(yaml).map_err(|e| vec![e])?;
    let ops = check(&api)?;
    let client = client_source(&api).map_err(|e| vec![e])?;
    let events = catalogue::event_types(&api).map_err(|e| vec![e])?;
    let mut tokens = server::server_tokens(&ops);
    tokens.extend(catalogue::catalogue_tokens(&events));
    tokens.extend(bounds::bounds_tokens(&api, &ops));
    let server = pretty(tokens).map_err(|e| vec![e])?;
    let cli = pretty(cli::cli_tokens(&api).map_err(|e| vec![e])?).map_err(|e| vec![e])?;
    Ok(Generated { client, server, cli })
}

fn client_source(api: &openapiv3::OpenAPI) -> Result<String, SpecError> {
    let mut settings = progenitor_impl::GenerationSettings::default();
    settings
        .with_interface(progenitor_impl::InterfaceStyle::Builder)
        .with_derive("schemars::JsonSchema");
    let mut generator = progenitor_impl::Generator::new(&settings);
    // progenitor reports some problems by panicking; turn those into errors
    // that name what it was working on.
    let spec = for_progenitor(api.clone());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        generator.generate_tokens(&spec)
    }));
    let tokens = match result {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(SpecError::new("(client)", format!("progenitor: {e}"))),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(SpecError::new("(client)", format!("progenitor panicked: {msg}")));
        }
    };
    pretty(tokens)
}

/// The document as progenitor can take it. SCIM's `application/scim+json`
/// answers are read as the JSON they are. Progenitor knows one raw request
/// media type, `application/octet-stream`: a raw body of another type
/// (`application/zip`) is sent as that, and `multipart/mixed` (xAPI's
/// statements with attachments), which it can neither send nor read, is left
/// out of the client wherever the operation also speaks JSON. The server
/// reads a raw body's bytes whatever its `Content-Type`.
fn for_progenitor(mut api: openapiv3::OpenAPI) -> openapiv3::OpenAPI {
    const PROGENITOR_SENDS: [&str; 4] = ["application/json", "application/octet-stream", "application/x-www-form-urlencoded", "text/plain"];
    for (_, item) in api.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else { continue };
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            if let Some(openapiv3::ReferenceOr::Item(body)) = op.request_body.as_mut() {
                // a `+json` type beside `application/json` is the same body to progenitor
                if body.content.contains_key("application/json") {
                    body.content.retain(|media, _| !media.ends_with("+json"));
                }
                if body.content.len() > 1 {
                    body.content.retain(|media, _| media != "multipart/mixed");
                }
                let unknown: Vec<String> = body.content.keys().filter(|m| !PROGENITOR_SENDS.contains(&m.as_str())).cloned().collect();
                for media in unknown {
                    if let Some(m) = body.content.shift_remove(&media) {
                        body.content.entry("application/octet-stream".into()).or_insert(m);
                    }
                }
            }
            for (_, response) in op.responses.responses.iter_mut() {
                let openapiv3::ReferenceOr::Item(r) = response else { continue };
                if r.content.len() > 1 {
                    r.content.retain(|media, _| media != "multipart/mixed");
                }
                // SCIM's `application/scim+json` is JSON: typed answers in the client
                if let Some(m) = r.content.shift_remove("application/scim+json") {
                    r.content.entry("application/json".into()).or_insert(m);
                }
            }
        }
    }
    api
}

fn pretty(tokens: proc_macro2::TokenStream) -> Result<String, SpecError> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| SpecError::new("(generator)", format!("generated code does not parse: {e}")))?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(test)]
mod tests;
