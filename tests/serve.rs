//! `supportbook serve` as a real process on 127.0.0.1 (port 0): pages, the
//! search API, live reload over the websocket after an edit, the error
//! overlay while a file is broken, traversal attempts, method limits, and
//! concurrent quiz attempts stored in the real SQLite database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, Server, http};
use futures_util::StreamExt as _;
use std::time::Duration;

const ARTICLE: &str = "content/kb/dns/dns-propagation-delay.md";

#[test]
fn serves_pages_and_the_search_api() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<main>"), "{page}");
    // The live-reload script and our search box are in every page served...
    assert!(page.contains("'/__livereload'"), "no livereload script");
    assert!(page.contains("/__supportbook/search.js"));
    assert!(!page.contains("supportbook-error-overlay"));
    let (status, page) = server.get("/kb/dns-propagation-delay.html");
    assert_eq!(status, 200);
    assert!(page.contains("after a DNS change"), "{page}");
    assert!(page.contains("'/__livereload'"), "no livereload script");
    // ...and in no page on disk (issue 13, item 21): opened from file://,
    // book/ has nothing that tries a websocket.
    for file in [
        "book/index.html",
        "book/kb/dns-propagation-delay.html",
        "book/kb/index.html",
    ] {
        let on_disk = fx.read(file);
        assert!(on_disk.contains("<main>"), "{file}");
        assert!(
            !on_disk.contains("__livereload") && !on_disk.contains("WebSocket"),
            "{file} keeps a live-reload script"
        );
    }

    let (status, body) = server.get("/api/search?q=dns+nameservers&limit=3&product=dns");
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["query"], "dns nameservers");
    let hits = json["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3, "{json}");
    assert_eq!(hits[0]["id"], "dns-propagation-delay", "{json}");
    for h in hits {
        assert!(h["products"].as_array().unwrap().contains(&"dns".into()));
        for key in ["title", "url", "snippet", "tags", "state", "kind", "score"] {
            assert!(h.get(key).is_some(), "hit without {key}: {h}");
        }
    }
    // The same JSON as `supportbook search --json`.
    let cli = fx.run(&[
        "search",
        "--json",
        "-n",
        "3",
        "--product",
        "dns",
        "dns",
        "nameservers",
    ]);
    let cli_json: serde_json::Value = serde_json::from_str(&cli.stdout).unwrap();
    assert_eq!(cli_json["hits"], json["hits"]);
    for limit in ["many", "0", "1000"] {
        let (status, body) = server.get(&format!("/api/search?q=x&limit={limit}"));
        assert_eq!(status, 400, "limit={limit}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json["error"],
            format!("limit must be a number from 1 to 100, not \"{limit}\""),
            "{json}"
        );
    }
}

#[test]
fn refuses_traversal_listings_and_other_methods() {
    let fx = Fixture::handbook();
    std::fs::write(fx.path("secret.txt"), "TOP SECRET").unwrap();
    let server = Server::start(fx.root(), &[]);
    for path in [
        "/../secret.txt",
        "/../book.toml",
        "/%2e%2e/secret.txt",
        "/%2E%2E/book.toml",
        "/kb/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/kb%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "//secret.txt",
        "/kb/../../secret.txt",
        "/.%2e/secret.txt",
        "http://evil/../secret.txt",
        "/etc/passwd",
        &format!("/{}", fx.path("secret.txt").display()),
        &format!("/{}", fx.path("book.toml").display()),
    ] {
        let (status, body) = server.get(path);
        assert!(status == 400 || status == 404, "{path}: {status}\n{body}");
        assert!(
            !body.contains("TOP SECRET") && !body.contains("[book]"),
            "{path}"
        );
    }
    // A symlink inside the site that leads out of it is not followed.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(fx.path("secret.txt"), fx.path("book/leak.txt")).unwrap();
        std::os::unix::fs::symlink(fx.root(), fx.path("book/up")).unwrap();
        for path in ["/leak.txt", "/up/secret.txt", "/up/book.toml"] {
            let (status, body) = server.get(path);
            assert_eq!(status, 404, "{path}: {body}");
            assert!(!body.contains("TOP SECRET"), "{path}");
        }
    }
    // A folder without index.html is not listed.
    let (status, body) = server.get("/kb/products/");
    assert_eq!(status, 404, "{body}");
    let (status, body) = server.get("/fonts/");
    assert_eq!(status, 404, "{body}");
    // Only the methods each route needs.
    for (method, path) in [
        ("POST", "/index.html"),
        ("PUT", "/index.html"),
        ("DELETE", "/kb/index.html"),
        ("POST", "/api/search?q=x"),
        ("GET", "/api/attempts"),
        ("DELETE", "/api/attempts"),
    ] {
        let (status, _) = server.request(method, path, None);
        assert_eq!(status, 405, "{method} {path}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Waits (at most 30 s) for the next "reload" on the websocket.
async fn next_reload<S>(ws: &mut S)
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .expect("no reload within 30 s")
        .expect("websocket closed")
        .unwrap();
    assert_eq!(msg.to_text().unwrap(), "reload");
}

#[test]
fn edit_reloads_and_a_broken_file_shows_the_overlay_until_fixed() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let original = fx.read(ARTICLE);
    runtime().block_on(async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{}/__livereload", server.addr))
                .await
                .unwrap();
        // Let the watcher settle on the initial build's own output.
        tokio::time::sleep(Duration::from_millis(300)).await;

        fx.write(
            ARTICLE,
            format!("{original}\nA sentence added while serving.\n"),
        );
        next_reload(&mut ws).await;
        let (_, page) = server.get("/kb/dns-propagation-delay.html");
        assert!(
            page.contains("A sentence added while serving."),
            "{}",
            server.log_text()
        );
        assert!(!page.contains("supportbook-error-overlay"));

        // Break the front matter: the overlay names the file and line on every page.
        fx.write(ARTICLE, original.replacen("title = ", "title = = ", 1));
        next_reload(&mut ws).await;
        for path in ["/", "/kb/dns-propagation-delay.html", "/kb/index.html"] {
            let (status, page) = server.get(path);
            assert_eq!(status, 200);
            assert!(
                page.contains("id=\"supportbook-error-overlay\""),
                "{path}: no overlay\n{}",
                server.log_text()
            );
            assert!(
                page.contains("content/kb/dns/dns-propagation-delay.md:"),
                "{path}"
            );
        }
        // The last good page is still served underneath.
        let (_, page) = server.get("/kb/dns-propagation-delay.html");
        assert!(page.contains("A sentence added while serving."));

        // Fixing it removes the overlay.
        fx.write(ARTICLE, &original);
        next_reload(&mut ws).await;
        let (_, page) = server.get("/kb/dns-propagation-delay.html");
        assert!(
            !page.contains("supportbook-error-overlay"),
            "{}",
            server.log_text()
        );
        assert!(!page.contains("A sentence added while serving."));
        // The server kept running through all of it.
        let (status, _) = server.get("/");
        assert_eq!(status, 200);
    });
    // Its own output never triggered a rebuild: three edits, three rebuilds.
    // (The summary line follows the reload message: give it a moment.)
    let count = |log: &str| {
        log.lines()
            .filter(|l| {
                l.contains(" in ") && (l.starts_with("re-rendered") || l.starts_with("rebuilt"))
            })
            .count()
            + log.lines().filter(|l| l.contains("not rebuilt")).count()
    };
    let waited = std::time::Instant::now();
    while count(&server.log_text()) < 4 && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let log = server.log_text();
    let rebuilds = count(&log);
    assert_eq!(rebuilds, 4, "1 initial build + 3 edits:\n{log}");
}

fn attempt(uuid: &str, quiz: &str, question: &str) -> String {
    serde_json::json!({
        "uuid": uuid,
        "quizId": quiz,
        "quizHash": "abc",
        "learner": "sam",
        "startedAt": "2026-11-24T10:00:00Z",
        "finishedAt": "2026-11-24T10:05:00Z",
        "score": 1.0,
        "passed": true,
        "answers": [{
            "questionId": question,
            "response": ["x"],
            "input": {"choices": [0]},
            "correct": true,
            "points": 1.0,
            "maxPoints": 1.0,
            "attempt": 1
        }]
    })
    .to_string()
}

#[test]
fn concurrent_attempts_are_all_stored_and_bad_ones_rejected() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let addr = server.addr.clone();
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let uuid = format!("00000000-0000-4000-8000-{i:012}");
                let body = attempt(&uuid, "empowered-agents", "ea-never-ask");
                http(&addr, "POST", "/api/attempts", Some(body.as_bytes()))
            })
        })
        .collect();
    for t in threads {
        let (status, body) = t.join().unwrap();
        assert_eq!(status, 201, "{body}");
    }
    // The same attempt again adds nothing.
    let again = attempt(
        "00000000-0000-4000-8000-000000000007",
        "empowered-agents",
        "ea-never-ask",
    );
    let (status, _) = server.request("POST", "/api/attempts", Some(again.as_bytes()));
    assert_eq!(status, 200);

    let bad: Vec<(String, u16)> = vec![
        ("{not json".into(), 400),
        ("[]".into(), 400),
        (r#"{"quizId": "empowered-agents"}"#.into(), 400),
        (
            attempt("not-a-uuid", "empowered-agents", "ea-never-ask"),
            400,
        ),
        (
            attempt("00000000-0000-4000-8000-100000000001", "no-such-quiz", "q"),
            422,
        ),
        (
            attempt(
                "00000000-0000-4000-8000-100000000002",
                "empowered-agents",
                "no-such-question",
            ),
            422,
        ),
        (
            format!(
                "{{\"pad\": \"{}\"}}",
                "x".repeat(supportbook::live::serve::MAX_ATTEMPT_BYTES + 10)
            ),
            413,
        ),
    ];
    for (body, want) in &bad {
        let (status, answer) = server.request("POST", "/api/attempts", Some(body.as_bytes()));
        assert_eq!(
            status,
            *want,
            "{}: {answer}",
            body.get(..60).unwrap_or(body)
        );
        // Every refusal is JSON, 413 included.
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert!(json["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
    drop(server);
    let db = supportbook::results::Db::open(&fx.path(".supportbook/results.db")).unwrap();
    let attempts = db.attempts().unwrap();
    assert_eq!(attempts.len(), 100);
    assert!(
        attempts
            .iter()
            .all(|a| a.source == "browser" && a.answers.len() == 1)
    );
}

/// Waits (at most 60 s) until the log has `n` rebuild lines; returns the last.
fn wait_rebuilds(server: &Server, n: usize) -> String {
    let start = std::time::Instant::now();
    loop {
        let log = server.log_text();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(" ms") || l.contains("not rebuilt"))
            .collect();
        if lines.len() >= n {
            return lines[n - 1].to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waiting for rebuild {n}:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn each_change_redoes_only_what_it_needs() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    wait_rebuilds(&server, 1);
    std::thread::sleep(Duration::from_millis(300));
    let original = fx.read(ARTICLE);

    // A body edit: only that page (and its search entry).
    fx.write(ARTICLE, format!("{original}\nFast path sentence.\n"));
    let line = wait_rebuilds(&server, 2);
    assert!(
        line.starts_with("re-rendered 1 article page, 1 search document updated"),
        "{line}"
    );
    let (_, body) = server.get("/api/search?q=%22Fast+path+sentence%22");
    assert!(body.contains("dns-propagation-delay"), "{body}");

    // Editor temp files and the tool's own output change nothing.
    fx.write("content/kb/dns/.dns-propagation-delay.md.swp", "x");
    fx.write("content/kb/dns/dns-propagation-delay.md~", "x");
    fx.write("book/stray.html", "x");
    fx.write(".supportbook/stray", "x");
    std::thread::sleep(Duration::from_millis(800));
    let rebuilds = server
        .log_text()
        .lines()
        .filter(|l| l.contains(" ms") || l.contains("not rebuilt"))
        .count();
    assert_eq!(rebuilds, 2, "{}", server.log_text());

    // A title change: the index pages that list it are rendered again.
    let retitled = original.replacen(
        "title = \"Site or email still reaches the old server after a DNS change\"",
        "title = \"Old server still answers after a DNS change\"",
        1,
    );
    assert_ne!(retitled, original, "fixture title changed; update the test");
    fx.write(ARTICLE, &retitled);
    let line = wait_rebuilds(&server, 3);
    assert!(line.starts_with("rebuilt the site"), "{line}");
    let (_, product) = server.get("/kb/products/dns.html");
    assert!(
        product.contains("Old server still answers after a DNS change"),
        "{product}"
    );

    // A template change re-renders pages.
    let css = fx.read("templates/supportbook.css");
    fx.write(
        "templates/supportbook.css",
        format!("{css}\n.marker-from-test {{ color: red }}\n"),
    );
    let line = wait_rebuilds(&server, 4);
    assert!(line.starts_with("rebuilt the site"), "{line}");
    // mdBook names the stylesheet after its content hash.
    let (_, page) = server.get("/");
    let href = page
        .split('"')
        .find(|s| s.starts_with("templates/supportbook-") && s.ends_with(".css"))
        .unwrap_or_else(|| panic!("no stylesheet link in {page}"))
        .to_string();
    let (_, sheet) = server.get(&format!("/{href}"));
    assert!(sheet.contains("marker-from-test"), "{href}: {sheet}");

    // book.toml reloads everything.
    let toml = fx.read("book.toml");
    let retitled_book = toml.replacen("title = \"", "title = \"Renamed ", 1);
    assert_ne!(retitled_book, toml);
    fx.write("book.toml", retitled_book);
    let line = wait_rebuilds(&server, 5);
    assert!(line.starts_with("rebuilt the site"), "{line}");
    let (_, page) = server.get("/kb/dns-propagation-delay.html");
    assert!(
        page.contains("<title>Site or email") || page.contains("Renamed "),
        "{page}"
    );
    assert!(page.contains("Renamed "), "book title not updated");

    // A new article appears in the site and the index.
    let new = original
        .replacen(
            "id = \"dns-propagation-delay\"",
            "id = \"dns-brand-new\"",
            1,
        )
        .replacen(
            "title = \"Site or email still reaches the old server after a DNS change\"",
            "title = \"A brand new article\"",
            1,
        );
    fx.write("content/kb/dns/dns-brand-new.md", new);
    wait_rebuilds(&server, 6);
    let (status, page) = server.get("/kb/dns-brand-new.html");
    assert_eq!(status, 200, "{}", server.log_text());
    assert!(page.contains("A brand new article"));
}

#[test]
fn ctrl_c_stops_cleanly_with_a_page_connected() {
    let fx = Fixture::handbook();
    let mut server = Server::start(fx.root(), &[]);
    runtime().block_on(async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{}/__livereload", server.addr))
                .await
                .unwrap();
        let status = std::process::Command::new("kill")
            .args(["-INT", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // The socket is closed by the server, not left hanging.
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_close() {
                    break;
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "websocket not closed on Ctrl-C");
    });
    let start = std::time::Instant::now();
    let code = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running 10 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0), "{}", server.log_text());
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        server.log_text().contains("stopped"),
        "{}",
        server.log_text()
    );
}

#[test]
fn watch_with_polling_rebuilds_and_survives_a_broken_file() {
    use std::io::BufRead as _;
    let fx = Fixture::handbook();
    let mut child = common::command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
        .args(["watch", "--poll", "--poll-interval", "100"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(child);
    let wait_for = |what: &str| -> String {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
                && line.contains(what)
            {
                return line;
            }
        }
        panic!("no line with {what:?} within 60 s");
    };
    wait_for("watching ");
    std::thread::sleep(Duration::from_millis(300));
    let original = fx.read(ARTICLE);
    fx.write(ARTICLE, original.replacen("+++", "+++\ntitle = 3", 1));
    wait_for("--> content/kb/dns/dns-propagation-delay.md:");
    wait_for("(watching on)");
    // notify's poller compares modification times in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    fx.write(ARTICLE, format!("{original}\nPolled edit.\n"));
    wait_for("search document");
    assert!(
        fx.read("book/kb/dns-propagation-delay.html")
            .contains("Polled edit.")
    );
}

#[test]
fn a_first_build_that_fails_still_serves_the_overlay() {
    let fx = Fixture::handbook();
    let original = fx.read(ARTICLE);
    fx.write(ARTICLE, original.replacen("title = ", "title = = ", 1));
    let server = Server::start(fx.root(), &["--host", "0.0.0.0"]);
    assert!(
        server.log_text().contains("warning: listening on 0.0.0.0"),
        "{}",
        server.log_text()
    );
    let port = server.addr.rsplit(':').next().unwrap();
    let (status, page) = http(&format!("127.0.0.1:{port}"), "GET", "/", None);
    assert_eq!(status, 404);
    assert!(page.contains("supportbook-error-overlay"), "{page}");
    assert!(
        page.contains("content/kb/dns/dns-propagation-delay.md:"),
        "{page}"
    );
}

#[test]
fn attempt_bodies_are_checked_before_anything_is_stored() {
    use supportbook::results::posted::{AttemptError, attempt_from_body};
    let fx = Fixture::handbook();
    let today = common::TODAY.parse().unwrap();
    let handbook = supportbook::engine::load(fx.root(), today)
        .unwrap()
        .handbook;
    let quiz = handbook.quiz("empowered-agents").unwrap();
    let body = serde_json::json!({
        "uuid": null, "quizId": "empowered-agents", "learner": null,
        "startedAt": "2026-11-24T10:00:00.000Z", "finishedAt": "2026-11-24T10:05:00.000Z",
        "score": 0.5, "passed": false,
        "answers": [{"questionId": "ea-never-ask", "response": ["x"], "input": {"choices": [0]},
                     "correct": false, "points": 0, "maxPoints": 1, "attempt": 2}]
    });
    let a =
        attempt_from_body(body.to_string().as_bytes(), &handbook, || "new-uuid".into()).unwrap();
    assert_eq!(a.uuid, "new-uuid");
    assert_eq!(a.learner, "anonymous");
    assert_eq!(a.quiz_hash, quiz.hash);
    assert_eq!(
        a.covers_hash,
        supportbook::results::covers_hash(quiz, &handbook)
    );
    assert_eq!(a.source, "browser");
    assert_eq!(a.answers[0].attempt, 2);

    let with = |key: &str, value: serde_json::Value| {
        let mut b = body.clone();
        b[key] = value;
        attempt_from_body(b.to_string().as_bytes(), &handbook, || "u".into())
    };
    // The page's own score is ignored, whatever it says.
    assert_eq!(with("score", 1.5.into()).unwrap().score, a.score);
    let mut no_input = body.clone();
    no_input["answers"][0]
        .as_object_mut()
        .unwrap()
        .remove("input");
    assert_eq!(
        attempt_from_body(no_input.to_string().as_bytes(), &handbook, || "u".into()),
        Err(AttemptError::Bad(
            "answers[0] (question \"ea-never-ask\") has no `input`; a page built by an older supportbook sends none: rebuild the site and reload the page".into()
        ))
    );
    let mut wrong_kind = body.clone();
    wrong_kind["answers"][0]["input"] = serde_json::json!({"text": "Thanks, Priya."});
    assert_eq!(
        attempt_from_body(wrong_kind.to_string().as_bytes(), &handbook, || "u".into()),
        Err(AttemptError::Bad(
            "answers[0] (question \"ea-never-ask\", MultipleChoice) needs `input.choices`, the chosen indexes".into()
        ))
    );
    assert!(matches!(
        with("finishedAt", "yesterday".into()),
        Err(AttemptError::Bad(_))
    ));
    assert!(matches!(with("extra", 1.into()), Err(AttemptError::Bad(_))));
    assert!(matches!(
        with("uuid", "nope".into()),
        Err(AttemptError::Bad(_))
    ));
    assert!(matches!(
        with("quizId", "nope".into()),
        Err(AttemptError::Unknown(_))
    ));
    assert!(matches!(
        attempt_from_body(b"{", &handbook, || "u".into()),
        Err(AttemptError::Bad(_))
    ));
}

/// The server grades what the page sent (`input`) with the terminal's
/// grader; the page's own `correct`, `points`, `score` and `passed` are
/// ignored, so a page cannot record a pass its answers do not earn.
#[test]
fn posted_attempts_are_graded_by_the_server() {
    use supportbook::pipeline::quiz::Kind;
    use supportbook::results::posted::attempt_from_body;
    let fx = Fixture::handbook();
    let today = common::TODAY.parse().unwrap();
    let handbook = supportbook::engine::load(fx.root(), today)
        .unwrap()
        .handbook;
    let quiz = handbook.quiz("outage-communications").unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut answers = Vec::new();
    // (question id, correct?, points, max points) as the server must store them.
    let mut expected = Vec::new();
    let mut wrong_mc_done = false;
    for q in &quiz.questions {
        kinds.insert(q.kind.name());
        let (input, response, correct, points, max) = match &q.kind {
            Kind::MultipleChoice { choices, .. } => {
                let right: Vec<usize> =
                    (0..choices.len()).filter(|&i| choices[i].correct).collect();
                if wrong_mc_done {
                    let texts: Vec<&str> =
                        right.iter().map(|&i| choices[i].text.as_str()).collect();
                    (
                        serde_json::json!({"choices": right}),
                        serde_json::json!(texts),
                        true,
                        1.0,
                        1.0,
                    )
                } else {
                    // A distractor, claimed as correct below.
                    wrong_mc_done = true;
                    let wrong = (0..choices.len()).find(|&i| !choices[i].correct).unwrap();
                    let text = choices[wrong].text.clone();
                    (
                        serde_json::json!({"choices": [wrong]}),
                        serde_json::json!([text]),
                        false,
                        0.0,
                        1.0,
                    )
                }
            }
            Kind::ShortAnswer { answers, .. } => {
                // Case, spaces and one final period do not matter.
                let typed = format!("  {}. ", answers[0].to_uppercase());
                (
                    serde_json::json!({"text": typed}),
                    serde_json::json!(typed),
                    true,
                    1.0,
                    1.0,
                )
            }
            Kind::Ordering { items } => {
                let order: Vec<usize> = (0..items.len()).collect();
                (
                    serde_json::json!({"order": order}),
                    serde_json::json!(items),
                    true,
                    1.0,
                    1.0,
                )
            }
            Kind::Scenario {
                start,
                nodes,
                max_points,
                ..
            } => {
                // Always the first choice, to an ending.
                let (mut at, mut steps, mut points) = (start.clone(), Vec::new(), 0);
                while let Some(c) = nodes[&at].choices.first() {
                    steps.push(format!("{at}:0"));
                    points += c.points;
                    at = c.next.clone();
                }
                let correct = points >= *max_points;
                (
                    serde_json::json!({"steps": steps}),
                    serde_json::json!(steps),
                    correct,
                    points as f64,
                    *max_points as f64,
                )
            }
            Kind::Tracing { .. } => unreachable!("no Tracing question in this quiz"),
        };
        answers.push(serde_json::json!({
            "questionId": q.id, "response": ["what the page showed"], "input": input,
            "correct": true, "points": 1, "maxPoints": 1, "attempt": 1
        }));
        expected.push((q.id.clone(), response, correct, points, max));
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["MultipleChoice", "Ordering", "Scenario", "ShortAnswer"]
    );
    let body = serde_json::json!({
        "uuid": null, "quizId": quiz.id, "learner": "sam",
        "startedAt": "2026-11-24T10:00:00Z", "finishedAt": "2026-11-24T10:05:00Z",
        "score": 1.0, "passed": true, "answers": answers
    });
    let a = attempt_from_body(body.to_string().as_bytes(), &handbook, || "u".into()).unwrap();
    let stored: Vec<_> = a
        .answers
        .iter()
        .map(|x| {
            (
                x.question_id.clone(),
                x.response.clone(),
                x.correct,
                x.points,
                x.max_points,
            )
        })
        .collect();
    assert_eq!(stored, expected);
    let want: f64 =
        expected.iter().map(|(_, _, _, p, m)| p / m).sum::<f64>() / expected.len() as f64;
    assert!((a.score - want).abs() < 1e-12, "{} vs {want}", a.score);
    assert!(a.score < 1.0);
    assert_eq!(
        a.passed,
        supportbook::pipeline::quiz::grade::passes(want, quiz.pass_percent)
    );
}
