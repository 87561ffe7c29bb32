//! Edit-to-reloaded latency of `watch`/`serve`, next to a full rebuild.
//!
//! `cargo bench --bench watch` generates a deterministic KB of N articles for
//! each N in `SB_BENCH_SIZES` (default `1000,10000`), builds it once the way
//! `serve` does (live reload on), then runs the real watcher (notify, native
//! events, the debounce) in process with the same callback `serve` uses, and
//! `SB_BENCH_RUNS` times (default 7): appends a sentence to one article, and
//! times from the write until the new page is on disk and the "reload"
//! message has been sent. Also reported: the rebuild alone (without the
//! notify latency and the debounce), and a full rebuild (what a book.toml
//! change does: reload, validate, mdBook, every article page checked).
//! Figures are medians.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/kbgen.rs"]
mod kbgen;

use kbgen::{PRODUCTS, generate};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use supportbook::engine::Engine;
use supportbook::live::watch::{self, Mode};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // SAFETY: single-threaded at this point; pins review dates like the tests.
    unsafe { std::env::set_var("SUPPORTBOOK_TODAY", "2026-11-24") };
    let sizes = kbgen::env_sizes();
    let runs = kbgen::env_usize("SB_BENCH_RUNS", 7).max(1);
    println!("supportbook watch benchmark ({runs} edits each, median)");
    println!(
        "{:>8} | {:>16} {:>10} | {:>14} | {:>12}",
        "articles", "edit->reload ms", "max ms", "rebuild ms", "full s"
    );
    for n in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let (root, _) = generate(tmp.path(), n);
        // As `serve` builds: the live-reload script is added when a page is served.
        let mut ws = Engine::new(&root, supportbook::engine::Options::default()).unwrap();
        let first = ws.full_reported();
        assert_eq!(first.errors, 0, "{}", first.diagnostics);
        // A full rebuild, as after a book.toml change (pages unchanged on disk).
        let mut full = Vec::new();
        for _ in 0..runs.min(3) {
            let o = ws.full_reported();
            assert_eq!(o.errors, 0);
            full.push(o.elapsed.as_secs_f64());
        }

        // The real watcher on its own thread, like `serve`.
        let (reload_tx, reload_rx) = mpsc::channel::<(bool, f64)>();
        let watch_root = root.clone();
        std::thread::spawn(move || {
            watch::watch(&watch_root, Mode::Native, |changed| {
                let out = ws.rebuild(&changed);
                if !out.skipped {
                    // `serve` broadcasts "reload" here.
                    let _ = reload_tx.send((out.fast, out.elapsed.as_secs_f64()));
                }
                true
            })
            .unwrap();
        });
        std::thread::sleep(Duration::from_millis(500));
        while reload_rx.try_recv().is_ok() {}

        let victim = root.join(format!("content/kb/{}/article-00000.md", PRODUCTS[0]));
        let page = root.join("book/kb/article-00000.html");
        let mut latency = Vec::new();
        let mut rebuild = Vec::new();
        let mut fast = 0;
        for r in 0..runs {
            let mut text = std::fs::read_to_string(&victim).unwrap();
            let marker = format!("Edited in benchmark run {r}.");
            text.push_str(&format!("\n{marker}\n"));
            let start = Instant::now();
            std::fs::write(&victim, text).unwrap();
            let (was_fast, took) = reload_rx
                .recv_timeout(Duration::from_secs(120))
                .expect("no rebuild within 120 s");
            let elapsed = start.elapsed().as_secs_f64();
            assert!(
                std::fs::read_to_string(&page).unwrap().contains(&marker),
                "page not updated"
            );
            latency.push(elapsed * 1000.0);
            rebuild.push(took * 1000.0);
            fast += usize::from(was_fast);
            std::thread::sleep(Duration::from_millis(200));
        }
        let max = latency.iter().copied().fold(0.0, f64::max);
        println!(
            "{:>8} | {:>16.0} {:>10.0} | {:>14.0} | {:>12.2}   ({fast}/{runs} took the one-article path)",
            n,
            median(latency),
            max,
            median(rebuild),
            median(full),
        );
    }
}
