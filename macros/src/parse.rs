//! Step 1: read the attribute's arguments and the annotated item into a
//! small model, without judging them yet.
//!
//! Nothing here decides whether the route is right: `validate` does every
//! check, so that all the mistakes of one attribute can be reported
//! together. A syntax error that stops the reading (`#[get(/about)]`) is
//! kept as an error value, and the reading of the other half goes on.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// Which attribute was written: the route attributes and `#[catch]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `#[route("/path")]` or `#[route("/path", methods = [GET, POST])]`.
    Route,
    /// `#[get("/path")]`.
    Get,
    /// `#[post("/path")]`.
    Post,
    /// `#[put("/path")]`.
    Put,
    /// `#[patch("/path")]`.
    Patch,
    /// `#[delete("/path")]`.
    Delete,
    /// `#[catch(404)]` or `#[catch(404, prefix = "/api")]`.
    Catch,
}

impl Kind {
    /// The attribute's name as the user writes it: `get` for `#[get]`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Route => "route",
            Kind::Get => "get",
            Kind::Post => "post",
            Kind::Put => "put",
            Kind::Patch => "patch",
            Kind::Delete => "delete",
            Kind::Catch => "catch",
        }
    }

    /// The attribute for a name: `get` gives [`Kind::Get`].
    #[cfg(test)]
    pub fn from_name(name: &str) -> Option<Kind> {
        [
            Kind::Route,
            Kind::Get,
            Kind::Post,
            Kind::Put,
            Kind::Patch,
            Kind::Delete,
            Kind::Catch,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// What was written on one attribute, read but not yet checked.
pub struct Input {
    /// Which attribute it is.
    pub kind: Kind,
    /// The arguments inside the parentheses, or why they could not be read.
    pub args: syn::Result<Args>,
    /// The item under the attribute, or why it could not be read.
    pub item: syn::Result<syn::Item>,
}

/// Reads one attribute: its arguments and the item it is written on.
pub fn parse(kind: Kind, args: TokenStream, item: TokenStream) -> Input {
    Input {
        kind,
        args: Args::parse_terminated.parse2(args),
        item: syn::parse2(item),
    }
}

/// The arguments of an attribute, as written: `"/path"` and `404` are
/// positional, `methods = [GET]` and `prefix = "/api"` are named.
pub struct Args {
    /// Arguments without a name, in order: the path, or the status.
    pub positional: Vec<Expr>,
    /// Arguments written `name = value`, in order.
    pub named: Vec<NamedArg>,
}

/// One `name = value` argument.
pub struct NamedArg {
    /// The name before `=`.
    pub name: Ident,
    /// The value after `=`.
    pub value: Expr,
}

impl Args {
    /// Reads a comma-separated list of arguments (possibly empty).
    fn parse_terminated(input: ParseStream) -> syn::Result<Args> {
        let mut args = Args {
            positional: Vec::new(),
            named: Vec::new(),
        };
        for arg in Punctuated::<Arg, Token![,]>::parse_terminated(input)? {
            match arg {
                Arg::Positional(value) => args.positional.push(value),
                Arg::Named(named) => args.named.push(named),
            }
        }
        Ok(args)
    }
}

/// One argument, before it is sorted into [`Args`].
enum Arg {
    Positional(Expr),
    Named(NamedArg),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Arg> {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            Ok(Arg::Named(NamedArg { name, value }))
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
}
