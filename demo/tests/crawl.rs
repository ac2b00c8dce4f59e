//! Every link and form of the demo site leads somewhere (issue 17).
//!
//! A crawl starts at `/` and follows every `href`, `src` and form `action`
//! of every HTML page it reaches, and fails on any that answers `404` or
//! `405`: a route renamed or removed while a page still links to it is
//! found here. Forms are sent filled in, as a visitor would send them, and
//! the page that answers is crawled too (the thank-you page links to the
//! stored message).
//!
//! The app is the real one (`demo::build_app`), driven in-process by
//! `rung::test::Client`, which keeps cookies like a browser.

mod support;

use std::collections::{BTreeSet, VecDeque};

use rung::test::{Client, TestResponse};
use support::temp_dir;

/// A request the crawl has to make: a link to follow or a form to send.
struct Visit {
    /// `true` for a form with `method="post"`.
    post: bool,
    /// The URL, as written in the page, entities decoded.
    url: String,
    /// The names of the form's fields (none for a link).
    fields: Vec<String>,
    /// Where it was found, for the message.
    from: String,
}

#[test]
fn every_link_and_form_of_the_site_leads_somewhere() {
    let dir = temp_dir("crawl");
    let mut options = demo::Options::new(dir.join("data"));
    options.secrets = vec!["crawl secret".into()];
    let client = Client::new(demo::build_app(&options).expect("open the store"));

    let mut queue = VecDeque::from([Visit {
        post: false,
        url: "/".into(),
        fields: Vec::new(),
        from: "the start".into(),
    }]);
    let mut done: BTreeSet<(bool, String)> = BTreeSet::new();
    let mut broken = Vec::new();
    while let Some(visit) = queue.pop_front() {
        if !done.insert((visit.post, visit.url.clone())) {
            continue;
        }
        let (method, response) = if visit.post {
            let pairs: Vec<(&str, &str)> = visit
                .fields
                .iter()
                .map(|name| (name.as_str(), plausible_value(name)))
                .collect();
            ("POST", client.post(&visit.url).form(&pairs).send())
        } else {
            ("GET", client.get(&visit.url).send())
        };
        let status = response.status.code();
        let fine = if visit.post {
            matches!(status, 200 | 303 | 422)
        } else {
            !matches!(status, 404 | 405)
        };
        if !fine {
            broken.push(format!(
                "{method} {} answers {status} (found on {})",
                visit.url, visit.from
            ));
            continue;
        }
        let here = format!("{method} {}", visit.url);
        if let Some(location) = response.header("location") {
            queue.push_back(link(location, &here));
        }
        if is_html(&response) {
            let page = response.text();
            for url in attribute_values(page, &["href", "src"]) {
                queue.push_back(link(&url, &here));
            }
            for form in forms(page) {
                queue.push_back(Visit {
                    post: form.post,
                    url: form.action,
                    fields: if form.post { form.fields } else { Vec::new() },
                    from: here.clone(),
                });
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));

    // The crawl did reach the site, pages behind a form included.
    let got = |url: &str| done.contains(&(false, url.to_string()));
    for page in [
        "/",
        "/about",
        "/contact",
        "/messages",
        "/api/messages",
        "/static/style.css",
        "/api/messages/1",
    ] {
        assert!(got(page), "the crawl never reached {page}: {done:?}");
    }
    assert!(done.contains(&(true, "/contact".to_string())));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A link to follow: `url` without its `#fragment`, which never reaches
/// the server.
fn link(url: &str, from: &str) -> Visit {
    let url = url.split('#').next().unwrap_or("");
    Visit {
        post: false,
        url: url.to_string(),
        fields: Vec::new(),
        from: from.to_string(),
    }
}

/// A value a visitor could type into the field `name`.
fn plausible_value(name: &str) -> &'static str {
    if name.contains("email") {
        "crawler@example.com"
    } else {
        "Sent by the crawl test"
    }
}

fn is_html(response: &TestResponse) -> bool {
    response
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"))
}

/// The values of the attributes `names` anywhere in `html` that point
/// into the site (start with one `/`), entities decoded.
fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for name in names {
        let opening = format!(" {name}=\"");
        let mut rest = html;
        while let Some(start) = rest.find(&opening) {
            rest = &rest[start + opening.len()..];
            let end = rest.find('"').expect("an attribute value is closed");
            let value = unescape(&rest[..end]);
            if value.starts_with('/') && !value.starts_with("//") {
                values.push(value);
            }
            rest = &rest[end..];
        }
    }
    values
}

/// A `<form>` of a page.
struct Form {
    post: bool,
    action: String,
    fields: Vec<String>,
}

/// Every `<form>` of `html`: its method, its action and the names of its
/// fields (`name="..."` inside it).
fn forms(html: &str) -> Vec<Form> {
    html.split("<form")
        .skip(1)
        .map(|form| {
            let form = form.split("</form>").next().unwrap_or(form);
            let tag = form.split('>').next().unwrap_or(form);
            let post = tag.contains("method=\"post\"");
            let action = attribute_values(tag, &["action"])
                .pop()
                .expect("a form of the site says where it goes");
            let fields = attribute_values_any(form, "name");
            Form {
                post,
                action,
                fields,
            }
        })
        .collect()
}

/// The values of every attribute `name` in `html`, wherever they point.
fn attribute_values_any(html: &str, name: &str) -> Vec<String> {
    let opening = format!(" {name}=\"");
    html.split(&opening)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(unescape)
        .collect()
}

/// Decodes the entities that rung's templates write (`& < > " '`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
