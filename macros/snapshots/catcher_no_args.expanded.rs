// What the attribute generates for this source (the snapshot case
// `catcher_no_args` in macros/src/snapshots.rs):
//
//     #[catch(500)]
//     fn oops() -> Html<&'static str> {
//         Html("<h1>Something went wrong on our side.</h1>")
//     }
//
// The function is kept exactly as written; the `const _` block after it
// is what the attribute adds. Checked by `cargo test -p rung-macros`;
// regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.

fn oops() -> Html<&'static str> {
    Html("<h1>Something went wrong on our side.</h1>")
}
const _: () = {
    use ::rung::IntoResponse;
    fn handler(_: &::rung::Request) -> ::rung::Response {
        IntoResponse::into_response(oops())
    }
    fn requirements(_: &mut ::rung::Requirements) {}
    const CATCHER: ::rung::Catcher = ::rung::Catcher {
        status: 500,
        prefix: "",
        name: concat!(module_path!(), "::oops"),
        file: file!(),
        line: line!(),
        handler,
        requirements,
    };
    ::rung::__private::inventory::submit!(CATCHER);
};
