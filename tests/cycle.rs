//! The training cycle in real git repositories in temp dirs: cycles as tags,
//! what changed since (adds, edits, renames, deletions), page dates, the
//! what's-new page, shallow clones, no repository, detached HEAD, the review
//! queue and who must retake what.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, git, json, main_of};
use std::path::Path;
use std::process::Command;

/// The date `cycle start` gave the tag (today, when the test runs).
fn tag_date(fx: &Fixture) -> String {
    git(
        fx.root(),
        &[
            "for-each-ref",
            "--format=%(creatordate:short)",
            "refs/tags/cycle/2026-q4",
        ],
    )
    .trim()
    .to_string()
}

fn commit_all(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

/// The quiz fixture as a repository with one commit and a cycle tag.
fn repo_with_cycle() -> Fixture {
    let fx = Fixture::new("quiz");
    git(fx.root(), &["init", "-q", "-b", "main"]);
    fx.write(".gitignore", "/book/\n/.supportbook/\n");
    commit_all(fx.root(), "Start the handbook");
    let out = fx.run(&["cycle", "start", "2026-q4", "-m", "Q4: outage lessons"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    fx
}

#[test]
fn cycle_start_refuses_for_a_reason_it_names() {
    let fx = repo_with_cycle();
    let out = fx.run(&["cycle", "list"]);
    assert_eq!(
        out.stdout,
        format!(
            "2026-q4              {}  Q4: outage lessons\n",
            tag_date(&fx)
        )
    );
    assert_eq!(
        git(fx.root(), &["cat-file", "-t", "cycle/2026-q4"]).trim(),
        "tag",
        "not an annotated tag"
    );

    let out = fx.run(&["cycle", "start", "2026-q4"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "error: cycle `2026-q4` already exists (tag cycle/2026-q4); pick another name\n"
        )
    );

    fx.write(
        "content/kb/dns/dns-propagation.md",
        fx.read("content/kb/dns/dns-propagation.md") + "\nMore.\n",
    );
    let out = fx.run(&["cycle", "start", "next"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: not starting cycle `next`: uncommitted changes (content/kb/dns/dns-propagation.md); commit or stash them so the cycle names exactly what trainees see\n"
    );

    commit_all(fx.root(), "More");
    fx.write(
        "content/kb/dns/dns-propagation.md",
        fx.read("content/kb/dns/dns-propagation.md")
            .replace("state = ", "stat = ")
            .replace(
                "+++\n\n## Symptoms",
                "state = \"publishd\"\n+++\n\n## Symptoms",
            ),
    );
    commit_all(fx.root(), "Break it");
    let out = fx.run(&["cycle", "start", "next"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.ends_with(
            "error: not starting cycle `next`: `check` found 1 error(s); fix them first\n"
        ),
        "{}",
        out.stderr
    );

    let out = fx.run(&["cycle", "start", "../evil"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is not a usable cycle name"));
    assert_eq!(
        fx.run(&["cycle", "list", "--format", "json"])
            .stdout
            .matches("\"name\"")
            .count(),
        1
    );
}

#[test]
fn status_lists_adds_changes_renames_and_removals_with_subjects() {
    let fx = repo_with_cycle();
    // One commit touching several files.
    let dns = "content/kb/dns/dns-propagation.md";
    fx.write(
        dns,
        fx.read(dns)
            .replace("Resolvers cache records", "Resolvers keep records"),
    );
    fx.write(
        "quizzes/listening.toml",
        fx.read("quizzes/listening.toml")
            .replace("Put the steps in order.", "Put these steps in order."),
    );
    commit_all(fx.root(), "Clarify caching; reword ordering question");
    // A new article, then a rename, then a deletion.
    fx.write("content/kb/dns/dns-new.md", "+++\ntitle = \"New DNS article\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n");
    commit_all(fx.root(), "Add a DNS article");
    git(
        fx.root(),
        &[
            "mv",
            "content/kb/email/mail-bounces.md",
            "content/kb/email/relay-bounces.md",
        ],
    );
    let training = "content/training/listening.md";
    fx.write(
        training,
        fx.read(training)
            .replace("mail-bounces.md", "relay-bounces.md"),
    );
    commit_all(fx.root(), "Rename the bounce article");
    git(fx.root(), &["rm", "-q", "quizzes/mdbook-quiz.toml"]);
    fx.write(
        training,
        fx.read(training).replace("{{#quiz mdbook-quiz}}", ""),
    );
    commit_all(fx.root(), "Retire the mdbook-quiz quiz");

    let out = fx.run(&["cycle", "status", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["since"]["name"], "2026-q4");
    let items: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let subjects: Vec<&str> = i["commits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["subject"].as_str().unwrap())
                .collect();
            format!(
                "{} {} {} [{}]",
                i["kind"].as_str().unwrap(),
                i["kind_of_change"]
                    .as_str()
                    .unwrap_or(i["path"].as_str().unwrap()),
                i["title"].as_str().unwrap(),
                subjects.join("; ")
            )
        })
        .collect();
    let text = fx.run(&["cycle", "status"]).stdout;
    assert!(
        text.starts_with(&format!("since cycle 2026-q4 ({}):\n", tag_date(&fx))),
        "{text}"
    );
    assert!(
        text.contains("  changed  chapter  content/training/listening.md  Listening\n"),
        "{text}"
    );
    assert!(
        text.contains("  added    article  content/kb/dns/dns-new.md  New DNS article\n"),
        "{text}"
    );
    assert!(text.contains("  changed  article  content/kb/dns/dns-propagation.md  Domain still shows the old site after a DNS change\n"), "{text}");
    assert!(text.contains("  renamed  article  content/kb/email/relay-bounces.md (from content/kb/email/mail-bounces.md)  Outgoing mail bounces with 550 5.7.1\n"), "{text}");
    assert!(
        text.contains("  changed  quiz     quizzes/listening.toml  Listening\n"),
        "{text}"
    );
    assert!(
        text.contains("  removed  quiz     quizzes/mdbook-quiz.toml  mdbook-quiz\n"),
        "{text}"
    );
    assert!(text.contains(" Clarify caching; reword ordering question\n"));
    assert_eq!(items.len(), 6, "{items:?}");

    // The build: page dates from git, and the what's-new page.
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("note:"), "{}", out.stderr);
    let article = fx.read("book/kb/dns-propagation.html");
    let short = git(fx.root(), &["log", "-1", "--format=%h", "--", dns]);
    assert!(main_of(&article).contains(&format!("<dt>Last changed</dt><dd class=\"sb-last-changed\">2026-11-02 in <code>{}</code>: Rename the bounce article</dd>", short.trim())) || main_of(&article).contains("Clarify caching"), "{}", main_of(&article));
    let chapter = fx.read("book/training/listening.html");
    assert!(
        main_of(&chapter)
            .contains("<p class=\"sb-last-changed\">Last changed 2026-11-02 in <code>"),
        "{}",
        main_of(&chapter)
    );
    let page = fx.read("book/whats-new.html");
    let main = main_of(&page);
    assert!(main.contains(&format!(
        "Changes since the cycle <strong>2026-q4</strong> ({}: Q4: outage lessons).",
        tag_date(&fx)
    )));
    assert!(
        main.contains("<h2 id=\"new-articles\">")
            && main.contains("<a href=\"kb/dns-new.html\">New DNS article</a>")
    );
    assert!(main.contains("(renamed from content/kb/email/mail-bounces.md)"));
    assert!(main.contains("<li>2026-11-02 Clarify caching; reword ordering question <code>"));
    assert!(
        main.contains("<h2 id=\"retired-quizzes\">") && main.contains("<li>mdbook-quiz</li>"),
        "{main}"
    );
    assert!(main.contains("Passes from before this change are stale"));
    assert!(fx.read("book/toc.html").contains("whats-new.html"));
}

#[test]
fn outside_a_repository_and_in_a_shallow_clone_the_build_goes_on() {
    let fx = Fixture::new("quiz");
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.starts_with("note: not a git repository: pages show no last-changed dates and there is no what's-new page\n"), "{}", out.stderr);
    assert!(!fx.path("book/whats-new.html").exists());
    let out = fx.run(&["cycle", "list"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("is not in a git repository"),
        "{}",
        out.stderr
    );

    let origin = repo_with_cycle();
    origin.write(
        "content/kb/dns/dns-propagation.md",
        origin.read("content/kb/dns/dns-propagation.md") + "\nLater.\n",
    );
    commit_all(origin.root(), "A later commit");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.root().display());
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::run_in(&clone.path().join("c"), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "note: shallow git clone: last-changed dates and what's new may be incomplete"
        ),
        "{}",
        out.stderr
    );
    assert!(clone.path().join("c/book/kb/mail-bounces.html").is_file());
}

#[test]
fn detached_head_still_builds_and_reports() {
    let fx = repo_with_cycle();
    let dns = "content/kb/dns/dns-propagation.md";
    fx.write(dns, fx.read(dns) + "\nOne more line.\n");
    commit_all(fx.root(), "Add a line");
    let head = git(fx.root(), &["rev-parse", "HEAD"]);
    git(fx.root(), &["checkout", "-q", "--detach", head.trim()]);
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = fx.run(&["cycle", "status"]);
    assert!(
        out.stdout
            .contains("  changed  article  content/kb/dns/dns-propagation.md"),
        "{}",
        out.stdout
    );
}

#[test]
fn review_queue_by_owner_most_overdue_first() {
    let fx = Fixture::new("base");
    let article = |id: &str, owner: &str, reviewed: &str| {
        format!(
            "+++\nid = \"{id}\"\ntitle = \"{id}\"\nowner = \"{owner}\"\nreviewed = {reviewed}\nreview-every = 30\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n"
        )
    };
    fx.write(
        "content/kb/dns/a.md",
        article("a-old", "Priya", "2026-01-01"),
    );
    fx.write(
        "content/kb/dns/b.md",
        article("b-older", "Priya", "2025-06-01"),
    );
    fx.write(
        "content/kb/dns/c.md",
        article("c-tomas", "Tomás", "2026-09-01"),
    );
    fx.write(
        "content/kb/dns/d.md",
        article("d-fresh", "Priya", "2026-11-20"),
    );
    let out = fx.run(&["review"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "Priya\n   511 days overdue  b-older                              due 2025-07-01  content/kb/dns/b.md\n   297 days overdue  a-old                                due 2026-01-31  content/kb/dns/a.md\nTomás\n    54 days overdue  c-tomas                              due 2026-10-01  content/kb/dns/c.md\n"
    );
    let v = json(&fx.run(&["review", "--owner", "tomás", "--format", "json"]));
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], "c-tomas");
    assert_eq!(v[0]["overdue_days"], 54);

    // An owner nobody is, with a did-you-mean; an owner with nothing overdue.
    let out = fx.run(&["review", "--owner", "nobody"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(
        out.stderr,
        "error: no articles are owned by `nobody` (owners: Priya, Tomás)\n"
    );
    let out = fx.run(&["review", "--owner", "prya"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "error: no articles are owned by `prya` (did you mean `Priya`?)\n"
        )
    );
    fx.remove("content/kb/dns/c.md");
    fx.write(
        "content/kb/dns/c.md",
        article("c-tomas", "Tomás", "2026-11-01"),
    );
    let out = fx.run(&["review", "--owner", "TOMÁS"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "no articles owned by TOMÁS are past their review date\n")
    );
}
