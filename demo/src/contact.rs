//! Level 4: a form, validated on the server, answered from templates.
//!
//! `GET /contact` shows the form. The browser sends it back as
//! `application/x-www-form-urlencoded` (or `multipart/form-data`, which a
//! form with `enctype="multipart/form-data"` or a script sends); `Form<T>`
//! reads either into a [`MessageInput`].
//!
//! Then the same rules as the JSON API ([`crate::validate`]):
//!
//! - valid: the message is stored — on disk, or committed, before this
//!   function returns —
//!   the name is remembered in the session (the home page then says
//!   "Welcome back"), and the thank-you page is rendered from
//!   `thanks.html`, whose `{{ name }}` escapes whatever the visitor typed;
//! - invalid: `422 Unprocessable Content` and the form again, with an error
//!   beside each bad field and the values as they were typed, escaped, so
//!   nothing has to be typed twice. Nothing is stored.

use rung::{get, post, Error, Form, Html, Session, State, Status, Templates};
use serde_json::json;

use crate::layout;
use crate::pages::SESSION_NAME;
use crate::store::Store;
use crate::validate::{self, FieldErrors, MessageInput};

/// The contact form, empty.
#[get("/contact")]
pub fn form(templates: State<Templates>) -> Result<Html<String>, Error> {
    let context = form_context(&MessageInput::default(), &FieldErrors::new());
    layout::page(&templates, "Contact", "contact.html", &context)
}

/// The form, sent: thank you (`200`), or the form again with errors (`422`).
#[post("/contact")]
pub fn submit(
    form: Form<MessageInput>,
    store: State<Store>,
    session: Session,
    templates: State<Templates>,
) -> Result<(Status, Html<String>), Error> {
    let input = form.0;
    match validate::check(&input) {
        Ok(new) => {
            // `?` turns a failed write into a 500 (a 503 when the database
            // is down): no thank-you page for a message that is not safely
            // stored.
            let message = store.add(new)?;
            session.insert(SESSION_NAME, &message.name);
            // The link to the stored message as JSON, built from its route.
            let url = crate::api::show::url(message.id);
            let context = json!({ "name": message.name, "id": message.id, "url": url });
            let page = layout::page(&templates, "Thank you", "thanks.html", &context)?;
            Ok((Status::OK, page))
        }
        Err(errors) => {
            let context = form_context(&input, &errors);
            let page = layout::page(&templates, "Contact", "contact.html", &context)?;
            Ok((Status::UNPROCESSABLE_ENTITY, page))
        }
    }
}

/// What `contact.html` needs: the values to show in the fields and an
/// error (or `null`) per field. Every variable a template uses must be
/// defined, so absent ones are `""` or `null`, never left out.
fn form_context(input: &MessageInput, errors: &FieldErrors) -> serde_json::Value {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let error = |field: &str| errors.get(field).cloned();
    json!({
        "invalid": !errors.is_empty(),
        "values": {
            "name": value(&input.name),
            "email": value(&input.email),
            "message": value(&input.message),
        },
        "errors": {
            "name": error("name"),
            "email": error("email"),
            "message": error("message"),
        },
    })
}
