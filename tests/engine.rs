//! The engine's incremental path against a full build: after a scripted
//! series of edits (an article's body and title, a quiz, a template,
//! book.toml, a rename, a delete), each redone with only the changed paths,
//! the site and the search index are what a full build of the same files
//! gives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, tree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use supportbook::engine::{Engine, Options};

fn engine(root: &Path, dest: &Path) -> Engine {
    Engine::new(
        root,
        Options {
            dest: Some(dest.to_path_buf()),
            ..Options::default()
        },
    )
    .unwrap()
}

fn replace(fx: &Fixture, rel: &str, from: &str, to: &str) {
    let text = fx.read(rel);
    assert!(text.contains(from), "{rel} has no {from:?}");
    fx.write(rel, text.replacen(from, to, 1));
}

fn differences(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let keys: BTreeSet<&PathBuf> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            format!(
                "{} ({})",
                k.display(),
                match (a.get(k), b.get(k)) {
                    (Some(_), None) => "only incremental",
                    (None, Some(_)) => "only full",
                    _ => "differs",
                }
            )
        })
        .collect()
}

#[test]
fn incremental_rebuilds_give_what_a_full_build_gives() {
    let fx = Fixture::handbook();
    let out_dir = tempfile::tempdir().unwrap();
    let live = out_dir.path().join("incremental");
    let mut eng = engine(fx.root(), &live);
    let first = eng.full(&|_, _| {}).unwrap();
    assert_eq!(first.errors, 0, "{}", first.diagnostics);

    let article = "content/kb/dns/dns-propagation-delay.md";
    let mut step = |what: &str, changed: &[&str], expect_fast: bool| {
        let changed: BTreeSet<PathBuf> = changed.iter().map(PathBuf::from).collect();
        let out = eng.rebuild(&changed);
        assert_eq!(out.errors, 0, "{what}: {}", out.diagnostics);
        assert!(!out.skipped, "{what}");
        assert_eq!(out.fast, expect_fast, "{what}: {}", out.summary);
    };

    // An article's body: the fast path (its page and its search document).
    let body = fx.read(article);
    fx.write(
        article,
        format!("{body}\nA line added by the test: flushdns clears the resolver cache.\n"),
    );
    step("body", &[article], true);
    // Its title: every page that lists it.
    replace(
        &fx,
        article,
        "title = \"",
        "title = \"Renamed by the test: ",
    );
    step("title", &[article], false);
    // A quiz.
    replace(
        &fx,
        "quizzes/listening.toml",
        "prompt.prompt = \"\"\"\n",
        "prompt.prompt = \"\"\"\nEdited by the test. ",
    );
    step("quiz", &["quizzes/listening.toml"], false);
    // A template.
    let hbs = fx.read("templates/article.hbs");
    fx.write(
        "templates/article.hbs",
        format!("{hbs}\n<p class=\"test-mark\">template edited</p>\n"),
    );
    step("template", &["templates/article.hbs"], false);
    // book.toml.
    replace(&fx, "book.toml", "title = \"", "title = \"Edited ");
    step("book.toml", &["book.toml"], false);
    // A rename.
    let renamed = "content/kb/dns/dns-propagation-renamed.md";
    std::fs::rename(fx.path(article), fx.path(renamed)).unwrap();
    step("rename", &[article, renamed], false);
    // A new article, then its deletion.
    let added = "content/kb/dns/added-by-the-test.md";
    fx.write(
        added,
        "+++\ntitle = \"Zone transfer refused\"\nproducts = [\"dns\"]\n+++\n\n## Symptoms\n\nAXFR refused by the secondary.\n",
    );
    step("add", &[added], false);
    assert!(live.join("kb/added-by-the-test.html").is_file());
    fx.remove(added);
    step("delete", &[added], false);
    let incremental = tree(&live);
    let documents = supportbook::index::current(&eng.handbook().unwrap().project);

    // A full build of the same files, elsewhere, from a fresh engine.
    let full_dir = out_dir.path().join("full");
    let full = engine(fx.root(), &full_dir).full(&|_, _| {}).unwrap();
    assert_eq!(full.errors, 0, "{}", full.diagnostics);
    assert_eq!(
        full.indexed, 0,
        "the index was already in step with the files"
    );
    let whole = tree(&full_dir);
    assert_eq!(differences(&incremental, &whole), Vec::<String>::new());
    assert!(
        String::from_utf8_lossy(&whole[Path::new("kb/dns-propagation-delay.html")])
            .contains("flushdns clears the resolver cache")
    );
    assert!(!whole.contains_key(Path::new("kb/added-by-the-test.html")));

    // The index holds what the handbook does, and says it is current.
    let h = eng.handbook().unwrap();
    let expected =
        h.articles.len() + h.pages.iter().filter(|p| p.in_summary).count() + h.quizzes.len();
    assert_eq!(documents, Some(expected));
    let hits = common::hits(&fx, &["flushdns", "resolver"]);
    assert_eq!(
        hits.first().map(|(id, _)| id.as_str()),
        Some("dns-propagation-delay"),
        "{hits:?}"
    );
    assert!(
        common::hits(&fx, &["axfr", "zone", "transfer"])
            .iter()
            .all(|(id, _)| id != "added-by-the-test")
    );
}

#[test]
fn quizzes_are_searchable_by_kind() {
    let fx = Fixture::handbook();
    let out = fx.run(&["search", "kind:quiz", "outage", "communications", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = common::json(&out);
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{v}");
    assert!(hits.iter().all(|h| h["kind"] == "quiz"), "{v}");
    assert_eq!(hits[0]["id"], "outage-communications", "{v}");
    // A quiz's URL is the chapter that embeds it.
    let url = hits[0]["url"].as_str().unwrap();
    assert!(url.ends_with(".html#quiz-outage-communications"), "{url}");
    let page = url.split('#').next().unwrap();
    let built = fx.run(&["build"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(
        fx.read(&format!("book/{page}"))
            .contains("id=\"quiz-outage-communications\""),
        "{page}"
    );
    // `kind:quiz` alone lists every quiz.
    let all = common::json(&fx.run(&["search", "kind:quiz", "--json", "-n", "50"]));
    let ids: BTreeSet<&str> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let files = std::fs::read_dir(fx.path("quizzes"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(ids.len(), files, "{ids:?}");
}
