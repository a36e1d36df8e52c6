//! The event catalogue: the document's root `x-event-types` list (name,
//! description, payload schema, surface). The server serves it as
//! `listEventTypes`, and tests check every written event's `data` against the
//! generated type of its payload schema.

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::check::SpecError;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventTypeSpec {
    pub name: String,
    pub description: String,
    pub payload_schema: String,
    pub surface: String,
}

pub fn event_types(api: &OpenAPI) -> Result<Vec<EventTypeSpec>, SpecError> {
    let Some(raw) = api.extensions.get("x-event-types") else { return Ok(vec![]) };
    let list: Vec<EventTypeSpec> = serde_json::from_value(raw.clone())
        .map_err(|e| SpecError::new("x-event-types", format!("each entry needs name, description, payload_schema, surface: {e}")))?;
    let schemas = api.components.as_ref().map(|c| &c.schemas);
    let mut seen = std::collections::BTreeSet::new();
    for t in &list {
        if !seen.insert(t.name.as_str()) {
            return Err(SpecError::new("x-event-types", format!("event type `{}` is listed twice", t.name)));
        }
        if !schemas.is_some_and(|s| s.contains_key(&t.payload_schema)) {
            return Err(SpecError::new(
                "x-event-types",
                format!("event type `{}` names payload schema `{}`, which components/schemas lacks", t.name, t.payload_schema),
            ));
        }
    }
    Ok(list)
}

pub fn catalogue_tokens(types: &[EventTypeSpec]) -> TokenStream {
    let entries = types.iter().map(|t| {
        let (name, description, schema, surface) = (&t.name, &t.description, &t.payload_schema, &t.surface);
        quote!(crate::support::EventTypeInfo { name: #name, description: #description, payload_schema: #schema, surface: #surface })
    });
    let checks = types.iter().map(|t| {
        let name = &t.name;
        let ty = format_ident!("{}", t.payload_schema);
        quote!(#name => Some(serde_json::from_value::<crate::types::#ty>(data.clone()).map(|_| ()).map_err(|e| e.to_string())))
    });
    quote! {
        /// Every event type in the document's `x-event-types`, in its order.
        pub static EVENT_TYPES: &[crate::support::EventTypeInfo] = &[#(#entries),*];

        /// Whether `data` follows the payload schema of event type `name`
        /// (`None` for a type the catalogue does not list).
        pub fn check_event_payload(name: &str, data: &serde_json::Value) -> Option<Result<(), String>> {
            match name {
                #(#checks,)*
                _ => None,
            }
        }
    }
}
