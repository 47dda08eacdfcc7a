//! The server side of a spec: one trait with an async method per operationId, typed inputs
//! (path, query, JSON body), a response enum per operation with a variant per declared status,
//! and a router that wires any implementation of the trait into axum.
//!
//! Types come from the client crate (`labs_order_client::<api>::types`), so server and client
//! share one type space. Header parameters are not method arguments: they are read from the
//! `RequestContext` (request id, If-Match, Idempotency-Key, ...).

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Response, Schema, SchemaKind, StatusCode, Type};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

struct Op {
    id: String,
    method: String,
    path: String,
    doc: String,
    path_params: Vec<String>,
    query: Vec<(String, TokenStream, bool)>,
    body: Option<TokenStream>,
    responses: Vec<Resp>,
    /// `x-required-scopes`: what a caller's token must grant (checked by `crate::auth`).
    scopes: Vec<String>,
}

struct Resp {
    status: u16,
    /// A 2xx array body may also be streamed from a cursor (constant memory).
    streamable: bool,
    variant: Ident,
    body: Option<TokenStream>,
    problem: bool,
    headers: bool,
}

pub fn generate(spec: &OpenAPI, module: &str, trait_name: &str) -> Result<String, String> {
    let ops = operations(spec)?;
    let types_mod = format_ident!("{}", module);
    let trait_ident = format_ident!("{}", trait_name);
    let router_fn = format_ident!("{}_router", module);

    let mut items = Vec::new();
    let mut trait_methods = Vec::new();
    let mut handlers = Vec::new();
    let mut routes: Vec<(String, Vec<TokenStream>)> = Vec::new();
    let mut op_table = Vec::new();

    for op in &ops {
        let method_ident = format_ident!("{}", op.id.to_snake_case());
        let pascal = op.id.to_pascal_case();
        let response_ident = format_ident!("{}Response", pascal);
        let doc = &op.doc;

        // Typed inputs.
        let mut params = Vec::new();
        let mut args = Vec::new();
        let mut extractors = Vec::new();
        match op.path_params.len() {
            0 => {}
            1 => {
                let name = format_ident!("{}", op.path_params[0].to_snake_case());
                params.push(quote!(#name: String));
                args.push(quote!(#name));
                extractors.push(quote!(crate::http::ApiPath(#name): crate::http::ApiPath<String>));
            }
            _ => {
                let names: Vec<_> = op.path_params.iter().map(|p| format_ident!("{}", p.to_snake_case())).collect();
                let tys: Vec<_> = names.iter().map(|_| quote!(String)).collect();
                for n in &names {
                    params.push(quote!(#n: String));
                    args.push(quote!(#n));
                }
                extractors.push(quote!(crate::http::ApiPath((#(#names),*)): crate::http::ApiPath<(#(#tys),*)>));
            }
        }
        if !op.query.is_empty() {
            let query_ident = format_ident!("{}Query", pascal);
            let fields = op.query.iter().map(|(name, ty, required)| {
                let field = format_ident!("{}", name.to_snake_case());
                let ty = if *required { quote!(#ty) } else { quote!(Option<#ty>) };
                quote!(#[serde(rename = #name)] pub #field: #ty)
            });
            let qdoc = format!("Query parameters of `{}`.", op.id);
            items.push(quote! {
                #[doc = #qdoc]
                #[derive(Debug, Clone, Default, serde::Deserialize)]
                pub struct #query_ident { #(#fields,)* }
            });
            params.push(quote!(query: #query_ident));
            args.push(quote!(query));
            extractors.push(quote!(crate::http::ApiQuery(query): crate::http::ApiQuery<#query_ident>));
        }
        if let Some(body) = &op.body {
            params.push(quote!(body: #body));
            args.push(quote!(body));
            extractors.push(quote!(crate::http::ApiJson(body): crate::http::ApiJson<#body>));
        }

        // Typed responses.
        let stream_variants = op.responses.iter().filter(|r| r.streamable).map(|r| {
            let v = format_ident!("{}Stream", r.variant);
            let sdoc = format!("{} with the array streamed element by element", r.status);
            quote!(#[doc = #sdoc] #v(crate::http::JsonArrayStream))
        });
        let stream_arms = op.responses.iter().filter(|r| r.streamable).map(|r| {
            let v = format_ident!("{}Stream", r.variant);
            let status = r.status;
            quote!(Self::#v(stream) => stream.into_response_with(http::StatusCode::from_u16(#status).expect("status from spec")))
        });
        let variants = op.responses.iter().map(|r| {
            let v = &r.variant;
            let rdoc = format!("{} {}", r.status, if r.problem { "(problem details)" } else { "" });
            match (&r.body, r.headers) {
                (Some(b), true) => quote!(#[doc = #rdoc] #v(#b, http::HeaderMap)),
                (Some(b), false) => quote!(#[doc = #rdoc] #v(#b)),
                (None, true) => quote!(#[doc = #rdoc] #v(http::HeaderMap)),
                (None, false) => quote!(#[doc = #rdoc] #v),
            }
        });
        let arms = op.responses.iter().map(|r| {
            let v = &r.variant;
            let status = r.status;
            let code = quote!(http::StatusCode::from_u16(#status).expect("status from spec"));
            let render = if r.problem {
                quote!(crate::http::respond::problem(#code, body))
            } else {
                quote!(crate::http::respond::json(#code, &body))
            };
            match (&r.body, r.headers) {
                (Some(_), true) => quote!(Self::#v(body, headers) => (headers, #render).into_response()),
                (Some(_), false) => quote!(Self::#v(body) => #render),
                (None, true) => quote!(Self::#v(headers) => (#code, headers).into_response()),
                (None, false) => quote!(Self::#v => #code.into_response()),
            }
        });
        let rdoc = format!("Every response `{}` declares.", op.id);
        items.push(quote! {
            #[doc = #rdoc]
            #[derive(Debug)]
            #[allow(clippy::large_enum_variant)] // built once per request and rendered at once
            pub enum #response_ident { #(#variants,)* #(#stream_variants,)* }
            impl axum::response::IntoResponse for #response_ident {
                fn into_response(self) -> axum::response::Response {
                    #[allow(unused_imports)]
                    use axum::response::IntoResponse as _;
                    match self { #(#arms,)* #(#stream_arms,)* }
                }
            }
        });

        trait_methods.push(quote! {
            #[doc = #doc]
            fn #method_ident(&self, ctx: crate::http::RequestContext, #(#params),*)
                -> impl std::future::Future<Output = Result<#response_ident, crate::http::ApiError>> + Send;
        });

        let handler_ident = format_ident!("handle_{}", op.id.to_snake_case());
        handlers.push(quote! {
            async fn #handler_ident<A: #trait_ident>(
                axum::extract::State(api): axum::extract::State<std::sync::Arc<A>>,
                ctx: crate::http::RequestContext,
                #(#extractors),*
            ) -> axum::response::Response {
                crate::http::respond::result(api.#method_ident(ctx, #(#args),*).await)
            }
        });

        let method_router = format_ident!("{}", op.method);
        let entry = quote!(#method_router(#handler_ident::<A>));
        match routes.iter_mut().find(|(p, _)| *p == op.path) {
            Some((_, list)) => list.push(entry),
            None => routes.push((op.path.clone(), vec![entry])),
        }
        let (m, p, id, scopes) = (op.method.to_uppercase(), &op.path, &op.id, &op.scopes);
        op_table.push(quote!((#m, #p, #id, &[#(#scopes),*])));
    }

    let route_calls = routes.iter().map(|(path, methods)| {
        let first = &methods[0];
        let rest = &methods[1..];
        quote!(.route(#path, axum::routing::#first #(.#rest)*))
    });
    let tdoc = format!("The `{module}` API as declared in its spec: implement this, then serve it with [`{router_fn}`].");
    let rdoc = format!("Routes every operation of the spec to an implementation of [`{trait_name}`].");

    let tokens = quote! {
        #[allow(unused_imports)]
        use labs_order_client::#types_mod::types;

        /// (method, path template, operationId, required scopes) of every operation in the spec.
        pub const OPERATIONS: &[(&str, &str, &str, &[&str])] = &[#(#op_table),*];

        #(#items)*

        #[doc = #tdoc]
        pub trait #trait_ident: Send + Sync + 'static {
            #(#trait_methods)*
        }

        #[doc = #rdoc]
        pub fn #router_fn<A: #trait_ident>(api: std::sync::Arc<A>) -> axum::Router {
            axum::Router::new() #(#route_calls)* .with_state(api)
        }

        #(#handlers)*
    };
    super::format(tokens)
}

fn operations(spec: &OpenAPI) -> Result<Vec<Op>, String> {
    let mut ops = Vec::new();
    for (path, item) in &spec.paths.paths {
        let item = item.as_item().ok_or_else(|| format!("paths.{path}: $ref path items are not supported"))?;
        for (method, op) in item.iter() {
            let at = format!("paths.{path}.{method}");
            ops.push(operation(spec, path, method, op, &at)?);
        }
    }
    Ok(ops)
}

fn operation(spec: &OpenAPI, path: &str, method: &str, op: &Operation, at: &str) -> Result<Op, String> {
    let id = op.operation_id.clone().ok_or_else(|| format!("{at}: add an operationId"))?;
    let scopes = match op.extensions.get("x-required-scopes") {
        Some(serde_json::Value::Array(items)) => items.iter().map(|s| s.as_str().map(str::to_string)).collect::<Option<Vec<_>>>(),
        _ => None,
    };
    // Deny by default: an operation the spec does not guard cannot be generated.
    let scopes = scopes.filter(|s| !s.is_empty()).ok_or_else(|| format!("{at}: declare x-required-scopes (a list of scope names)"))?;
    let mut path_params = Vec::new();
    let mut query = Vec::new();
    for p in &op.parameters {
        match resolve_param(spec, p, at)? {
            Parameter::Path { parameter_data, .. } => path_params.push(parameter_data.name.clone()),
            Parameter::Query { parameter_data, .. } => {
                let ty = match &parameter_data.format {
                    ParameterSchemaOrContent::Schema(s) => scalar_type(spec, s, at)?,
                    _ => return Err(format!("{at}: query parameter {} needs a schema", parameter_data.name)),
                };
                query.push((parameter_data.name.clone(), ty, parameter_data.required));
            }
            Parameter::Header { .. } | Parameter::Cookie { .. } => {}
        }
    }
    let body = match &op.request_body {
        None => None,
        Some(ReferenceOr::Reference { reference }) => {
            return Err(format!("{at}: requestBody {reference}: inline the body with a schema $ref"))
        }
        Some(ReferenceOr::Item(b)) => {
            let media = b.content.get("application/json").ok_or_else(|| format!("{at}: requestBody needs application/json content"))?;
            Some(body_type(media.schema.as_ref(), at)?.ok_or_else(|| format!("{at}: requestBody needs a schema"))?)
        }
    };
    let mut responses = Vec::new();
    for (code, resp) in &op.responses.responses {
        let StatusCode::Code(status) = code else {
            return Err(format!("{at}: use explicit status codes, not ranges"));
        };
        let resp = resolve_response(spec, resp, at)?;
        let problem = resp.content.keys().any(|media_type| media_type.contains("problem+json"));
        let body = match resp.content.values().next() {
            None => None,
            Some(media) => body_type(media.schema.as_ref(), at)?,
        };
        let streamable = (200..300).contains(status)
            && resp
                .content
                .values()
                .next()
                .and_then(|m| m.schema.as_ref())
                .is_some_and(|s| matches!(s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Array(_)), .. })));
        responses.push(Resp {
            streamable,
            status: *status,
            variant: format_ident!(
                "{}",
                variant_name(*status).ok_or_else(|| format!("{at}: status {status} has no variant name; add it to codegen/server.rs"))?
            ),
            body,
            problem,
            headers: !resp.headers.is_empty(),
        });
    }
    if op.responses.default.is_some() {
        return Err(format!("{at}: replace the `default` response with explicit statuses"));
    }
    let doc = [op.summary.as_deref(), op.description.as_deref()].into_iter().flatten().collect::<Vec<_>>().join("\n\n");
    Ok(Op { id, method: method.to_string(), path: path.to_string(), doc, path_params, query, body, responses, scopes })
}

fn resolve_param<'a>(spec: &'a OpenAPI, p: &'a ReferenceOr<Parameter>, at: &str) -> Result<&'a Parameter, String> {
    match p {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/parameters/");
            spec.components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
                .and_then(|p| p.as_item())
                .ok_or_else(|| format!("{at}: parameter {reference} not found in components.parameters"))
        }
    }
}

fn resolve_response<'a>(spec: &'a OpenAPI, r: &'a ReferenceOr<Response>, at: &str) -> Result<&'a Response, String> {
    match r {
        ReferenceOr::Item(r) => Ok(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/responses/");
            spec.components
                .as_ref()
                .and_then(|c| c.responses.get(name))
                .and_then(|r| r.as_item())
                .ok_or_else(|| format!("{at}: response {reference} not found in components.responses"))
        }
    }
}

/// A body is a `$ref` to a component schema, or an array of them.
fn body_type(schema: Option<&ReferenceOr<Schema>>, at: &str) -> Result<Option<TokenStream>, String> {
    let Some(schema) = schema else { return Ok(None) };
    match schema {
        ReferenceOr::Reference { reference } => Ok(Some(type_ref(reference))),
        ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Array(a)), .. }) => match &a.items {
            Some(ReferenceOr::Reference { reference }) => {
                let item = type_ref(reference);
                Ok(Some(quote!(Vec<#item>)))
            }
            _ => Err(format!("{at}: array bodies need `items: {{$ref: ...}}`")),
        },
        ReferenceOr::Item(_) => Err(format!("{at}: bodies must be a $ref to components.schemas (move the inline schema there)")),
    }
}

fn type_ref(reference: &str) -> TokenStream {
    let name = reference.rsplit('/').next().unwrap_or(reference).to_pascal_case();
    let ident = Ident::new(&name, Span::call_site());
    quote!(types::#ident)
}

fn scalar_type(spec: &OpenAPI, schema: &ReferenceOr<Schema>, at: &str) -> Result<TokenStream, String> {
    let schema = match schema {
        ReferenceOr::Item(s) => s,
        ReferenceOr::Reference { reference } => spec
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(reference.trim_start_matches("#/components/schemas/")))
            .and_then(|s| s.as_item())
            .ok_or_else(|| format!("{at}: schema {reference} not found"))?,
    };
    use openapiv3::{IntegerFormat, VariantOrUnknownOrEmpty::Item};
    Ok(match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => quote!(String),
        SchemaKind::Type(Type::Boolean(_)) => quote!(bool),
        SchemaKind::Type(Type::Number(_)) => quote!(f64),
        SchemaKind::Type(Type::Integer(i)) => match i.format {
            Item(IntegerFormat::Int32) => quote!(i32),
            _ => quote!(i64),
        },
        _ => return Err(format!("{at}: query parameters must be scalars")),
    })
}

fn variant_name(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return None,
    })
}
