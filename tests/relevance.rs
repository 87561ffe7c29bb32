//! Relevance on a real KB we did not write: the dev corpus
//! (`../shared/corpora/officedocs-dev`, 877 articles with three case files)
//! dropped into a fresh handbook, searched through the real binary and a
//! real index on disk. The floors are the targets of the benchmark
//! (`cargo bench --bench relevance`), which also prints plain BM25 beside.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

#[test]
fn dev_corpus_case_files_reach_their_targets() {
    let Some(corpus) = common::dev_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = common::run_in(tmp.path(), &["init", "od"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = tmp.path().join("od");
    common::copy_dir(&corpus.join("kb"), &root.join("content/kb/office"));

    let mut failed = Vec::new();
    for (file, floor) in [
        ("errors.toml", 0.95),
        ("typos.toml", 0.92),
        ("paraphrase.toml", 0.95),
    ] {
        let cases = corpus.join("cases").join(file);
        let cases = cases.to_str().unwrap();
        let out = common::run_in(&root, &["search", "--json", "--eval", cases]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let report = common::json(&out);
        let mrr = report["mrr_at_10"].as_f64().unwrap();
        let n = report["cases"].as_array().unwrap().len();
        assert!(n >= 100, "{file}: only {n} cases");
        println!("{file}: MRR@10 {mrr:.3} over {n} cases (floor {floor})");
        if mrr < floor {
            failed.push(format!("{file}: MRR@10 {mrr:.3} < {floor}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
