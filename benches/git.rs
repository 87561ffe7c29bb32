//! Git history benchmark: last-changed data for every file in one pass.
//!
//! `cargo bench --bench git` builds a repository of `SB_BENCH_ARTICLES`
//! articles (default 10,000) and `SB_BENCH_COMMITS` commits (default 10,000)
//! with `git fast-import` (the first commit adds every article; each later
//! commit edits one to three of them, some rename one), then times
//! `Repo::last_changed` over `content/`: the median of 5 runs. Target: under
//! 2 s for 10,000 articles and 10,000 commits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn blob(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(format!("data {}\n", text.len()).as_bytes());
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}

fn main() {
    let articles: usize = std::env::var("SB_BENCH_ARTICLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let commits: usize = std::env::var("SB_BENCH_COMMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let st = Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(st.success());

    // A fast-import stream: one commit with every article, then small commits.
    let started = Instant::now();
    let mut stream = Vec::new();
    let path = |i: usize, renamed: bool| {
        format!(
            "content/kb/p{}/article-{i:05}{}.md",
            i % 11,
            if renamed { "-r" } else { "" }
        )
    };
    let mut renamed = vec![false; articles];
    stream.extend_from_slice(
        b"commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n",
    );
    blob(&mut stream, "Add the knowledge base");
    for i in 0..articles {
        stream.extend_from_slice(format!("M 644 inline {}\n", path(i, false)).as_bytes());
        blob(
            &mut stream,
            &format!("+++\ntitle = \"Article {i}\"\n+++\n\n## Symptoms\n\nText {i}.\n"),
        );
    }
    stream.push(b'\n');
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as usize
    };
    for c in 1..commits {
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\ncommitter Bench <bench@example.com> {} +0000\n",
                1_700_000_000 + c * 60
            )
            .as_bytes(),
        );
        blob(&mut stream, &format!("Edit {c}"));
        for _ in 0..1 + next() % 3 {
            let i = next() % articles;
            if next() % 50 == 0 && !renamed[i] {
                stream.extend_from_slice(
                    format!("R {} {}\n", path(i, false), path(i, true)).as_bytes(),
                );
                renamed[i] = true;
            } else {
                stream.extend_from_slice(
                    format!("M 644 inline {}\n", path(i, renamed[i])).as_bytes(),
                );
                blob(
                    &mut stream,
                    &format!(
                        "+++\ntitle = \"Article {i}\"\n+++\n\n## Symptoms\n\nText {i}, edit {c}.\n"
                    ),
                );
            }
        }
        stream.push(b'\n');
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    let st = Command::new("git")
        .args(["checkout", "-q", "main"])
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(st.success());
    println!(
        "generated {articles} articles and {commits} commits in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    if std::env::var("SB_BENCH_KEEP").is_ok() {
        println!("kept the repository in {}", tmp.keep().display());
        return;
    }
    let r = supportbook::pipeline::git::Repo::find(repo).unwrap();
    let mut times = Vec::new();
    let mut files = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let map = r.last_changed(&[Path::new("content")]).unwrap();
        times.push(start.elapsed().as_secs_f64());
        files = map.len();
    }
    times.sort_by(f64::total_cmp);
    assert_eq!(files, articles, "every article should have a last change");
    println!(
        "last-changed for {files} files over {commits} commits (one git log, renames followed): {:.2}s median of 5 (min {:.2}s, max {:.2}s)",
        times[2], times[0], times[4]
    );
}
