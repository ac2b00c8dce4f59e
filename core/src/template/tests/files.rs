//! `Templates`: reading from a folder, caching, names, thread safety.

use std::error::Error as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use crate::template::Templates;

/// A fresh folder under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "rung-template-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        // A leftover from an earlier, killed run must not leak in.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[derive(Serialize)]
struct Thanks<'a> {
    name: &'a str,
}

#[test]
fn renders_files_from_the_folder_with_a_struct_context() {
    let dir = TempDir::new("render");
    dir.write("thanks.html", "<p>Thank you, {{ name }}!</p>\n");
    dir.write(
        "messages/list.html",
        "{% for m in ms %}{{ m }};{% endfor %}",
    );
    let templates = Templates::new(dir.path());
    assert_eq!(templates.dir(), dir.path());

    let output = templates
        .render("thanks.html", &Thanks { name: "<Ada>" })
        .unwrap();
    assert_eq!(output, "<p>Thank you, &lt;Ada&gt;!</p>\n");
    let output = templates
        .render("messages/list.html", &json!({ "ms": [1, 2] }))
        .unwrap();
    assert_eq!(output, "1;2;");
}

#[test]
fn parses_once_and_uses_the_cached_version() {
    let dir = TempDir::new("cache");
    dir.write("page.html", "version one: {{ n }}");
    let templates = Templates::new(dir.path());
    assert_eq!(
        templates.render("page.html", &json!({ "n": 1 })).unwrap(),
        "version one: 1"
    );

    // Changing (or even deleting) the file does not change what renders.
    dir.write("page.html", "version two: {{ n }}");
    assert_eq!(
        templates.render("page.html", &json!({ "n": 2 })).unwrap(),
        "version one: 2"
    );
    fs::remove_file(dir.path().join("page.html")).unwrap();
    assert_eq!(
        templates.render("page.html", &json!({ "n": 3 })).unwrap(),
        "version one: 3"
    );

    // Both lookups hand out the very same parsed template.
    let first = templates.get("page.html").unwrap();
    let second = templates.get("page.html").unwrap();
    assert!(Arc::ptr_eq(&first, &second));

    // A fresh `Templates` reads the folder again.
    dir.write("page.html", "version three");
    assert_eq!(
        Templates::new(dir.path())
            .render("page.html", &json!({}))
            .unwrap(),
        "version three"
    );
}

#[test]
fn a_template_with_a_syntax_error_is_not_cached() {
    let dir = TempDir::new("fix");
    dir.write("broken.html", "line one\n{% if x %}");
    let templates = Templates::new(dir.path());
    let error = templates
        .render("broken.html", &json!({ "x": true }))
        .unwrap_err();
    assert_eq!((error.line(), error.column()), (2, 1));
    // Errors name the file by its path inside the folder.
    let expected_name = dir.path().join("broken.html").display().to_string();
    assert_eq!(error.name(), expected_name);
    assert!(
        error
            .to_string()
            .starts_with(&format!("{expected_name}:2:1: ")),
        "{error}"
    );

    dir.write("broken.html", "{% if x %}fixed{% endif %}");
    assert_eq!(
        templates
            .render("broken.html", &json!({ "x": true }))
            .unwrap(),
        "fixed"
    );
}

#[test]
fn a_missing_file_is_an_error_with_its_name() {
    let dir = TempDir::new("missing");
    let templates = Templates::new(dir.path());
    let error = templates.render("nope.html", &json!({})).unwrap_err();
    assert!(error.name().ends_with("nope.html"), "{error}");
    assert_eq!((error.line(), error.column()), (0, 0));
    assert!(
        error.message().contains("cannot read the template"),
        "{error}"
    );
    assert!(
        error.source().is_some(),
        "the I/O error is kept as the source"
    );
}

#[test]
fn names_that_leave_the_folder_are_rejected() {
    let dir = TempDir::new("names");
    dir.write("outside.html", "secret");
    dir.write("tpl/page.html", "fine");
    let templates = Templates::new(dir.path().join("tpl"));
    assert_eq!(templates.render("page.html", &json!({})).unwrap(), "fine");
    assert_eq!(templates.render("./page.html", &json!({})).unwrap(), "fine");

    let absolute = dir.path().join("outside.html").display().to_string();
    for name in [
        "../outside.html",
        "a/../../outside.html",
        "..",
        absolute.as_str(),
        "/etc/passwd",
        "..\\outside.html",
        "page.html\0",
        "",
    ] {
        let error = templates.render(name, &json!({})).unwrap_err();
        assert!(
            error.message().starts_with("invalid template name"),
            "{name:?} gave {error}"
        );
    }
}

#[test]
fn the_context_must_serialize_to_an_object() {
    let dir = TempDir::new("context");
    dir.write("page.html", "{{ name }}");
    let templates = Templates::new(dir.path());
    let error = templates.render("page.html", &vec![1, 2]).unwrap_err();
    assert!(error.message().contains("must be an object"), "{error}");
    assert!(error.message().contains("not a list"), "{error}");
}

#[test]
fn templates_are_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
    assert_send_sync::<crate::template::Template>();

    let dir = TempDir::new("threads");
    dir.write("n.html", "{% for i in xs %}{{ i }}{% endfor %}");
    let templates = Templates::new(dir.path());
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let templates = &templates;
            scope.spawn(move || {
                for _ in 0..50 {
                    let output = templates
                        .render("n.html", &json!({ "xs": [thread, thread] }))
                        .unwrap();
                    assert_eq!(output, format!("{thread}{thread}"));
                }
            });
        }
    });
}
