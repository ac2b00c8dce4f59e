// What the attribute generates for this source (the snapshot case
// `about` in macros/src/snapshots.rs):
//
//     #[route("/about")]
//     fn about() -> Html<&'static str> {
//         Html("<h1>About rung</h1>")
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn about() -> Html<&'static str> {
    Html("<h1>About rung</h1>")
}
const _: () = {
    use ::rung::IntoResponse;
    fn handler(_: &::rung::Request) -> ::rung::Response {
        IntoResponse::into_response(about())
    }
    fn requirements(_: &mut ::rung::Requirements) {}
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Get],
        path: "/about",
        name: concat!(module_path!(), "::about"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `about` (`GET /about`), built by `about::url`.
mod about {
    /// The path `/about`.
    #[allow(dead_code)]
    pub fn url() -> ::rung::Url {
        ::rung::Url::new("/about")
    }
}
