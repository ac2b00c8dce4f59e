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
        let data = std::env::temp_dir().join(format!("rung-browser-{}", std::process::id()));
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
