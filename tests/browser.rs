//! The quiz widget in real headless Chromium, on a page `supportbook build`
//! rendered: `tests/browser/quiz.test.mjs` (Playwright driving Debian's
//! chromium) answers one question right and one wrong, checks the feedback,
//! the score, that a reload keeps the progress, keyboard use, and the POST of
//! the attempt over http.
//!
//! Needs node, `npm ci` in tests/browser and /usr/bin/chromium. Without them
//! the test says so and passes, unless SUPPORTBOOK_BROWSER_TESTS=require
//! (set by .ci/run), when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::Fixture;
use std::path::Path;
use std::process::Command;

/// One Chromium at a time: two at once on a 2-core machine make both slow
/// enough to time out.
static BROWSER_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn browser_ready() -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("no /usr/bin/chromium (apt-get install chromium)".into());
    }
    if !dir.join("node_modules/playwright-core").is_dir() {
        return Err("no tests/browser/node_modules (cd tests/browser && npm ci)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("no node on PATH".into());
    }
    Ok(())
}

/// False (after saying why) when the browser test cannot run here and is
/// not required.
fn ready_or_skip() -> bool {
    if let Err(why) = browser_ready() {
        if std::env::var("SUPPORTBOOK_BROWSER_TESTS").as_deref() == Ok("require") {
            panic!("browser test required but cannot run: {why}");
        }
        eprintln!("SKIPPED browser test: {why}");
        return false;
    }
    true
}

fn run_page(page: &Path, quiz: &str) {
    if !ready_or_skip() {
        return;
    }
    run_script("quiz.test.mjs", &[page.as_os_str(), quiz.as_ref()]);
}

fn run_script(name: &str, args: &[&std::ffi::OsStr]) {
    let _one_at_a_time = BROWSER_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(name);
    let out = Command::new("node")
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed"),
        "unexpected summary: {last}"
    );
}

#[test]
fn quiz_widget_in_headless_chromium_on_a_built_page() {
    let fx = Fixture::handbook();
    let out = fx.run(&["build", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    run_page(
        &fx.path("book/training/03-outage-communications.html"),
        "outage-communications",
    );
}

#[test]
fn search_box_in_headless_chromium_on_the_served_site() {
    if !ready_or_skip() {
        return;
    }
    let fx = Fixture::handbook();
    let server = common::Server::start(fx.root(), &[]);
    let base = format!("http://{}/", server.addr);
    run_script("search.test.mjs", &[base.as_ref()]);
}
