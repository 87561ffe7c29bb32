//! Dropping in what other tools build: books that `mdbook build` builds
//! (broken links, a SUMMARY entry with no file, links out of the book) and
//! knowledge bases written for other tools (MS Docs, Jekyll, Hugo,
//! Docusaurus front matter). What is foreign rather than wrong is a warning,
//! an error only under `--strict`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::Fixture;

/// `build` passes with `warnings` warnings and `build --strict` fails
/// without writing the site; the source folder `src` is left as it was.
fn builds_with_warnings_fails_strict(fx: &Fixture, src: &str, warnings: usize) {
    let before = fx.snapshot(src);
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    let s = if warnings == 1 { "" } else { "s" };
    assert!(
        out.stderr
            .contains(&format!(" with {warnings} warning{s} in ")),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("warning: ").count(), warnings);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    assert!(fx.path("book/index.html").is_file());
    assert_eq!(fx.snapshot(src), before, "build wrote into {src}/");

    std::fs::remove_dir_all(fx.path("book")).unwrap();
    let out = fx.run(&["build", "--strict"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.ends_with(&format!(
            "error: stopped: {warnings} error{s} in the handbook\n"
        )),
        "{}",
        out.stderr
    );
    assert!(!fx.path("book").exists(), "--strict failed but wrote book/");
}

/// Like mdBook's `markdown/basic_markdown` and `print/relative_links`: links
/// to pages and files that are not there, a stale anchor, links out of the
/// book, and `.html` links to chapters (which are fine).
#[test]
fn mdbook_book_with_broken_links_builds_with_warnings() {
    let fx = Fixture::new("mdbook-links");
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "\
warning: link `../first/nested.md#gone`: the page has no heading with the id `gone`
 --> src/second/links.md:5:20
  |
5 | - [a stale anchor](../first/nested.md#gone)
  |                    ^^^^^^^^^^^^^^^^^^^^^^^
  = help: anchors are heading texts in lowercase with spaces as `-`, e.g. `#what-to-tell-the-customer`

warning: link `../../other/book.html` points outside the source folder
 --> src/second/links.md:6:21
  |
6 | - [out of the book](../../other/book.html)
  |                     ^^^^^^^^^^^^^^^^^^^^^

warning: link `../first/missing.md` points to a file that does not exist
 --> src/second/links.md:7:26
  |
7 | - [a page never written](../first/missing.md)
  |                          ^^^^^^^^^^^^^^^^^^^

warning: link `../first/missing.html#top` points to a file that does not exist
 --> src/second/links.md:8:32
  |
8 | - [an HTML page never written](../first/missing.html#top)
  |                                ^^^^^^^^^^^^^^^^^^^^^^^^^

warning: link `../images/picture.png` points to a file that does not exist
  --> src/second/links.md:12:27
   |
12 | ![a picture never copied](../images/picture.png)
   |                           ^^^^^^^^^^^^^^^^^^^^^

checked 3 pages and 0 articles: 0 errors, 5 warnings
"
    );
    assert_eq!(out.code, 0);
    let out = fx.run(&["check", "--strict"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.ends_with("checked 3 pages and 0 articles: 5 errors, 0 warnings\nerror: stopped: 5 errors in the handbook\n"), "{}", out.stderr);

    builds_with_warnings_fails_strict(&fx, "src", 5);
    assert_eq!(fx.run(&["build"]).code, 0);
    let page = fx.read("book/second/links.html");
    assert!(page.contains("href=\"../first/nested.html\""), "{page}");
    assert!(page.contains("href=\"../first/missing.html\""), "{page}");
}

/// Like mdBook's `build/create_missing`: SUMMARY.md lists a file that does
/// not exist. mdBook creates it; supportbook says what is missing, never
/// creates it, and lists the entry as a draft chapter.
#[test]
fn mdbook_book_with_a_missing_summary_entry_builds_with_a_warning() {
    let fx = Fixture::new("mdbook-missing");
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "\
warning: SUMMARY.md entry `./later.md` points to a file that does not exist; it is shown as a draft (no page)
 --> src/SUMMARY.md:4:21
  |
4 | - [Not yet written](./later.md)
  |                     ^^^^^^^^^^
  = help: create the file, or remove the entry (supportbook never creates files in the source folder)

checked 1 page and 0 articles: 0 errors, 1 warning
"
    );
    assert_eq!(out.code, 0);

    builds_with_warnings_fails_strict(&fx, "src", 1);
    assert!(!fx.path("src/later.md").exists());
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!fx.path("book/later.html").exists());
    let toc = fx.read("book/toc.html");
    assert!(toc.contains("Not yet written"), "{toc}");
    assert!(fx.path("book/written.html").is_file());
}

/// A KB written for another tool, dropped into content/kb/: YAML front
/// matter with MS Docs keys, `audience: ITPro` and `Admin`, a dotted file
/// name, an apostrophe and spaces in a file name, the same file name in two
/// folders, a link to an `includes/` folder that was not copied and a stale
/// anchor. All warnings, each foreign key and value once with a count.
#[test]
fn foreign_kb_checks_with_warnings_once_each() {
    let fx = Fixture::new("dropin");
    let before = fx.snapshot("content");
    let out = fx.run(&["check"]);
    assert_eq!(out.stderr, EXPECTED_DROPIN);
    assert_eq!(out.code, 0);
    assert_eq!(fx.snapshot("content"), before, "check wrote under content/");

    let out = fx.run(&["check", "--strict"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.ends_with(
            "checked 2 pages and 6 articles: 13 errors, 0 warnings\nerror: stopped: 13 errors in the handbook\n"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(
        "error: `audience` has a value supportbook does not know, \"ITPro\", in 3 articles"
    ));
}

/// `supportbook search --json QUERY`: (id, url) of each hit.
fn hits(fx: &Fixture, query: &str) -> Vec<(String, String)> {
    common::hits(fx, &["--archived", query])
}

/// The foreign KB builds, its pages are served under the normalised and
/// disambiguated ids, and search finds them there.
#[test]
fn foreign_kb_builds_under_normalised_ids() {
    let fx = Fixture::new("dropin");
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(" with 13 warnings in "),
        "{}",
        out.stderr
    );
    for page in [
        "setup-error-if-net-framework-4-6-is-installed",
        "can-t-sign-in-after-a-password-reset",
        "sharepoint-setup",
        "teams-setup",
    ] {
        assert!(
            fx.path(&format!("book/kb/{page}.html")).is_file(),
            "no page {page}"
        );
    }
    assert!(!fx.path("book/kb/setup.html").exists());
    let setup = fx.read("book/kb/teams-setup.html");
    assert!(setup.contains("Set up teams for a new team"));

    assert_eq!(
        hits(&fx, "password is incorrect after a reset").first(),
        Some(&(
            "can-t-sign-in-after-a-password-reset".to_string(),
            "kb/can-t-sign-in-after-a-password-reset.html".to_string()
        ))
    );
    assert_eq!(
        hits(&fx, "requires Microsoft .NET Framework 4.5")
            .first()
            .map(|h| h.0.as_str()),
        Some(
            supportbook::pipeline::validate::id_from_stem(
                "setup-error-if-.net-framework-4.6-is-installed"
            )
            .as_str()
        )
    );
}

/// An explicit `id` that is not valid is the author's own mistake: an error.
#[test]
fn an_invalid_explicit_id_stays_an_error() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/dns/glue.md",
        "+++\nid = \"Glue Records\"\ntitle = \"Glue records\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "\
error: `Glue Records` is not a valid article id
 --> content/kb/dns/glue.md:2:6
  |
2 | id = \"Glue Records\"
  |      ^^^^^^^^^^^^^^
  = help: use lowercase letters, digits, `-` and `_` (e.g. `glue-records`); without an `id`, the file name gives one

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
"
    );
}

/// Two names that normalise to one id in one folder: the name that is the
/// id as it is keeps it; the other is numbered.
#[test]
fn names_normalising_to_one_id_are_numbered() {
    let fx = Fixture::new("base");
    let art = "+++\ntitle = \"T\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n";
    fx.write("content/kb/dns/tls-1.2.md", art);
    fx.write("content/kb/dns/tls-1-2.md", art);
    fx.write("content/kb/dns/TLS 1.2.md", art);
    let out = fx.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = common::json(&out);
    let collision = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "id-collision")
        .unwrap();
    assert_eq!(
        collision["notes"],
        serde_json::json!([
            "content/kb/dns/TLS 1.2.md: `tls-1-2` -> `dns-tls-1-2`",
            "content/kb/dns/tls-1.2.md: `tls-1-2` -> `dns-tls-1-2-2`"
        ])
    );
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for page in ["tls-1-2", "dns-tls-1-2", "dns-tls-1-2-2"] {
        assert!(
            fx.path(&format!("book/kb/{page}.html")).is_file(),
            "no page {page}"
        );
    }
}

/// An article whose front matter has errors is reported (exit 1), and still
/// indexed with what could be read, so search finds it.
#[test]
fn article_with_a_bad_front_matter_value_is_still_found() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/dns/glue.md",
        "+++\ntitle = \"Nameserver glue records are missing\"\nsymptoms = [\"lame delegation for the zone\"]\nreviewed = \"last week\"\nreview-every = \"often\"\n+++\n\n## Symptoms\n\nThe registrar shows no glue for ns1.\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("error: `reviewed` is not a calendar date: `last week`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error: `review-every` must be a whole number of days"),
        "{}",
        out.stderr
    );
    // Every problem at once: its missing sections too.
    assert!(
        out.stderr
            .contains("warning: article has no \"Cause\", \"Resolution\", \"What to tell the customer\" section"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.ends_with("checked 2 pages and 3 articles: 2 errors, 1 warning\nerror: stopped: 2 errors in the handbook\n"), "{}", out.stderr);

    let out = fx.run(&["search", "--json", "lame delegation"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("content/kb/dns/glue.md has errors; indexed what could be read"),
        "{}",
        out.stderr
    );
    let v = common::json(&out);
    assert_eq!(v["hits"][0]["id"], "glue");
    assert_eq!(v["hits"][0]["title"], "Nameserver glue records are missing");
    // Marked as such, in JSON and on the terminal; articles without errors are not.
    assert_eq!(v["hits"][0]["problems"], true);
    let v = common::json(&fx.run(&["search", "--json", "relaying denied"]));
    assert_eq!(v["hits"][0]["problems"], false);
    let out = fx.run(&["search", "lame delegation"]);
    assert!(
        out.stdout.contains("[has errors: see `supportbook check`]"),
        "{}",
        out.stdout
    );
}

const EXPECTED_DROPIN: &str = r#"warning: 2 file names are not valid article ids; each article's id is made from its name
 --> content/kb/office/online/can't sign in after a password reset.md
  = note: content/kb/office/online/can't sign in after a password reset.md: `can't sign in after a password reset` -> `can-t-sign-in-after-a-password-reset`
  = note: content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md: `setup-error-if-.net-framework-4.6-is-installed` -> `setup-error-if-net-framework-4-6-is-installed`
  = help: ids are lowercase letters, digits, `-` and `_`; rename the file or give it an `id` to choose the id yourself

warning: unknown front-matter key `author` in 2 articles (kept in the files, not used)
 --> content/kb/office/online/can't sign in after a password reset.md:3:1
  |
3 | author: b-writer
  | ^^^^^^
  = note: also in content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: `audience` has a value supportbook does not know, "Admin" (kept in the file; the article is treated as internal)
 --> content/kb/office/online/can't sign in after a password reset.md:4:11
  |
4 | audience: Admin
  |           ^^^^^
  = help: supportbook's values are: internal, customer; write one of them to choose

warning: unknown front-matter key `ms.topic` in 2 articles (kept in the files, not used)
 --> content/kb/office/online/can't sign in after a password reset.md:5:1
  |
5 | ms.topic: troubleshooting
  | ^^^^^^^^
  = note: also in content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: unknown front-matter key `ms.author` in 2 articles (kept in the files, not used)
 --> content/kb/office/online/can't sign in after a password reset.md:6:1
  |
6 | ms.author: bwriter
  | ^^^^^^^^^
  = note: also in content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: unknown front-matter key `ms.date` in 4 articles (kept in the files, not used)
 --> content/kb/office/online/can't sign in after a password reset.md:7:1
  |
7 | ms.date: 11/02/2023
  | ^^^^^^^
  = note: also in content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md and 2 more
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: unknown front-matter key `manager` (kept in the file, not used)
 --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:4:1
  |
4 | manager: a-manager
  | ^^^^^^^
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: `audience` has a value supportbook does not know, "ITPro", in 3 articles (kept in the files; they are treated as internal)
 --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:5:11
  |
5 | audience: ITPro
  |           ^^^^^
  = note: also in content/kb/sharepoint/setup.md and 1 more
  = help: supportbook's values are: internal, customer; write one of them to choose

warning: unknown front-matter key `ms.custom` (kept in the file, not used)
 --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:9:1
  |
9 | ms.custom:
  | ^^^^^^^^^
  = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: unknown front-matter key `appliesto` (kept in the file, not used)
  --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:11:1
   |
11 | appliesto:
   | ^^^^^^^^^
   = help: supportbook reads: id, title, summary, symptoms, products, tags, audience, state, owner, reviewed, review-every, related

warning: link `../../includes/framework-note.md` points to a file that does not exist
  --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:27:53
   |
27 | Install the cumulative update first; see [the note](../../includes/framework-note.md)
   |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

warning: link `#steps-that-were-renamed`: the page has no heading with the id `steps-that-were-renamed`
  --> content/kb/office/server/setup-error-if-.net-framework-4.6-is-installed.md:28:17
   |
28 | and [the steps](#steps-that-were-renamed).
   |                 ^^^^^^^^^^^^^^^^^^^^^^^^
   = help: anchors are heading texts in lowercase with spaces as `-`, e.g. `#what-to-tell-the-customer`

warning: 2 articles would share an id made from their file names; each gets its folder in front
 --> content/kb/sharepoint/setup.md
  = note: content/kb/sharepoint/setup.md: `setup` -> `sharepoint-setup`
  = note: content/kb/teams/setup.md: `setup` -> `teams-setup`
  = help: to choose the ids yourself, give the articles an `id` in their front matter

checked 2 pages and 6 articles: 0 errors, 13 warnings
"#;

/// The dev corpus (877 real MS Docs support articles, kept outside the
/// repository: see its README) copied into a fresh `init` builds with 0
/// errors; `check --strict` reports its foreign values and broken links.
#[test]
fn dev_corpus_builds_from_a_fresh_init() {
    let Some(corpus) = common::dev_corpus() else {
        return;
    };
    let corpus = corpus.join("kb");
    let tmp = tempfile::tempdir().unwrap();
    let out = common::run_in(tmp.path(), &["init", "od"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = tmp.path().join("od");
    common::copy_dir(&corpus, &root.join("content/kb/office"));

    let out = common::run_in(&root, &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(last.contains("and 878 articles: 0 errors, "), "{last}");
    // Each foreign key and value once, not once per article.
    assert_eq!(
        out.stderr
            .matches("unknown front-matter key `ms.date`")
            .count(),
        1
    );
    assert!(out.stderr.contains(
        "warning: `audience` has a value supportbook does not know, \"ITPro\", in 766 articles"
    ));

    let out = common::run_in(&root, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        root.join("book/kb/setup-error-if-net-framework-4-6-is-installed.html")
            .is_file()
    );

    let out = common::run_in(&root, &["check", "--strict"]);
    assert_eq!(out.code, 1);
    for expected in [
        "error: `audience` has a value supportbook does not know, \"ITPro\", in 766 articles",
        "error: `audience` has a value supportbook does not know, \"Admin\", in 109 articles",
        "error: unknown front-matter key `ms.author` in ",
        "error: link `../../../includes/",
        "points to a file that does not exist",
        "the page has no heading with the id",
        "error: 12 file names are not valid article ids",
    ] {
        assert!(
            out.stderr.contains(expected),
            "no {expected:?} in:\n{}",
            out.stderr
        );
    }
}
