//! `supportbook import`: a Zendesk export and a Markdown tree imported into
//! a fixture handbook with the real binary; a second import that changes
//! nothing; an upstream change updated; a team edit never overwritten;
//! destinations outside the KB folder refused; the 877-article corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, copy_dir};
use std::path::{Path, PathBuf};

fn fixture_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The base handbook with `tests/fixtures/<name>` copied to `upstream/`
/// (outside the source folder, so a test can change it).
fn with_upstream(name: &str) -> Fixture {
    let fx = Fixture::new("base");
    copy_dir(&fixture_src(name), &fx.path("upstream"));
    fx
}

fn front_matter(text: &str) -> toml::Table {
    let rest = text.strip_prefix("+++\n").expect("TOML front matter");
    let (fm, _) = rest.split_once("\n+++\n").expect("closing +++");
    fm.parse().unwrap()
}

fn body(text: &str) -> &str {
    text.strip_prefix("+++\n")
        .and_then(|r| r.split_once("\n+++\n"))
        .map(|(_, b)| b)
        .unwrap()
}

fn strings(v: &toml::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn import_zendesk_export_with_tags_products_state_and_body() {
    let fx = with_upstream("import-zendesk");
    let out = fx.run(&["import", "upstream/help-center.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "added         content/kb/help-center/invoice-shows-the-wrong-vat.md\n\
         added         content/kb/help-center/old-control-panel-login.md\n\
         added         content/kb/help-center/outgoing-mail-rejected-with-550-5-7-1.md\n\
         added         content/kb/help-center/reset-your-mailbox-password.md\n"
    );
    assert!(
        out.stderr.starts_with(
            "import of Zendesk export upstream/help-center.json into content/kb/help-center: 4 added, 0 changed, 0 unchanged in "
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("(record in imports/help-center.tsv)\n")
    );

    let reset = fx.read("content/kb/help-center/reset-your-mailbox-password.md");
    let fm = front_matter(&reset);
    assert_eq!(fm["title"].as_str(), Some("Reset your mailbox password"));
    assert_eq!(strings(&fm["tags"]), ["password", "mailbox-login"]);
    assert_eq!(strings(&fm["products"]), ["hosting", "email"]);
    assert_eq!(fm["state"].as_str(), Some("validated"));
    assert_eq!(fm["owner"].as_str(), Some("Priya Raman"));
    assert_eq!(fm["reviewed"].to_string(), "2024-05-01");
    assert_eq!(fm["zendesk-id"].as_integer(), Some(360001001));
    let b = body(&reset);
    for expected in [
        "When a customer cannot sign in to webmail",
        "## Steps",
        "1. Open **Mail** > *Mailboxes*.",
        "2. Choose the mailbox and click [Reset password](https://acme.example/help/reset).",
        "```\nopenssl s_client -connect mail.example.com:993\n```",
        "- IMAP: port 993\n- SMTP: port 587",
        // A link to another article of the export points at its file.
        "[Outgoing mail rejected](outgoing-mail-rejected-with-550-5-7-1.md)",
        // A relative image is resolved against the article's URL.
        "(<https://acme.zendesk.com/hc/article_attachments/555/reset button.png>)",
    ] {
        assert!(b.contains(expected), "missing {expected:?} in:\n{b}");
    }

    let draft =
        front_matter(&fx.read("content/kb/help-center/outgoing-mail-rejected-with-550-5-7-1.md"));
    assert_eq!(draft["state"].as_str(), Some("draft"));
    // HTML in a title or a user name is reduced to its text.
    assert_eq!(
        draft["title"].as_str(),
        Some("Outgoing mail rejected with 550 5.7.1")
    );
    assert_eq!(draft["owner"].as_str(), Some("Tom Berger"));
    let outdated = front_matter(&fx.read("content/kb/help-center/old-control-panel-login.md"));
    assert_eq!(outdated["state"].as_str(), Some("archived"));
    assert_eq!(
        strings(&outdated["products"]),
        ["account", "billing-accounts"]
    );

    // Hostile content: no script, no javascript: link, in the file or the site.
    let vat = fx.read("content/kb/help-center/invoice-shows-the-wrong-vat.md");
    assert_eq!(
        front_matter(&vat)["title"].as_str(),
        Some("Invoice shows the wrong VAT")
    );
    assert!(
        !vat.contains("alert('body')") && !vat.contains("javascript"),
        "{vat}"
    );
    assert!(!vat.contains("onerror"), "{vat}");
    assert!(
        vat.contains("Open the billing page and correct it."),
        "{vat}"
    );

    let check = fx.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("checked 2 pages and 6 articles: 0 errors,"),
        "{}",
        check.stderr
    );
    let build = fx.run(&["build"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let page =
        std::fs::read_to_string(fx.path("book/kb/invoice-shows-the-wrong-vat.html")).unwrap();
    let main = common::main_of(&page);
    assert!(!main.contains("<script"), "{main}");
    assert!(!main.contains("javascript:"), "{main}");
    assert!(main.contains("&lt;script&gt;tags&lt;/script&gt;"), "{main}");
}

#[test]
fn import_markdown_tree_maps_keys_keeps_the_rest_and_the_body() {
    let fx = with_upstream("import-markdown");
    let out = fx.run(&["import", "upstream", "--into", "content/kb/legacy"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "added         content/kb/legacy/billing/media/invoice.pdf\n\
         added         content/kb/legacy/billing/media/zone editor.png\n\
         added         content/kb/legacy/billing/refund.md\n\
         added         content/kb/legacy/email/mx-records.md\n\
         added         content/kb/legacy/no-front-matter.md\n"
    );
    // Files the articles do not link to are not copied.
    assert!(
        !fx.path("content/kb/legacy/billing/media/unused.png")
            .exists()
    );

    let src = std::fs::read_to_string(fx.path("upstream/email/mx-records.md")).unwrap();
    let mx = fx.read("content/kb/legacy/email/mx-records.md");
    assert_eq!(
        mx.split_once("\n+++\n").unwrap().0,
        "+++\n\
         title = \"Mail does not arrive after a domain move\"\n\
         summary = \"The MX records still point at the old provider.\"\n\
         owner = \"support-writer\"\n\
         \"ms.author\" = \"jdoe\"\n\
         reviewed = 2024-08-21\n\
         tags = [\"mx\", \"dns\", \"moved domain\"]\n\
         products = [\"Email\"]\n\
         \"ms.custom\" = \"sap:Mail flow\"\n\
         audience = \"ITPro\""
    );
    // The body is kept byte for byte.
    let src_body = src.splitn(3, "---\n").nth(2).unwrap();
    assert_eq!(body(&mx), src_body);
    let refund = front_matter(&fx.read("content/kb/legacy/billing/refund.md"));
    assert_eq!(refund["reviewed"].to_string(), "2024-02-03");
    assert_eq!(refund["custom_field"]["nested"].as_bool(), Some(true));
    assert_eq!(
        fx.read("content/kb/legacy/no-front-matter.md"),
        std::fs::read_to_string(fx.path("upstream/no-front-matter.md")).unwrap()
    );
    assert_eq!(
        std::fs::read(fx.path("content/kb/legacy/billing/media/zone editor.png")).unwrap(),
        std::fs::read(fx.path("upstream/billing/media/zone editor.png")).unwrap()
    );
}

#[test]
fn import_mapping_table_from_book_toml() {
    let fx = with_upstream("import-markdown");
    let book = fx.read("book.toml");
    fx.write(
        "book.toml",
        format!("{book}\n[preprocessor.supportbook.import.map]\n\"ms.custom\" = \"tags\"\nauthor = \"author\"\n"),
    );
    let out = fx.run(&["import", "upstream", "--into", "content/kb/legacy"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mx = front_matter(&fx.read("content/kb/legacy/email/mx-records.md"));
    // author is kept as is; ms.author then takes owner; keywords came first for tags.
    assert_eq!(mx["author"].as_str(), Some("support-writer"));
    assert_eq!(mx["owner"].as_str(), Some("jdoe"));
    assert_eq!(strings(&mx["tags"]), ["mx", "dns", "moved domain"]);
    assert_eq!(mx["ms.custom"].as_str(), Some("sap:Mail flow"));
    // The table is a known key for check.
    let check = fx.run(&["check"]);
    assert!(!check.stderr.contains("--> book.toml"), "{}", check.stderr);
}

#[test]
fn import_twice_changes_nothing_the_second_time() {
    for (src, into) in [
        ("import-zendesk", "upstream/help-center.json"),
        ("import-markdown", "upstream"),
    ] {
        let fx = with_upstream(src);
        let first = fx.run(&["import", into, "--into", "content/kb/imported"]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        let before = fx.snapshot(".");
        let second = fx.run(&["import", into, "--into", "content/kb/imported"]);
        assert_eq!(second.code, 0, "{}", second.stderr);
        assert_eq!(second.stdout, "", "{src}");
        assert!(
            second.stderr.contains(": 0 added, 0 changed, ")
                && second.stderr.contains(" unchanged in ")
                && second.stderr.ends_with("(nothing to update)\n"),
            "{}",
            second.stderr
        );
        assert_eq!(fx.snapshot("."), before, "{src}: the second import wrote");
    }
}

#[test]
fn import_updates_upstream_changes_and_never_overwrites_an_edit() {
    let fx = with_upstream("import-markdown");
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "upstream", "--into", "content/kb/legacy"];
        args.extend_from_slice(extra);
        fx.run(&args)
    };
    assert_eq!(run(&[]).code, 0);

    // Upstream changes one article: the import updates it.
    let up = fx.read("upstream/billing/refund.md");
    fx.write(
        "upstream/billing/refund.md",
        up.replace("second charge", "duplicate charge"),
    );
    let out = run(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "changed       content/kb/legacy/billing/refund.md\n"
    );
    assert!(
        out.stderr.contains(": 0 added, 1 changed, 4 unchanged in "),
        "{}",
        out.stderr
    );
    assert!(
        fx.read("content/kb/legacy/billing/refund.md")
            .contains("duplicate charge")
    );

    // The team edits the imported copy, upstream changes it again, and a new
    // article appears upstream: the import stops before writing anything.
    let edited = fx
        .read("content/kb/legacy/email/mx-records.md")
        .replace("Customers say", "Customers often say");
    fx.write("content/kb/legacy/email/mx-records.md", &edited);
    let up = fx.read("upstream/email/mx-records.md");
    fx.write(
        "upstream/email/mx-records.md",
        up.replace("# Mail", "# E-mail"),
    );
    fx.write("upstream/new.md", "---\ntitle: New\n---\nnew\n");
    let before = fx.snapshot(".");
    for dry in [true, false] {
        let out = run(if dry { &["--dry-run"] } else { &[] });
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(
                "error: content/kb/legacy/email/mx-records.md: edited since the last import\n"
            ),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.ends_with(
                "error: 1 file in content/kb/legacy would be overwritten (listed above); nothing was written\n"
            ),
            "{}",
            out.stderr
        );
        assert_eq!(fx.snapshot("."), before);
    }
    assert_eq!(fx.read("content/kb/legacy/email/mx-records.md"), edited);

    // Moving the edit away lets the import go on; a deleted file stays deleted.
    fx.remove("content/kb/legacy/email/mx-records.md");
    let out = run(&["--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "added         content/kb/legacy/new.md\ndeleted-here  content/kb/legacy/email/mx-records.md\n"
    );
    assert!(
        out.stderr.contains("dry run, nothing written"),
        "{}",
        out.stderr
    );
    assert!(!fx.path("content/kb/legacy/new.md").exists());
    let out = run(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fx.path("content/kb/legacy/new.md").is_file());
    assert!(!fx.path("content/kb/legacy/email/mx-records.md").exists());
}

#[test]
fn import_into_outside_the_kb_folder_is_refused() {
    let fx = with_upstream("import-markdown");
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), fx.path("content/kb/link")).unwrap();
    let before = fx.snapshot(".");
    for (into, why) in [
        (
            "content/kb/../training/x",
            "content/training/x is outside the KB folder",
        ),
        ("content/kb", "content/kb is the KB folder itself"),
        ("content", "content is outside the KB folder"),
        (
            "/tmp/supportbook-import-elsewhere",
            "/tmp/supportbook-import-elsewhere is outside the KB folder",
        ),
        (
            "content/kb/link/sub",
            "content/kb/link/sub leads outside the KB folder through a symbolic link",
        ),
    ] {
        let out = fx.run(&["import", "upstream", "--into", into]);
        assert_eq!(out.code, 1, "{into}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("error: --into {why}")),
            "{into}: {}",
            out.stderr
        );
        assert!(
            out.stderr.ends_with(
                "imports go into a folder inside the KB folder content/kb (e.g. content/kb/NAME)\n"
            ),
            "{}",
            out.stderr
        );
        assert_eq!(fx.snapshot("."), before, "{into}");
    }
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(!Path::new("/tmp/supportbook-import-elsewhere").exists());
    assert!(!fx.path("imports").exists());
}

#[test]
fn import_bad_sources_are_explained() {
    let fx = Fixture::new("base");
    let out = fx.run(&["import", "nowhere"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "error: cannot import nowhere: no such file or folder\n")
    );

    fx.write(
        "export.json",
        "{\"articles\": [\n  {\"id\": 1, \"title\": \"x\",}\n]}\n",
    );
    let out = fx.run(&["import", "export.json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(
            "error: not a Zendesk article export: trailing comma\n --> export.json:2:26\n"
        ),
        "{}",
        out.stderr
    );

    fx.write("sections.json", "{\"sections\": []}\n");
    let out = fx.run(&["import", "sections.json"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("has no `articles` array"),
        "{}",
        out.stderr
    );

    fx.write("notes.txt", "hello");
    let out = fx.run(&["import", "notes.txt"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("neither a folder of Markdown files nor a Zendesk export"),
        "{}",
        out.stderr
    );
    let out = fx.run(&["import", "export.json", "--from", "markdown"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("it is a file; pass the folder"),
        "{}",
        out.stderr
    );
    assert!(!fx.path("imports").exists());
}

#[test]
fn import_the_officedocs_corpus() {
    let Some(corpus) = common::dev_corpus() else {
        return;
    };
    let corpus = corpus.join("kb");
    let fx = Fixture::new("base");
    let src = corpus.to_str().unwrap();
    let out = fx.run(&["import", src, "--into", "content/kb/office"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(": 877 added, 0 changed, 0 unchanged in "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("note:"), "{}", out.stderr);
    let files = walk(&fx.path("content/kb/office"));
    assert_eq!(files.len(), 877);
    for f in &files {
        assert!(
            fx.read(&format!("content/kb/office/{f}"))
                .starts_with("+++\n"),
            "{f}"
        );
    }
    let again = fx.run(&["import", src, "--into", "content/kb/office"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains(": 0 added, 0 changed, 877 unchanged in "),
        "{}",
        again.stderr
    );
}

fn walk(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}
