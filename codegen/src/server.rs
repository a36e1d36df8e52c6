//! The server half: parameter structs, the `Service` trait the server
//! implements by hand, and the dropshot API trait whose endpoints wrap it.
//!
//! Generated code only refers to `crate::support` (the contract crate's
//! hand-written runtime) and `crate::types` (progenitor's types), so what an
//! endpoint does around the handler is written once, in `support`.

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::{BodySpec, Operation, ParamKind, ParamLocation, ParamSpec, SuccessSpec};

const ALL_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

pub fn server_tokens(ops: &[Operation]) -> TokenStream {
    let mut items = Vec::new();
    // one service trait per surface (the operation's first tag), so each
    // surface's implementation lives in its own file
    let mut service_methods: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut endpoints = Vec::new();
    let mut op_statics = Vec::new();
    let mut op_refs = Vec::new();
    let mut envelopes = std::collections::BTreeSet::new();

    // paths some of whose operations take xAPI's alternate request syntax:
    // a dispatcher each (and a POST endpoint where the path documents none)
    let mut alternates: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in ops.iter().filter(|o| o.alternate_syntax) {
        alternates.entry(op.path.as_str()).or_default().push(op);
    }
    let dispatcher = |path: &str| format_ident!("alternate_{}", path.trim_matches('/').replace(['/', '-', '.'], "_"));

    for op in ops {
        let fn_name = format_ident!("{}", op.operation_id.to_snake_case());
        let camel = op.operation_id.to_upper_camel_case();
        let static_name = format_ident!("OP_{}", op.operation_id.to_shouty_snake_case());
        let op_id = &op.operation_id;
        let method_str = op.method.to_uppercase();
        let path = &op.path;
        let scope = match &op.scope {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        let success_status = match &op.success {
            SuccessSpec::Json { status, .. } | SuccessSpec::Raw { status } => *status,
        };
        let answer_headers = op.raw_exchange.iter().flat_map(|r| r.headers.iter()).map(|(k, v)| quote!((#k, #v)));
        let basic_auth = op.basic_auth;
        let scim_token = op.scim_token;
        let error_form = error_form_tokens(op.error_form());
        let route_path = op.route_path();
        op_statics.push(quote! {
            pub static #static_name: crate::support::OpInfo = crate::support::OpInfo {
                operation_id: #op_id,
                method: #method_str,
                path: #path,
                scope: #scope,
                success_status: #success_status,
                answer_headers: &[#(#answer_headers),*],
                basic_auth: #basic_auth,
                scim_token: #scim_token,
                error_form: #error_form,
                route_path: #route_path,
            };
        });
        op_refs.push(quote!(&#static_name));

        // extractor arguments, their unwrapping, and the service call
        let mut endpoint_args = Vec::new();
        let mut unwrap = Vec::new();
        let mut service_args = Vec::new();
        let mut call_args = Vec::new();
        for (loc, kind, extractor) in [
            (ParamLocation::Path, "Path", quote!(crate::support::ApiPath)),
            (ParamLocation::Query, "Query", quote!(crate::support::ApiQuery)),
            (ParamLocation::Header, "Headers", quote!(crate::support::ApiHeaders)),
        ] {
            let params = op.params_in(loc);
            if params.is_empty() {
                continue;
            }
            let struct_name = format_ident!("{}{}", camel, kind);
            items.push(param_struct(&struct_name, &params, loc));
            let arg = format_ident!("{}", kind.to_lowercase());
            endpoint_args.push(quote!(#arg: #extractor<#struct_name>));
            unwrap.push(quote! {
                let #arg = match #arg.into_inner() {
                    Ok(v) => v,
                    Err(e) => return Ok(exchange.fail(e, admission.as_ref())),
                };
            });
            service_args.push(quote!(#arg: #struct_name));
            call_args.push(quote!(#arg));
        }
        let mut fingerprint = quote!(None::<Vec<u8>>);
        if let Some(body) = &op.body {
            let (extractor, ty) = match body {
                BodySpec::Json(name) => {
                    let t = format_ident!("{}", name);
                    fingerprint = quote!(Some(crate::support::fingerprint_json(&body)));
                    (quote!(crate::support::JsonBody<crate::types::#t>), quote!(crate::types::#t))
                }
                BodySpec::Raw(_) => {
                    // no `content_type` for dropshot (which cannot name a raw
                    // media type): the extractor reads the bytes whatever the
                    // request's Content-Type
                    fingerprint = quote!(Some(body.bytes().to_vec()));
                    (quote!(crate::support::RawBody), quote!(crate::support::RawBodyBytes))
                }
            };
            endpoint_args.push(quote!(body: #extractor));
            unwrap.push(quote! {
                let body = match body.into_inner() {
                    Ok(v) => v,
                    Err(e) => return Ok(exchange.fail(e, admission.as_ref())),
                };
            });
            service_args.push(quote!(body: #ty));
            call_args.push(quote!(body));
        }
        let body_limit = match op.max_body_bytes {
            Some(n) => {
                let n = n as usize;
                quote!(request_body_max_bytes = #n,)
            }
            None => quote!(),
        };

        let (reply_ty, service_ret, finish) = match &op.success {
            SuccessSpec::Json { status, schema, variants } => {
                envelopes.insert((schema.clone(), !variants.is_empty()));
                let t = format_ident!("{}", schema);
                let reply = match status {
                    201 => quote!(dropshot::HttpResponseCreated<crate::types::#t>),
                    202 => quote!(dropshot::HttpResponseAccepted<crate::types::#t>),
                    _ => quote!(dropshot::HttpResponseOk<crate::types::#t>),
                };
                (reply, quote!(crate::types::#t), quote!(exchange.json(result, admission.as_ref())))
            }
            SuccessSpec::Raw { .. } => (
                quote!(http::Response<dropshot::Body>),
                quote!(http::Response<dropshot::Body>),
                quote!(exchange.raw(result, admission.as_ref())),
            ),
        };

        let call_ty = if op.public {
            quote!(crate::support::PublicCall<'_, Self>)
        } else {
            quote!(crate::support::Call<'_, Self>)
        };
        let surface = service_trait_name(op);
        service_methods.entry(surface.to_string()).or_default().push(quote! {
            fn #fn_name(
                call: &#call_ty,
                #(#service_args),*
            ) -> impl std::future::Future<Output = Result<#service_ret, crate::support::ApiError>> + Send;
        });

        let admit = if op.public {
            quote! {
                let admission: Option<crate::support::Admission<<Self::Context as crate::support::Gate>::Principal>> = None;
                let call = crate::support::PublicCall::new(&rqctx);
            }
        } else {
            quote! {
                let admission = match <Self::Context as crate::support::Gate>::admit(&rqctx, &#static_name).await {
                    Ok(a) => Some(a),
                    Err(e) => return Ok(exchange.reject(e)),
                };
                let call = crate::support::Call::new(&rqctx, admission.as_ref().map(|a| &a.principal).unwrap());
            }
        };
        let invoke = if op.idempotent() && !op.public {
            quote! {
                let idempotency = match crate::support::idempotency_begin(
                    &rqctx, &#static_name, admission.as_ref().unwrap(),
                    headers.idempotency_key.as_deref(), #fingerprint,
                ).await {
                    Ok(crate::support::IdempotencyStart::Replay(stored)) => {
                        return Ok(exchange.replay(stored, admission.as_ref()));
                    }
                    Ok(crate::support::IdempotencyStart::Proceed(ticket)) => ticket,
                    Err(e) => return Ok(exchange.fail(e, admission.as_ref())),
                };
                let result = crate::support::idempotency_scope::<Self::Context, _>(
                    admission.as_ref().unwrap(), idempotency.as_ref(),
                    <Self::Context as #surface>::#fn_name(&call, #(#call_args),*),
                ).await;
                let reply = #finish;
                crate::support::idempotency_finish(&rqctx, admission.as_ref().unwrap(), idempotency, &reply).await;
                Ok(reply)
            }
        } else {
            quote! {
                let result = <Self::Context as #surface>::#fn_name(&call, #(#call_args),*).await;
                Ok(#finish)
            }
        };
        let method_ident = format_ident!("{}", method_str);
        let tags = &op.tags;
        if method_str == "GET" {
            // HEAD wherever GET (RFC 9110 9.3.2): the GET's exchange, whose
            // body hyper leaves out of a HEAD answer (keeping its length)
            let head_fn = format_ident!("{}_head", fn_name);
            endpoints.push(quote! {
                #[endpoint { method = HEAD, path = #path, unpublished = true }]
                async fn #head_fn(
                    rqctx: dropshot::RequestContext<Self::Context>,
                    #(#endpoint_args),*
                ) -> Result<crate::support::Reply<#reply_ty>, crate::support::ApiError> {
                    Self::#fn_name(rqctx, #(#call_args),*).await
                }
            });
        }
        // a folded operation's endpoint sits at the variable's path: it serves
        // when the variable is the literal, and is the path's 405 otherwise
        let fold_guard = match &op.fold {
            Some(fold) => {
                let struct_name = format_ident!("{}Fold", camel);
                let var = field_ident(&fold.variable);
                let var_name = &fold.variable;
                let literal = &fold.literal;
                items.push(quote! {
                    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
                    pub struct #struct_name { #[serde(rename = #var_name)] pub #var: String }
                });
                endpoint_args.insert(0, quote!(fold: crate::support::ApiPath<#struct_name>));
                let allow = allow_header(ops, &fold.route_path);
                quote! {
                    if !matches!(fold.into_inner(), Ok(f) if f.#var == #literal) {
                        return Ok(crate::support::Reply::plain(crate::support::method_not_allowed(&rqctx, #allow, #error_form)));
                    }
                }
            }
            None => quote!(),
        };
        let path = op.route_path();
        let serve = quote! {
            #fold_guard
            let exchange = crate::support::Exchange::begin(&rqctx, &#static_name);
            #admit
            #(#unwrap)*
            #invoke
        };
        // a POST marked for the alternate syntax diverts `?method=` to the
        // path's dispatcher, which serves a POST through `<op>_serve` (not
        // this endpoint: no recursion)
        let (body_tokens, serve_item) = if method_str == "POST" && op.alternate_syntax {
            let serve_fn = format_ident!("{}_serve", fn_name);
            let dispatch = dispatcher(path);
            (
                quote! {
                    if crate::support::alternate::asked(&rqctx) {
                        return Self::#dispatch(rqctx, body).await;
                    }
                    Self::#serve_fn(rqctx, #(#call_args),*).await
                },
                quote! {
                    fn #serve_fn(
                        rqctx: dropshot::RequestContext<Self::Context>,
                        #(#endpoint_args),*
                    ) -> impl std::future::Future<Output = Result<crate::support::Reply<#reply_ty>, crate::support::ApiError>> + Send + 'static {
                        async move { #serve }
                    }
                },
            )
        } else {
            (serve, quote!())
        };
        endpoints.push(quote! {
            #[endpoint {
                method = #method_ident,
                path = #path,
                operation_id = #op_id,
                tags = [#(#tags),*],
                #body_limit
            }]
            async fn #fn_name(
                rqctx: dropshot::RequestContext<Self::Context>,
                #(#endpoint_args),*
            ) -> Result<crate::support::Reply<#reply_ty>, crate::support::ApiError> {
                #body_tokens
            }

            #serve_item
        });
    }

    for (path, alt_ops) in &alternates {
        endpoints.push(alternate_dispatcher(alt_ops, dispatcher(path)));
        if !alt_ops.iter().any(|o| o.method == "post") {
            let post_fn = format_ident!("{}_post", dispatcher(path));
            let dispatch = dispatcher(path);
            let allow = allow_header(ops, path);
            let limit = alt_ops.iter().filter_map(|o| o.max_body_bytes).max().map(|n| {
                let n = n as usize;
                quote!(request_body_max_bytes = #n,)
            });
            endpoints.push(quote! {
                #[endpoint { method = POST, path = #path, unpublished = true, #limit }]
                async fn #post_fn(
                    rqctx: dropshot::RequestContext<Self::Context>,
                    body: crate::support::RawBody
                ) -> Result<crate::support::Reply<http::Response<dropshot::Body>>, crate::support::ApiError> {
                    if crate::support::alternate::asked(&rqctx) {
                        return Self::#dispatch(rqctx, body).await;
                    }
                    Ok(crate::support::Reply::plain(crate::support::method_not_allowed(&rqctx, #allow, crate::support::ErrorForm::Envelope)))
                }
            });
        }
    }

    // Per documented path: an OPTIONS preflight and a 405 for every method the
    // path does not document, all unpublished so the document stays as written.
    // (A folded operation's literal path gets none: its requests reach the
    // variable's path, whose endpoints answer them; the variable's path
    // leaves out the 405 for the method the folded endpoint serves.)
    struct PathRoutes<'a> {
        params: Vec<&'a ParamSpec>,
        documented: Vec<String>,
        served_by_folds: Vec<String>,
        form: crate::spec::ErrorForm,
    }
    let mut by_path: BTreeMap<&str, PathRoutes> = BTreeMap::new();
    for op in ops {
        let entry = by_path.entry(op.path.as_str()).or_insert_with(|| PathRoutes {
            params: op.params_in(ParamLocation::Path),
            documented: vec![],
            served_by_folds: vec![],
            form: op.error_form(),
        });
        entry.documented.push(op.method.to_uppercase());
        if op.method == "get" {
            entry.documented.push("HEAD".to_owned());
        }
    }
    for op in ops.iter().filter(|o| o.fold.is_some()) {
        if let Some(entry) = by_path.get_mut(op.route_path()) {
            entry.served_by_folds.push(op.method.to_uppercase());
        }
    }
    let folded: std::collections::BTreeSet<&str> = ops.iter().filter(|o| o.fold.is_some()).map(|o| o.path.as_str()).collect();
    let mut routes = Vec::new();
    let mut literal_arms = Vec::new();
    for (i, (path, PathRoutes { params: path_params, documented: methods, served_by_folds, form })) in by_path.iter().enumerate() {
        if !path.contains('{') {
            literal_arms.push(quote!(#path => Some(&ROUTES[#i]),));
        }
        let methods_lit = methods.iter();
        routes.push(quote!(crate::support::Route { path: #path, methods: &[#(#methods_lit),*] }));
        if folded.contains(path) {
            continue;
        }
        let form = error_form_tokens(*form);
        let mut args = quote!();
        let struct_name_of_path = format_ident!("Route{}Path", i);
        if !path_params.is_empty() {
            // every variable as a string, so that any value reaches the 405
            // rather than failing to parse first
            let struct_name = format_ident!("Route{}Path", i);
            let fields = path_params.iter().map(|p| {
                let ident = field_ident(&p.name);
                let name = &p.name;
                quote!(#[serde(rename = #name)] #[allow(dead_code)] pub #ident: String)
            });
            items.push(quote! {
                #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
                pub struct #struct_name { #(#fields,)* }
            });
            args = quote!(, _path: crate::support::ApiPath<#struct_name>);
        }
        let allow = methods.join(", ");
        // a preflight of a folded literal path arrives here: it answers the
        // literal path's methods
        let folded_allows = ops.iter().filter_map(|o| o.fold.as_ref().filter(|f| f.route_path == *path).map(|f| (o, f))).map(|(o, f)| {
            let var = field_ident(&f.variable);
            let literal = &f.literal;
            let literal_allow = allow_header(ops, &o.path);
            quote!(if matches!(&path, Ok(p) if p.#var == #literal) { #literal_allow } else)
        });
        let options_fn = format_ident!("route_{}_options", i);
        let (args, bind) = if served_by_folds.is_empty() {
            (args, quote!())
        } else {
            (quote!(, path_vars: crate::support::ApiPath<#struct_name_of_path>), quote!(let path = path_vars.into_inner();))
        };
        endpoints.push(quote! {
            #[endpoint { method = OPTIONS, path = #path, unpublished = true }]
            async fn #options_fn(
                rqctx: dropshot::RequestContext<Self::Context> #args
            ) -> Result<http::Response<dropshot::Body>, crate::support::ApiError> {
                #bind
                let allow = #(#folded_allows)* { #allow };
                Ok(crate::support::preflight(&rqctx, allow).await)
            }
        });
        let alternate_post = alternates.contains_key(path);
        for m in ALL_METHODS.iter().filter(|m| {
            !(methods.iter().chain(served_by_folds).any(|d| d == *m) || (alternate_post && **m == "POST"))
        }) {
            let fn_name = format_ident!("route_{}_{}_not_allowed", i, m.to_lowercase());
            let method_ident = format_ident!("{}", m);
            endpoints.push(quote! {
                #[endpoint { method = #method_ident, path = #path, unpublished = true }]
                async fn #fn_name(
                    rqctx: dropshot::RequestContext<Self::Context> #args
                ) -> Result<http::Response<dropshot::Body>, crate::support::ApiError> {
                    Ok(crate::support::method_not_allowed(&rqctx, #allow, #form))
                }
            });
        }
    }

    let trait_names: Vec<syn::Ident> = service_methods.keys().map(|k| format_ident!("{}", k)).collect();
    let service_traits = service_methods.iter().map(|(name, methods)| {
        let ident = format_ident!("{}", name);
        let doc = format!("The operations tagged `{}`.", name.trim_end_matches("Service"));
        quote! {
            #[doc = #doc]
            pub trait #ident: crate::support::Gate {
                #(#methods)*
            }
        }
    });
    let envelope_impls = envelopes.iter().map(|(name, union)| {
        let t = format_ident!("{}", name);
        if !union {
            return quote! {
                impl crate::support::Envelope for crate::types::#t {
                    fn set_request_id(&mut self, request_id: String) {
                        self.request_id = request_id;
                    }
                }
            };
        }
        // An answer union: every member carries `request_id`, but typify
        // names the variants (it shortens the member types' names), so it
        // is set through the JSON form, where it is one field whatever the
        // variant. The members' required fields tell them apart, so the
        // value reads back as the same variant.
        quote! {
            impl crate::support::Envelope for crate::types::#t {
                fn set_request_id(&mut self, request_id: String) {
                    if let Ok(mut json) = serde_json::to_value(&*self) {
                        json["request_id"] = serde_json::Value::String(request_id);
                        if let Ok(answer) = serde_json::from_value(json) {
                            *self = answer;
                        }
                    }
                }
            }
        }
    });
    quote! {
        #(#items)*

        #(#envelope_impls)*

        #(#op_statics)*

        #(#service_traits)*

        /// Every documented operation, in document order.
        pub static OPERATIONS: &[&crate::support::OpInfo] = &[#(#op_refs),*];

        /// Every documented path with the methods it documents.
        pub static ROUTES: &[crate::support::Route] = &[#(#routes),*];

        /// The documented route a request path falls under: a path without a
        /// variable by one comparison, the others by matching each template.
        /// (Every request asks, before routing.)
        pub fn find_route(path: &str) -> Option<&'static crate::support::Route> {
            match path {
                #(#literal_arms)*
                _ => ROUTES.iter().find(|r| r.path.contains('{') && r.matches(path)),
            }
        }

        /// The operations, one method each, implemented by the server. The
        /// generated endpoints have already admitted the caller (key, tenant,
        /// plan, scope, rate limit), parsed every parameter and the body, and
        /// will wrap the result in the envelope.
        pub trait Service: #(#trait_names)+* {}
        impl<T: #(#trait_names)+*> Service for T {}

        #[dropshot::api_description]
        pub trait MobieusApi {
            type Context: Service;
            #(#endpoints)*
        }
    }
}

/// A path's alternate-syntax dispatcher (an unmanaged method of the API
/// trait): it reads the form into the request it stands for and runs that
/// method's own endpoint on it (a POST's `_serve`), so the usual admission,
/// checks and answers apply. Errors before that answer as the path's first
/// operation would (its answer headers).
fn alternate_dispatcher(alt_ops: &[&Operation], name: syn::Ident) -> TokenStream {
    let first = format_ident!("OP_{}", alt_ops[0].operation_id.to_shouty_snake_case());
    let allowed = alt_ops.iter().map(|o| o.method.to_uppercase()).collect::<Vec<_>>().join(", ");
    let arms = alt_ops.iter().map(|op| {
        let method = op.method.to_uppercase();
        let op_id = &op.operation_id;
        let camel = op.operation_id.to_upper_camel_case();
        let this = format_ident!("OP_{}", op.operation_id.to_shouty_snake_case());
        let mut target = format_ident!("{}", op.operation_id.to_snake_case());
        if method == "POST" {
            target = format_ident!("{}_serve", target);
        }
        let mut extract = Vec::new();
        let mut args = Vec::new();
        for (loc, kind, extractor) in [
            (ParamLocation::Query, "Query", quote!(crate::support::ApiQuery)),
            (ParamLocation::Header, "Headers", quote!(crate::support::ApiHeaders)),
        ] {
            if op.params_in(loc).is_empty() {
                continue;
            }
            let struct_name = format_ident!("{}{}", camel, kind);
            let arg = format_ident!("{}", kind.to_lowercase());
            extract.push(quote! {
                let #arg = match <#extractor<#struct_name> as dropshot::SharedExtractor>::from_request(&inner).await {
                    Ok(v) => v,
                    Err(e) => return Ok(crate::support::Exchange::begin(&inner, &#this).reject(crate::support::ApiError::new(e.status_code.as_status(), "invalid_parameter", e.external_message))),
                };
            });
            args.push(arg);
        }
        if op.body.is_some() {
            extract.push(quote! {
                let body = match <crate::support::RawBody as dropshot::ExclusiveExtractor>::from_request(&inner, request).await {
                    Ok(v) => v,
                    Err(e) => return Ok(crate::support::Exchange::begin(&inner, &#this).reject(crate::support::ApiError::new(e.status_code.as_status(), "invalid_body", e.external_message))),
                };
            });
            args.push(format_ident!("body"));
        } else {
            extract.push(quote!(drop(request);));
        }
        quote! {
            #method => {
                let (inner, request) = match alt.into_request(rqctx, #op_id) {
                    Ok(r) => r,
                    Err((rqctx, e)) => return Ok(crate::support::Exchange::begin(&rqctx, &#first).reject(e)),
                };
                #(#extract)*
                Self::#target(inner, #(#args),*).await
            }
        }
    });
    quote! {
        fn #name(
            rqctx: dropshot::RequestContext<Self::Context>,
            body: crate::support::RawBody,
        ) -> impl std::future::Future<Output = Result<crate::support::Reply<http::Response<dropshot::Body>>, crate::support::ApiError>> + Send + 'static {
            async move {
                let alt = {
                    let exchange = crate::support::Exchange::begin(&rqctx, &#first);
                    let sent = match body.into_inner() {
                        Ok(b) => b,
                        Err(e) => return Ok(exchange.reject(e)),
                    };
                    match crate::support::alternate::Alternate::read(&rqctx, sent.bytes()) {
                        Ok(a) => a,
                        Err(e) => return Ok(exchange.reject(e)),
                    }
                };
                let method = alt.method.clone();
                match method.as_str() {
                    #(#arms)*
                    other => {
                        let refused = crate::support::alternate::method_refused(other, #allowed);
                        Ok(crate::support::Exchange::begin(&rqctx, &#first).reject(refused))
                    }
                }
            }
        }
    }
}

fn service_trait_name(op: &Operation) -> syn::Ident {
    let tag = op.tags.first().map(String::as_str).unwrap_or("default");
    format_ident!("{}Service", tag.to_upper_camel_case())
}

fn field_ident(name: &str) -> syn::Ident {
    let snake = name.to_snake_case();
    match snake.as_str() {
        "type" | "ref" | "match" | "move" | "self" | "struct" | "fn" | "mod" | "use" | "in" | "for"
        | "loop" | "where" | "impl" | "trait" | "enum" | "static" | "const" | "crate" | "super" => {
            format_ident!("r#{}", snake)
        }
        _ => format_ident!("{}", snake),
    }
}

fn rust_type(p: &ParamSpec) -> TokenStream {
    let t = match &p.kind {
        ParamKind::String { .. } => quote!(String),
        ParamKind::Integer { .. } => quote!(i64),
        ParamKind::Boolean => quote!(bool),
        ParamKind::DateTime => quote!(chrono::DateTime<chrono::Utc>),
    };
    if p.required || p.location == ParamLocation::Path { t } else { quote!(Option<#t>) }
}

/// A string parameter's (min, max, pattern) as arguments of
/// `support::check_string`; the pattern is compiled once (the generator
/// already checked that it compiles).
fn string_constraints(min_length: Option<usize>, max_length: Option<usize>, pattern: Option<&str>) -> (TokenStream, TokenStream, TokenStream) {
    let min = match min_length {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    };
    let max = match max_length {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    };
    let pat = match pattern {
        Some(p) => quote! {{
            static PATTERN: std::sync::LazyLock<Option<regress::Regex>> =
                std::sync::LazyLock::new(|| regress::Regex::new(#p).ok());
            PATTERN.as_ref().map(|re| (#p, re))
        }},
        None => quote!(None),
    };
    (min, max, pat)
}

/// A struct per parameter location. Query structs are parsed by the contract
/// crate's own parser (`support::Params`), which checks the documented
/// constraints and names the offending parameter; serde/schemars derives are
/// there so dropshot can describe the parameters.
fn param_struct(name: &syn::Ident, params: &[&ParamSpec], loc: ParamLocation) -> TokenStream {
    let fields = params.iter().map(|p| {
        let ident = field_ident(&p.name);
        let api_name = &p.name;
        let ty = rust_type(p);
        quote!(#[serde(rename = #api_name)] pub #ident: #ty)
    });
    let decl = quote! {
        #[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
        pub struct #name { #(#fields,)* }
    };
    if loc == ParamLocation::Header {
        // the string constraints the header extractor does not check
        let checks = params.iter().filter_map(|p| {
            let ParamKind::String { enumeration, min_length, max_length, pattern } = &p.kind else { return None };
            let ident = field_ident(&p.name);
            let api_name = &p.name;
            let value = if p.required { quote!(Some(self.#ident.as_str())) } else { quote!(self.#ident.as_deref()) };
            let (min, max, pat) = string_constraints(*min_length, *max_length, pattern.as_deref());
            Some(quote! {
                if let Some(v) = #value {
                    crate::support::check_string(#api_name, v, &[#(#enumeration),*], (#min, #max), #pat, None)?;
                }
            })
        });
        return quote! {
            #decl
            impl crate::support::CheckHeaders for #name {
                fn check(&self) -> Result<(), crate::support::ApiError> {
                    #(#checks)*
                    Ok(())
                }
            }
        };
    }
    if loc != ParamLocation::Query {
        return decl;
    }
    let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let getters = params.iter().map(|p| {
        let ident = field_ident(&p.name);
        let api_name = &p.name;
        let required = p.required;
        let get = match &p.kind {
            ParamKind::String { enumeration, min_length, max_length, pattern } => {
                let (min, max, pat) = string_constraints(*min_length, *max_length, pattern.as_deref());
                let code = match &p.error_code {
                    Some(c) => quote!(Some(#c)),
                    None => quote!(None),
                };
                quote!(params.string(#api_name, &[#(#enumeration),*], (#min, #max), #pat, #code)?)
            }
            ParamKind::Integer { minimum, maximum } => {
                let min = match minimum {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                let max = match maximum {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                quote!(params.integer(#api_name, #min, #max)?)
            }
            ParamKind::Boolean => quote!(params.boolean(#api_name)?),
            ParamKind::DateTime => quote!(params.date_time(#api_name)?),
        };
        if required {
            quote!(#ident: crate::support::Params::required(#api_name, #get)?)
        } else {
            quote!(#ident: #get)
        }
    });
    quote! {
        #decl
        impl crate::support::FromParams for #name {
            const KNOWN: &'static [&'static str] = &[#(#known),*];
            fn from_params(params: &mut crate::support::Params) -> Result<Self, crate::support::ApiError> {
                Ok(Self { #(#getters,)* })
            }
        }
    }
}

fn error_form_tokens(form: crate::spec::ErrorForm) -> TokenStream {
    match form {
        crate::spec::ErrorForm::Envelope => quote!(crate::support::ErrorForm::Envelope),
        crate::spec::ErrorForm::Scim => quote!(crate::support::ErrorForm::Scim),
    }
}

/// The `Allow` header of a documented path: its methods, HEAD beside GET.
fn allow_header(ops: &[Operation], path: &str) -> String {
    let mut methods: Vec<String> = ops.iter().filter(|o| o.path == path).map(|o| o.method.to_uppercase()).collect();
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".into());
    }
    methods.join(", ")
}
