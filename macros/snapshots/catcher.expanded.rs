// What the attribute generates for this source (the snapshot case
// `catcher` in macros/src/snapshots.rs):
//
//     #[catch(404, prefix = "/api")]
//     fn api_not_found(req: &Request) -> (Status, Json<ApiError>) {
//         let error = ApiError::new(format!("no resource at {}", req.path()));
//         (Status::NOT_FOUND, Json(error))
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn api_not_found(req: &Request) -> (Status, Json<ApiError>) {
    let error = ApiError::new(format!("no resource at {}", req.path()));
    (Status::NOT_FOUND, Json(error))
}
const _: () = {
    use ::rung::{FromRequest, IntoResponse};
    fn handler(request: &::rung::Request) -> ::rung::Response {
        let req = match <&Request as FromRequest>::from_request(request) {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
        IntoResponse::into_response(api_not_found(req))
    }
    fn requirements(needs: &mut ::rung::Requirements) {
        <&Request as FromRequest>::requirements(needs);
    }
    const CATCHER: ::rung::Catcher = ::rung::Catcher {
        status: 404,
        prefix: "/api",
        name: concat!(module_path!(), "::api_not_found"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(CATCHER);
};
