//! What `supportbook serve` refuses, through a real server on 127.0.0.1
//! (port 0): Host names other than its own (DNS rebinding), cross-origin
//! writes and websockets, attempts that are not JSON, bodies that are too
//! large (a JSON 413), queries that are too long, and clients that stall
//! half-way through a request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, Server};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// Sends `head` (the request line and headers, without the blank line),
/// then `body`; returns (status, headers, body) of the answer.
fn raw(addr: &str, head: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, headers.to_ascii_lowercase(), body.to_string())
}

fn json_error(body: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    json["error"].as_str().unwrap().to_string()
}

fn port(server: &Server) -> &str {
    server.addr.rsplit_once(':').unwrap().1
}

fn attempt(uuid: &str) -> String {
    serde_json::json!({
        "uuid": uuid,
        "quizId": "empowered-agents",
        "learner": "mallory",
        "startedAt": "2026-11-24T10:00:00Z",
        "finishedAt": "2026-11-24T10:05:00Z",
        "score": 1.0,
        "passed": true,
        "answers": [{
            "questionId": "ea-never-ask",
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

fn stored_attempts(fx: &Fixture) -> usize {
    let path = fx.path(".supportbook/results.db");
    if !path.exists() {
        return 0;
    }
    supportbook::results::Db::open(&path)
        .unwrap()
        .attempts()
        .unwrap()
        .len()
}

#[test]
fn foreign_and_rebinding_host_names_are_refused() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let port = port(&server);
    for host in [
        server.addr.clone(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".into(),
    ] {
        let (status, _, body) = raw(
            &server.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}"),
            b"",
        );
        assert_eq!(status, 200, "{host}: {body}");
    }
    // A page on attacker.example whose name now points at 127.0.0.1 sends
    // its own name, with this server's port.
    for host in [
        "attacker.example".to_string(),
        format!("attacker.example:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("10.0.0.7:{port}"),
        format!("localhost:{port}x"),
        String::new(),
    ] {
        let (status, _, body) = raw(
            &server.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}"),
            b"",
        );
        assert_eq!(status, 421, "{host:?}: {body}");
        assert!(body.contains("--allowed-host"), "{body}");
        let (status, headers, body) = raw(
            &server.addr,
            &format!("GET /api/search?q=dns HTTP/1.1\r\nHost: {host}"),
            b"",
        );
        assert_eq!(status, 421, "{host:?}: {body}");
        assert!(
            headers.contains("content-type: application/json"),
            "{headers}"
        );
        assert!(json_error(&body).contains("host name"), "{body}");
    }
    // HTTP/1.0 without a Host header at all.
    let (status, _, _) = raw(&server.addr, "GET / HTTP/1.0", b"");
    assert_eq!(status, 421);
}

#[test]
fn allowed_host_names_are_answered_and_checked() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &["--allowed-host", "Handbook.Example"]);
    let port = port(&server);
    for (host, want) in [
        (format!("handbook.example:{port}"), 200),
        ("handbook.example".into(), 200),
        (format!("other.example:{port}"), 421),
    ] {
        let (status, _, body) = raw(
            &server.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}"),
            b"",
        );
        assert_eq!(status, want, "{host}: {body}");
    }
    drop(server);
    let out = fx.run(&[
        "serve",
        "--port",
        "0",
        "--allowed-host",
        "http://x.example/",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("is not a host name"), "{}", out.stderr);
}

#[test]
fn cross_origin_attempts_are_refused_and_nothing_is_stored() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let addr = &server.addr;
    let post = |headers: &str, body: &str| {
        raw(
            addr,
            &format!("POST /api/attempts HTTP/1.1\r\nHost: {addr}{headers}"),
            body.as_bytes(),
        )
    };
    let body = attempt("00000000-0000-4000-8000-000000000001");
    let refused = [
        // What a form or fetch on another site sends: a "simple" request.
        (
            "\r\nOrigin: http://attacker.example\r\nContent-Type: text/plain",
            403,
        ),
        (
            "\r\nOrigin: http://attacker.example\r\nContent-Type: application/json",
            403,
        ),
        // Another port on the same machine is another origin.
        (
            "\r\nOrigin: http://127.0.0.1:1\r\nContent-Type: application/json",
            403,
        ),
        // Sandboxed frames and file:// pages send "null".
        ("\r\nOrigin: null\r\nContent-Type: application/json", 403),
        (
            "\r\nSec-Fetch-Site: cross-site\r\nContent-Type: application/json",
            403,
        ),
        (
            &*format!("\r\nOrigin: http://{addr}\r\nContent-Type: text/plain"),
            415,
        ),
        ("\r\nContent-Type: application/x-www-form-urlencoded", 415),
        ("", 415),
    ];
    for (headers, want) in refused {
        let (status, resp_headers, answer) = post(headers, &body);
        assert_eq!(status, want, "{headers:?}: {answer}");
        assert!(
            resp_headers.contains("content-type: application/json"),
            "{resp_headers}"
        );
        assert!(!json_error(&answer).is_empty());
    }
    assert_eq!(stored_attempts(&fx), 0, "a refused attempt was stored");

    // The site's own page, and a client that is not a browser.
    let (status, _, answer) = post(
        &format!(
            "\r\nOrigin: http://{addr}\r\nContent-Type: application/json; charset=utf-8\r\nSec-Fetch-Site: same-origin"
        ),
        &body,
    );
    assert_eq!(status, 201, "{answer}");
    let (status, _, answer) = post(
        "\r\nContent-Type: application/json",
        &attempt("00000000-0000-4000-8000-000000000002"),
    );
    assert_eq!(status, 201, "{answer}");
    drop(server);
    assert_eq!(stored_attempts(&fx), 2);
}

#[test]
fn a_cross_origin_search_is_refused() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let addr = &server.addr;
    let (status, _, body) = raw(
        addr,
        &format!(
            "GET /api/search?q=dns HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://attacker.example"
        ),
        b"",
    );
    assert_eq!(status, 403, "{body}");
    assert!(json_error(&body).contains("cross-origin"), "{body}");
    let (status, _, body) = raw(
        addr,
        &format!("GET /api/search?q=dns HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}"),
        b"",
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn websocket_upgrades_need_the_sites_origin() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let url = format!("ws://{}/__livereload", server.addr);
    let connect = |origin: Option<String>, host: Option<&str>| {
        let mut req = url.as_str().into_client_request().unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert("Origin", o.parse().unwrap());
        }
        if let Some(h) = host {
            req.headers_mut().insert("Host", h.parse().unwrap());
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(tokio_tungstenite::connect_async(req))
    };
    let status_of = |r: Result<_, tokio_tungstenite::tungstenite::Error>| match r {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("{e}"),
        Ok(_) => 101,
    };
    assert_eq!(
        status_of(connect(Some("http://attacker.example".into()), None)),
        403
    );
    assert_eq!(status_of(connect(Some("null".into()), None)), 403);
    assert_eq!(status_of(connect(None, Some("attacker.example"))), 421);
    assert_eq!(
        status_of(connect(Some(format!("http://{}", server.addr)), None)),
        101
    );
    // Not a browser: no Origin.
    assert_eq!(status_of(connect(None, None)), 101);
}

#[test]
fn too_large_attempts_get_a_json_413() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &[]);
    let addr = &server.addr;
    let big = format!(
        "{{\"pad\": \"{}\"}}",
        "x".repeat(supportbook::live::serve::MAX_ATTEMPT_BYTES)
    );
    let (status, headers, body) = raw(
        addr,
        &format!("POST /api/attempts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json"),
        big.as_bytes(),
    );
    assert_eq!(status, 413, "{body}");
    assert!(
        headers.contains("content-type: application/json"),
        "{headers}"
    );
    assert!(json_error(&body).contains("at most"), "{body}");
    // The same without a Content-Length: counted as it arrives.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /api/attempts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    for _ in 0..40 {
        let chunk = "y".repeat(8192);
        if write!(s, "{:x}\r\n{chunk}\r\n", chunk.len()).is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("{\"error\":"), "{out}");
}

#[test]
fn a_huge_query_is_bounded_with_a_note() {
    let fx = Fixture::handbook();
    let words: Vec<String> = (0..7000)
        .map(|i| ["dns", "mail", "ssl", "certficate"][i % 4].to_string())
        .collect();
    let note_prefix = "query too long (7000 words, ";
    // The CLI.
    let mut args = vec!["search", "--json"];
    args.extend(words.iter().map(String::as_str));
    let out = fx.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let cli = common::json(&out);
    assert!(
        cli["notes"][0].as_str().unwrap().starts_with(note_prefix),
        "{}",
        cli["notes"]
    );
    assert!(
        out.stderr.contains("note: query too long"),
        "{}",
        out.stderr
    );
    assert!(cli["total"].as_u64().unwrap() > 0, "{cli}");
    assert_eq!(
        cli["query"].as_str().unwrap().split(' ').count(),
        supportbook::index::search::query::MAX_QUERY_WORDS
    );
    // The API: the same answer.
    let server = Server::start(fx.root(), &[]);
    let (status, body) = server.get(&format!("/api/search?q={}", words.join("+")));
    assert_eq!(status, 200, "{body}");
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api["notes"], cli["notes"]);
    assert_eq!(api["hits"], cli["hits"]);
    assert!(!api["hits"].as_array().unwrap().is_empty());
}

#[test]
fn stalled_requests_are_disconnected() {
    let fx = Fixture::handbook();
    let server = Server::start(fx.root(), &["--request-timeout", "1"]);
    let addr = &server.addr;
    // Closed by the server: read returns 0 (or a reset) well before the
    // 20 s this test waits.
    let closed = |s: &mut TcpStream| -> String {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut out = Vec::new();
        match s.read_to_end(&mut out) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("not disconnected: {e}"),
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    // Nothing sent at all.
    let mut idle = TcpStream::connect(addr).unwrap();
    let _ = closed(&mut idle);
    // Half a request head.
    let mut half = TcpStream::connect(addr).unwrap();
    write!(half, "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").unwrap();
    let _ = closed(&mut half);
    // A head, then part of the body it announced: 408 with a JSON error.
    let mut body = TcpStream::connect(addr).unwrap();
    write!(
        body,
        "POST /api/attempts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"uuid\": "
    )
    .unwrap();
    let answer = closed(&mut body);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("{\"error\":"), "{answer}");
    // The server still answers.
    let (status, _) = server.get("/");
    assert_eq!(status, 200);
    assert_eq!(stored_attempts(&fx), 0);
}
