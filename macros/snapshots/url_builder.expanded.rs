// What the attribute generates for this source (the snapshot case
// `url_builder` in macros/src/snapshots.rs):
//
//     /// The files of a user, listed or searched.
//     #[get("/users/{user}/files/{*path}")]
//     pub fn files(user: String, path: String, Query(search): Query<Search>) -> String {
//         format!("{user}'s files under {path}, matching {search:?}")
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

/// The files of a user, listed or searched.
pub fn files(user: String, path: String, Query(search): Query<Search>) -> String {
    format!("{user}'s files under {path}, matching {search:?}")
}
const _: () = {
    use ::rung::{path_param, FromRequest, IntoResponse};
    fn handler(req: &::rung::Request) -> ::rung::Response {
        let user = match path_param::<String>(req, "user") {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let path = match path_param::<String>(req, "path") {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let query = match <Query<Search> as FromRequest>::from_request(req) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(files(user, path, query))
    }
    fn requirements(needs: &mut ::rung::Requirements) {
        <Query<Search> as FromRequest>::requirements(needs);
    }
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Get],
        path: "/users/{user}/files/{*path}",
        name: concat!(module_path!(), "::files"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `files` (`GET /users/{user}/files/{*path}`), built by `files::url`.
pub mod files {
    use super::*;
    /// The path `/users/{user}/files/{*path}`, with each value percent-encoded for its place.
    #[allow(dead_code)]
    pub fn url(user: &str, path: &str) -> ::rung::Url<Search> {
        let user = ::rung::url::segment(&user);
        let path = ::rung::url::tail(&path);
        ::rung::Url::new(format!("/users/{user}/files/{path}"))
    }
}
