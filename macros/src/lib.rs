//! The route attributes of rung: `#[route]`, `#[get]`, `#[post]`,
//! `#[put]`, `#[patch]`, `#[delete]` and `#[catch]`.
//!
//! Use them through the `rung` crate (`use rung::get;`), which re-exports
//! them. Each attribute leaves the function exactly as written and adds
//! one registration beside it, in the table that `rung::registry` reads
//! at start-up. The folder `macros/snapshots/` shows what they generate
//! for a few routes.
//!
//! This file only dispatches. The work is in three steps, one file each:
//!
//! 1. `parse`: read the attribute's arguments and the item;
//! 2. `validate`: check them, collecting every mistake with the place it
//!    was written;
//! 3. `expand`: write the generated code; or, if step 2 found mistakes,
//!    `fallback`: the item unchanged plus the errors.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod expand;
mod fallback;
mod parse;
#[cfg(test)]
mod snapshots;
mod validate;

use proc_macro::TokenStream;

use parse::Kind;

/// Registers a function as the handler of a path, for `GET` (and so
/// `HEAD`) unless `methods` says otherwise.
///
/// ```text
/// use rung::{route, Html};
///
/// #[route("/about")]
/// fn about() -> Html<&'static str> {
///     Html("<h1>About</h1>")
/// }
///
/// #[route("/contact", methods = [GET, POST])]
/// fn contact(req: &rung::Request) -> String {
///     format!("you sent a {}", req.method())
/// }
/// ```
///
/// The path starts with `/`. A segment `{name}` is a path parameter: the
/// argument with the same name receives it, parsed with `FromStr`. A last
/// segment `{*name}` takes the rest of the path. Every other argument is
/// an extractor (`&Request`, `Query<T>`, `Form<T>`, `Json<T>`,
/// `State<T>`, ...). The return value can be anything that implements
/// `rung::IntoResponse`.
///
/// `methods` lists any of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
///
/// Beside the function comes its URL builder: a module of the same name
/// and visibility with `fn url(...) -> rung::Url`, taking the path
/// parameters in the order of the path (`show::url(5)` gives
/// `/api/messages/5`, each value percent-encoded). See `rung::url`.
///
/// The function must be a plain, non-generic, non-`async` function
/// outside any `impl` block (a module, or a function body, is fine).
/// Mistakes are compile errors pointing at what to change; the function
/// is still emitted beside them, so calls to it keep compiling.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Route, args, item)
}

/// Registers a function as the `GET` (and `HEAD`) handler of a path:
/// `#[get("/api/messages/{id}")] fn show(id: u64) -> ...`.
///
/// The same as `#[route("/path")]`; see [`macro@route`] for paths and
/// arguments.
#[proc_macro_attribute]
pub fn get(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Get, args, item)
}

/// Registers a function as the `POST` handler of a path:
/// `#[post("/contact")] fn send(Form(contact): Form<Contact>) -> ...`.
///
/// See [`macro@route`] for paths and arguments.
#[proc_macro_attribute]
pub fn post(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Post, args, item)
}

/// Registers a function as the `PUT` handler of a path.
///
/// See [`macro@route`] for paths and arguments.
#[proc_macro_attribute]
pub fn put(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Put, args, item)
}

/// Registers a function as the `PATCH` handler of a path.
///
/// See [`macro@route`] for paths and arguments.
#[proc_macro_attribute]
pub fn patch(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Patch, args, item)
}

/// Registers a function as the `DELETE` handler of a path.
///
/// See [`macro@route`] for paths and arguments.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Delete, args, item)
}

/// Registers a function as the error page for a status, for every path
/// or only for paths under `prefix`.
///
/// ```text
/// use rung::{catch, Html, Json, Request};
///
/// #[catch(404)]
/// fn not_found(req: &Request) -> Html<String> {
///     Html(format!("<h1>Nothing at {}</h1>", req.path()))
/// }
///
/// #[catch(404, prefix = "/api")]
/// fn api_not_found() -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "error": "not found" }))
/// }
/// ```
///
/// The status is between 400 and 599. The arguments are extractors, as
/// for a route (there are no path parameters); there may be none.
#[proc_macro_attribute]
pub fn catch(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Catch, args, item)
}

/// Runs one attribute, from the compiler's token types to its own.
fn attribute(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    expand_attribute(kind, args.into(), item.into()).into()
}

/// Runs one attribute on `proc_macro2` tokens, so that the snapshot tests
/// can call it outside the compiler: parse, validate, then expand (or
/// fall back to the item and the errors).
fn expand_attribute(
    kind: Kind,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let input = parse::parse(kind, args, item.clone());
    match validate::validate(input) {
        Ok(checked) => expand::expand(&checked, item),
        Err(errors) => fallback::fallback(item, errors),
    }
}
