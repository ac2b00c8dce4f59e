//! Step 3: write the generated code for a checked attribute.
//!
//! The user's function is emitted exactly as written. Beside it comes one
//! `const _: () = { ... };` block (a block, so that its two helper
//! functions cannot clash with anything in the user's module) holding:
//!
//! - `fn handler(req: &::rung::Request) -> ::rung::Response`: makes each
//!   argument from the request (a path parameter with `path_param`, any
//!   other argument with `FromRequest`), answers with the rejection if one
//!   fails, else calls the user's function and turns its result into a
//!   response;
//! - `fn requirements(needs: &mut ::rung::Requirements)`: asks each
//!   extractor what it needs from the app (such as `State<T>`);
//! - a constant `::rung::Route` (or `::rung::Catcher`) pointing at both,
//!   and the `inventory::submit!` that adds it to the table.
//!
//! The block imports the traits it calls (`FromRequest`, `IntoResponse`)
//! and names everything else with a full path (`::rung::Request`), so
//! that it works whatever the user has imported.
//!
//! A route (not an error page) also gets its URL builder: a module named
//! like the function, with the function's visibility, holding
//! `fn url(...) -> ::rung::Url`. It takes the path parameters in the order
//! of the path and fills the path with them, percent-encoded, so that
//! `show::url(5)` is `/api/messages/5` (see `rung::url`). A module, rather
//! than an item in the `const _` block, because it must be named from
//! other places; a module and a function may share a name, since Rust keeps
//! them in two namespaces.
//!
//! See `macros/snapshots/` for what it all looks like.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Pat, Type};

use crate::validate::{Argument, Catch, Checked, Handler, Route, Source};

/// The user's function (`original`, untouched) followed by its
/// registration.
pub fn expand(checked: &Checked, original: TokenStream) -> TokenStream {
    let registration = match checked {
        Checked::Route(route) => route_registration(route),
        Checked::Catch(catch) => catch_registration(catch),
    };
    quote! {
        #original
        #registration
    }
}

/// The registration of a route: helpers, the `Route`, its `submit!`.
fn route_registration(route: &Route) -> TokenStream {
    let names = Names::new(&route.handler);
    let (imports, functions) = helper_functions(&route.handler, &names);
    let methods = route.methods.iter().map(|method| {
        let variant = Ident::new(method.variant(), Span::call_site());
        quote!(::rung::Method::#variant)
    });
    let path = &route.path;
    let common = common_fields(&route.handler, &names);
    let url_module = url_module(route);
    quote! {
        const _: () = {
            #imports
            #functions
            const ROUTE: ::rung::Route = ::rung::Route {
                methods: &[#(#methods),*],
                path: #path,
                #common
            };
            ::rung::__private::inventory::submit!(ROUTE);
        };
        #url_module
    }
}

/// The URL builder of a route: `mod show { pub fn url(id: u64) -> ... }`.
fn url_module(route: &Route) -> TokenStream {
    let handler = &route.handler;
    let module = &handler.name;
    let vis = &handler.vis;
    let path = route.path.value();
    let pattern = rung_path::Pattern::parse(&path).expect("validate checked the path");

    // The parameters in the order of the path, each with the argument of
    // the handler that receives it and the function that encodes it.
    let mut params = Vec::new();
    for segment in &pattern.segments {
        let (name, encode) = match segment {
            rung_path::Segment::Param(name) => (name, quote!(segment)),
            rung_path::Segment::Tail(name) => (name, quote!(tail)),
            rung_path::Segment::Static(_) => continue,
        };
        let arg = handler
            .args
            .iter()
            .find(|arg| matches!(&arg.source, Source::PathParam(param) if param == name))
            .expect("validate checked that every parameter has an argument");
        params.push((name, arg, encode));
    }

    let inputs = params.iter().map(|(_, arg, _)| {
        let ident = argument_ident(arg);
        let ty = url_type(&arg.ty);
        quote!(#ident: #ty)
    });
    // Each value is shadowed by its encoded text, then the template (the
    // path with its static segments encoded: `/api/messages/{id}`) is
    // filled by `format!`, which reads `{id}` as the variable `id`. A
    // parameter named like a keyword (`{type}`, received by `r#type`)
    // cannot be read that way: then each `{name}` becomes `{}`, filled in
    // order.
    let encodings = params.iter().map(|(_, arg, encode)| {
        let ident = argument_ident(arg);
        quote!(let #ident = ::rung::url::#encode(&#ident);)
    });
    let mut template = pattern.url_template();
    let inline = params
        .iter()
        .all(|(name, ..)| syn::parse_str::<Ident>(name).is_ok());
    let body = if params.is_empty() {
        quote!(::rung::Url::new(#template))
    } else if inline {
        quote! {
            #(#encodings)*
            ::rung::Url::new(format!(#template))
        }
    } else {
        for (name, ..) in &params {
            template = template.replace(&format!("{{{name}}}"), "{}");
        }
        let idents = params.iter().map(|(_, arg, _)| argument_ident(arg));
        quote! {
            #(#encodings)*
            ::rung::Url::new(format!(#template, #(#idents),*))
        }
    };

    let query = query_type(handler);
    let output = match query {
        Some(ty) => quote!(::rung::Url<#ty>),
        None => quote!(::rung::Url),
    };
    // The types are the user's, written for the user's module: a type that
    // is not a primitive (`Slug`, the `T` of a `Query<T>`) is found there.
    let mut types = params.iter().map(|(_, arg, _)| &arg.ty).chain(query);
    let parent_scope = if types.any(needs_parent_scope) {
        quote!(
            use super::*;
        )
    } else {
        quote!()
    };

    let methods = route
        .methods
        .iter()
        .map(|method| method.token())
        .collect::<Vec<_>>()
        .join(", ");
    let module_doc = format!(
        " The URL of `{}` (`{methods} {path}`), built by `{}::url`.",
        module.unraw(),
        module.unraw()
    );
    let url_doc = if params.is_empty() {
        format!(" The path `{path}`.")
    } else {
        format!(" The path `{path}`, with each value percent-encoded for its place.")
    };
    // Spanned on the function's name: a call with too few or too many
    // values gets a note pointing at the route it was meant for.
    let url = Ident::new("url", module.span());
    quote! {
        #[doc = #module_doc]
        #vis mod #module {
            #parent_scope
            #[doc = #url_doc]
            // A route whose URL is never built is no mistake.
            #[allow(dead_code)]
            pub fn #url(#(#inputs),*) -> #output {
                #body
            }
        }
    }
}

/// The name of an argument that receives a path parameter (`id`, also
/// for `mut id`).
fn argument_ident(arg: &Argument) -> &Ident {
    match &arg.pat {
        Pat::Ident(pat) => &pat.ident,
        _ => unreachable!("validate gives path parameters to plain names only"),
    }
}

/// The type a URL builder takes for a parameter of type `ty`: `&str` for
/// a `String` (no need to own a copy to build a link), else `ty` itself.
fn url_type(ty: &Type) -> TokenStream {
    match ty {
        Type::Path(path) if path.qself.is_none() && path.path.is_ident("String") => {
            quote_spanned!(ty.span()=> &str)
        }
        _ => quote!(#ty),
    }
}

/// The `T` of the handler's first `Query<T>` argument, if it has one.
fn query_type(handler: &Handler) -> Option<&Type> {
    handler.args.iter().find_map(|arg| {
        let Type::Path(path) = &arg.ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
            return None;
        };
        match generics.args.first() {
            Some(syn::GenericArgument::Type(ty)) if last.ident == "Query" => Some(ty),
            _ => None,
        }
    })
}

/// Whether `ty`, written in the user's module, needs that module's names
/// to be found from the URL builder's module: `Slug` does, `u64`,
/// `String` and `crate::Slug` do not.
fn needs_parent_scope(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "String", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64",
    ];
    match ty {
        Type::Reference(reference) => needs_parent_scope(&reference.elem),
        Type::Paren(paren) => needs_parent_scope(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            if path.path.leading_colon.is_some() {
                return false;
            }
            let segments = &path.path.segments;
            let first = segments[0].ident.to_string();
            let std_or_crate = ["crate", "std", "core", "alloc"].contains(&first.as_str());
            let primitive = segments.len() == 1
                && segments[0].arguments.is_empty()
                && PRIMITIVES.contains(&first.as_str());
            !(std_or_crate && segments.len() > 1 || primitive)
        }
        _ => true,
    }
}

/// The registration of an error page handler: helpers, the `Catcher`,
/// its `submit!`.
fn catch_registration(catch: &Catch) -> TokenStream {
    let names = Names::new(&catch.handler);
    let (imports, functions) = helper_functions(&catch.handler, &names);
    let mut status = Literal::u16_unsuffixed(catch.status);
    status.set_span(catch.status_span);
    let prefix = match &catch.prefix {
        Some(prefix) => prefix.clone(),
        None => LitStr::new("", Span::call_site()),
    };
    let common = common_fields(&catch.handler, &names);
    quote! {
        const _: () = {
            #imports
            #functions
            const CATCHER: ::rung::Catcher = ::rung::Catcher {
                status: #status,
                prefix: #prefix,
                #common
            };
            ::rung::__private::inventory::submit!(CATCHER);
        };
    }
}

/// The fields that `Route` and `Catcher` share: where the handler is and
/// the two helper functions.
fn common_fields(handler: &Handler, names: &Names) -> TokenStream {
    let name = LitStr::new(&format!("::{}", handler.name.unraw()), Span::call_site());
    // `line!()` gives the line of the tokens it is spanned on: the
    // function's name, not the attribute.
    let line = quote_spanned!(handler.name.span()=> line!());
    let handler_field = field("handler", &names.handler_fn);
    let requirements_field = field("requirements", &names.requirements_fn);
    quote! {
        name: concat!(module_path!(), #name),
        file: file!(),
        line: #line,
        #handler_field,
        #requirements_field,
    }
}

/// `handler` (shorthand) when the value has the field's name, else
/// `handler: handler_fn`.
fn field(name: &str, value: &Ident) -> TokenStream {
    if value == name {
        quote!(#value)
    } else {
        let name = Ident::new(name, Span::call_site());
        quote!(#name: #value)
    }
}

/// The `use` of the rung items the helpers call, and the two helper
/// functions: `handler` and `requirements`.
fn helper_functions(handler: &Handler, names: &Names) -> (TokenStream, TokenStream) {
    let Names {
        handler_fn,
        requirements_fn,
        req,
        locals,
    } = names;

    let extractions = handler.args.iter().zip(locals).map(|(arg, local)| {
        let ty = &arg.ty;
        // Spanned on the user's type: a type that is not an extractor (or
        // does not implement `FromStr`) is reported there.
        let make = match &arg.source {
            Source::PathParam(name) => {
                quote_spanned!(ty.span()=> path_param::<#ty>(#req, #name))
            }
            Source::Extractor => {
                quote_spanned!(ty.span()=> <#ty as FromRequest>::from_request(#req))
            }
        };
        quote! {
            let #local = match #make {
                Ok(value) => value,
                Err(rejection) => return rejection.into_response(),
            };
        }
    });
    // Spanned from the function's name to its return type: a return type
    // that is not a response is reported on the signature.
    let function = &handler.name;
    let call = quote_spanned!(handler.output_span=> #function(#(#locals),*));
    let respond = quote_spanned!(handler.output_span=> IntoResponse::into_response(#call));

    let extractor_types: Vec<&Type> = handler
        .args
        .iter()
        .filter(|arg| matches!(arg.source, Source::Extractor))
        .map(|arg| &arg.ty)
        .collect();
    let needs = if extractor_types.is_empty() {
        quote!(_)
    } else {
        quote!(needs)
    };
    let asks = extractor_types
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> <#ty as FromRequest>::requirements(needs);));

    // Only what is used, so that no import is unused. Traits and a
    // function only: importing rung's types (`Request`) could hide the
    // user's own types of the same name from the argument types.
    let mut imported = Vec::new();
    if handler
        .args
        .iter()
        .any(|arg| matches!(arg.source, Source::PathParam(_)))
    {
        imported.push(quote!(path_param));
    }
    if !extractor_types.is_empty() {
        imported.push(quote!(FromRequest));
    }
    imported.push(quote!(IntoResponse));
    let imports = if imported.len() == 1 {
        quote!(use ::rung::#(#imported)*;)
    } else {
        quote!(use ::rung::{#(#imported),*};)
    };

    let functions = quote! {
        fn #handler_fn(#req: &::rung::Request) -> ::rung::Response {
            #(#extractions)*
            #respond
        }
        fn #requirements_fn(#needs: &mut ::rung::Requirements) {
            #(#asks)*
        }
    };
    (imports, functions)
}

/// The names used in the generated code, chosen so that none hides
/// another: a local variable named like the user's function would make
/// the call `show(show)` fail, and a helper named like it would call
/// itself.
struct Names {
    /// The handler helper: `handler`.
    handler_fn: Ident,
    /// The requirements helper: `requirements`.
    requirements_fn: Ident,
    /// The request argument of the handler helper: `req` (`_` if unused).
    req: TokenStream,
    /// One local variable per argument: the argument's own name when it
    /// has one (`id`), else a name made from its type (`form`).
    locals: Vec<Ident>,
}

impl Names {
    fn new(handler: &Handler) -> Names {
        let function = handler.name.unraw().to_string();
        let mut taken = vec![function.clone()];

        // Arguments written as a plain name keep it.
        let mut locals: Vec<Option<Ident>> = handler
            .args
            .iter()
            .map(|arg| match &arg.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => {
                    let name = pat.ident.unraw().to_string();
                    if taken.contains(&name) {
                        None
                    } else {
                        taken.push(name);
                        Some(pat.ident.clone())
                    }
                }
                _ => None,
            })
            .collect();
        // Patterns (`Form(contact)`, `_`) get a name from their type.
        for (local, arg) in locals.iter_mut().zip(&handler.args) {
            if local.is_none() {
                let base = match &arg.pat {
                    Pat::Ident(pat) => format!("{}_arg", pat.ident.unraw()),
                    _ => name_from_type(&arg.ty),
                };
                let name = unique(&[&base], &taken);
                *local = Some(Ident::new(&name, Span::call_site()));
                taken.push(name);
            }
        }
        let locals: Vec<Ident> = locals.into_iter().flatten().collect();

        let req = if locals.is_empty() {
            quote!(_)
        } else {
            let name = unique(&["req", "request"], &taken);
            let ident = Ident::new(&name, Span::call_site());
            quote!(#ident)
        };
        // The helpers live beside the user's function: only its name matters.
        let helper = |candidates: &[&str]| {
            let name = unique(candidates, std::slice::from_ref(&function));
            Ident::new(&name, Span::call_site())
        };
        Names {
            handler_fn: helper(&["handler", "handler_fn"]),
            requirements_fn: helper(&["requirements", "requirements_fn"]),
            req,
            locals,
        }
    }
}

/// The first of `candidates` not in `taken`, else the first with a number
/// after it.
fn unique(candidates: &[&str], taken: &[String]) -> String {
    let free = |name: &String| !taken.contains(name);
    candidates
        .iter()
        .map(|c| c.to_string())
        .find(free)
        .unwrap_or_else(|| {
            (2..)
                .map(|n| format!("{}{n}", candidates[0]))
                .find(free)
                .expect("some number is free")
        })
}

/// A variable name for a value of type `ty`: `form` for `Form<Contact>`,
/// `request` for `&Request`, `api_key` for `ApiKey`.
fn name_from_type(ty: &Type) -> String {
    let name = match ty {
        Type::Reference(reference) => return name_from_type(&reference.elem),
        Type::Paren(paren) => return name_from_type(&paren.elem),
        Type::Group(group) => return name_from_type(&group.elem),
        Type::Path(path) => match path.path.segments.last() {
            Some(segment) => snake_case(&segment.ident.unraw().to_string()),
            None => String::new(),
        },
        _ => String::new(),
    };
    // `Self` or `Type` would give a keyword.
    if syn::parse_str::<Ident>(&name).is_ok() {
        name
    } else {
        "arg".to_string()
    }
}

/// `ApiKey` → `api_key`.
fn snake_case(name: &str) -> String {
    let mut snake = String::new();
    for (index, c) in name.char_indices() {
        if c.is_uppercase() {
            if index > 0 && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_types() {
        let name = |ty: &str| name_from_type(&syn::parse_str(ty).unwrap());
        assert_eq!(name("Form<Contact>"), "form");
        assert_eq!(name("&Request"), "request");
        assert_eq!(name("&'a rung::Request"), "request");
        assert_eq!(name("ApiKey"), "api_key");
        assert_eq!(name("(u8, u8)"), "arg");
        assert_eq!(name("Self"), "arg");
    }

    #[test]
    fn unique_names() {
        let taken = ["req".to_string(), "request".to_string(), "form".to_string()];
        assert_eq!(unique(&["req", "request"], &taken), "req2");
        assert_eq!(unique(&["form"], &taken), "form2");
        assert_eq!(unique(&["handler"], &taken), "handler");
    }
}
