//! The router: from a method and a path to the route that answers them.
//!
//! Routes are sorted (by path, then method) so that the table, its printout
//! and its error messages do not depend on link order. Two routes that
//! could answer the same request are an error found at start-up, naming
//! both source locations.

pub mod pattern;
mod tree;

use std::fmt;
use std::sync::Arc;

use crate::http::{Method, Request, Response};
use pattern::{Pattern, PatternError};
use tree::Node;

/// What runs for a route.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A route in the table.
#[derive(Clone)]
pub struct RouteEntry {
    /// The methods it answers.
    pub methods: Vec<Method>,
    /// The path pattern as written.
    pub path: String,
    /// The handler's name (with its module path).
    pub name: String,
    /// Where the handler is defined: `src/pages.rs:12`.
    pub location: String,
    /// The handler.
    pub handler: Handler,
    /// The parameter names of the pattern, in order.
    param_names: Vec<String>,
}

impl fmt::Debug for RouteEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteEntry")
            .field("methods", &self.methods)
            .field("path", &self.path)
            .field("name", &self.name)
            .field("location", &self.location)
            .finish()
    }
}

impl RouteEntry {
    /// A route entry; the pattern is checked when the router is built.
    pub fn new(
        methods: Vec<Method>,
        path: impl Into<String>,
        name: impl Into<String>,
        location: impl Into<String>,
        handler: Handler,
    ) -> RouteEntry {
        RouteEntry {
            methods,
            path: path.into(),
            name: name.into(),
            location: location.into(),
            handler,
            param_names: Vec::new(),
        }
    }
}

/// All the routes of an app, ready to match requests.
#[derive(Debug)]
pub struct Router {
    routes: Vec<RouteEntry>,
    /// For each endpoint of the tree: which routes (indexes) end there.
    endpoints: Vec<Vec<usize>>,
    root: Node,
}

/// The outcome of routing a request.
pub enum Routed<'r> {
    /// This route answers; with the captured parameters (decoded).
    Found(&'r RouteEntry, Vec<(String, String)>),
    /// The path exists, but not for this method: `405` with `Allow`.
    MethodNotAllowed(Vec<Method>),
    /// `OPTIONS` on a path that exists: `204` with `Allow`.
    Options(Vec<Method>),
    /// No route has this path: `404`.
    NotFound,
}

/// A problem in the route table, found at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// A malformed pattern.
    Pattern {
        /// What is wrong.
        error: PatternError,
        /// The route's handler and location.
        route: String,
    },
    /// Two routes that can answer the same request.
    Conflict {
        /// The method they share.
        method: Method,
        /// The first route: `GET /users/{id} (demo::users::show at src/users.rs:10)`.
        first: String,
        /// The second route.
        second: String,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::Pattern { error, route } => write!(f, "{error} (in {route})"),
            RouteError::Conflict {
                method,
                first,
                second,
            } => write!(
                f,
                "two routes answer the same {method} requests:\n    {first}\n    {second}"
            ),
        }
    }
}

impl std::error::Error for RouteError {}

fn describe(route: &RouteEntry) -> String {
    format!(
        "{} {} ({} at {})",
        route
            .methods
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(","),
        route.path,
        route.name,
        route.location
    )
}

impl Router {
    /// Builds the router, reporting every malformed pattern and conflict.
    pub fn new(mut routes: Vec<RouteEntry>) -> Result<Router, Vec<RouteError>> {
        routes.sort_by(|a, b| (&a.path, &a.methods, &a.name).cmp(&(&b.path, &b.methods, &b.name)));
        let mut errors = Vec::new();
        let mut root = Node::default();
        let mut endpoints: Vec<Vec<usize>> = Vec::new();
        for index in 0..routes.len() {
            let pattern = match Pattern::parse(&routes[index].path) {
                Ok(p) => p,
                Err(error) => {
                    errors.push(RouteError::Pattern {
                        error,
                        route: describe(&routes[index]),
                    });
                    continue;
                }
            };
            routes[index].param_names = pattern.param_names();
            let id = root.insert(&pattern.segments, endpoints.len());
            if id == endpoints.len() {
                endpoints.push(Vec::new());
            }
            for &other in &endpoints[id] {
                let shared = routes[other]
                    .methods
                    .iter()
                    .find(|m| routes[index].methods.contains(m));
                if let Some(&method) = shared {
                    errors.push(RouteError::Conflict {
                        method,
                        first: describe(&routes[other]),
                        second: describe(&routes[index]),
                    });
                }
            }
            endpoints[id].push(index);
        }
        if errors.is_empty() {
            Ok(Router {
                routes,
                endpoints,
                root,
            })
        } else {
            Err(errors)
        }
    }

    /// The routes, sorted by path then method.
    pub fn routes(&self) -> &[RouteEntry] {
        &self.routes
    }

    /// Finds the route for `method` and the raw (percent-encoded) `path`.
    ///
    /// Among the patterns matching the path, the most specific one that
    /// takes the method wins (static segments beat parameters, which beat
    /// tails). `HEAD` is answered by a `GET` route.
    pub fn route(&self, method: Method, raw_path: &str) -> Routed<'_> {
        let Some(rest) = raw_path.strip_prefix('/') else {
            return Routed::NotFound;
        };
        let rest = Some(rest).filter(|r| !r.is_empty());
        let mut captured = Vec::new();
        // First pass: the most specific match that takes the method (for
        // HEAD, a GET route answers when there is no HEAD route).
        let tries: &[Method] = if method == Method::Head {
            &[Method::Head, Method::Get]
        } else {
            std::slice::from_ref(&method)
        };
        for &wanted in tries {
            let mut found = None;
            self.root
                .find(rest, &mut captured, &mut |endpoint, values| {
                    let routes = &self.endpoints[endpoint];
                    match routes
                        .iter()
                        .map(|&i| &self.routes[i])
                        .find(|r| r.methods.contains(&wanted))
                    {
                        Some(route) => {
                            let params = route
                                .param_names
                                .iter()
                                .zip(values)
                                .map(|(name, raw)| (name.clone(), decode(raw)))
                                .collect();
                            found = Some((route, params));
                            true
                        }
                        None => false,
                    }
                });
            if let Some((route, params)) = found {
                return Routed::Found(route, params);
            }
        }
        // Second pass, only on a miss: which methods the path does take.
        let mut allow: Vec<Method> = Vec::new();
        let mut matched = false;
        self.root.find(rest, &mut captured, &mut |endpoint, _| {
            matched = true;
            for &index in &self.endpoints[endpoint] {
                allow.extend(&self.routes[index].methods);
            }
            false
        });
        if !matched {
            return Routed::NotFound;
        }
        if allow.contains(&Method::Get) {
            allow.push(Method::Head);
        }
        allow.push(Method::Options);
        allow.sort();
        allow.dedup();
        if method == Method::Options {
            Routed::Options(allow)
        } else {
            Routed::MethodNotAllowed(allow)
        }
    }

    /// The route table as text: method, path, handler, source location.
    pub fn table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .routes
            .iter()
            .map(|r| {
                let methods = r
                    .methods
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                [methods, r.path.clone(), r.name.clone(), r.location.clone()]
            })
            .collect();
        let header = [
            "METHOD".to_string(),
            "PATH".into(),
            "HANDLER".into(),
            "SOURCE".into(),
        ];
        let mut widths = [0; 4];
        for row in rows.iter().chain([&header]) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in [&header].into_iter().chain(&rows) {
            let line = format!(
                "  {:w0$}  {:w1$}  {:w2$}  {}",
                row[0],
                row[1],
                row[2],
                row[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Percent-decodes a captured value. The engine has already rejected bad
/// escapes in the whole path; a request built by hand keeps them as is.
fn decode(raw: &str) -> String {
    crate::input::percent::decode(raw).map_or_else(|_| raw.to_string(), |s| s.into_owned())
}

/// The value of an `Allow` header: `GET, HEAD, OPTIONS`.
pub fn allow_header(methods: &[Method]) -> String {
    methods
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(methods: &[Method], path: &str, name: &str) -> RouteEntry {
        let body = name.to_string();
        RouteEntry::new(
            methods.to_vec(),
            path,
            name,
            format!("src/{name}.rs:1"),
            Arc::new(move |_| Response::text(body.clone())),
        )
    }

    fn router(routes: &[(&[Method], &str, &str)]) -> Router {
        Router::new(routes.iter().map(|(m, p, n)| entry(m, p, n)).collect()).unwrap()
    }

    fn found(r: &Router, method: Method, path: &str) -> (String, Vec<(String, String)>) {
        match r.route(method, path) {
            Routed::Found(route, params) => (route.name.clone(), params),
            _ => panic!("{method} {path} did not match"),
        }
    }

    use Method::*;

    #[test]
    fn static_beats_param_beats_tail() {
        let r = router(&[
            (&[Get], "/users/me", "me"),
            (&[Get], "/users/{id}", "user"),
            (&[Get], "/users/{*rest}", "rest"),
            (&[Get], "/", "root"),
        ]);
        assert_eq!(found(&r, Get, "/users/me").0, "me");
        assert_eq!(
            found(&r, Get, "/users/42"),
            ("user".into(), vec![("id".into(), "42".into())])
        );
        assert_eq!(
            found(&r, Get, "/users/a/b").1,
            vec![("rest".into(), "a/b".into())]
        );
        assert_eq!(found(&r, Get, "/").0, "root");
        assert!(matches!(r.route(Get, "/nope"), Routed::NotFound));
        assert!(matches!(r.route(Get, "/users"), Routed::NotFound));
    }

    #[test]
    fn backtracking_finds_the_param_branch() {
        let r = router(&[(&[Get], "/a/b/d", "static"), (&[Get], "/a/{x}/c", "param")]);
        assert_eq!(
            found(&r, Get, "/a/b/c"),
            ("param".into(), vec![("x".into(), "b".into())])
        );
    }

    #[test]
    fn params_are_decoded() {
        let r = router(&[
            (&[Get], "/f/{*path}", "files"),
            (&[Get], "/u/{name}", "user"),
        ]);
        assert_eq!(found(&r, Get, "/u/J%C3%BCrgen").1[0].1, "Jürgen");
        assert_eq!(found(&r, Get, "/f/a%20b/c").1[0].1, "a b/c");
        assert_eq!(found(&r, Get, "/f/").1[0].1, "");
    }

    #[test]
    fn methods_head_options_and_405() {
        let r = router(&[
            (&[Get], "/x", "get"),
            (&[Post], "/x", "post"),
            (&[Delete], "/y/{id}", "del"),
        ]);
        assert_eq!(found(&r, Head, "/x").0, "get");
        assert_eq!(found(&r, Post, "/x").0, "post");
        match r.route(Put, "/x") {
            Routed::MethodNotAllowed(allow) => {
                assert_eq!(allow_header(&allow), "GET, HEAD, POST, OPTIONS")
            }
            _ => panic!("expected 405"),
        }
        match r.route(Options, "/y/1") {
            Routed::Options(allow) => assert_eq!(allow_header(&allow), "DELETE, OPTIONS"),
            _ => panic!("expected OPTIONS"),
        }
    }

    #[test]
    fn a_less_specific_route_answers_a_method_the_specific_one_lacks() {
        let r = router(&[(&[Post], "/a/b", "post_b"), (&[Get], "/a/{x}", "get_x")]);
        assert_eq!(found(&r, Get, "/a/b").0, "get_x");
    }

    #[test]
    fn conflicts_name_both_routes() {
        let errors = Router::new(vec![
            entry(&[Get], "/u/{id}", "one"),
            entry(&[Get, Post], "/u/{name}", "two"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        let text = errors[0].to_string();
        assert!(
            text.contains("src/one.rs:1") && text.contains("src/two.rs:1"),
            "{text}"
        );
        assert!(Router::new(vec![
            entry(&[Get], "/u/{id}", "one"),
            entry(&[Post], "/u/{name}", "two")
        ])
        .is_ok());
        let bad = Router::new(vec![entry(&[Get], "nope", "x")]).unwrap_err();
        assert!(matches!(bad[0], RouteError::Pattern { .. }));
    }

    #[test]
    fn static_segments_match_the_decoded_path() {
        let r = router(&[
            (&[Get], "/café/menu", "menu"),
            (&[Get], "/files/{name}", "file"),
        ]);
        assert_eq!(found(&r, Get, "/caf%C3%A9/menu").0, "menu");
        assert_eq!(found(&r, Get, "/caf%c3%a9/menu").0, "menu");
        // A `%2F` is a character inside its segment, never a separator.
        assert_eq!(
            found(&r, Get, "/files/a%2Fb"),
            ("file".into(), vec![("name".into(), "a/b".into())])
        );
        assert!(matches!(
            r.route(Get, "/caf%C3%A9%2Fmenu"),
            Routed::NotFound
        ));
        assert!(matches!(r.route(Get, "/caf%C3/menu"), Routed::NotFound));
    }

    /// The router refuses exactly the paths of the shared table that the
    /// route attributes refuse (`macros/src/validate.rs` tests the same
    /// table), so that a route added by hand follows the attributes' rules.
    #[test]
    fn the_shared_table_of_paths_is_checked_here_too() {
        for path in rung_path::cases::GOOD {
            assert!(
                Router::new(vec![entry(&[Get], path, "good")]).is_ok(),
                "{path}"
            );
        }
        for (path, expected) in rung_path::cases::BAD {
            let errors = Router::new(vec![entry(&[Get], path, "bad")]).unwrap_err();
            let text = errors[0].to_string();
            assert!(text.contains(expected), "{path}: {text}");
        }
    }

    #[test]
    fn the_table_is_sorted_whatever_the_order_given() {
        let r = router(&[(&[Post], "/b", "b"), (&[Get], "/a", "a")]);
        let table = r.table();
        assert!(
            table.find("/a").unwrap() < table.find("/b").unwrap(),
            "{table}"
        );
    }
}
