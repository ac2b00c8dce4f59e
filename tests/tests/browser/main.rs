//! The demo in a real browser: Debian's headless Chromium, driven through
//! ChromeDriver, clicks through the site as a visitor would.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; `.ci/run`
//! installs them). Runs in CI like every other test.

mod webdriver;

use std::time::{Duration, Instant};

use webdriver::Browser;

/// The demo site on a free port, with its own data folder.
struct Site {
    url: String,
    handle: rung::ShutdownHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    data: std::path::PathBuf,
}

impl Site {
    fn start() -> Site {
        // One folder per site: the tests of this file run at the same time.
        static SITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let data = std::env::temp_dir().join(format!("rung-browser-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let mut options = demo::Options::new(&data);
        options.secrets = vec!["browser test secret, long enough to sign".into()];
        let server = demo::build_app(&options)
            .unwrap()
            .bind("127.0.0.1:0")
            .unwrap();
        let url = format!("http://{}", server.local_addr());
        let (handle, thread) = server.spawn();
        Site {
            url,
            handle,
            thread: Some(thread),
            data,
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// A page of another origin (the same host, another loopback port) with a
/// form that posts to the demo's `/contact`: what a forged request looks
/// like from a browser.
struct OtherOrigin {
    url: String,
    handle: rung::ShutdownHandle,
}

impl OtherOrigin {
    fn start(target: &str) -> OtherOrigin {
        let page = format!(
            "<!doctype html><title>Another site</title>\
             <form method=\"post\" action=\"{target}/contact\">\
             <input id=\"name\" name=\"name\" value=\"Mallory\">\
             <input name=\"message\" value=\"forged from another origin\">\
             <button type=\"submit\">Win a prize</button></form>"
        );
        let server = rung::Server::bind(
            "127.0.0.1:0",
            move |_: &rung::Request| rung::Response::html(page.clone()),
            rung::Config::default(),
        )
        .unwrap();
        let url = format!("http://{}", server.local_addr());
        let (handle, _thread) = server.spawn();
        OtherOrigin { url, handle }
    }
}

impl Drop for OtherOrigin {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Waits until the page shows `text` (a click's navigation may still be
/// loading), failing with what the page shows instead.
fn wait_for_text(browser: &Browser, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = browser.page_text();
        if page.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed {text:?}; it shows:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_visitor_sends_a_message_and_finds_it() {
    let site = Site::start();
    let browser = Browser::start();

    // Level 1: the home page, with the session's visit counter.
    browser.goto(&format!("{}/", site.url));
    wait_for_text(&browser, "Hello, world!");
    assert_eq!(browser.find("#visits").text(), "1");
    browser.goto(&format!("{}/", site.url));
    wait_for_text(&browser, "Hello, world!");
    assert_eq!(
        browser.find("#visits").text(),
        "2",
        "the session cookie counts visits"
    );

    // Follow the link to the contact page, fill the form and send it.
    browser.find("a[href='/contact']").click();
    wait_for_text(&browser, "Send");
    assert!(browser.url().ends_with("/contact"), "{}", browser.url());
    browser.find("#name").type_text("Ada <Lovelace>");
    browser.find("#email").type_text("ada@example.org");
    browser
        .find("#message")
        .type_text("Hello from a real browser");
    browser.find("button[type='submit']").click();
    wait_for_text(&browser, "Thank you, Ada <Lovelace>!");

    // The message is listed, escaped as text (the browser shows `<`).
    browser.goto(&format!("{}/messages", site.url));
    wait_for_text(&browser, "Hello from a real browser");
    assert!(browser.page_text().contains("Ada <Lovelace>"));

    // The home page now greets the visitor by name.
    browser.goto(&format!("{}/", site.url));
    wait_for_text(&browser, "Welcome back, Ada <Lovelace>");

    // An invalid form comes back with an error per field and the values.
    browser.goto(&format!("{}/contact", site.url));
    wait_for_text(&browser, "Send");
    browser.find("#email").type_text("not-an-address");
    browser.find("button[type='submit']").click();
    wait_for_text(&browser, "Please fix the fields marked below");
    assert!(!browser.find("#email-error").text().is_empty());
    assert!(!browser.find("#message-error").text().is_empty());

    // Nothing was stored by the invalid post.
    browser.goto(&format!("{}/messages", site.url));
    wait_for_text(&browser, "Hello from a real browser");
    assert!(!browser.page_text().contains("not-an-address"));
}

#[test]
fn a_form_posted_from_another_origin_is_refused() {
    let site = Site::start();
    let other = OtherOrigin::start(&site.url);
    let browser = Browser::start();

    browser.goto(&format!("{}/", other.url));
    wait_for_text(&browser, "Win a prize");
    browser.find("button[type='submit']").click();
    // Chromium says `Sec-Fetch-Site: same-site` (another port of the same
    // host): the demo answers with its 403 page, and stores nothing.
    wait_for_text(&browser, "403");
    assert!(
        browser.page_text().contains("cross-origin request refused"),
        "{}",
        browser.page_text()
    );
    browser.goto(&format!("{}/messages", site.url));
    wait_for_text(&browser, "Messages");
    assert!(!browser.page_text().contains("forged from another origin"));

    // The demo's own form, in the same browser, goes through.
    browser.goto(&format!("{}/contact", site.url));
    wait_for_text(&browser, "Send");
    browser.find("#name").type_text("Grace");
    browser
        .find("#message")
        .type_text("sent from the site itself");
    browser.find("button[type='submit']").click();
    wait_for_text(&browser, "Thank you, Grace!");
}

#[test]
fn the_pages_work_under_the_content_security_policy() {
    let site = Site::start();
    let browser = Browser::start();
    // The stylesheet and the logo are from the site itself, so the policy
    // lets them load: the stylesheet's rules are there, the image drawn.
    let loaded = "return document.readyState === 'complete' \
        && Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0) > 0 \
        && Array.from(document.images).every(i => i.complete && i.naturalWidth > 0);";
    for page in ["/", "/about", "/contact", "/messages"] {
        browser.goto(&format!("{}{page}", site.url));
        let deadline = Instant::now() + Duration::from_secs(20);
        while browser.run(loaded) != serde_json::Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "{page}: the stylesheet or an image did not load under the policy"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
