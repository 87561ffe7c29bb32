//! `supportbook init`: a new handbook that checks and builds, and a refusal
//! (naming the file) instead of overwriting anything.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::run_in;

#[test]
fn new_handbook_checks_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "hb", "--title", "Acme \"Support\""]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = dir.path().join("hb");
    for f in [
        "book.toml",
        "content/SUMMARY.md",
        "content/training/01-how-we-support.md",
        "content/kb/web-server/example-site-down.md",
        "quizzes/README.md",
        "rules/replies.toml",
        "assets/quiz.js",
        "assets/quiz.css",
        ".gitignore",
        ".github/workflows/handbook.yml",
    ] {
        assert!(root.join(f).is_file(), "missing {f}");
    }
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    assert!(
        book.contains("title = 'Acme \"Support\"'")
            || book.contains("title = \"Acme \\\"Support\\\"\""),
        "{book}"
    );
    let workflow = std::fs::read_to_string(root.join(".github/workflows/handbook.yml")).unwrap();
    assert!(
        workflow.contains("fetch-depth: 0")
            && workflow.contains("supportbook check")
            && workflow.contains("deploy-pages")
    );
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(gitignore.contains("/book/") && gitignore.contains("/.supportbook/"));

    let out = run_in(&root, &["check"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, "checked 2 pages and 1 article: 0 errors, 0 warnings\n")
    );
    let out = run_in(&root, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(root.join("book/kb/example-site-down.html").is_file());
    // The starter reply rules work in the new handbook.
    std::fs::write(root.join("draft.txt"), "Upgrade to premium support!\n").unwrap();
    let out = run_in(&root, &["coach", "draft.txt"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("rule `no-upsell` in rules/replies.toml"),
        "{}",
        out.stdout
    );
}

#[test]
fn refuses_to_overwrite_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "mine\n").unwrap();
    let out = run_in(
        dir.path(),
        &["--root", dir.path().to_str().unwrap(), "init"],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: refusing to overwrite existing file in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.trim_end().ends_with(": .gitignore"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
        "mine\n"
    );
    assert!(!dir.path().join("book.toml").exists());
}
