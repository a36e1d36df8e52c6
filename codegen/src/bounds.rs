//! Array bounds of request bodies. The generated types (typify) carry
//! string lengths and integer ranges, but not `minItems` / `maxItems`; the
//! generator walks each JSON body's schema and emits its arrays' bounds as
//! an `ArrayBounds` impl, which the body extractor checks before it
//! deserializes (so `[...1,500 ids]` is a 422 naming the field, like any
//! other schema violation). Strings of `format: uri` are listed the same
//! way (typify types them as plain strings), and checked to be absolute
//! RFC 3986 URIs; so are numbers' `minimum` / `maximum` (typify keeps at
//! most a lower bound of 1, as a NonZero type).

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::{resolve_schema, BodySpec, Operation};

/// (path, min, max): the path's segments are property names, `[]` for
/// "every item of the array here".
type Bound = (String, Option<usize>, Option<usize>);

fn resolve_boxed<'a>(api: &'a OpenAPI, s: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(b) => Some(b.as_ref()),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match api.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// (path, minimum, maximum) of a number.
type Range = (String, Option<f64>, Option<f64>);

struct Found {
    arrays: Vec<Bound>,
    /// Paths of objects: serde's derived structs also take a JSON array
    /// (`[null, null]` for a two-field struct), which the schema refuses.
    objects: Vec<String>,
    uris: Vec<String>,
    ranges: Vec<Range>,
}

fn collect(api: &OpenAPI, schema: &Schema, path: &str, depth: usize, found: &mut Found) {
    if depth > 8 {
        return;
    }
    let join = |seg: &str| if path.is_empty() { seg.to_owned() } else { format!("{path}/{seg}") };
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } | SchemaKind::OneOf { one_of: all_of } | SchemaKind::AnyOf { any_of: all_of } => {
            for s in all_of {
                if let Some(s) = resolve_schema(api, s) {
                    collect(api, s, path, depth + 1, found);
                }
            }
        }
        SchemaKind::Type(Type::Object(obj)) => {
            found.objects.push(path.to_owned());
            for (name, prop) in &obj.properties {
                let prop = resolve_boxed(api, prop);
                if let Some(p) = prop {
                    collect(api, p, &join(name), depth + 1, found);
                }
            }
        }
        SchemaKind::Type(Type::Array(arr)) => {
            if arr.min_items.is_some() || arr.max_items.is_some() {
                found.arrays.push((path.to_owned(), arr.min_items, arr.max_items));
            }
            if let Some(items) = &arr.items {
                let items = resolve_boxed(api, items);
                if let Some(i) = items {
                    collect(api, i, &join("[]"), depth + 1, found);
                }
            }
        }
        SchemaKind::Type(Type::String(st)) => {
            if matches!(&st.format, openapiv3::VariantOrUnknownOrEmpty::Unknown(f) if f == "uri") {
                found.uris.push(path.to_owned());
            }
        }
        SchemaKind::Type(Type::Integer(it)) if it.minimum.is_some() || it.maximum.is_some() => {
            found.ranges.push((path.to_owned(), it.minimum.map(|n| n as f64), it.maximum.map(|n| n as f64)));
        }
        SchemaKind::Type(Type::Number(nt)) if nt.minimum.is_some() || nt.maximum.is_some() => {
            found.ranges.push((path.to_owned(), nt.minimum, nt.maximum));
        }
        _ => {}
    }
}

/// One `ArrayBounds` impl per JSON body type the operations take.
pub fn bounds_tokens(api: &OpenAPI, ops: &[Operation]) -> TokenStream {
    let mut names: Vec<&str> = ops
        .iter()
        .filter_map(|op| match &op.body {
            Some(BodySpec::Json(name)) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    let impls = names.into_iter().map(|name| {
        let mut found = Found { arrays: Vec::new(), uris: Vec::new(), ranges: Vec::new(), objects: Vec::new() };
        let reference = ReferenceOr::Reference { reference: format!("#/components/schemas/{name}") };
        if let Some(schema) = resolve_schema(api, &reference) {
            collect(api, schema, "", 0, &mut found);
        }
        let (bounds, uris, objects) = (&found.arrays, &found.uris, &found.objects);
        let ranges = found.ranges.iter().map(|(path, min, max)| {
            let min = match min {
                Some(n) => quote!(Some(#n)),
                None => quote!(None),
            };
            let max = match max {
                Some(n) => quote!(Some(#n)),
                None => quote!(None),
            };
            quote!((#path, #min, #max))
        });
        let entries = bounds.iter().map(|(path, min, max)| {
            let min = match min {
                Some(n) => quote!(Some(#n)),
                None => quote!(None),
            };
            let max = match max {
                Some(n) => quote!(Some(#n)),
                None => quote!(None),
            };
            quote!((#path, #min, #max))
        });
        let t = format_ident!("{}", name);
        quote! {
            impl crate::support::ArrayBounds for crate::types::#t {
                const BOUNDS: &'static [(&'static str, Option<usize>, Option<usize>)] = &[#(#entries),*];
                const URIS: &'static [&'static str] = &[#(#uris),*];
                const RANGES: &'static [(&'static str, Option<f64>, Option<f64>)] = &[#(#ranges),*];
                const OBJECTS: &'static [&'static str] = &[#(#objects),*];
            }
        }
    });
    quote!(#(#impls)*)
}
