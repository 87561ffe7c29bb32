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
