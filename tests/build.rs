//! `supportbook build` end to end on fixture handbooks, and compatibility
//! with a plain mdBook build through the `mdbook-supportbook` preprocessor.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, main_of};
use std::collections::BTreeMap;
use std::path::Path;

fn build(fx: &Fixture) -> common::Output {
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    out
}

#[test]
fn builds_training_pages_articles_and_kb_index() {
    let fx = Fixture::new("base");
    let out = build(&fx);
    assert!(
        out.stderr
            .starts_with("note: not a git repository: pages show no last-changed dates and there is no what's-new page\nbuilt 11 pages (2 articles) with 0 warnings in "),
        "{}",
        out.stderr
    );
    for page in [
        "index.html",
        "training/listening.html",
        "kb/index.html",
        "kb/products/dns.html",
        "kb/products/email.html",
        "kb/tags/index.html",
        "kb/tags/propagation.html",
        "kb/dns-propagation.html",
        "kb/mail-bounces.html",
        "toc.html",
    ] {
        assert!(fx.path("book").join(page).is_file(), "missing {page}");
    }

    // mdBook's offline search index (over the training track and KB index pages).
    let search_index = std::fs::read_dir(fx.path("book"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("searchindex"));
    assert!(search_index);

    let article = fx.read("book/kb/mail-bounces.html");
    let main = main_of(&article);
    // Front matter never shows; the header does.
    assert!(
        !main.contains("review-every") && !main.contains("---"),
        "{main}"
    );
    assert!(
        main.contains("<h1 class=\"sb-article-title\">Outgoing mail bounces with 550 5.7.1</h1>")
    );
    assert!(
        main.contains("<a class=\"sb-chip sb-product\" href=\"products/email.html\">email</a>")
    );
    assert!(main.contains(
        "<a href=\"dns-propagation.html\">Domain still shows the old site after a DNS change</a>"
    ));
    assert!(main.contains("<dt>Owner</dt><dd>Tomás</dd>"));
    // Links between articles point at where the pages are served.
    assert!(
        main.contains("<a href=\"dns-propagation.html\">DNS</a>"),
        "{main}"
    );
    assert!(main.contains("<h2 id=\"what-to-tell-the-customer\"><a class=\"header\" href=\"#what-to-tell-the-customer\">"));
    // Same theme as mdBook's pages: the sidebar script, the search box, the stylesheet.
    assert!(
        article.contains("<title>Outgoing mail bounces with 550 5.7.1 - Fixture Handbook</title>")
    );
    assert!(
        article.contains("toc-") || article.contains("toc.js"),
        "no sidebar script"
    );
    assert!(article.contains("id=\"mdbook-searchbar\"") || article.contains("searchbar"));
    assert!(article.contains("supportbook.css"));

    let training = fx.read("book/training/listening.html");
    assert!(
        main_of(&training).contains("href=\"../kb/mail-bounces.html#what-to-tell-the-customer\"")
    );
    let product = main_of(&std::fs::read_to_string(fx.path("book/kb/products/dns.html")).unwrap())
        .to_string();
    assert!(product.contains("<a href=\"../dns-propagation.html\">Domain still shows the old site after a DNS change</a>"), "{product}");
    // The sidebar lists the KB index pages, not the articles.
    let toc = fx.read("book/toc.html");
    assert!(toc.contains("kb/products/dns.html") && !toc.contains("kb/mail-bounces.html"));
}

#[test]
fn overdue_article_gets_a_badge_and_html_in_fields_is_escaped() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/dns/old.md",
        "+++\ntitle = \"<script>alert(1)</script> & co\"\nowner = \"<b>x</b>\"\nreviewed = 2025-01-10\nreview-every = 180\n+++\n\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n",
    );
    build(&fx);
    let html = fx.read("book/kb/old.html");
    let main = main_of(&html);
    assert!(main.contains("<span class=\"sb-badge sb-needs-review\" title=\"Review was due on 2025-07-09\">needs review</span>"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(main.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(main.contains("<dd>&lt;b&gt;x&lt;/b&gt;</dd>"));
    let overview = fx.read("book/kb/index.html");
    assert!(main_of(&overview).contains("needs-review"));
}

#[test]
fn rebuild_writes_only_what_changed() {
    let fx = Fixture::new("base");
    build(&fx);
    let out = build(&fx);
    assert!(
        out.stderr
            .contains("(0 article pages written, 2 unchanged;"),
        "{}",
        out.stderr
    );

    let p = "content/kb/dns/dns-propagation.md";
    fx.write(
        p,
        fx.read(p)
            .replace("Resolvers cache records", "Resolvers keep records"),
    );
    let out = build(&fx);
    assert!(
        out.stderr.contains("(1 article page written, 1 unchanged;"),
        "{}",
        out.stderr
    );
    assert!(
        fx.read("book/kb/dns-propagation.html")
            .contains("Resolvers keep records")
    );

    // A removed article's page goes away; files we did not write stay.
    fx.write("book/extra.txt", "mine");
    fx.remove("content/kb/email/mail-bounces.md");
    let p = "content/kb/dns/dns-propagation.md";
    fx.write(
        p,
        fx.read(p)
            .replace("related = [\"mail-bounces\"]", "related = []"),
    );
    fx.write(
        "content/training/listening.md",
        "# Listening\n\nAcknowledge before you solve.\n",
    );
    build(&fx);
    assert!(!fx.path("book/kb/mail-bounces.html").exists());
    assert!(!fx.path("book/kb/products/email.html").exists());
    assert_eq!(fx.read("book/extra.txt"), "mine");
}

#[test]
fn refuses_destinations_that_would_overwrite_sources() {
    let fx = Fixture::new("base");
    let before = fx.snapshot("content");
    for dest in ["content/site", ".", "..", "templates"] {
        let out = fx.run(&["build", "--dest", dest]);
        assert_eq!(out.code, 1, "{dest}: {}", out.stderr);
        assert!(
            out.stderr
                .starts_with(&format!("error: refusing to build into {dest}: ")),
            "{}",
            out.stderr
        );
    }
    assert_eq!(fx.snapshot("content"), before);
    let out = fx.run(&["build", "--dest", "site"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fx.path("site/kb/mail-bounces.html").is_file());
}

#[test]
fn project_templates_override_builtin_ones() {
    let fx = Fixture::new("base");
    fx.write(
        "templates/article.hbs",
        "<div class=\"custom\">{{title}} owned by {{owner}}</div>\n",
    );
    build(&fx);
    let html = fx.read("book/kb/mail-bounces.html");
    assert!(main_of(&html).starts_with(
        "<div class=\"custom\">Outgoing mail bounces with 550 5.7.1 owned by Tomás</div>"
    ));
    // Other templates keep their built-in text.
    assert!(fx.read("book/kb/index.html").contains("By product"));
}

#[test]
fn broken_template_is_a_diagnostic() {
    let fx = Fixture::new("base");
    fx.write(
        "templates/kb-list.hbs",
        "<ul>\n{{#each articles}}<li>{{title}}</li>\n</ul>\n",
    );
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("error: invalid template: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--> templates/kb-list.hbs:"),
        "{}",
        out.stderr
    );
    assert!(!fx.path("book").exists());
}

fn mdbook_build_with_preprocessor(root: &Path) {
    // `mdbook build` with mdbook-supportbook as the command of
    // [preprocessor.supportbook]: mdBook runs it through its protocol.
    let toml_path = root.join("book.toml");
    let text = std::fs::read_to_string(&toml_path).unwrap();
    let exe = env!("CARGO_BIN_EXE_mdbook-supportbook");
    let text = text.replace(
        "[preprocessor.supportbook]\n",
        &format!("[preprocessor.supportbook]\ncommand = {exe:?}\n"),
    );
    std::fs::write(&toml_path, text).unwrap();
    let book = mdbook_driver::MDBook::load(root).unwrap();
    // SAFETY-free: the preprocessor reads the date from the environment.
    book.build().unwrap();
}

fn normalize(html: &str) -> String {
    html.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("> <", "><")
}

#[test]
fn mdbook_build_with_the_preprocessor_gives_the_same_pages() {
    let fx = Fixture::new("base");
    build(&fx);
    let ours_training = fx.read("book/training/listening.html");
    let ours_article = fx.read("book/kb/mail-bounces.html");
    let ours_product = fx.read("book/kb/products/dns.html");
    std::fs::remove_dir_all(fx.path("book")).unwrap();

    mdbook_build_with_preprocessor(fx.root());
    let theirs_training = fx.read("book/training/listening.html");
    let theirs_article = fx.read("book/kb/mail-bounces.html");
    assert_eq!(main_of(&theirs_training), main_of(&ours_training));
    assert_eq!(
        normalize(main_of(&theirs_article)),
        normalize(main_of(&ours_article))
    );
    assert_eq!(
        main_of(&fx.read("book/kb/products/dns.html")),
        main_of(&ours_product)
    );
    // In a plain mdBook build the articles are chapters of the sidebar.
    assert!(fx.read("book/toc.html").contains("kb/mail-bounces.html"));
}

#[test]
fn preprocessor_protocol() {
    let exe = env!("CARGO_BIN_EXE_mdbook-supportbook");
    let fx = Fixture::new("base");
    let status = common::command(exe, fx.root())
        .args(["supports", "html"])
        .status()
        .unwrap();
    assert!(status.success());
    let status = common::command(exe, fx.root())
        .args(["supports", "pdf"])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

/// Every file under `dir`, by its `/`-separated path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Panics listing every difference between two output trees: the files only
/// one has, and the first differing line of each file both have.
fn assert_same_tree(
    ours: &BTreeMap<String, Vec<u8>>,
    theirs: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    let clip = |s: &str| s.chars().take(160).collect::<String>();
    let mut diffs = Vec::new();
    for (path, bytes) in ours {
        match theirs.get(path) {
            None => diffs.push(format!("only in supportbook's: {path}")),
            Some(t) if t != bytes => {
                let (a, b) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(t));
                let at = a
                    .lines()
                    .zip(b.lines())
                    .enumerate()
                    .find(|(_, (x, y))| x != y);
                diffs.push(match at {
                    Some((i, (x, y))) => format!(
                        "{path} line {}:\n  supportbook: {}\n  {what}: {}",
                        i + 1,
                        clip(x),
                        clip(y)
                    ),
                    None => format!("{path}: {} bytes, {what}: {}", bytes.len(), t.len()),
                });
            }
            Some(_) => {}
        }
    }
    for path in theirs.keys().filter(|p| !ours.contains_key(*p)) {
        diffs.push(format!("only in {what}'s: {path}"));
    }
    assert!(
        diffs.is_empty(),
        "`supportbook build` and {what} differ:\n{}",
        diffs.join("\n")
    );
}

/// Builds the plain mdBook book in `fx` with `supportbook build`, then as
/// `mdbook build` does (mdBook's driver, in this process), and asserts the
/// two HTML trees under `html` hold the same files with the same bytes.
/// With `SUPPORTBOOK_MDBOOK=/path/to/mdbook` (a 0.5.4 binary) the tree is
/// compared with that program's too. Returns the tree.
fn builds_like_mdbook(fx: &Fixture, html: &str) -> BTreeMap<String, Vec<u8>> {
    build(fx);
    let ours = tree(&fx.path(html));
    assert!(ours.len() > 30, "{html}: {:?}", ours.keys());
    std::fs::remove_dir_all(fx.path("book")).unwrap();
    mdbook_driver::MDBook::load(fx.root())
        .unwrap()
        .build()
        .unwrap();
    assert_same_tree(&ours, &tree(&fx.path(html)), "mdBook");
    if let Some(mdbook) = std::env::var_os("SUPPORTBOOK_MDBOOK") {
        std::fs::remove_dir_all(fx.path("book")).unwrap();
        let out = common::command(&mdbook.to_string_lossy(), fx.root())
            .arg("build")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same_tree(&ours, &tree(&fx.path(html)), "the mdbook program");
    }
    ours
}

/// The search index's file name is a hash of its bytes, and every page
/// names it: it must be the one mdBook 0.5.4 as released (its Cargo.lock)
/// writes, recorded from `mdbook build` with that binary. A dependency that
/// changes the index (serde_json's key order, elasticlunr-rs's tokens)
/// changes it in both builds above, but not here.
fn assert_search_index(tree: &BTreeMap<String, Vec<u8>>, released_mdbook: &str) {
    let names: Vec<&String> = tree
        .keys()
        .filter(|k| k.starts_with("searchindex"))
        .collect();
    assert_eq!(
        names,
        [released_mdbook],
        "the search index differs from mdBook 0.5.4's"
    );
}

#[test]
fn plain_mdbook_book_builds_the_same_as_mdbook() {
    let fx = Fixture::new("plain");
    let site = builds_like_mdbook(&fx, "book");
    assert_search_index(&site, "searchindex-5e17221a.js");
}

/// Prefix and suffix chapters, parts, a separator, three levels of nesting,
/// a draft chapter, README.md pages, `./` links, an `{{#include}}`, hidden
/// code lines, headings with the same text twice, footnotes, a table, smart
/// punctuation and folding.
#[test]
fn mdbook_book_with_parts_drafts_and_includes_builds_the_same_as_mdbook() {
    let fx = Fixture::new("mdbook-parts");
    let site = builds_like_mdbook(&fx, "book");
    assert_search_index(&site, "searchindex-ffbb8e8e.js");
    let accounts = String::from_utf8_lossy(&site["setup/accounts.html"]).into_owned();
    assert!(accounts.contains("id=\"steps-1\""), "{accounts}");
}

/// `[output.html.search]` settings, with search turned off for a folder
/// and back on for one page in it.
#[test]
fn mdbook_book_with_search_settings_builds_the_same_as_mdbook() {
    let fx = Fixture::new("mdbook-search");
    let site = builds_like_mdbook(&fx, "book");
    assert_search_index(&site, "searchindex-fb8a5438.js");
    let index = String::from_utf8_lossy(&site["searchindex-fb8a5438.js"]).into_owned();
    assert!(
        index.contains("\"limit_results\":10")
            && !index.contains("Tier two")
            && index.contains("Indexed again"),
        "{index}"
    );
}

/// Links to missing files and anchors, and out of the book: warnings, and
/// the pages mdBook writes.
#[test]
fn mdbook_book_with_broken_links_builds_the_same_as_mdbook() {
    let fx = Fixture::new("mdbook-links");
    let site = builds_like_mdbook(&fx, "book");
    assert_search_index(&site, "searchindex-4c6ef0b7.js");
}

/// A SUMMARY.md entry whose file is missing: mdBook creates the file (a
/// page with its title); supportbook never writes into the source folder
/// and lists the entry as a draft, which is what mdBook builds when the
/// entry is written as one.
#[test]
fn mdbook_book_with_a_missing_file_builds_as_mdbook_builds_it_as_a_draft() {
    let fx = Fixture::new("mdbook-missing");
    build(&fx);
    let ours = tree(&fx.path("book"));
    assert!(!fx.path("src/later.md").exists());
    std::fs::remove_dir_all(fx.path("book")).unwrap();
    fx.write(
        "src/SUMMARY.md",
        fx.read("src/SUMMARY.md").replace("(./later.md)", "()"),
    );
    mdbook_driver::MDBook::load(fx.root())
        .unwrap()
        .build()
        .unwrap();
    assert_same_tree(&ours, &tree(&fx.path("book")), "mdBook");
    assert_search_index(&ours, "searchindex-78414d4a.js");
}

/// With a second `[output.*]` table mdBook writes the HTML to `book/html/`
/// (and the other output beside it); `supportbook build` writes the same
/// HTML there, and only the HTML.
#[test]
fn mdbook_book_with_two_outputs_gets_its_html_where_mdbook_puts_it() {
    let fx = Fixture::new("plain");
    fx.write(
        "book.toml",
        fx.read("book.toml") + "\n[output.html]\n\n[output.markdown]\n",
    );
    let site = builds_like_mdbook(&fx, "book/html");
    assert_search_index(&site, "searchindex-5e17221a.js");
}
