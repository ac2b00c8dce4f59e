//! Step 2: check everything, and turn what was read into the checked
//! model that `expand` writes code from.
//!
//! Every check pushes its error into one [`Errors`] list instead of
//! stopping, so that a user with three mistakes in one attribute sees all
//! three at once. Each error is spanned on the user's own tokens (the path
//! literal, the method name, the `async` keyword, ...) so the compiler
//! underlines the right place.

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Lit, LitInt, LitStr, Pat, Type};

use crate::parse::{Args, Input, Kind};

/// A checked attribute, ready to be expanded.
pub enum Checked {
    /// A route attribute: `#[route]`, `#[get]`, `#[post]`, ...
    Route(Route),
    /// An error page handler: `#[catch]`.
    Catch(Catch),
}

/// A checked route.
pub struct Route {
    /// The methods it answers, at least one, no repeats.
    pub methods: Vec<Method>,
    /// The path pattern, as the user wrote it (with its span).
    pub path: LitStr,
    /// The function under the attribute.
    pub handler: Handler,
}

/// A checked error page handler.
pub struct Catch {
    /// The status it renders a page for, in `400..=599`.
    pub status: u16,
    /// Where the status was written, for the generated literal.
    pub status_span: Span,
    /// The path prefix it is limited to, or `None` for every path.
    pub prefix: Option<LitStr>,
    /// The function under the attribute.
    pub handler: Handler,
}

/// The function under an attribute: what the generated code needs to
/// call it.
pub struct Handler {
    /// The function's name.
    pub name: Ident,
    /// Its visibility (`pub`, `pub(crate)`, or none), which the module of
    /// its URL builder gets too.
    pub vis: syn::Visibility,
    /// Its arguments, in order.
    pub args: Vec<Argument>,
    /// Where its return type is written (or its `)` when there is none),
    /// so that a return type that is not a response is reported there.
    pub output_span: Span,
}

/// One argument of a handler.
pub struct Argument {
    /// The pattern, as written: `id`, `mut count`, `Form(contact)`, `_`.
    pub pat: Pat,
    /// The type, as written.
    pub ty: Type,
    /// Where its value comes from.
    pub source: Source,
}

/// Where an argument's value comes from.
pub enum Source {
    /// A `{param}` of the path with this name, parsed with `FromStr`.
    PathParam(String),
    /// An extractor: a type implementing `rung::FromRequest`.
    Extractor,
}

/// An HTTP method a route can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET` (and so `HEAD`).
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// Every method a route can take, in the order they are listed.
    const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The method as written on the wire and in `methods = [...]`: `GET`.
    pub fn token(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The name of the matching variant of `rung::Method`: `Get`.
    pub fn variant(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
        }
    }
}

/// Every error found in one attribute, to be reported together
/// (the way `serde_derive` collects them in its `Ctxt`).
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error covering all of `tokens` (from their first token
    /// to their last).
    fn on(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error made elsewhere (a syntax error from `parse`).
    fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// `Ok` if nothing was recorded, else every error combined into one.
    fn finish(self) -> syn::Result<()> {
        let mut errors = self.errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

/// Checks one attribute and its item, and returns the checked model, or
/// every error found.
pub fn validate(input: Input) -> syn::Result<Checked> {
    let mut errors = Errors::default();
    let kind = input.kind;

    let args = match input.args {
        Ok(args) => Some(args),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let function = match input.item {
        Ok(syn::Item::Fn(function)) => Some(function),
        Ok(other) => {
            errors.on(
                &other,
                format!(
                    "#[{name}] goes on a function, and this is not one: write \
                     `#[{name}({example})] fn handler() -> ... {{ ... }}`",
                    name = kind.name(),
                    example = example_args(kind),
                ),
            );
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };

    let checked = match kind {
        Kind::Catch => {
            let (status, prefix) = match &args {
                Some(args) => check_catch_args(args, &mut errors),
                None => (None, None),
            };
            let handler = function
                .as_ref()
                .map(|f| check_handler(f, &[], &mut errors));
            match (status, handler) {
                (Some((status, status_span)), Some(handler)) => Some(Checked::Catch(Catch {
                    status,
                    status_span,
                    prefix,
                    handler,
                })),
                _ => None,
            }
        }
        _ => {
            let (path, params, methods) = match &args {
                Some(args) => check_route_args(kind, args, &mut errors),
                None => (None, Vec::new(), None),
            };
            let handler = function
                .as_ref()
                .map(|f| check_handler(f, &params, &mut errors));
            if let (Some(path), Some(handler)) = (&path, &handler) {
                check_params_have_arguments(path, &params, handler, &mut errors);
            }
            match (methods, path, handler) {
                (Some(methods), Some(path), Some(handler)) => Some(Checked::Route(Route {
                    methods,
                    path,
                    handler,
                })),
                _ => None,
            }
        }
    };

    errors.finish()?;
    // Every branch that gives `None` above records an error first.
    Ok(checked.expect("a part is missing, yet no error was recorded"))
}

/// How the arguments of `kind` look, for messages: `"/about"`.
fn example_args(kind: Kind) -> &'static str {
    match kind {
        Kind::Route => "\"/about\"",
        Kind::Get | Kind::Delete => "\"/api/messages/{id}\"",
        Kind::Post | Kind::Put | Kind::Patch => "\"/api/messages\"",
        Kind::Catch => "404",
    }
}

// ---------------------------------------------------------------------------
// Attribute arguments
// ---------------------------------------------------------------------------

/// Checks the arguments of a route attribute: one path (returned with its
/// parameters), and for `#[route]` an optional `methods = [...]`.
fn check_route_args(
    kind: Kind,
    args: &Args,
    errors: &mut Errors,
) -> (Option<LitStr>, Vec<Param>, Option<Vec<Method>>) {
    let name = kind.name();
    let mut path = None;
    let mut params = Vec::new();
    match args.positional.first() {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        })) => {
            params = check_path(lit, errors);
            path = Some(lit.clone());
        }
        Some(other) => errors.on(
            other,
            format!("the path of a route is a string literal: write `#[{name}(\"/about\")]`"),
        ),
        None => errors.at(
            Span::call_site(),
            format!(
                "#[{name}] needs the path it answers: write `#[{name}({})]`",
                example_args(kind)
            ),
        ),
    }
    for extra in args.positional.iter().skip(1) {
        errors.on(
            extra,
            format!(
                "#[{name}] takes one path; to answer several paths, write one handler for each"
            ),
        );
    }

    let mut methods = None;
    for arg in &args.named {
        if arg.name == "methods" && kind == Kind::Route {
            if methods.is_some() {
                errors.on(&arg.name, "`methods` is given twice: write one list");
            } else {
                methods = check_methods(&arg.value, errors);
            }
        } else if arg.name == "methods" {
            errors.on(
                &arg.name,
                format!(
                    "#[{name}] already says the method; `methods = [...]` goes with \
                     #[route]: `#[route(\"/path\", methods = [GET, POST])]`"
                ),
            );
        } else if kind == Kind::Route {
            errors.on(
                &arg.name,
                format!(
                    "unknown argument `{}`: #[route] takes a path and, if needed, \
                     `methods = [GET, POST]`",
                    arg.name
                ),
            );
        } else {
            errors.on(
                &arg.name,
                format!(
                    "unknown argument `{}`: #[{name}] takes only a path, \
                     like `#[{name}({})]`",
                    arg.name,
                    example_args(kind)
                ),
            );
        }
    }

    let methods = match kind {
        Kind::Route => methods.or(Some(vec![Method::Get])),
        Kind::Get => Some(vec![Method::Get]),
        Kind::Post => Some(vec![Method::Post]),
        Kind::Put => Some(vec![Method::Put]),
        Kind::Patch => Some(vec![Method::Patch]),
        Kind::Delete => Some(vec![Method::Delete]),
        Kind::Catch => unreachable!("#[catch] is checked by check_catch_args"),
    };
    (path, params, methods)
}

/// Checks `methods = [GET, POST]`: a non-empty list of known methods,
/// none twice.
fn check_methods(value: &Expr, errors: &mut Errors) -> Option<Vec<Method>> {
    let Expr::Array(list) = value else {
        errors.on(
            value,
            "write the methods as a list in square brackets: `methods = [GET, POST]`",
        );
        return None;
    };
    if list.elems.is_empty() {
        errors.on(
            list,
            "the list of methods is empty: name at least one, like `methods = [GET]`",
        );
        return None;
    }
    let known = Method::ALL.map(Method::token).join(", ");
    let mut methods = Vec::new();
    let mut ok = true;
    for elem in &list.elems {
        let bare_name = match elem {
            Expr::Path(path) => path.path.get_ident(),
            _ => None,
        };
        let Some(ident) = bare_name else {
            errors.on(
                elem,
                format!(
                    "a method is written as a bare name, one of {known}: `methods = [GET, POST]`"
                ),
            );
            ok = false;
            continue;
        };
        let written = ident.to_string();
        let upper = written.to_ascii_uppercase();
        match Method::ALL.into_iter().find(|m| m.token() == written) {
            Some(method) if methods.contains(&method) => {
                errors.on(ident, format!("`{written}` is listed twice"));
                ok = false;
            }
            Some(method) => methods.push(method),
            None => {
                ok = false;
                let message = if Method::ALL.iter().any(|m| m.token() == upper) {
                    format!("methods are written in capitals, as they are sent: `{upper}`")
                } else if upper == "HEAD" {
                    "`HEAD` is answered for every GET route (same headers, no body): \
                     list `GET` instead"
                        .to_string()
                } else if upper == "OPTIONS" {
                    "`OPTIONS` is answered by rung itself for every path \
                     (`204` with an `Allow` header); a route cannot take it"
                        .to_string()
                } else {
                    format!("unknown method `{written}`: a route can take {known}")
                };
                errors.on(ident, message);
            }
        }
    }
    ok.then_some(methods)
}

/// Checks the arguments of `#[catch]`: a status, and an optional
/// `prefix = "/api"`.
fn check_catch_args(args: &Args, errors: &mut Errors) -> (Option<(u16, Span)>, Option<LitStr>) {
    let mut status = None;
    match args.positional.first() {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Int(lit), ..
        })) => status = check_status(lit, errors),
        Some(other) => errors.on(
            other,
            "the status of an error page is a number: write `#[catch(404)]`",
        ),
        None => errors.at(
            Span::call_site(),
            "#[catch] needs the status it renders a page for: write `#[catch(404)]`",
        ),
    }
    for extra in args.positional.iter().skip(1) {
        errors.on(
            extra,
            "#[catch] takes one status; to render several, write one handler for each",
        );
    }

    let mut prefix = None;
    for arg in &args.named {
        if arg.name != "prefix" {
            errors.on(
                &arg.name,
                format!(
                    "unknown argument `{}`: #[catch] takes a status and, if needed, \
                     `prefix = \"/api\"`",
                    arg.name
                ),
            );
        } else if prefix.is_some() {
            errors.on(&arg.name, "`prefix` is given twice: write it once");
        } else if let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) = &arg.value
        {
            if check_prefix(lit, errors) {
                prefix = Some(lit.clone());
            }
        } else {
            errors.on(
                &arg.value,
                "the prefix is a string literal: write `prefix = \"/api\"`",
            );
        }
    }
    (status, prefix)
}

/// Checks that a status is an error status (`400..=599`).
fn check_status(lit: &LitInt, errors: &mut Errors) -> Option<(u16, Span)> {
    match lit.base10_parse::<u16>() {
        Ok(status @ 400..=599) => Some((status, lit.span())),
        _ => {
            errors.on(
                lit,
                format!(
                    "`{lit}` is not an error status: an error page is for a status \
                     from 400 to 599, like `#[catch(404)]` or `#[catch(500)]`"
                ),
            );
            None
        }
    }
}

/// Checks a catcher's prefix: a path without parameters. True if it is
/// good.
fn check_prefix(lit: &LitStr, errors: &mut Errors) -> bool {
    let value = lit.value();
    let mut ok = true;
    if !value.starts_with('/') {
        errors.on(
            lit,
            format!("a prefix starts with `/`: write `\"/{value}\"`"),
        );
        ok = false;
    }
    if value.contains(['{', '}']) {
        errors.on(lit, "a prefix is a plain path, without `{parameters}`");
        ok = false;
    }
    for problem in rung_path::character_problems(&value) {
        errors.on(lit, problem);
        ok = false;
    }
    ok
}

// ---------------------------------------------------------------------------
// The path pattern
// ---------------------------------------------------------------------------

/// A `{param}` or `{*tail}` of a path pattern.
#[derive(Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name, without braces or `*`.
    pub name: String,
    /// True for `{*tail}`, which takes the rest of the path.
    pub tail: bool,
}

/// Checks a path pattern and returns its parameters (those that are well
/// written, even when others are not, so that later checks still run).
///
/// The grammar is `rung_path`'s, the very code the router parses patterns
/// with: what compiles here is what the router accepts at start-up.
fn check_path(lit: &LitStr, errors: &mut Errors) -> Vec<Param> {
    let analysis = rung_path::analyse(&lit.value());
    for problem in &analysis.problems {
        errors.on(lit, problem);
    }
    analysis
        .params()
        .map(|(name, tail)| Param {
            name: name.to_string(),
            tail,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The function
// ---------------------------------------------------------------------------

/// Checks that the function can be a handler, and sorts its arguments
/// into path parameters (named like one of `params`) and extractors.
fn check_handler(function: &ItemFn, params: &[Param], errors: &mut Errors) -> Handler {
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.on(
            asyncness,
            "async handlers are not supported: rung runs each request on a worker thread, \
             so write a plain `fn` (blocking calls inside it are fine)",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.on(
            unsafety,
            "a handler cannot be an `unsafe fn`: rung calls it like any other function; \
             put the `unsafe { ... }` block inside it",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.on(
            &sig.generics,
            "a handler cannot have generic parameters: rung must know the exact type of \
             each argument to extract it from the request",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.on(
            where_clause,
            "a handler cannot have a `where` clause: rung must know the exact type of \
             each argument to extract it from the request",
        );
    }

    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.on(
                receiver,
                "a handler is a plain function, not a method: remove `self` (keep shared \
                 things in app state and take them with a `State<T>` argument)",
            ),
            FnArg::Typed(typed) => {
                if let Type::ImplTrait(impl_trait) = &*typed.ty {
                    errors.on(
                        impl_trait,
                        "an `impl Trait` argument makes the handler generic: write the \
                         exact type of the argument",
                    );
                    continue;
                }
                let source = match &*typed.pat {
                    Pat::Ident(pat) if pat.subpat.is_none() => {
                        let name = pat.ident.unraw().to_string();
                        match params.iter().find(|p| p.name == name) {
                            Some(param) => Source::PathParam(param.name.clone()),
                            None => Source::Extractor,
                        }
                    }
                    _ => Source::Extractor,
                };
                args.push(Argument {
                    pat: (*typed.pat).clone(),
                    ty: (*typed.ty).clone(),
                    source,
                });
            }
        }
    }

    let output_span = match &sig.output {
        syn::ReturnType::Default => sig.paren_token.span.close(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    Handler {
        name: sig.ident.clone(),
        vis: function.vis.clone(),
        args,
        output_span,
    }
}

/// Checks that every `{param}` of the path has an argument to receive it.
fn check_params_have_arguments(
    path: &LitStr,
    params: &[Param],
    handler: &Handler,
    errors: &mut Errors,
) {
    for param in params {
        let received = handler
            .args
            .iter()
            .any(|arg| matches!(&arg.source, Source::PathParam(name) if *name == param.name));
        if !received {
            errors.on(
                path,
                format!(
                    "the path has `{{{star}{name}}}` but `{function}` has no argument named \
                     `{name}`: add one, like `{name}: {ty}`",
                    star = if param.tail { "*" } else { "" },
                    name = param.name,
                    function = handler.name,
                    ty = if param.tail { "String" } else { "u64" },
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(path: &str) -> Vec<String> {
        let lit = LitStr::new(path, Span::call_site());
        let mut errors = Errors::default();
        check_path(&lit, &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    /// The attribute refuses exactly the paths of the shared table that the
    /// router refuses (`core/src/router/` tests the same table), each
    /// with the table's message.
    #[test]
    fn the_shared_table_of_paths_is_checked_here_too() {
        for path in rung_path::cases::GOOD {
            assert_eq!(problems_of(path), Vec::<String>::new(), "{path}");
        }
        for (path, expected) in rung_path::cases::BAD {
            let found = problems_of(path);
            assert!(
                found.iter().any(|m| m.contains(expected)),
                "{path}: expected a message with {expected:?}, got {found:?}"
            );
        }
    }

    #[test]
    fn params_are_found_in_order() {
        let lit = LitStr::new("/u/{user}/f/{*rest}", Span::call_site());
        let params = check_path(&lit, &mut Errors::default());
        assert_eq!(
            params,
            [
                Param {
                    name: "user".into(),
                    tail: false
                },
                Param {
                    name: "rest".into(),
                    tail: true
                }
            ]
        );
    }
}
