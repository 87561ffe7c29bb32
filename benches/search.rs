//! Search benchmark: indexing throughput next to a minimal tantivy indexer,
//! in-process query latency, whole-process `supportbook search`, and one
//! edited article searched again.
//!
//! `cargo bench --bench search` runs it for 1,000 and 10,000 generated
//! articles (`SB_BENCH_SIZES` to change). Indexing figures are the median of
//! `SB_BENCH_RUNS` runs (default 3); query latency is measured over 2,000
//! queries; process times are the median of 21 runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/kbgen.rs"]
mod kbgen;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use supportbook::index::search::{Options, Synonyms, Weights};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The smallest reasonable tantivy indexer for English text: title and body
/// indexed with tantivy's built-in `en_stem` analyzer (positions, stored),
/// one writer with tantivy's default threads, one commit.
fn raw_tantivy(dir: &Path, docs: &[(String, String)]) -> f64 {
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    let mut b = Schema::builder();
    let opts = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let title = b.add_text_field("title", opts.clone());
    let body = b.add_text_field("body", opts);
    let index_dir = dir.join("raw-index");
    let _ = std::fs::remove_dir_all(&index_dir);
    std::fs::create_dir_all(&index_dir).unwrap();
    let start = Instant::now();
    let index = tantivy::Index::create_in_dir(&index_dir, b.build()).unwrap();
    let mut w: tantivy::IndexWriter = index.writer(100_000_000).unwrap();
    for (t, text) in docs {
        let mut d = tantivy::TantivyDocument::default();
        d.add_text(title, t);
        d.add_text(body, text);
        w.add_document(d).unwrap();
    }
    w.commit().unwrap();
    w.wait_merging_threads().unwrap();
    start.elapsed().as_secs_f64()
}

fn process_ms(root: &Path, args: &[&str]) -> f64 {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_supportbook"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("SUPPORTBOOK_TODAY", "2026-11-24")
        .output()
        .unwrap();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ms
}

fn main() {
    // Only the in-process queries, on a handbook already on disk (its index
    // brought up to date first): for profiling the query path.
    if let Some(root) = std::env::var_os("SB_BENCH_QUERIES_ONLY") {
        let (project, _) = supportbook::core::config::load(Path::new(&root)).unwrap();
        let mut notices = Vec::new();
        supportbook::engine::search_index(&project, &mut notices).unwrap();
        query_latency(&project);
        return;
    }
    let sizes = kbgen::env_sizes();
    let runs = kbgen::env_usize("SB_BENCH_RUNS", 3).max(1);
    println!(
        "supportbook search benchmark (indexing: median of {runs} runs; processes: median of 21 runs)"
    );
    for n in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let (sb, _) = kbgen::generate(tmp.path(), n);
        if std::env::var("SB_BENCH_GENERATE_ONLY").is_ok() {
            let keep = tmp.keep();
            println!(
                "generated {n} articles in {}",
                keep.join("supportbook").display()
            );
            continue;
        }
        let (project, _) = supportbook::core::config::load(&sb).unwrap();

        // The same text for the raw indexer: every article's title and file text.
        let mut docs = Vec::new();
        let mut bytes = 0usize;
        for e in walk(&sb.join("content/kb")) {
            let text = std::fs::read_to_string(&e).unwrap();
            bytes += text.len();
            let title = text
                .lines()
                .find_map(|l| l.strip_prefix("title = "))
                .unwrap_or("")
                .to_string();
            docs.push((title, text));
        }
        let mb = bytes as f64 / 1_000_000.0;

        let mut ours = Vec::new();
        let mut raw = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(sb.join(".supportbook"));
            let start = Instant::now();
            let mut notices = Vec::new();
            let si = supportbook::engine::search_index(&project, &mut notices).unwrap();
            ours.push(start.elapsed().as_secs_f64());
            assert!(si.reader.searcher().num_docs() as usize >= n);
            raw.push(raw_tantivy(tmp.path(), &docs));
        }
        let (ours, raw) = (median(ours), median(raw));
        println!("\n{n} articles ({mb:.1} MB of Markdown)");
        println!(
            "  indexing, supportbook (read, validate, index, commit): {:>6.2} s  {:>8.0} articles/s  {:>6.1} MB/s",
            ours,
            n as f64 / ours,
            mb / ours
        );
        println!(
            "  indexing, minimal tantivy (title + body, en_stem):     {:>6.2} s  {:>8.0} articles/s  {:>6.1} MB/s",
            raw,
            n as f64 / raw,
            mb / raw
        );
        println!(
            "  ratio: supportbook runs at {:.0}% of raw tantivy's throughput",
            raw / ours * 100.0
        );

        // In-process query latency over a mix of word, typo, phrase and filter queries.
        query_latency(&project);

        // Whole process, index up to date.
        let times: Vec<f64> = (0..21)
            .map(|_| process_ms(&sb, &["search", "--json", "customer server timeout"]))
            .collect();
        println!(
            "  `supportbook search` as a process (index up to date): {:.1} ms median",
            median(times)
        );

        // One article edited, then searched: the update and the query together.
        let victim = sb.join(format!(
            "content/kb/{}/article-00000.md",
            kbgen::PRODUCTS[0]
        ));
        let mut times = Vec::new();
        for i in 0..21 {
            let text = std::fs::read_to_string(&victim).unwrap();
            std::fs::write(&victim, format!("{text}\nzyxword{i}\n")).unwrap();
            times.push(process_ms(
                &sb,
                &["search", "--json", &format!("zyxword{i}")],
            ));
        }
        println!(
            "  one article edited, then `supportbook search` (update + query): {:.1} ms median",
            median(times)
        );
    }
}

/// 2,000 in-process queries over a mix of words, a typo, a phrase, a
/// filter, an exclusion and an error code; prints p50 and p99.
fn query_latency(project: &supportbook::core::config::Project) {
    let si = supportbook::index::open(project).unwrap();
    let syn = Synonyms::default();
    let queries = [
        "customer server timeout",
        "certficate expird",
        "\"connection refused\"",
        "database error product:databases",
        "restore backup -invoice",
        "ERR_17",
        "mailbox quota disk",
        "propagation record domain",
    ];
    let mut lat = Vec::new();
    for i in 0..2000 {
        let q = queries[i % queries.len()];
        let start = Instant::now();
        let r = supportbook::index::search::search(
            &si,
            q,
            &Options::default(),
            &syn,
            Weights::default(),
        )
        .unwrap();
        lat.push(start.elapsed());
        std::hint::black_box(r);
    }
    if std::env::var("SB_BENCH_PER_QUERY").is_ok() {
        for (qi, q) in queries.iter().enumerate() {
            let mut mine: Vec<Duration> = lat
                .iter()
                .skip(qi)
                .step_by(queries.len())
                .copied()
                .collect();
            mine.sort();
            println!(
                "    {q:<40} p50 {:.2} ms",
                percentile(&mine, 0.5).as_secs_f64() * 1000.0
            );
        }
    }
    lat.sort();
    println!(
        "  query latency in process (2,000 queries): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
