//! Whole-pipeline build benchmark: supportbook vs plain mdBook.
//!
//! `cargo bench --bench build` generates a deterministic KB of N articles
//! (300-1,500 words each) for each N in `SB_BENCH_SIZES` (default
//! `1000,10000`), then reports, in one run:
//! - `supportbook build` from scratch, and again after one article changed;
//! - plain mdBook (the library, no preprocessor) on the same Markdown, with
//!   every article listed in SUMMARY.md (skipped above `SB_BENCH_MDBOOK_MAX`,
//!   default 10000, since it grows with the square of the page count);
//! - the ratio, and each one's peak memory (VmHWM of a child process).
//!
//! Each figure is the median of `SB_BENCH_RUNS` runs (default 3; mdBook at
//! 10,000 articles runs once, it takes minutes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/kbgen.rs"]
mod kbgen;

use kbgen::{PRODUCTS, generate};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs one build in a child process; returns (seconds, peak RSS in MB).
fn measure(kind: &str, dir: &Path) -> (f64, f64) {
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let out = Command::new(exe)
        .args(["--child", kind])
        .arg(dir)
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{kind} build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let kb: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak_kb="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    (secs, kb / 1024.0)
}

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
            })
        })
        .unwrap_or(0)
}

fn child(kind: &str, dir: &Path) {
    match kind {
        "supportbook" => {
            let code = supportbook::run([
                "supportbook",
                "--quiet",
                "--root",
                dir.to_str().unwrap(),
                "build",
            ]);
            if code != std::process::ExitCode::SUCCESS {
                std::process::exit(1);
            }
        }
        "mdbook" => {
            let book = mdbook_driver::MDBook::load(dir).unwrap();
            book.build().unwrap();
        }
        _ => panic!("unknown child kind {kind}"),
    }
    println!("peak_kb={}", peak_kb());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--child" {
        child(&args[2], Path::new(&args[3]));
        return;
    }
    let sizes = kbgen::env_sizes();
    let runs = kbgen::env_usize("SB_BENCH_RUNS", 3).max(1);
    let mdbook_max = kbgen::env_usize("SB_BENCH_MDBOOK_MAX", 10_000);
    println!(
        "supportbook build benchmark ({runs} runs each, median; peak = max RSS of the build process)"
    );
    println!(
        "{:>8} | {:>14} {:>9} | {:>12} {:>9} | {:>12} {:>9} | {:>7}",
        "articles",
        "supportbook s",
        "peak MB",
        "one edit s",
        "peak MB",
        "mdBook s",
        "peak MB",
        "ratio"
    );
    for n in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let (sb, md) = generate(tmp.path(), n);
        let mut full = Vec::new();
        let mut full_mem: f64 = 0.0;
        let mut edit = Vec::new();
        let mut edit_mem: f64 = 0.0;
        for r in 0..runs {
            let _ = std::fs::remove_dir_all(sb.join("book"));
            let _ = std::fs::remove_dir_all(sb.join(".supportbook"));
            let (s, m) = measure("supportbook", &sb);
            full.push(s);
            full_mem = full_mem.max(m);
            // Change one article's body, then rebuild.
            let victim = sb.join(format!("content/kb/{}/article-00000.md", PRODUCTS[0]));
            let mut text = std::fs::read_to_string(&victim).unwrap();
            text.push_str(&format!("\nEdited in run {r}.\n"));
            std::fs::write(&victim, text).unwrap();
            let (s, m) = measure("supportbook", &sb);
            edit.push(s);
            edit_mem = edit_mem.max(m);
        }
        let (md_time, md_mem) = if n <= mdbook_max {
            let md_runs = if n >= 5000 { 1 } else { runs };
            let mut times = Vec::new();
            let mut mem: f64 = 0.0;
            for _ in 0..md_runs {
                let (s, m) = measure("mdbook", &md);
                times.push(s);
                mem = mem.max(m);
            }
            (Some(median(times)), Some(mem))
        } else {
            (None, None)
        };
        let full_t = median(full);
        let fmt = |v: Option<f64>, p: usize| {
            v.map_or_else(|| "skipped".to_string(), |v| format!("{v:.p$}"))
        };
        println!(
            "{:>8} | {:>14.2} {:>9.0} | {:>12.2} {:>9.0} | {:>12} {:>9} | {:>7}",
            n,
            full_t,
            full_mem,
            median(edit),
            edit_mem,
            fmt(md_time, 2),
            fmt(md_mem, 0),
            md_time.map_or_else(|| "-".into(), |t| format!("{:.1}x", t / full_t)),
        );
    }
}
