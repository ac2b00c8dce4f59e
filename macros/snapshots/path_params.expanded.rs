// What the attribute generates for this source (the snapshot case
// `path_params` in macros/src/snapshots.rs):
//
//     /// One message of the guest book, as JSON.
//     #[get("/api/messages/{id}")]
//     fn show(id: u64, store: State<Store>) -> Option<Json<Message>> {
//         store.find(id).map(Json)
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

/// One message of the guest book, as JSON.
fn show(id: u64, store: State<Store>) -> Option<Json<Message>> {
    store.find(id).map(Json)
}
const _: () = {
    use ::rung::{path_param, FromRequest, IntoResponse};
    fn handler(req: &::rung::Request) -> ::rung::Response {
        let id = match path_param::<u64>(req, "id") {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        let store = match <State<Store> as FromRequest>::from_request(req) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(show(id, store))
    }
    fn requirements(needs: &mut ::rung::Requirements) {
        <State<Store> as FromRequest>::requirements(needs);
    }
    const ROUTE: ::rung::Route = ::rung::Route {
        methods: &[::rung::Method::Get],
        path: "/api/messages/{id}",
        name: concat!(module_path!(), "::show"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(ROUTE);
};
/// The URL of `show` (`GET /api/messages/{id}`), built by `show::url`.
mod show {
    /// The path `/api/messages/{id}`, with each value percent-encoded for its place.
    #[allow(dead_code)]
    pub fn url(id: u64) -> ::rung::Url {
        let id = ::rung::url::segment(&id);
        ::rung::Url::new(format!("/api/messages/{id}"))
    }
}
