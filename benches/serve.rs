//! `/api/search` under load: throughput and latency percentiles with
//! concurrent keep-alive clients on loopback.
//!
//! `cargo bench --bench serve` generates a deterministic KB of
//! `SB_BENCH_ARTICLES` articles (default 10,000), indexes it, starts the real
//! server (`supportbook::live::serve::app`, axum on 127.0.0.1, port 0) in process,
//! then runs `SB_BENCH_CLIENTS` clients (default 32), each on its own thread
//! with one HTTP/1.1 keep-alive connection, sending queries from a fixed list
//! for `SB_BENCH_SECONDS` (default 10). Reports requests per second and the
//! p50/p99/max latency of each request, after a one-second warm-up.
//!
//! `wrk` (apt-get install wrk) measures the same from outside, e.g. with the
//! URL printed by `supportbook serve`:
//! `wrk -t4 -c32 -d10s --latency 'http://127.0.0.1:3000/api/search?q=dns+timeout'`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/kbgen.rs"]
mod kbgen;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use supportbook::live::serve::{Live, app};

const QUERIES: &[&str] = &[
    "dns+timeout",
    "certificate+expired",
    "mailbox+quota",
    "connection+refused",
    "backup+restore",
    "invoice",
    "redirect+loop",
    "cache",
    "databse+conection",
    "%22connection+refused%22",
    "plugin+error&product=wordpress",
    "upload&tag=disk",
];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One keep-alive client: returns each request's latency in microseconds.
fn client(addr: String, id: usize, warmup_until: Instant, until: Instant) -> Vec<u64> {
    let stream = TcpStream::connect(&addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut lat = Vec::new();
    let mut i = id;
    loop {
        let now = Instant::now();
        if now >= until {
            return lat;
        }
        let q = QUERIES[i % QUERIES.len()];
        i += 1;
        let req = format!("GET /api/search?q={q}&limit=10 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        writer.write_all(req.as_bytes()).unwrap();
        let mut len = 0usize;
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        if now >= warmup_until {
            lat.push(now.elapsed().as_micros() as u64);
        }
    }
}

fn main() {
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("SUPPORTBOOK_TODAY", "2026-11-24") };
    let n = env("SB_BENCH_ARTICLES", 10_000);
    let clients = env("SB_BENCH_CLIENTS", 32).max(1);
    let seconds = env("SB_BENCH_SECONDS", 10).max(1);
    let tmp = tempfile::tempdir().unwrap();
    let (root, _) = kbgen::generate(tmp.path(), n);
    let (project, _) = supportbook::core::config::load(&root).unwrap();
    let mut notices = Vec::new();
    let t = Instant::now();
    let si = supportbook::engine::search_index(&project, &mut notices).unwrap();
    eprintln!("indexed {n} articles in {:.1}s", t.elapsed().as_secs_f64());
    std::fs::create_dir_all(root.join("book")).unwrap();
    let live = Live::new(
        root.join("book").canonicalize().unwrap(),
        supportbook::results::db_path(&project),
    );
    live.publish(supportbook::live::serve::Snapshot {
        search: Some(Arc::new(si)),
        ..Default::default()
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    runtime.spawn(async move { axum::serve(listener, app(live)).await.unwrap() });

    let start = Instant::now();
    let warmup_until = start + Duration::from_secs(1);
    let until = warmup_until + Duration::from_secs(seconds as u64);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let addr = addr.clone();
            std::thread::spawn(move || client(addr, c, warmup_until, until))
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)] as f64 / 1000.0;
    println!(
        "/api/search, {n} articles, {clients} keep-alive clients, {seconds}s on loopback ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:>10} {:>9} {:>9} {:>9} {:>9}",
        "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    println!(
        "{:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
        all.len() as f64 / seconds as f64,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
}
