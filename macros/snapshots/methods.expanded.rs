// What the attribute generates for this source (the snapshot case
// `methods` in macros/src/snapshots.rs):
//
//     #[route("/guestbook", methods = [GET, POST])]
//     fn guestbook(req: &Request) -> Html<String> {
//         Html(format!("<p>You sent a {} request.</p>", req.method()))
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn guestbook(req: &Request) -> Html<String> {
    Html(format!("<p>You sent a {} request.</p>", req.method()))
}
const _: () = {
    use ::rung::{FromRequest, IntoResponse};
    fn handler(request: &::rung::Request) -> ::rung::Response {
        let req = match <&Request as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(guestbook(req))
    }
    fn requirements(needs: &mut ::rung::Requirements) {
        <&Request as FromRequest>::requirements(needs);
    }
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Get, ::rung::Method::Post],
        path: "/guestbook",
        name: concat!(module_path!(), "::guestbook"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `guestbook` (`GET, POST /guestbook`), built by `guestbook::url`.
mod guestbook {
    /// The path `/guestbook`.
    #[allow(dead_code)]
    pub fn url() -> ::rung::Url {
        ::rung::Url::new("/guestbook")
    }
}
