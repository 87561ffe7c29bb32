//! Property-based fuzzing, on stable Rust, of every parser a user feeds:
//! article front matter (TOML and YAML), a file's bytes as the loader
//! reads them, book.toml, SUMMARY.md and chapters, quiz files, reply rules
//! (and a draft reply checked against them), the KB's synonyms file,
//! search queries (parsed, and searched on a small real index), xAPI
//! imports, attempt bodies posted to the server, and the server's request
//! paths and query strings.
//!
//! Inputs are mostly near-valid: real files from `tests/fixtures/`,
//! `content/`, `quizzes/` and `rules/`, changed by a few mutations (a token
//! of the format inserted, a range deleted or repeated, lines swapped, a
//! line of another file spliced in), so they reach deep into each parser;
//! some are plain random text. The invariants, for every input:
//! - no panic;
//! - every diagnostic names a file and, when placed, a line:col inside it;
//!   problems in the fuzzed file are placed (unless they are about the
//!   whole file);
//! - each case runs in well under a second (a case still running after
//!   [`HANG`] is a hang), and the printed output grows at most linearly with
//!   the input;
//! - what `check` accepts in SUMMARY.md and book.toml, mdBook can read;
//! - some inputs of each target get past its parser (see [`run_reaching`]).
//!
//! A default run (what `cargo test` runs) is bounded: [`DEFAULT_CASES`]
//! cases per target from a fixed seed, so CI sees the same inputs every time.
//! The long mode, `cargo test --release -- --ignored fuzz` (README,
//! Development), runs `SB_FUZZ_CASES` cases (default 20,000) per target from
//! a random seed it prints; `SB_FUZZ_SEED` replays one. Every crash found
//! is kept as a plain test in [`regressions`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use supportbook::core::diagnostic::{Diagnostic, Diagnostics};
use supportbook::pipeline::load::{RawDoc, RawHandbook};

/// Cases per target in a default run.
const DEFAULT_CASES: u32 = 192;
/// Cases per target in the long mode, unless `SB_FUZZ_CASES` says.
const LONG_CASES: u32 = 20_000;
/// The most one case may take (debug build, a busy machine included).
const CASE_LIMIT: Duration = Duration::from_secs(1);
/// A case still running after this is reported as a hang.
const HANG: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// The runner.

fn cases(long: bool) -> u32 {
    match std::env::var("SB_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(n) => n,
        None if long => LONG_CASES,
        None => DEFAULT_CASES,
    }
}

/// A runner for target `name`: a fixed seed by default (the same inputs on
/// every run), a random one (printed) in the long mode, `SB_FUZZ_SEED` when
/// set.
fn runner(name: &str, long: bool) -> TestRunner {
    let seed: u64 = match std::env::var("SB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(s) => s,
        None if long => {
            let s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64);
            eprintln!("fuzz {name}: seed {s} (SB_FUZZ_SEED={s} replays it)");
            s
        }
        None => name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }),
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: cases(long),
        failure_persistence: None,
        max_shrink_time: 60_000,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Runs `f` on a thread of its own: a panic is a failure, a case slower
/// than [`CASE_LIMIT`] is a failure, one still running after [`HANG`] is a
/// hang (the thread is left behind).
fn bounded<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    bounded_by(what, CASE_LIMIT, f)
}

/// [`bounded`] with another limit (for work that waits on the disk).
fn bounded_by<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(out);
        })
        .map_err(|e| TestCaseError::fail(format!("spawn: {e}")))?;
    match rx.recv_timeout(HANG) {
        Ok(Ok(v)) => {
            let took = started.elapsed();
            if took > limit {
                return Err(TestCaseError::fail(format!(
                    "{what}: took {took:?} (limit {limit:?})"
                )));
            }
            Ok(v)
        }
        Ok(Err(panic)) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            Err(TestCaseError::fail(format!("{what}: panicked: {msg}")))
        }
        Err(_) => Err(TestCaseError::fail(format!(
            "{what}: still running after {HANG:?} (a hang)"
        ))),
    }
}

/// Runs a target and turns a failure into a panic that shows the minimal
/// input.
fn run<S: Strategy>(
    name: &str,
    long: bool,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let started = Instant::now();
    let mut r = runner(name, long);
    if let Err(e) = r.run(&strategy, test) {
        panic!("fuzz {name}: {e}");
    }
    if long {
        eprintln!(
            "fuzz {name}: {} cases in {:?}",
            cases(long),
            started.elapsed()
        );
    }
}

/// [`run`] for a target whose inputs must also reach past the parser: `test`
/// says whether this input did (an attempt stored, a search with hits, a
/// file without errors), and a run where none did fails, so a generator
/// that only ever makes rejected inputs cannot pass unnoticed.
fn run_reaching<S: Strategy>(
    name: &str,
    long: bool,
    strategy: S,
    what: &str,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let reached = std::sync::atomic::AtomicUsize::new(0);
    let total = std::sync::atomic::AtomicUsize::new(0);
    run(name, long, strategy, |v| {
        total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if test(v)? {
            reached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    let (reached, total) = (reached.into_inner(), total.into_inner());
    if long {
        eprintln!("fuzz {name}: {reached} of {total} cases {what}");
    }
    assert!(reached > 0, "fuzz {name}: no case of {total} {what}");
}

// ---------------------------------------------------------------------------
// Inputs: real files, mutated.

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text of every file under `dirs` (relative to the repository) whose
/// name ends with `ext`.
fn corpus(dirs: &[&str], ext: &str, filter: impl Fn(&Path) -> bool) -> Vec<String> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, ext, out);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for d in dirs {
        let p = repo().join(d);
        if p.is_file() {
            files.push(p);
        } else {
            walk(&p, ext, &mut files);
        }
    }
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter(|p| filter(p))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    assert!(!texts.is_empty(), "no seed files under {dirs:?}");
    texts
}

/// Tokens every format's mutations may insert.
const COMMON: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\u{feff}",
    "\u{0}",
    "\u{1b}[31m",
    "é",
    "😀",
    "\u{202e}",
    "\u{300}",
    "\"",
    "'",
    "\\",
    "\\u",
    "#",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ":",
    "=",
    ",",
    "-",
    "*",
    "`",
    "```",
    "0",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "nan",
    "inf",
    "1.5",
    "true",
    "null",
    "2026-13-45",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59:60Z",
    "..",
    "../",
    "/",
    "%",
    "%2e",
];

const MARKDOWN: &[&str] = &[
    "+++",
    "+++\n",
    "---",
    "---\n",
    "# ",
    "## ",
    "\n## Symptoms\n",
    "\n## Resolution\n",
    "- ",
    "* ",
    "1. ",
    "    ",
    "[",
    "](",
    "[x](missing.md)",
    "[x](#nope)",
    "[x](../../outside.md)",
    "[x](/abs.md)",
    "[x](kb/dns/dns-propagation.md#cause)",
    "[x](<a b.md>)",
    "[x]()",
    "![img](pic.png)",
    "{{#quiz ../quizzes/listening.toml}}",
    "{{#quiz nope.toml}}",
    "{{#include ../../../etc/passwd}}",
    "{{#include",
    "{{#",
    "\\{{#quiz x}}",
    "<!-- ",
    " -->",
    "<div>",
    "</div>",
    "[^1]",
    "[^1]: note",
    "| a | b |\n|---|---|\n",
    "> ",
    "title = \"T\"\n",
    "id = \"x\"\n",
    "id = \"\"\n",
    "id = \"Bad Id!\"\n",
    "tags = [\"a\", \"b\"]\n",
    "tags = \"a\"\n",
    "products = []\n",
    "symptoms = [\"550 5.7.1\"]\n",
    "audience = \"customer\"\n",
    "state = \"publishd\"\n",
    "reviewed = 2026-01-02\n",
    "reviewed = \"2026-01-02\"\n",
    "review-every = 10000000\n",
    "review-every = -5\n",
    "related = [\"mail-bounces\", \"nope\"]\n",
    "tittle = \"typo\"\n",
    "[table]\n",
    "title: T\n",
    "tags: [a, b]\n",
    "tags:\n  - a\n  - b\n",
    "reviewed: 2026-01-02\n",
    "&a [x]\n",
    "*a\n",
    "!!binary aGk=\n",
    "? complex\n",
    "key: |\n  block\n",
    "Part title\n",
    "# Part\n",
    "---\n\n",
    "[Draft]()\n",
    "- [A](README.md)\n",
    "    - [B](training/listening.md)\n",
    "[Suffix](README.md)\n",
];

const TOML_TOKENS: &[&str] = &[
    "[quiz]\n",
    "[[questions]]\n",
    "[[questions.nodes]]\n",
    "[[questions.nodes.choices]]\n",
    "[[rules]]\n",
    "[rules.when]\n",
    "[multipart]\n",
    "type = \"MultipleChoice\"\n",
    "type = \"ShortAnswer\"\n",
    "type = \"Tracing\"\n",
    "type = \"Ordering\"\n",
    "type = \"Scenario\"\n",
    "type = \"FreeText\"\n",
    "type = \"Nope\"\n",
    "type = \"avoid\"\n",
    "type = \"require\"\n",
    "type = \"swap\"\n",
    "type = \"sentence-length\"\n",
    "id = \"dup\"\n",
    "id = \"\"\n",
    "start = \"open\"\n",
    "start = \"nowhere\"\n",
    "next = \"open\"\n",
    "next = \"nowhere\"\n",
    "points = 1000001\n",
    "points = -9223372036854775808\n",
    "outcome = \"good\"\n",
    "outcome = \"weird\"\n",
    "mood = \"upset\"\n",
    "channel = \"phone\"\n",
    "says = \"hi\"\n",
    "text = \"x\"\n",
    "feedback = \"f\"\n",
    "passPercent = 101\n",
    "passPercent = -1\n",
    "covers = [\"mail-bounces\", \"nope\"]\n",
    "shuffle = true\n",
    "prompt.prompt = \"P\"\n",
    "prompt.distractors = [\"a\", { text = \"b\", feedback = \"c\" }]\n",
    "prompt.distractors = []\n",
    "prompt.answerIndex = 99\n",
    "prompt.program = \"fn main() {}\"\n",
    "answer.answer = \"A\"\n",
    "answer.answer = [\"A\", \"B\"]\n",
    "answer.alternatives = [\"a\"]\n",
    "answer.order = [\"x\", \"y\"]\n",
    "answer.order = []\n",
    "answer.doesCompile = false\n",
    "answer.stdout = \"out\"\n",
    "context = \"c\"\n",
    "multipart = \"m\"\n",
    "level = \"error\"\n",
    "level = \"warning\"\n",
    "level = \"fatal\"\n",
    "message = \"m\"\n",
    "phrases = [\"premium plan\", \"\"]\n",
    "phrases = []\n",
    "swap = { \"utilize\" = \"use\" }\n",
    "max = 0\n",
    "max = 9223372036854775807\n",
    "when.mood = [\"upset\"]\n",
    "when.topic = [\"outage\"]\n",
    "ssl = [\"tls\", \"certificate\"]\n",
    "ssl = \"tls\"\n",
    "x = { a = 1 }\n",
    "a.b.c = 1\n",
    "'''\n",
    "\"\"\"\n",
    "0x7f",
    "1_000",
    "+inf",
    "2026-01-02T03:04:05Z",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "[]",
    "{}",
    "\"\"",
    ",",
    ":",
    "null",
    "true",
    "1e400",
    "-0",
    "18446744073709551616",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"context\":{\"registration\":\"x\"}",
    "\"registration\":\"{0B7E2C1E-64D4-4C1F-9A55-6F0F1F3C2A10}\"",
    "\"registration\":\"urn:uuid:0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10\"",
    "\"registration\":\"0b7e2c1e64d44c1f9a556f0f1f3c2a10\"",
    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"}",
    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/answered\"}",
    "\"verb\":{\"id\":\"http://example.com/other\"}",
    "\"object\":{\"id\":\"urn:supportbook:quiz:listening\"}",
    "\"object\":{\"id\":\"urn:supportbook:quiz:listening/question/ls-first\"}",
    "\"score\":{\"scaled\":-5,\"raw\":1e300,\"max\":0}",
    "\"urn:supportbook:attempt\":4294967296",
    "\"uuid\":\"not-a-uuid\"",
    "\"uuid\":\"{0B7E2C1E-64D4-4C1F-9A55-6F0F1F3C2A10}\"",
    "\"quizId\":\"nope\"",
    "\"questionId\":\"nope\"",
    "\"input\":{}",
    "\"input\":{\"choices\":[18446744073709551615]}",
    "\"input\":{\"choices\":[0,0,0,1,1]}",
    "\"input\":{\"order\":[9,9,9]}",
    "\"input\":{\"order\":[]}",
    "\"input\":{\"steps\":[\"open:99\",\"nowhere:0\",\"open:0\",\"open:0\"]}",
    "\"input\":{\"steps\":[\"::\",\"open:-1\"]}",
    "\"input\":{\"text\":\"\"}",
    "\"input\":{\"doesCompile\":true}",
    "\"attempt\":0",
    "\"attempt\":4294967296",
    "\"startedAt\":\"yesterday\"",
    "\"finishedAt\":\"9999-12-31T23:59:59Z\"",
    "\"learner\":\"   \"",
    "\"extra\":1",
];

/// One change to a text. Positions are [`Index`]es, so they fit any length.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(Index, &'static str),
    Delete(Index, usize),
    /// Copies a slice (start, length) to another place.
    Duplicate(Index, usize, Index),
    SwapLines(Index, Index),
    Replace(Index, char),
    Truncate(Index),
    /// Repeats a slice (start, length) this many times: long lines, deep
    /// nesting, many keys.
    Repeat(Index, usize, usize),
    /// Inserts a line of another seed file (index, line).
    Splice(Index, Index, Index),
    /// Upper-cases or lower-cases a slice (start, length).
    Case(Index, usize, bool),
}

fn mutation(dict: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    let token = proptest::sample::select(dict);
    let common = proptest::sample::select(COMMON);
    prop_oneof![
        6 => (any::<Index>(), token).prop_map(|(i, t)| Mutation::Insert(i, t)),
        2 => (any::<Index>(), common).prop_map(|(i, t)| Mutation::Insert(i, t)),
        3 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        2 => (any::<Index>(), 1usize..200, any::<Index>())
            .prop_map(|(a, n, b)| Mutation::Duplicate(a, n, b)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        2 => (any::<Index>(), any::<char>()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..24, 2usize..3000)
            .prop_map(|(i, n, k)| Mutation::Repeat(i, n, k)),
        2 => (any::<Index>(), any::<Index>(), any::<Index>())
            .prop_map(|(f, l, at)| Mutation::Splice(f, l, at)),
        1 => (any::<Index>(), 1usize..40, any::<bool>())
            .prop_map(|(i, n, up)| Mutation::Case(i, n, up)),
    ]
}

/// The largest input a mutation may make (the loader refuses files over 10 MiB;
/// this keeps cases fast).
const MAX_INPUT: usize = 96 * 1024;

/// The char boundary at `i` of `s` (an index into the boundaries).
fn at(s: &str, i: &Index) -> usize {
    let n = s.chars().count() + 1;
    let k = i.index(n);
    s.char_indices().nth(k).map_or(s.len(), |(b, _)| b)
}

/// The char boundary `n` characters after byte `from`.
fn after(s: &str, from: usize, n: usize) -> usize {
    s[from..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(b, _)| from + b)
}

fn apply(seeds: &[String], seed: &str, mutations: &[Mutation]) -> String {
    let mut s = seed.to_string();
    for m in mutations {
        match m {
            Mutation::Insert(i, t) => {
                let p = at(&s, i);
                s.insert_str(p, t);
            }
            Mutation::Delete(i, n) => {
                let p = at(&s, i);
                let e = after(&s, p, *n);
                s.replace_range(p..e, "");
            }
            Mutation::Duplicate(a, n, b) => {
                let p = at(&s, a);
                let e = after(&s, p, *n);
                let piece = s[p..e].to_string();
                let q = at(&s, b);
                s.insert_str(q, &piece);
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<&str> = s.split_inclusive('\n').collect();
                if lines.len() > 1 {
                    let x = a.index(lines.len());
                    let y = b.index(lines.len());
                    lines.swap(x, y);
                    s = lines.concat();
                }
            }
            Mutation::Replace(i, c) => {
                let p = at(&s, i);
                let e = after(&s, p, 1);
                s.replace_range(p..e, &c.to_string());
            }
            Mutation::Truncate(i) => {
                let p = at(&s, i);
                s.truncate(p);
            }
            Mutation::Repeat(i, n, k) => {
                let p = at(&s, i);
                let e = after(&s, p, *n);
                let piece = s[p..e].repeat(*k);
                if s.len() + piece.len() <= MAX_INPUT {
                    s.insert_str(p, &piece);
                }
            }
            Mutation::Splice(f, l, to) => {
                let other = &seeds[f.index(seeds.len())];
                let lines: Vec<&str> = other.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let line = lines[l.index(lines.len())];
                    let q = at(&s, to);
                    s.insert_str(q, line);
                }
            }
            Mutation::Case(i, n, up) => {
                let p = at(&s, i);
                let e = after(&s, p, *n);
                let piece = if *up {
                    s[p..e].to_uppercase()
                } else {
                    s[p..e].to_lowercase()
                };
                s.replace_range(p..e, &piece);
            }
        }
        if s.len() > MAX_INPUT {
            let cut = (0..=MAX_INPUT).rev().find(|&b| s.is_char_boundary(b));
            s.truncate(cut.unwrap_or(0));
        }
    }
    s
}

/// Near-valid texts: a seed with up to 8 mutations; now and then a plain
/// random text or a string of tokens.
fn texts(
    seeds: Vec<String>,
    dict: &'static [&'static str],
) -> impl Strategy<Value = String> + Clone {
    let seeds = Arc::new(seeds);
    let s2 = seeds.clone();
    let mutated = (
        proptest::sample::select((0..seeds.len()).collect::<Vec<_>>()),
        proptest::collection::vec(mutation(dict), 0..8),
    )
        .prop_map(move |(i, ms)| apply(&s2, &s2[i], &ms));
    let tokens =
        proptest::collection::vec(proptest::sample::select(dict), 0..40).prop_map(|ts| ts.concat());
    prop_oneof![
        12 => mutated,
        1 => any::<String>(),
        1 => tokens,
    ]
}

// ---------------------------------------------------------------------------
// Invariants.

/// Lines of `source` as [`supportbook::core::diagnostic::LineIndex`] counts
/// them (split at `\n`).
fn line_count(source: &str) -> usize {
    source.matches('\n').count() + 1
}

/// Codes of problems about a whole file, which have no place in it.
const WHOLE_FILE: &[&str] = &[
    "missing-summary",
    "empty-source",
    "missing-section",
    "review-overdue",
    "duplicate-id",
];

/// Every diagnostic names a file; a placed one points inside its file (when
/// the file is one of `sources`); problems in `fuzzed` are placed unless
/// they are about the whole file; the printed output is bounded.
fn check_diagnostics(
    diags: &[Diagnostic],
    sources: &HashMap<PathBuf, String>,
    fuzzed: &Path,
    input_len: usize,
) -> Result<(), TestCaseError> {
    // Characters on each line of each file, counted once.
    let mut widths: HashMap<&Path, Vec<usize>> = HashMap::new();
    for d in diags {
        prop_assert!(
            !d.path.as_os_str().is_empty(),
            "diagnostic without a path: {d:?}"
        );
        prop_assert!(!d.message.is_empty(), "diagnostic without a message: {d:?}");
        if let Some(loc) = &d.location {
            prop_assert!(loc.line >= 1 && loc.column >= 1, "{d:?}");
            if let Some(src) = sources.get(&d.path) {
                let lines = widths
                    .entry(d.path.as_path())
                    .or_insert_with(|| src.split('\n').map(|l| l.chars().count()).collect());
                prop_assert!(
                    loc.line <= lines.len(),
                    "{}: line {} of a file of {} lines ({})",
                    d.code,
                    loc.line,
                    lines.len(),
                    d.message
                );
                let width = lines[loc.line - 1] + 1;
                prop_assert!(
                    loc.column <= width,
                    "{}: column {} of a line of {} characters ({})",
                    d.code,
                    loc.column,
                    width - 1,
                    d.message
                );
            }
        } else if d.path == fuzzed {
            prop_assert!(
                WHOLE_FILE.contains(&d.code),
                "`{}` in the fuzzed file has no line:col: {}",
                d.code,
                d.message
            );
        }
    }
    let mut all = Diagnostics::new();
    all.extend(diags.iter().cloned());
    all.sort();
    let human = all.render_human();
    let bound = 64 * 1024 + 8 * input_len;
    prop_assert!(
        human.len() <= bound,
        "{} bytes of diagnostics for {input_len} bytes of input",
        human.len()
    );
    prop_assert!(
        diags.len() <= 64 + input_len,
        "{} diagnostics for {input_len} bytes of input",
        diags.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The handbook targets: one file of a loaded fixture replaced, then the whole
// validate stage (what `check`, `build` and `serve` run).

const TODAY: (i16, i8, i8) = (2026, 11, 24);

/// The `quiz` fixture as loaded, with this repository's reply rules added.
fn base() -> &'static RawHandbook {
    static BASE: OnceLock<RawHandbook> = OnceLock::new();
    BASE.get_or_init(|| {
        let root = repo().join("tests/fixtures/quiz");
        let (project, d) = supportbook::core::config::load(&root).unwrap();
        assert!(d.is_empty(), "{d:?}");
        let (mut raw, d) = supportbook::pipeline::load::load(project).unwrap();
        assert!(d.is_empty(), "{d:?}");
        raw.rules
            .push(supportbook::pipeline::rules::RawRulesSource {
                path: "rules/replies.toml".into(),
                source: std::fs::read_to_string(repo().join("rules/replies.toml")).unwrap(),
            });
        raw
    })
}

/// What [`validate`] is given: which file is replaced, by what.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Article,
    Chapter,
    Summary,
    Quiz,
    Rules,
}

/// The fixture with `slot` replaced by `text` (lone CRs made LFs, as the
/// loader does); the path of the replaced file.
fn with_input(slot: Slot, text: &str) -> (RawHandbook, PathBuf) {
    let text = String::from_utf8(supportbook::pipeline::load::lone_cr_to_lf(
        text.as_bytes().to_vec(),
    ))
    .unwrap();
    let mut raw = base().clone();
    let path = match slot {
        Slot::Article => {
            let rel = PathBuf::from("kb/dns/fuzzed.md");
            let path = PathBuf::from("content/kb/dns/fuzzed.md");
            raw.docs.push(RawDoc {
                rel,
                path: path.clone(),
                source: text,
                is_article: true,
            });
            raw.docs.sort_by(|a, b| a.rel.cmp(&b.rel));
            path
        }
        Slot::Chapter => {
            let doc = raw
                .docs
                .iter_mut()
                .find(|d| d.rel == Path::new("training/listening.md"))
                .unwrap();
            doc.source = text;
            doc.path.clone()
        }
        Slot::Summary => {
            let s = raw.summary.as_mut().unwrap();
            s.source = text;
            s.path.clone()
        }
        Slot::Quiz => {
            let q = &mut raw.quizzes[0];
            q.source = text;
            q.path.clone()
        }
        Slot::Rules => {
            let r = raw.rules.last_mut().unwrap();
            r.source = text;
            r.path.clone()
        }
    };
    (raw, path)
}

fn sources_of(raw: &RawHandbook) -> HashMap<PathBuf, String> {
    let mut m = HashMap::new();
    for d in raw.docs.iter().chain(raw.summary.iter()) {
        m.insert(d.path.clone(), d.source.clone());
    }
    for q in &raw.quizzes {
        m.insert(q.path.clone(), q.source.clone());
    }
    for r in &raw.rules {
        m.insert(r.path.clone(), r.source.clone());
    }
    m.insert("book.toml".into(), raw.project.book_toml.clone());
    m
}

/// Validates the fixture with `slot` replaced by `text` and checks the
/// invariants; returns the handbook and its diagnostics.
fn validate_case(
    slot: Slot,
    text: &str,
) -> Result<(supportbook::pipeline::handbook::Handbook, Vec<Diagnostic>), TestCaseError> {
    let (raw, fuzzed) = with_input(slot, text);
    let sources = sources_of(&raw);
    let today = jiff::civil::date(TODAY.0, TODAY.1, TODAY.2);
    let (handbook, diags) = bounded(&format!("validate ({slot:?})"), move || {
        supportbook::pipeline::validate::validate(raw, today)
    })?;
    let diags = diags.into_vec();
    check_diagnostics(&diags, &sources, &fuzzed, text.len())?;
    Ok((handbook, diags))
}

fn article_seeds() -> Vec<String> {
    corpus(&["content/kb", "tests/fixtures"], ".md", |p| {
        let s = p.to_string_lossy();
        s.contains("/kb/") && !s.ends_with("SUMMARY.md")
    })
}

fn article_target(long: bool) {
    run(
        "front-matter",
        long,
        texts(article_seeds(), MARKDOWN),
        |text| {
            // The splitter alone, then the whole stage.
            let t = text.clone();
            let (_, diags) = bounded("frontmatter::parse", move || {
                supportbook::pipeline::frontmatter::parse(Path::new("a.md"), &t)
            })?;
            let mut sources = HashMap::new();
            sources.insert(PathBuf::from("a.md"), text.clone());
            check_diagnostics(&diags, &sources, Path::new("a.md"), text.len())?;
            validate_case(Slot::Article, &text)?;
            Ok(())
        },
    );
}

fn chapter_target(long: bool) {
    let seeds = corpus(&["content/training", "tests/fixtures"], ".md", |p| {
        let s = p.to_string_lossy();
        !s.contains("/kb/") && !s.ends_with("SUMMARY.md")
    });
    run("chapter", long, texts(seeds, MARKDOWN), |text| {
        validate_case(Slot::Chapter, &text)?;
        Ok(())
    });
}

fn summary_target(long: bool) {
    let seeds = corpus(&["content", "tests/fixtures"], "SUMMARY.md", |_| true);
    run_reaching(
        "summary",
        long,
        texts(seeds, MARKDOWN),
        "passed check",
        |text| {
            let (_, diags) = validate_case(Slot::Summary, &text)?;
            // What `check` accepts, mdBook must be able to read: a SUMMARY.md
            // that passes `check` and fails `build` is a check that lies.
            let checked = !diags
                .iter()
                .any(|d| d.severity == supportbook::core::diagnostic::Severity::Error);
            if checked {
                let t = text.clone();
                let parsed = bounded("mdbook_summary::parse_summary", move || {
                    mdbook_summary_parse(&t)
                })?;
                prop_assert!(
                    parsed.is_ok(),
                    "check accepts a SUMMARY.md that mdBook refuses: {}",
                    parsed.err().unwrap_or_default()
                );
            }
            Ok(checked)
        },
    );
}

/// mdBook's own reading of a SUMMARY.md, as `build` does it.
fn mdbook_summary_parse(text: &str) -> Result<(), String> {
    supportbook::pipeline::validate::parse_summary(text)
        .map(|_| ())
        .map_err(|e| e.message)
}

fn quiz_target(long: bool) {
    let seeds = corpus(&["quizzes", "tests/fixtures"], ".toml", |p| {
        p.to_string_lossy().contains("quizzes")
    });
    run_reaching(
        "quiz",
        long,
        texts(seeds, TOML_TOKENS),
        "became a checked quiz",
        |text| {
            let (handbook, _) = validate_case(Slot::Quiz, &text)?;
            let fuzzed = &base().quizzes[0].path;
            Ok(handbook.quizzes.iter().any(|q| &q.path == fuzzed))
        },
    );
}

/// Draft replies for the rules target: the seeds' lines, mutated.
fn reply_seeds() -> Vec<String> {
    vec![
        "Hi Sam,\n\nI'm sorry your mail has bounced all morning. I checked your domain: the MX record points to the old server. I changed it; mail will flow within an hour. I'll write again at 3 pm with an update.\n\nBest,\nAna".into(),
        "Have you considered our premium plan? It has a special offer this month. Upgrade now!".into(),
        "Ok. ".repeat(50),
        "We are aware of the outage affecting email. Our engineers are restoring the mail servers. Next update at 14:00 UTC.".into(),
    ]
}

fn rules_target(long: bool) {
    let seeds = corpus(&["rules"], ".toml", |_| true);
    let strategy = (
        texts(seeds, TOML_TOKENS),
        texts(reply_seeds(), COMMON),
        proptest::option::of(proptest::sample::select(vec![
            "upset", "angry", "calm", "", "UPSET",
        ])),
    );
    run("rules", long, strategy, |(text, reply, mood)| {
        let (handbook, _) = validate_case(Slot::Rules, &text)?;
        let rules = handbook.rules.clone();
        let ctx = supportbook::pipeline::rules::Context {
            mood: mood.map(str::to_string),
            topics: vec!["outage".into()],
            channel: Some("email".into()),
        };
        let r = reply.clone();
        let findings = bounded("rules::check_reply", move || {
            let applicable = supportbook::pipeline::rules::applicable(&rules, &ctx);
            supportbook::pipeline::rules::check_reply(&applicable, &r)
        })?;
        for f in &findings {
            if let Some(span) = &f.span {
                prop_assert!(
                    span.start <= span.end && span.end <= reply.len(),
                    "finding {f:?} outside a reply of {} bytes",
                    reply.len()
                );
            }
        }
        Ok(())
    });
}

fn synonyms_target(long: bool) {
    let seeds = corpus(&["content/kb"], "synonyms.toml", |_| true);
    run("synonyms", long, texts(seeds, TOML_TOKENS), |text| {
        let t = text.clone();
        let (_, diags) = bounded("Synonyms::parse", move || {
            supportbook::index::search::Synonyms::parse(Path::new("synonyms.toml"), &t)
        })?;
        let mut sources = HashMap::new();
        sources.insert(PathBuf::from("synonyms.toml"), text.clone());
        check_diagnostics(&diags, &sources, Path::new("synonyms.toml"), text.len())
    });
}

fn book_toml_target(long: bool) {
    let seeds = corpus(&["book.toml", "tests/fixtures"], "book.toml", |_| true);
    run("book-toml", long, texts(seeds, TOML_TOKENS), |text| {
        let t = text.clone();
        let (_, diags) = bounded("config::parse", move || {
            supportbook::core::config::parse(Path::new("/handbook"), t)
        })?;
        let mut sources = HashMap::new();
        sources.insert(PathBuf::from("book.toml"), text.clone());
        check_diagnostics(&diags, &sources, Path::new("book.toml"), text.len())?;
        // What `check` accepts, mdBook must read when it builds.
        if !diags
            .iter()
            .any(|d| d.severity == supportbook::core::diagnostic::Severity::Error)
        {
            let parsed = text.parse::<mdbook_driver::config::Config>();
            prop_assert!(
                parsed.is_ok(),
                "check accepts a book.toml that mdBook refuses: {:#}",
                parsed.err().map(|e| format!("{e:#}")).unwrap_or_default()
            );
        }
        Ok(())
    });
}

/// Bytes that are not text: invalid UTF-8, NULs, lone CRs.
const BYTES: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xed\xa0\x80",
    b"\x00",
    b"\r",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xc0\xae",
];

/// A file as the loader reads it from disk: bytes that may not be UTF-8.
fn file_bytes_target(long: bool) {
    let seeds = article_seeds();
    let strategy = (
        texts(seeds, MARKDOWN),
        proptest::collection::vec((any::<Index>(), proptest::sample::select(BYTES)), 0..4),
    );
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    run("file-bytes", long, strategy, move |(text, inserts)| {
        let mut bytes = text.into_bytes();
        for (i, b) in &inserts {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        let full = dir_path.join("page.md");
        std::fs::write(&full, &bytes).unwrap();
        let f = full.clone();
        let (text, diags) = bounded("load::read_text", move || {
            let mut diags = Vec::new();
            let text = supportbook::pipeline::load::read_text(
                &f,
                Path::new("content/page.md"),
                &mut diags,
            );
            (text.map_err(|e| e.to_string()), diags)
        })?;
        let text = text.map_err(TestCaseError::fail)?;
        // Placed in the file as it is shown: the lossy text.
        let shown =
            String::from_utf8_lossy(&supportbook::pipeline::load::lone_cr_to_lf(bytes.clone()))
                .into_owned();
        let mut sources = HashMap::new();
        sources.insert(PathBuf::from("content/page.md"), shown);
        check_diagnostics(&diags, &sources, Path::new("content/page.md"), bytes.len())?;
        match text {
            Some(t) => {
                prop_assert!(diags.is_empty());
                prop_assert_eq!(t.len(), bytes.len());
                validate_case(Slot::Article, &t)?;
            }
            None => prop_assert!(!diags.is_empty(), "unread without a diagnostic"),
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Search: the query parser alone, and real searches on a small index.

/// Words and operators a query is made of.
const QUERY_TOKENS: &[&str] = &[
    "mail",
    "bounces",
    "bounce",
    "dns",
    "propagation",
    "550",
    "5.7.1",
    "relaying",
    "denied",
    "listening",
    "acknowledge",
    "upset",
    "customer",
    "the",
    "a",
    "mial",
    "propagaton",
    "\"",
    "\"mail bounces\"",
    "\"\"",
    "-",
    "-mail",
    "-\"dns propagation\"",
    "--",
    "product:",
    "product:email",
    "products:EMAIL",
    "tag:",
    "tag:outage",
    "kind:quiz",
    "kind:article",
    "kind:nope",
    "state:draft",
    "state:archived",
    ":",
    "::",
    "*",
    "?",
    "~",
    "^2",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    "+",
    "|",
    "<",
    ">",
    "$",
    "{",
    "}",
    "=",
    ";",
    "\\",
    "-Identity",
    "Set-Mailbox",
    "é",
    "ß",
    "İ",
    "😀",
    "\u{0}",
    "\u{feff}",
    " ",
    "  ",
    "\t",
    "\n",
];

fn queries() -> impl Strategy<Value = String> + Clone {
    let words = proptest::collection::vec(
        prop_oneof![
            8 => proptest::sample::select(QUERY_TOKENS).prop_map(str::to_string),
            1 => "[a-z]{1,30}",
            1 => any::<String>(),
        ],
        0..24,
    )
    .prop_flat_map(|ws| {
        let n = ws.len();
        (
            Just(ws),
            proptest::collection::vec(proptest::sample::select(vec!["", " ", "  ", "\t"]), n),
        )
    })
    .prop_map(|(ws, seps)| {
        ws.iter()
            .zip(seps)
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    });
    let long = (
        proptest::sample::select(QUERY_TOKENS),
        1usize..8000,
        proptest::sample::select(vec![" ", "", "\"", "-"]),
    )
        .prop_map(|(w, n, sep)| format!("{w}{sep}").repeat(n));
    prop_oneof![8 => words, 1 => long, 1 => any::<String>()]
}

fn query_target(long: bool) {
    use supportbook::index::search::query;
    run("query", long, queries(), |input| {
        let i = input.clone();
        let (q, bounded_len, note) = bounded("query::parse", move || {
            let (b, note) = query::bound(&i);
            let mut q = query::parse(&b);
            let _ = query::read_as_pasted(&mut q, &b);
            // The parser alone is linear too, on what was not cut.
            let _ = query::parse(&i);
            (q, b.chars().count(), note)
        })?;
        prop_assert!(bounded_len <= query::MAX_QUERY_CHARS + 1);
        let words = q.words.len()
            + q.excluded.len()
            + q.phrases
                .iter()
                .map(|p| p.split_whitespace().count())
                .sum::<usize>();
        prop_assert!(
            words <= query::MAX_QUERY_WORDS + 1,
            "{words} words searched (note: {note:?})"
        );
        Ok(())
    });
}

/// A built index of the `quiz` fixture (in a temp dir kept for the run).
fn small_index() -> &'static (tempfile::TempDir, Arc<supportbook::index::SearchIndex>) {
    static INDEX: OnceLock<(tempfile::TempDir, Arc<supportbook::index::SearchIndex>)> =
        OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(&repo().join("tests/fixtures/quiz"), dir.path());
        let (project, _) = supportbook::core::config::load(dir.path()).unwrap();
        let mut notices = Vec::new();
        let si = supportbook::engine::search_index(&project, &mut notices).unwrap();
        (dir, Arc::new(si))
    })
}

fn search_target(long: bool) {
    use supportbook::index::search::{self, Options, Synonyms, Weights};
    let (_, si) = small_index();
    let syn = Arc::new(
        Synonyms::parse(
            Path::new("synonyms.toml"),
            "mail = [\"email\", \"e-mail\"]\nbounce = [\"ndr\"]\n",
        )
        .0,
    );
    let strategy = (
        queries(),
        1usize..=100,
        proptest::collection::vec(
            proptest::sample::select(vec!["email", "EMAIL", "dns", "", "é", "nope"]),
            0..3,
        ),
        any::<bool>(),
    );
    run_reaching(
        "search",
        long,
        strategy,
        "found something",
        |(input, limit, products, archived)| {
            let si = si.clone();
            let syn = syn.clone();
            let opts = Options {
                limit,
                products: products.iter().map(|s| (*s).to_string()).collect(),
                tags: Vec::new(),
                include_archived: archived,
            };
            let i = input.clone();
            let results = bounded("search", move || {
                search::search(&si, &i, &opts, &syn, Weights::default()).map_err(|e| e.to_string())
            })?;
            let results =
                results.map_err(|e| TestCaseError::fail(format!("search failed: {e}")))?;
            prop_assert!(results.hits.len() <= limit);
            prop_assert!(results.total >= results.hits.len());
            for h in &results.hits {
                prop_assert!(
                    h.snippet.len() <= 16 * 1024,
                    "snippet of {}",
                    h.snippet.len()
                );
                for r in &h.highlights {
                    prop_assert!(r.start <= r.end && r.end <= h.snippet_text.len());
                }
            }
            prop_assert!(results.query.len() <= input.len());
            Ok(!results.hits.is_empty())
        },
    );
}

// ---------------------------------------------------------------------------
// Results: xAPI import and posted attempts.

/// The fixture's handbook, validated.
fn handbook() -> &'static supportbook::pipeline::handbook::Handbook {
    static H: OnceLock<supportbook::pipeline::handbook::Handbook> = OnceLock::new();
    H.get_or_init(|| {
        let raw = base().clone();
        let (h, d) = supportbook::pipeline::validate::validate(
            raw,
            jiff::civil::date(TODAY.0, TODAY.1, TODAY.2),
        );
        assert!(!d.has_errors(), "{}", d.render_human());
        h
    })
}

/// Valid attempt bodies for the fixture's quizzes, as the widget posts them.
fn body_seeds() -> Vec<String> {
    vec![
        r#"{"uuid":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","quizId":"listening","learner":"ana","startedAt":"2026-11-24T10:00:00Z","finishedAt":"2026-11-24T10:05:00Z","score":1,"passed":true,"answers":[{"questionId":"ls-first","input":{"choices":[0]},"response":["Acknowledge"],"correct":true,"points":1,"maxPoints":1,"attempt":1},{"questionId":"ls-order","input":{"order":[0,1,2]}},{"questionId":"ls-call","input":{"steps":["open:0","calmer:0"]}}]}"#.into(),
        r#"{"quizId":"listening","startedAt":"2026-11-24T10:00:00Z","finishedAt":"2026-11-24T10:05:00+01:00","answers":[{"questionId":"ls-call","input":{"steps":["open:1"]}},{"questionId":"ls-call","input":{"steps":["open:0","calmer:1"]},"attempt":2}]}"#.into(),
        r#"{"uuid":"{0B7E2C1E-64D4-4C1F-9A55-6F0F1F3C2A11}","quizId":"mdbook-quiz","startedAt":"2026-11-24T10:00:00Z","finishedAt":"2026-11-24T10:00:00Z","answers":[]}"#.into(),
    ]
}

/// Attempt bodies built from the quizzes' questions, with inputs that are
/// right, wrong, out of range or of the wrong kind.
fn structured_bodies() -> impl Strategy<Value = String> {
    let h = handbook();
    let questions: Vec<(String, String)> = h
        .quizzes
        .iter()
        .flat_map(|q| q.questions.iter().map(|x| (q.id.clone(), x.id.clone())))
        .collect();
    let quiz_ids: Vec<String> = h
        .quizzes
        .iter()
        .map(|q| q.id.clone())
        .chain(["nope".to_string(), String::new()])
        .collect();
    let input = prop_oneof![
        proptest::collection::vec(
            prop_oneof![0usize..6, Just(usize::MAX), any::<usize>()],
            0..8
        )
        .prop_map(|c| serde_json::json!({ "choices": c })),
        proptest::collection::vec(prop_oneof![0usize..6, Just(usize::MAX)], 0..8)
            .prop_map(|o| serde_json::json!({ "order": o })),
        proptest::collection::vec(
            (
                proptest::sample::select(vec!["open", "calmer", "kept", "lost", "", "x:y"]),
                prop_oneof![
                    Just("0".to_string()),
                    Just("1".to_string()),
                    "-?[0-9]{1,25}"
                ],
            )
                .prop_map(|(n, c)| format!("{n}:{c}")),
            0..40
        )
        .prop_map(|s| serde_json::json!({ "steps": s })),
        ".{0,40}".prop_map(|t| serde_json::json!({ "text": t })),
        (any::<bool>(), proptest::option::of(".{0,20}"))
            .prop_map(|(c, o)| serde_json::json!({ "doesCompile": c, "stdout": o })),
        Just(serde_json::json!({})),
    ];
    let answer = (
        proptest::sample::select(questions),
        input,
        prop_oneof![Just(1u64), Just(0u64), any::<u32>().prop_map(u64::from)],
    )
        .prop_map(|((_, qid), input, attempt)| {
            serde_json::json!({ "questionId": qid, "input": input, "attempt": attempt })
        });
    (
        proptest::sample::select(quiz_ids),
        proptest::option::of(proptest::sample::select(vec![
            "0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10",
            "0B7E2C1E64D44C1F9A556F0F1F3C2A10",
            "urn:uuid:0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10",
            "not a uuid",
            "",
        ])),
        proptest::sample::select(vec![
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:00:00.123456789+14:00",
            "9999-12-31T23:59:59Z",
            "2026-11-24",
            "",
        ]),
        proptest::collection::vec(answer, 0..12),
    )
        .prop_map(|(quiz, uuid, t, answers)| {
            let mut b = serde_json::json!({
                "quizId": quiz, "startedAt": t, "finishedAt": t, "answers": answers,
            });
            if let Some(u) = uuid {
                b["uuid"] = serde_json::json!(u);
            }
            b.to_string()
        })
}

fn attempt_target(long: bool) {
    let strategy = prop_oneof![
        3 => texts(body_seeds(), JSON_TOKENS),
        2 => structured_bodies(),
    ];
    run_reaching("attempt-body", long, strategy, "were stored", |body| {
        let b = body.clone();
        let out = bounded("posted::attempt_from_body", move || {
            supportbook::results::posted::attempt_from_body(b.as_bytes(), handbook(), || {
                "00000000-0000-4000-8000-000000000000".into()
            })
        })?;
        let stored = out.is_ok();
        if let Ok(a) = out {
            prop_assert!(
                (0.0..=1.0).contains(&a.score),
                "score {} out of 0..1",
                a.score
            );
            prop_assert_eq!(
                &a.uuid,
                &supportbook::results::normalize_uuid(&a.uuid),
                "uuid stored unnormalised"
            );
            for ans in &a.answers {
                prop_assert!(ans.points.is_finite() && ans.max_points.is_finite());
                prop_assert!(ans.points <= ans.max_points, "{ans:?}");
                prop_assert!(ans.attempt >= 1);
            }
            let passed = supportbook::pipeline::quiz::grade::passes(
                a.score,
                handbook().quiz(&a.quiz_id).unwrap().pass_percent,
            );
            prop_assert_eq!(a.passed, passed);
        }
        Ok(stored)
    });
}

/// xAPI statements of real attempts (the form `results export` writes),
/// as JSON lines and as the browser's JSON array.
fn xapi_seeds() -> Vec<String> {
    let h = handbook();
    let mut lines = Vec::new();
    for (i, body) in body_seeds().iter().enumerate() {
        let a = supportbook::results::posted::attempt_from_body(body.as_bytes(), h, || {
            format!("00000000-0000-4000-8000-00000000000{i}")
        })
        .unwrap();
        for st in supportbook::results::xapi::statements(&a, Some("Listening")) {
            lines.push(serde_json::to_string(&st).unwrap());
        }
    }
    let array = format!("[{}]", lines.join(",\n"));
    vec![lines.join("\n") + "\n", array, lines[..3].join("\n")]
}

fn xapi_target(long: bool) {
    run_reaching(
        "xapi-import",
        long,
        texts(xapi_seeds(), JSON_TOKENS),
        "imported an attempt",
        |text| {
            let t = text.clone();
            let (attempts, problems) =
                bounded("xapi::parse", move || supportbook::results::xapi::parse(&t))?;
            let lines = line_count(&text);
            for p in &problems {
                prop_assert!(
                    p.line >= 1 && p.line <= lines,
                    "problem at line {} of {lines}: {}",
                    p.line,
                    p.message
                );
            }
            // Recorded twice, into a real database: one row per attempt, and
            // the second import adds nothing.
            // In memory where the system has a folder for it: what is tested
            // is the import, not how fast the disk confirms each transaction.
            let dir = match Path::new("/dev/shm") {
                shm if shm.is_dir() => tempfile::tempdir_in(shm),
                _ => tempfile::tempdir(),
            }
            .unwrap();
            let path = dir.path().join("results.db");
            // Each attempt is a transaction the disk must confirm: a slower
            // limit than parsing's.
            let (first, second, rows) = bounded_by("results import", 8 * CASE_LIMIT, move || {
                let mut db = supportbook::results::Db::open(&path).unwrap();
                let first = attempts.iter().filter(|a| db.record(a).unwrap()).count();
                let second = attempts.iter().filter(|a| db.record(a).unwrap()).count();
                (first, second, db.attempts().unwrap())
            })?;
            prop_assert_eq!(second, 0, "a second import added attempts");
            prop_assert_eq!(rows.len(), first);
            let mut uuids: Vec<&str> = rows.iter().map(|a| a.uuid.as_str()).collect();
            uuids.sort_unstable();
            uuids.dedup();
            prop_assert_eq!(uuids.len(), rows.len(), "one attempt stored twice");
            Ok(!rows.is_empty())
        },
    );
}

// ---------------------------------------------------------------------------
// The server's request paths and query strings.

const PATH_TOKENS: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "%2e",
    "%2E%2e",
    ".%2e",
    "%2f",
    "%2F",
    "%5c",
    "%00",
    "%",
    "%z",
    "%zz",
    "%c0%ae",
    "%e2%80%ae",
    "%ff",
    "%20",
    "kb",
    "index.html",
    "a b",
    "C:",
    "c:",
    "\\",
    "/",
    "~",
    "~root",
    "é",
    "\u{0}",
    "\u{7f}",
    "\n",
    "con",
    "?",
    "#",
    ";",
];

fn paths() -> impl Strategy<Value = String> {
    let segs = proptest::collection::vec(
        prop_oneof![
            6 => proptest::sample::select(PATH_TOKENS).prop_map(str::to_string),
            1 => "[a-zA-Z0-9._%-]{0,12}",
            1 => any::<String>(),
        ],
        0..10,
    );
    (any::<bool>(), segs, any::<bool>()).prop_map(|(lead, segs, trail)| {
        let mut p = if lead { "/".to_string() } else { String::new() };
        p.push_str(&segs.join("/"));
        if trail {
            p.push('/');
        }
        p
    })
}

fn path_target(long: bool) {
    use std::path::Component;
    use supportbook::live::serve;
    let strategy = (paths(), "[a-z=&%+0-9.:-]{0,40}", any::<String>());
    run("request-path", long, strategy, |(path, query, host)| {
        let (p, q, hh) = (path.clone(), query.clone(), host.clone());
        let (resolved, _, _, _) = bounded("serve path checks", move || {
            let guard = serve::Guard::loopback();
            (
                serve::resolve_site_path(&p),
                serve::parse_search_query(&q),
                guard.host_allowed(&hh),
                serve::same_origin(&hh, "127.0.0.1:3000"),
            )
        })?;
        if let Ok(rel) = resolved {
            prop_assert!(rel.is_relative(), "{path:?} -> {rel:?}");
            for c in rel.components() {
                match c {
                    Component::Normal(s) => {
                        let s = s.to_string_lossy();
                        prop_assert!(
                            !s.contains(['/', '\\', '\0', ':']) && !s.chars().any(char::is_control),
                            "{path:?} -> segment {s:?}"
                        );
                    }
                    other => prop_assert!(false, "{path:?} -> {other:?} in {rel:?}"),
                }
            }
            let site = Path::new("/srv/site");
            prop_assert!(site.join(&rel).starts_with(site));
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// The targets: bounded here, long under `--ignored`.

macro_rules! targets {
    ($($name:ident => $f:ident),* $(,)?) => {
        mod fuzz {
            $(#[test] fn $name() { super::$f(false) })*
        }
        mod fuzz_long {
            $(#[test] #[ignore = "long fuzzing: cargo test --release -- --ignored fuzz"] fn $name() { super::$f(true) })*
        }
    };
}

targets! {
    front_matter => article_target,
    file_bytes => file_bytes_target,
    book_toml => book_toml_target,
    chapter => chapter_target,
    summary => summary_target,
    quiz => quiz_target,
    rules => rules_target,
    synonyms => synonyms_target,
    query => query_target,
    search => search_target,
    xapi_import => xapi_target,
    attempt_body => attempt_target,
    request_path => path_target,
}

// ---------------------------------------------------------------------------
// Every crash or hang the fuzzer found, as a plain test with its minimal
// input.

mod regressions {
    use super::*;

    /// Thousands of TOML errors in one front matter (a broken key and
    /// list repeated) took over a second in a release build: each error
    /// indexed the whole file again to find its line.
    #[test]
    fn front_matter_with_thousands_of_toml_errors() {
        let text = format!(
            "+++\ntitle = \"T\"\n{}+++\n\nBody.\n",
            "products = s name\",\n]\n".repeat(3000)
        );
        let started = Instant::now();
        let (_, diags) = validate_case(Slot::Article, &text).unwrap();
        let errors = diags.iter().filter(|d| d.code == "toml-syntax").count();
        assert!(errors >= 3000, "{errors} errors");
        eprintln!("{errors} errors placed in {:?}", started.elapsed());
    }

    /// `check` passed a book.toml with a table mdBook does not know (or an
    /// unknown key in [book]); `build` then failed with exit 2.
    #[test]
    fn book_toml_mdbook_cannot_read() {
        for (text, place) in [
            ("[book]\nsrc = \"content\"\n[foo]\na = 1\n", "book.toml:3:2"),
            ("[book]\ntitel = \"T\"\n", "book.toml:2:1"),
        ] {
            let (_, d) = supportbook::core::config::parse(Path::new("/r"), text.into());
            assert_eq!(d.len(), 1, "{text:?}: {d:?}");
            assert_eq!(d[0].code, "invalid-config");
            assert_eq!(d[0].place(), place);
        }
    }

    /// `check` passed a SUMMARY.md mdBook cannot read (a list after the
    /// suffix chapters, a nested item that is not a link, a file listed
    /// twice); `build` then failed with exit 2 and no place.
    #[test]
    fn summary_mdbook_cannot_read() {
        for (text, line) in [
            (
                "# Summary\n\n- [A](README.md)\n\n[S](README.md)\n\n- [C](README.md)\n",
                7,
            ),
            ("- [A](README.md)\n    - [x](\n", 2),
            (
                "- [A](README.md)\n- [B](training/listening.md)\n- [A](README.md)\n",
                3,
            ),
        ] {
            let (_, diags) = validate_case(Slot::Summary, text).unwrap();
            let d = diags
                .iter()
                .find(|d| d.code == "summary-syntax")
                .unwrap_or_else(|| panic!("no summary-syntax error for {text:?}: {diags:?}"));
            assert_eq!(d.path, Path::new("content/SUMMARY.md"));
            assert_eq!(d.location.as_ref().unwrap().line, line, "{text:?}");
        }
    }

    /// One-word phrases written without spaces (`mail"mail"mail"...`) were
    /// one word to the query's word limit: 107 words were searched.
    #[test]
    fn quoted_words_without_spaces_count_toward_the_word_limit() {
        use supportbook::index::search::query;
        let input = "mail\"".repeat(108);
        let (kept, _) = query::bound(&input);
        let q = query::parse(&kept);
        assert!(q.words.len() + q.phrases.len() <= query::MAX_QUERY_WORDS);
        let (_, si) = small_index();
        let r = supportbook::index::search::search(
            si,
            &input,
            &supportbook::index::search::Options::default(),
            &supportbook::index::search::Synonyms::default(),
            supportbook::index::search::Weights::default(),
        )
        .unwrap();
        assert!(
            r.notes.iter().any(|n| n.starts_with("query too long")),
            "{:?}",
            r.notes
        );
    }

    /// A statement with an unknown verb opened an empty attempt, reported
    /// at line 0 as "has answers but no passed/failed statement".
    #[test]
    fn xapi_statement_with_an_unknown_verb() {
        let (attempts, problems) = supportbook::results::xapi::parse(
            "{\"aerb\":{},\"context\":{\"registration\":\"r\"}}\n",
        );
        assert!(attempts.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
    }
}
