//! Pathological inputs (issue 14, items 6, 9 and 10): each case at two sizes,
//! the second twice the first, run through the real `supportbook` binary on a
//! copy of the `base` test fixture. A linear (or bounded) path takes about 2x
//! as long at the second size; a quadratic one about 4x.
//!
//! `cargo bench --bench pathological` (median of `SB_BENCH_RUNS` runs, default 3).
//!
//! - scenario chain: `check` on a quiz whose scenario is one chain of N nodes
//!   (was a stack overflow);
//! - broken anchors: `check` on a page with N links to missing anchors on one
//!   line (was gigabytes of output);
//! - equal headings: `check` on an article with N `## Same` headings;
//! - tags: `build` with one article listing N tags (now refused by `check`);
//! - short sentences: `coach -` on N MB of "Ok. " with a sentence-length rule;
//! - long phrase: `coach -` with a 5,000-word `avoid` phrase against an N KB draft.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the base fixture with `files` written into it.
fn project(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"),
        dir.path(),
    );
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Runs the binary once; returns the wall time and the bytes it printed.
fn run(root: &Path, args: &[&str], stdin: &[u8]) -> (Duration, usize) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_supportbook"))
        .args(args)
        .current_dir(root)
        .env("SUPPORTBOOK_TODAY", "2026-11-24")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (started.elapsed(), out.stdout.len() + out.stderr.len())
}

const ARTICLE_HEAD: &str = "+++\nid = \"big\"\ntitle = \"Big\"\nsummary = \"s\"\nproducts = [\"dns\"]\nowner = \"P\"\nreviewed = 2026-10-01\n+++\n\n";
const SECTIONS: &str = "## Symptoms\n\nx\n\n## Cause\n\nx\n\n## Resolution\n\nx\n\n## What to tell the customer\n\nx\n\n";

/// Files of the project, the arguments, and stdin.
type Setup = (Vec<(&'static str, String)>, Vec<&'static str>, Vec<u8>);

struct Case {
    name: &'static str,
    sizes: [usize; 2],
    unit: &'static str,
    /// Files of the project, the arguments, and stdin, for a size.
    setup: fn(usize) -> Setup,
}

fn chain(n: usize) -> Setup {
    let mut s = String::from(
        "[quiz]\nid = \"chain\"\n\n[[questions]]\nid = \"sc\"\ntype = \"Scenario\"\nprompt.prompt = \"?\"\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "[[questions.nodes]]\nid = \"n{i}\"\nsays = \"s\"\n[[questions.nodes.choices]]\ntext = \"go\"\npoints = 1\nnext = \"n{}\"\n",
            i + 1
        ));
    }
    s.push_str(&format!(
        "[[questions.nodes]]\nid = \"n{n}\"\noutcome = \"good\"\nsays = \"bye\"\n"
    ));
    (vec![("quizzes/chain.toml", s)], vec!["check"], Vec::new())
}

fn anchors(n: usize) -> Setup {
    let links: String = (0..n).map(|i| format!("[l](#nope{i}) ")).collect();
    let text = format!("{ARTICLE_HEAD}{SECTIONS}{links}\n");
    (
        vec![("content/kb/dns/big.md", text)],
        vec!["check"],
        Vec::new(),
    )
}

fn headings(n: usize) -> Setup {
    let text = format!(
        "{ARTICLE_HEAD}{SECTIONS}{}",
        "## Same\n\ntext\n\n".repeat(n)
    );
    (
        vec![("content/kb/dns/big.md", text)],
        vec!["check"],
        Vec::new(),
    )
}

fn tags(n: usize) -> Setup {
    let list: Vec<String> = (0..n).map(|i| format!("\"t{i}\"")).collect();
    let head = ARTICLE_HEAD.replace(
        "products",
        &format!("tags = [{}]\nproducts", list.join(", ")),
    );
    let text = format!("{head}{SECTIONS}");
    (
        vec![("content/kb/dns/big.md", text)],
        vec!["build", "-q"],
        Vec::new(),
    )
}

const SENTENCE_RULE: &str =
    "[[rule]]\nid = \"short\"\ntype = \"sentence-length\"\nmessage = \"m\"\nmax = 30\n";

fn sentences(mb: usize) -> Setup {
    let draft = "Ok. ".repeat(mb * 1024 * 1024 / 4);
    (
        vec![("rules/replies.toml", SENTENCE_RULE.to_string())],
        vec!["coach", "-"],
        draft.into_bytes(),
    )
}

fn phrase(kb: usize) -> Setup {
    let phrase = vec!["ok"; 5_000].join(" ");
    let rule = format!(
        "[[rule]]\nid = \"long\"\ntype = \"avoid\"\nmessage = \"m\"\nphrases = [\"{phrase}\"]\n"
    );
    let draft = "ok ".repeat(kb * 1024 / 3);
    (
        vec![("rules/replies.toml", rule)],
        vec!["coach", "-"],
        draft.into_bytes(),
    )
}

fn main() {
    let runs: usize = std::env::var("SB_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let cases = [
        Case {
            name: "scenario chain (nodes)",
            sizes: [20_000, 40_000],
            unit: "",
            setup: chain,
        },
        Case {
            name: "broken anchors on one line",
            sizes: [8_000, 16_000],
            unit: "",
            setup: anchors,
        },
        Case {
            name: "equal headings",
            sizes: [20_000, 40_000],
            unit: "",
            setup: headings,
        },
        Case {
            name: "tags on one article (build)",
            sizes: [20_000, 40_000],
            unit: "",
            setup: tags,
        },
        Case {
            name: "coach: \"Ok. \" repeated",
            sizes: [1, 2],
            unit: " MB",
            setup: sentences,
        },
        Case {
            name: "coach: 5,000-word phrase vs draft",
            sizes: [24, 48],
            unit: " KB",
            setup: phrase,
        },
    ];
    println!("| case | size | time | output | size x2 | time | output | time ratio |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for case in &cases {
        let mut cols = Vec::new();
        let mut times = Vec::new();
        for &size in &case.sizes {
            let (files, args, stdin) = (case.setup)(size);
            let dir = project(&files);
            let mut samples: Vec<(Duration, usize)> = (0..runs.max(1))
                .map(|_| run(dir.path(), &args, &stdin))
                .collect();
            samples.sort();
            let (t, bytes) = samples[samples.len() / 2];
            times.push(t.as_secs_f64());
            cols.push(format!(
                "{size}{} | {:.3} s | {bytes} B",
                case.unit,
                t.as_secs_f64()
            ));
        }
        println!(
            "| {} | {} | {} | {:.1}x |",
            case.name,
            cols[0],
            cols[1],
            times[1] / times[0]
        );
    }
}
