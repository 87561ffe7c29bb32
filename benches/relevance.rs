//! Relevance benchmark: MRR@10 and recall@10 of `supportbook search` on
//! search-case files, beside plain BM25 over the same files computed in the
//! same run, with the time per query.
//!
//! `cargo bench --bench relevance` evaluates
//! - each case file of the dev corpus (`../shared/corpora/officedocs-dev`:
//!   877 real support articles dropped into a new handbook's `content/kb/`),
//! - this repository's handbook and its `content/kb/search-cases.toml`.
//!
//! `SB_RELEVANCE_CORPUS=DIR` evaluates another corpus of the same shape
//! (`DIR/kb/**.md` and `DIR/cases/*.toml`) instead of the dev corpus.
//! `SB_RELEVANCE_MISSES=1` lists each case that is not at rank 1.
//!
//! Plain BM25 is the reference the corpus README describes: the whole file
//! as one bag of lowercase alphanumeric words, k1 = 1.2, b = 0.75, no
//! stemming, no field weights, no typo handling.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use supportbook::index::search::{self, Options, Synonyms, Weights, cases};

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("SB_RELEVANCE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/corpora/officedocs-dev"));
    let show_misses = std::env::var_os("SB_RELEVANCE_MISSES").is_some();
    println!("supportbook relevance benchmark: MRR@10 / recall@10, ours beside plain BM25");
    println!(
        "{:<34} {:>5}  {:>15}  {:>15}  {:>10}  {:>10}",
        "case file", "cases", "supportbook", "plain BM25", "ms/query", "p99 ms"
    );

    // The dev corpus, dropped into a new handbook as a user would.
    if corpus.join("kb").is_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("handbook");
        write_book_toml(&root);
        copy_dir(&corpus.join("kb"), &root.join("content/kb/imported"));
        let mut case_files: Vec<PathBuf> = std::fs::read_dir(corpus.join("cases"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        case_files.sort();
        let name = corpus
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        evaluate(
            &root,
            &root.join("content/kb"),
            &name,
            &case_files,
            show_misses,
        );
    } else {
        println!(
            "SKIPPED: no corpus at {} (set SB_RELEVANCE_CORPUS)",
            corpus.display()
        );
    }

    // This repository's own handbook.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("handbook");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(repo.join("book.toml"), root.join("book.toml")).unwrap();
    copy_dir(&repo.join("content"), &root.join("content"));
    let cases = root.join("content/kb/search-cases.toml");
    evaluate(
        &root,
        &root.join("content"),
        "handbook",
        &[cases],
        show_misses,
    );
}

fn write_book_toml(root: &Path) {
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"Relevance\"\nsrc = \"content\"\n\n[preprocessor.supportbook]\n",
    )
    .unwrap();
    std::fs::write(root.join("content/SUMMARY.md"), "# Summary\n").unwrap();
}

/// Indexes the handbook at `root` with supportbook and every Markdown file
/// under `docs_dir` with plain BM25, then runs each case file on both.
fn evaluate(root: &Path, docs_dir: &Path, corpus: &str, case_files: &[PathBuf], show_misses: bool) {
    let (project, _) = supportbook::core::config::load(root).unwrap();
    let mut notices = Vec::new();
    let start = Instant::now();
    let si = supportbook::engine::search_index(&project, &mut notices).unwrap();
    let indexing = start.elapsed();
    let (syn, _) = Synonyms::load(&project);
    let bm25 = Bm25::new(docs_dir);
    println!(
        "{corpus}: {} documents indexed in {:.2} s ({} files for BM25)",
        si.reader.searcher().num_docs(),
        indexing.as_secs_f64(),
        bm25.docs.len()
    );
    let opts = Options {
        limit: 10,
        include_archived: true,
        ..Options::default()
    };
    for file in case_files {
        let text = std::fs::read_to_string(file).unwrap();
        let (list, diags) = cases::parse(file, &text);
        assert!(diags.is_empty(), "{}: bad case file", file.display());
        let mut ours = Ranks::default();
        let mut theirs = Ranks::default();
        let mut times = Vec::with_capacity(list.len());
        for c in &list {
            let start = Instant::now();
            let r = search::search(&si, &c.query, &opts, &syn, Weights::default()).unwrap();
            times.push(start.elapsed());
            let rank = r
                .hits
                .iter()
                .position(|h| h.id == c.expect || stem(&h.path) == c.expect)
                .map(|i| i + 1);
            if show_misses && rank != Some(1) {
                println!("    miss: rank {rank:?} for {:?} -> {}", c.query, c.expect);
            }
            ours.push(rank);
            theirs.push(bm25.rank(&c.query, &c.expect));
        }
        times.sort();
        let mean = times.iter().sum::<Duration>().as_secs_f64() * 1000.0 / times.len() as f64;
        let p99 = times[((times.len() as f64 - 1.0) * 0.99).round() as usize];
        let label = format!(
            "{corpus}/{}",
            file.file_name().unwrap_or_default().to_string_lossy()
        );
        println!(
            "{:<34} {:>5}  {:>6.3} / {:>6.3}  {:>6.3} / {:>6.3}  {:>10.2}  {:>10.2}",
            label,
            list.len(),
            ours.mrr(),
            ours.recall(),
            theirs.mrr(),
            theirs.recall(),
            mean,
            p99.as_secs_f64() * 1000.0
        );
    }
}

fn stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

#[derive(Default)]
struct Ranks(Vec<Option<usize>>);

impl Ranks {
    fn push(&mut self, r: Option<usize>) {
        self.0.push(r.filter(|r| *r <= 10));
    }
    fn mrr(&self) -> f64 {
        self.0
            .iter()
            .map(|r| r.map_or(0.0, |r| 1.0 / r as f64))
            .sum::<f64>()
            / self.0.len().max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.0.iter().filter(|r| r.is_some()).count() as f64 / self.0.len().max(1) as f64
    }
}

/// Plain BM25 over whole files.
struct Bm25 {
    /// (id, file stem, term frequencies, length)
    docs: Vec<(String, String, HashMap<String, u32>, usize)>,
    df: HashMap<String, u32>,
    avg_len: f64,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Bm25 {
    fn new(dir: &Path) -> Bm25 {
        let mut docs = Vec::new();
        let mut df: HashMap<String, u32> = HashMap::new();
        for path in markdown_files(dir) {
            if path.file_name().is_some_and(|n| n == "SUMMARY.md") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let file_stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            // The id a TOML front matter gives, else the file's stem.
            let id = text
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix("id = \""))
                .and_then(|l| l.strip_suffix('"'))
                .map_or_else(|| file_stem.clone(), str::to_string);
            let ws = words(&text);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for w in &ws {
                *tf.entry(w.clone()).or_default() += 1;
            }
            for w in tf.keys() {
                *df.entry(w.clone()).or_default() += 1;
            }
            docs.push((id, file_stem, tf, ws.len()));
        }
        let avg_len = docs.iter().map(|d| d.3).sum::<usize>() as f64 / docs.len().max(1) as f64;
        Bm25 { docs, df, avg_len }
    }

    fn rank(&self, query: &str, expect: &str) -> Option<usize> {
        let (k1, b) = (1.2, 0.75);
        let n = self.docs.len() as f64;
        let q = words(query);
        let mut scored: Vec<(f64, usize)> = self
            .docs
            .iter()
            .enumerate()
            .map(|(i, (_, _, tf, len))| {
                let mut s = 0.0;
                for w in &q {
                    let Some(&f) = tf.get(w) else { continue };
                    let df = f64::from(self.df[w]);
                    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                    let f = f64::from(f);
                    s += idf * f * (k1 + 1.0)
                        / (f + k1 * (1.0 - b + b * *len as f64 / self.avg_len));
                }
                (s, i)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .iter()
            .take(10)
            .position(|(_, i)| {
                let d = &self.docs[*i];
                d.0 == expect || d.1 == expect
            })
            .map(|p| p + 1)
    }
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(markdown_files(&p));
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}
