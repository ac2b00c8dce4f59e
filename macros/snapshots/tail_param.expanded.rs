// What the attribute generates for this source (the snapshot case
// `tail_param` in macros/src/snapshots.rs):
//
//     #[get("/files/{owner}/{*path}")]
//     fn file(owner: String, path: String) -> String {
//         format!("{owner} asked for {path}")
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn file(owner: String, path: String) -> String {
    format!("{owner} asked for {path}")
}
const _: () = {
    use ::rung::{path_param, IntoResponse};
    fn handler(req: &::rung::Request) -> ::rung::Response {
        let owner = match path_param::<String>(req, "owner") {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let path = match path_param::<String>(req, "path") {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(file(owner, path))
    }
    fn requirements(_: &mut ::rung::Requirements) {}
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Get],
        path: "/files/{owner}/{*path}",
        name: concat!(module_path!(), "::file"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `file` (`GET /files/{owner}/{*path}`), built by `file::url`.
mod file {
    /// The path `/files/{owner}/{*path}`, with each value percent-encoded for its place.
    #[allow(dead_code)]
    pub fn url(owner: &str, path: &str) -> ::rung::Url {
        let owner = ::rung::url::segment(&owner);
        let path = ::rung::url::tail(&path);
        ::rung::Url::new(format!("/files/{owner}/{path}"))
    }
}
