// What the attribute generates for this source (the snapshot case
// `extractors` in macros/src/snapshots.rs):
//
//     #[post("/contact")]
//     fn send(
//         req: &Request,
//         Form(contact): Form<Contact>,
//         Query(options): Query<SendOptions>,
//         store: State<Store>,
//     ) -> Result<Redirect, Html<String>> {
//         log::info!("message from {:?}", req.peer_addr());
//         store.add(contact, options.notify)?;
//         Ok(Redirect::to("/thanks"))
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn send(
    req: &Request,
    Form(contact): Form<Contact>,
    Query(options): Query<SendOptions>,
    store: State<Store>,
) -> Result<Redirect, Html<String>> {
    log::info!("message from {:?}", req.peer_addr());
    store.add(contact, options.notify)?;
    Ok(Redirect::to("/thanks"))
}
const _: () = {
    use ::rung::{FromRequest, IntoResponse};
    fn handler(request: &::rung::Request) -> ::rung::Response {
        let req = match <&Request as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let form = match <Form<Contact> as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let query = match <Query<SendOptions> as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let store = match <State<Store> as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(send(req, form, query, store))
    }
    fn requirements(needs: &mut ::rung::Requirements) {
        <&Request as FromRequest>::requirements(needs);
        <Form<Contact> as FromRequest>::requirements(needs);
        <Query<SendOptions> as FromRequest>::requirements(needs);
        <State<Store> as FromRequest>::requirements(needs);
    }
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Post],
        path: "/contact",
        name: concat!(module_path!(), "::send"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `send` (`POST /contact`), built by `send::url`.
mod send {
    use super::*;
    /// The path `/contact`.
    #[allow(dead_code)]
    pub fn url() -> ::rung::Url<SendOptions> {
        ::rung::Url::new("/contact")
    }
}
