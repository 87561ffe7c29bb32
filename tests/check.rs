//! `supportbook check` on the fixture handbook with one bad input each: the
//! exact diagnostic, the exit status, and proof that nothing under content/
//! was written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::Fixture;

/// Sets up a broken copy of the base fixture, runs `check`, and asserts the
/// exact stderr and exit code; content/ must be byte-for-byte unchanged.
fn check_case(setup: impl FnOnce(&Fixture), args: &[&str], code: i32, expected: &str) {
    let fx = Fixture::new("base");
    setup(&fx);
    let before = fx.snapshot("content");
    let out = fx.run(args);
    assert_eq!(
        out.stderr, expected,
        "stderr differs; stdout:\n{}",
        out.stdout
    );
    assert_eq!(out.code, code);
    assert_eq!(fx.snapshot("content"), before, "check wrote under content/");
}

/// A problem that is a warning by default and an error under `--strict`:
/// `check` passes with `warnings` on stderr (each ending in a blank line),
/// and `check --strict` fails with the same diagnostics as errors.
fn warning_then_strict_error(setup: impl Fn(&Fixture), articles: usize, warnings: &str) {
    let n = warnings.matches("\n\n").count();
    let s = if n == 1 { "" } else { "s" };
    check_case(
        &setup,
        &["check"],
        0,
        &format!("{warnings}checked 2 pages and {articles} articles: 0 errors, {n} warning{s}\n"),
    );
    let errors = warnings
        .lines()
        .map(|l| match l.strip_prefix("warning: ") {
            Some(rest) => format!("error: {rest}\n"),
            None => format!("{l}\n"),
        })
        .collect::<String>();
    check_case(
        &setup,
        &["check", "--strict"],
        1,
        &format!(
            "{errors}checked 2 pages and {articles} articles: {n} error{s}, 0 warnings\nerror: stopped: {n} error{s} in the handbook\n"
        ),
    );
}

#[test]
fn clean_fixture_passes() {
    check_case(
        |_| {},
        &["check"],
        0,
        "checked 2 pages and 2 articles: 0 errors, 0 warnings\n",
    );
}

#[test]
fn unclosed_front_matter() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/dns/unclosed.md",
                "+++\nid = \"x1\"\ntitle = \"T\"\n\n## Symptoms\n",
            )
        },
        &["check"],
        1,
        "\
error: TOML front matter opened with `+++` is never closed
 --> content/kb/dns/unclosed.md:1:1
  |
1 | +++
  | ^^^
  = help: add a line with only `+++` after the last front-matter key

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn impossible_date() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/dns/baddate.md",
                "+++\ntitle = \"T\"\nreviewed = 2026-13-45\n+++\n",
            )
        },
        &["check"],
        1,
        "\
error: invalid TOML in front matter: invalid date, expected month between 01 and 12
 --> content/kb/dns/baddate.md:3:12
  |
3 | reviewed = 2026-13-45
  |            ^^^^^^^^^^
  = help: dates are written YYYY-MM-DD, without quotes: reviewed = 2026-03-01

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn misspelled_state() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/dns/badstate.md",
                "+++\ntitle = \"T\"\nstate = \"publishd\"\n+++\n",
            )
        },
        &["check"],
        1,
        "\
error: `state` has an unknown value \"publishd\"
 --> content/kb/dns/badstate.md:3:9
  |
3 | state = \"publishd\"
  |         ^^^^^^^^^^
  = help: did you mean \"validated\"? expected one of: draft, validated, archived

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

const TYPO: &str = "+++\ntittle = \"T\"\ntitle = \"x\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n";

#[test]
fn key_typo_is_a_warning_with_did_you_mean() {
    check_case(
        |fx| fx.write("content/kb/dns/typo.md", TYPO),
        &["check"],
        0,
        "\
warning: unknown front-matter key `tittle` (kept in the file, not used)
 --> content/kb/dns/typo.md:2:1
  |
2 | tittle = \"T\"
  | ^^^^^^
  = help: did you mean `title`?

checked 2 pages and 3 articles: 0 errors, 1 warning
",
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    check_case(
        |fx| fx.write("content/kb/dns/typo.md", TYPO),
        &["check", "--strict"],
        1,
        "\
error: unknown front-matter key `tittle` (kept in the file, not used)
 --> content/kb/dns/typo.md:2:1
  |
2 | tittle = \"T\"
  | ^^^^^^
  = help: did you mean `title`?

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn duplicate_id() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/email/dup.md",
                "+++\nid = \"dns-propagation\"\ntitle = \"Dup\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n",
            )
        },
        &["check"],
        1,
        "\
error: article id `dns-propagation` is already used by content/kb/dns/dns-propagation.md
 --> content/kb/email/dup.md:2:6
  |
2 | id = \"dns-propagation\"
  |      ^^^^^^^^^^^^^^^^^
  = help: give one of them another `id`; ids name the page and must be unique

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn related_names_a_missing_id() {
    check_case(
        |fx| {
            let p = "content/kb/dns/dns-propagation.md";
            fx.write(
                p,
                fx.read(p).replace(
                    "related = [\"mail-bounces\"]",
                    "related = [\"mail-bounce\"]",
                ),
            );
        },
        &["check"],
        1,
        "\
error: `related` names `mail-bounce`, but no article has that id
  --> content/kb/dns/dns-propagation.md:10:12
   |
10 | related = [\"mail-bounce\"]
   |            ^^^^^^^^^^^^^
   = help: did you mean `mail-bounces`?

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn link_to_missing_anchor() {
    warning_then_strict_error(
        |fx| {
            let p = "content/training/listening.md";
            fx.write(p, fx.read(p).replace("#what-to-tell-the-customer", "#what-to-tell-them"));
        },
        2,
        "\
warning: link `../kb/email/mail-bounces.md#what-to-tell-them`: the page has no heading with the id `what-to-tell-them`
 --> content/training/listening.md:4:22
  |
4 | [the bounce article](../kb/email/mail-bounces.md#what-to-tell-them).
  |                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: did you mean `#what-to-tell-the-customer`?

",
    );
}

#[test]
fn link_to_missing_page() {
    warning_then_strict_error(
        |fx| {
            fx.write(
                "content/README.md",
                "# Welcome\n\nSee [gone](training/gone.md) and [listen](training/listenig.md).\n",
            )
        },
        2,
        "\
warning: link `training/gone.md` points to a file that does not exist
 --> content/README.md:3:12
  |
3 | See [gone](training/gone.md) and [listen](training/listenig.md).
  |            ^^^^^^^^^^^^^^^^

warning: link `training/listenig.md` points to a file that does not exist
 --> content/README.md:3:43
  |
3 | See [gone](training/gone.md) and [listen](training/listenig.md).
  |                                           ^^^^^^^^^^^^^^^^^^^^
  = help: did you mean `training/listening.md`?

",
    );
}

#[test]
fn broken_link_suggests_the_link_as_written_from_the_linking_file() {
    warning_then_strict_error(
        |fx| {
            let p = "content/kb/dns/dns-propagation.md";
            fx.write(
                p,
                fx.read(p).replace(
                    "## Cause\n",
                    "## Cause\n\nSee [bounces](mail-bounces.md#cause).\n",
                ),
            );
        },
        2,
        "\
warning: link `mail-bounces.md#cause` points to a file that does not exist
  --> content/kb/dns/dns-propagation.md:19:15
   |
19 | See [bounces](mail-bounces.md#cause).
   |               ^^^^^^^^^^^^^^^^^^^^^
   = help: did you mean `../email/mail-bounces.md#cause`?

",
    );
}

#[test]
fn summary_entry_outside_the_source_folder() {
    warning_then_strict_error(
        |fx| {
            let s = fx.read("content/SUMMARY.md");
            fx.write("content/SUMMARY.md", s + "- [Secrets](../../etc/passwd)\n");
        },
        2,
        "\
warning: SUMMARY.md entry `../../etc/passwd` points outside the source folder; it is shown as a draft (not read)
 --> content/SUMMARY.md:8:13
  |
8 | - [Secrets](../../etc/passwd)
  |             ^^^^^^^^^^^^^^^^
  = help: every chapter must be a file inside the source folder

",
    );
}

#[test]
fn summary_entry_pointing_nowhere() {
    warning_then_strict_error(
        |fx| {
            let s = fx.read("content/SUMMARY.md");
            fx.write("content/SUMMARY.md", s + "- [Later](training/later.md)\n");
        },
        2,
        "\
warning: SUMMARY.md entry `training/later.md` points to a file that does not exist; it is shown as a draft (no page)
 --> content/SUMMARY.md:8:11
  |
8 | - [Later](training/later.md)
  |           ^^^^^^^^^^^^^^^^^
  = help: create the file, or remove the entry (supportbook never creates files in the source folder)

",
    );
}

#[test]
fn summary_mdbook_cannot_read_is_an_error_with_its_place() {
    // Found by fuzzing: `check` passed it, and `build` failed with exit 2
    // and mdBook's message without a place.
    check_case(
        |fx| {
            let s = fx.read("content/SUMMARY.md");
            fx.write("content/SUMMARY.md", s + "\n[Credits](README.md)\n\n- [More](README.md)\n");
        },
        &["check"],
        1,
        "\
error: mdBook cannot read SUMMARY.md: Suffix chapters cannot be followed by a list
  --> content/SUMMARY.md:11:1
   |
11 | - [More](README.md)
   | ^
   = help: SUMMARY.md holds a title, prefix chapters as plain links, numbered chapters as one list per part (`# Part` headings between them), then suffix chapters as plain links; each file once

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn huge_file_is_refused() {
    check_case(
        |fx| fx.write("content/big.md", "word ".repeat(4_200_000)),
        &["check"],
        1,
        "\
error: file is 21.0 MB; the limit for a page is 10 MB
 --> content/big.md
  = help: split it into several pages, or move generated data out of the source folder

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn binary_file_named_md() {
    check_case(
        |fx| fx.write("content/kb/x.md", b"ab\x00cd\xff"),
        &["check"],
        1,
        "\
error: file looks binary (it contains a NUL byte)
 --> content/kb/x.md:1:3
  |
1 | ab
  |   ^
  = help: only Markdown text belongs in the source folder; rename or remove it

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn invalid_utf8() {
    check_case(
        |fx| {
            fx.write(
                "content/training/latin1.md",
                b"# Title\n\nok\nbad \xe9t\xe9 here\n",
            )
        },
        &["check"],
        1,
        "\
error: file is not valid UTF-8
 --> content/training/latin1.md:4:5
  |
4 | bad \u{fffd}t\u{fffd} here
  |     ^
  = help: save the file as UTF-8

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    check_case(
        |fx| {
            std::fs::create_dir_all(fx.path("content/loop")).unwrap();
            std::os::unix::fs::symlink("..", fx.path("content/loop/back")).unwrap();
        },
        &["check"],
        1,
        "\
error: symbolic link loop: this folder links back to one of its parents
 --> content/loop/back
  = help: remove the link, or move the files it points to into the folder

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_project_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "# secret\n").unwrap();
    let target = outside.path().join("secret.md");
    let shown = target.canonicalize().unwrap();
    check_case(
        move |fx| std::os::unix::fs::symlink(&target, fx.path("content/secret.md")).unwrap(),
        &["check"],
        1,
        &format!(
            "\
error: symbolic link to a file outside the project (`{}`): it is not read, and the site is not built while it is here
 --> content/secret.md
  = help: copy the file into the project instead of linking to it, or remove the link

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
            shown.display()
        ),
    );
}

/// Quiz and rules files go through the same walk as pages: a link out of
/// the project is refused there too.
#[cfg(unix)]
#[test]
fn quiz_symlinked_from_outside_the_project_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("q.toml"), "[[questions]]\n").unwrap();
    let target = outside.path().join("q.toml");
    let shown = target.canonicalize().unwrap();
    check_case(
        move |fx| {
            std::fs::create_dir_all(fx.path("quizzes")).unwrap();
            std::os::unix::fs::symlink(&target, fx.path("quizzes/q.toml")).unwrap();
        },
        &["check"],
        1,
        &format!(
            "\
error: symbolic link to a file outside the project (`{}`): it is not read, and the site is not built while it is here
 --> quizzes/q.toml
  = help: copy the file into the project instead of linking to it, or remove the link

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
            shown.display()
        ),
    );
}

#[test]
fn empty_source_folder() {
    let fx = Fixture::new("base");
    std::fs::remove_dir_all(fx.path("content")).unwrap();
    std::fs::create_dir(fx.path("content")).unwrap();
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "\
error: the handbook has no SUMMARY.md
 --> content/SUMMARY.md
  = help: create it with a `# Summary` heading and one `- [Title](page.md)` line per chapter (`supportbook init` writes one)

checked 0 pages and 0 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
"
    );
    assert_eq!(out.code, 1);
    assert_eq!(std::fs::read_dir(fx.path("content")).unwrap().count(), 0);
    // build refuses the same way and writes nothing.
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 1);
    assert!(!fx.path("book").exists());
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let fx = Fixture::new("base");
    fx.write("content/kb/dns/a.md", "+++\ntitle = \"A\"\nstate = \"publishd\"\naudience = \"everyone\"\nreview-every = \"often\"\n+++\n");
    fx.write(
        "content/kb/dns/b.md",
        "+++\ntitle = 5\nreviewed = \"last week\"\n+++\n",
    );
    let out = fx.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["errors"], 5, "{}", out.stdout);
    let places: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {}",
                d["path"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            "content/kb/dns/a.md:3:9 invalid-value",
            "content/kb/dns/a.md:4:12 invalid-value",
            "content/kb/dns/a.md:5:16 invalid-value",
            "content/kb/dns/b.md:2:9 invalid-type",
            "content/kb/dns/b.md:3:12 invalid-date",
        ]
    );
}

/// Issue 13, items 1 and 2: one article with every kind of problem, a
/// front-matter syntax error among them, gets every one reported in one
/// run, and nothing else is reported because of it.
#[test]
fn one_broken_article_gets_every_problem_reported_at_once() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/dns/broken.md",
                "+++\nid = \"mail-bounces\"\ntittle = \"Relay refused\"\nstate = \"validatd\"\nreviewed = 2026-13-45\nrelated = [\"dns-propagaton\"]\n+++\n# Relay refused\n\n## Symptoms\n\nSee [the log](smtp-log.md), [the bounce](../email/mail-bouncs.md) and [the fix](dns-propagation.md#the-fix).\n",
            )
        },
        &["check"],
        1,
        "\
warning: article has no \"Cause\", \"Resolution\", \"What to tell the customer\" section
 --> content/kb/dns/broken.md
  = help: add `## Cause`, or change `standard-sections` in book.toml

error: article id `mail-bounces` is already used by content/kb/email/mail-bounces.md
 --> content/kb/dns/broken.md:2:6
  |
2 | id = \"mail-bounces\"
  |      ^^^^^^^^^^^^^^
  = help: give one of them another `id`; ids name the page and must be unique

warning: unknown front-matter key `tittle` (kept in the file, not used)
 --> content/kb/dns/broken.md:3:1
  |
3 | tittle = \"Relay refused\"
  | ^^^^^^
  = help: did you mean `title`?

error: `state` has an unknown value \"validatd\"
 --> content/kb/dns/broken.md:4:9
  |
4 | state = \"validatd\"
  |         ^^^^^^^^^^
  = help: did you mean \"validated\"? expected one of: draft, validated, archived

error: invalid TOML in front matter: invalid date, expected month between 01 and 12
 --> content/kb/dns/broken.md:5:12
  |
5 | reviewed = 2026-13-45
  |            ^^^^^^^^^^
  = help: dates are written YYYY-MM-DD, without quotes: reviewed = 2026-03-01

error: `related` names `dns-propagaton`, but no article has that id
 --> content/kb/dns/broken.md:6:12
  |
6 | related = [\"dns-propagaton\"]
  |            ^^^^^^^^^^^^^^^^
  = help: did you mean `dns-propagation`?

warning: link `smtp-log.md` points to a file that does not exist
  --> content/kb/dns/broken.md:12:15
   |
12 | See [the log](smtp-log.md), [the bounce](../email/mail-bouncs.md) and [the fix](dns-propagation.md#the-fix).
   |               ^^^^^^^^^^^

warning: link `../email/mail-bouncs.md` points to a file that does not exist
  --> content/kb/dns/broken.md:12:42
   |
12 | See [the log](smtp-log.md), [the bounce](../email/mail-bouncs.md) and [the fix](dns-propagation.md#the-fix).
   |                                          ^^^^^^^^^^^^^^^^^^^^^^^
   = help: did you mean `../email/mail-bounces.md`?

warning: link `dns-propagation.md#the-fix`: the page has no heading with the id `the-fix`
  --> content/kb/dns/broken.md:12:81
   |
12 | See [the log](smtp-log.md), [the bounce](../email/mail-bouncs.md) and [the fix](dns-propagation.md#the-fix).
   |                                                                                 ^^^^^^^^^^^^^^^^^^^^^^^^^^
   = help: anchors are heading texts in lowercase with spaces as `-`, e.g. `#what-to-tell-the-customer`

checked 2 pages and 2 articles: 4 errors, 5 warnings
error: stopped: 4 errors in the handbook
",
    );
}

/// An article whose front matter has errors keeps its id for the rest of
/// the handbook: a quiz's `covers`, another article's `related` and links
/// to it give no follow-on errors; and of two articles with one id, the
/// one whose file is named after the id keeps it.
#[test]
fn an_article_with_errors_still_exists_for_cross_references() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/dns/glue.md",
                "+++\nid = \"dns-glue\"\ntitle = \"Glue records are missing\"\nreviewed = 2026-13-45\nstate = \"validatd\"\n+++\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n",
            );
            fx.write(
                "quizzes/glue.toml",
                "[quiz]\ncovers = [\"dns-glue\"]\n\n[[questions]]\nid = \"g1\"\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"a\"\n",
            );
            let p = "content/kb/email/mail-bounces.md";
            fx.write(
                p,
                fx.read(p)
                    .replace(
                        "related: [dns-propagation]",
                        "related: [dns-propagation, dns-glue]",
                    )
                    .replace(
                        "## Resolution\n",
                        "## Resolution\n\nSee [glue](../dns/glue.md#cause).\n",
                    ),
            );
        },
        &["check"],
        1,
        "\
error: invalid TOML in front matter: invalid date, expected month between 01 and 12
 --> content/kb/dns/glue.md:4:12
  |
4 | reviewed = 2026-13-45
  |            ^^^^^^^^^^
  = help: dates are written YYYY-MM-DD, without quotes: reviewed = 2026-03-01

error: `state` has an unknown value \"validatd\"
 --> content/kb/dns/glue.md:5:9
  |
5 | state = \"validatd\"
  |         ^^^^^^^^^^
  = help: did you mean \"validated\"? expected one of: draft, validated, archived

checked 2 pages and 3 articles: 2 errors, 0 warnings
error: stopped: 2 errors in the handbook
",
    );
}

/// YAML front matter with a syntax error on one line: the other lines are
/// still read and checked.
#[test]
fn yaml_syntax_error_does_not_hide_the_other_keys() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/email/y.md",
                "---\ntitle: \"Relay refused\nstate: validatd\ntittle: x\n---\n## Symptoms\n## Cause\n## Resolution\n## What to tell the customer\n",
            )
        },
        &["check"],
        1,
        "\
error: invalid YAML in front matter: unclosed quote
 --> content/kb/email/y.md:2:8
  |
2 | title: \"Relay refused
  |        ^

error: `state` has an unknown value \"validatd\"
 --> content/kb/email/y.md:3:8
  |
3 | state: validatd
  |        ^^^^^^^^
  = help: did you mean \"validated\"? expected one of: draft, validated, archived

warning: unknown front-matter key `tittle` (kept in the file, not used)
 --> content/kb/email/y.md:4:1
  |
4 | tittle: x
  | ^^^^^^
  = help: did you mean `title`?

checked 2 pages and 3 articles: 2 errors, 1 warning
error: stopped: 2 errors in the handbook
",
    );
}

#[test]
fn overdue_review_and_missing_sections_are_warnings() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/dns/old.md",
        "+++\ntitle = \"Old\"\nreviewed = 2025-01-10\nreview-every = 180\n+++\n\n## Symptoms\n\nx\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr,
        "\
warning: article has no \"Cause\", \"Resolution\", \"What to tell the customer\" section
 --> content/kb/dns/old.md
  = help: add `## Cause`, or change `standard-sections` in book.toml

warning: article is past its review date: reviewed 2025-01-10, due every 180 days, overdue since 2025-07-09 (503 days)
 --> content/kb/dns/old.md:3:12
  |
3 | reviewed = 2025-01-10
  |            ^^^^^^^^^^
  = help: check the article is still right, then set `reviewed` to today's date

checked 2 pages and 3 articles: 0 errors, 2 warnings
"
    );
}

#[test]
fn unknown_setting_in_book_toml_gets_did_you_mean() {
    check_case(
        |fx| {
            fx.write(
                "book.toml",
                "[book]\nsrc = \"content\"\n\n[preprocessor.supportbook]\nreview-day = 30\n",
            )
        },
        &["check"],
        1,
        "\
error: unknown key `review-day` in [preprocessor.supportbook]
 --> book.toml:5:1
  |
5 | review-day = 30
  | ^^^^^^^^^^
  = help: did you mean `review-days`?

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn yaml_front_matter_errors_have_places() {
    check_case(
        |fx| {
            fx.write(
                "content/kb/email/y.md",
                "---\ntitle: ok\nstate: [unclosed\n---\n",
            )
        },
        &["check"],
        1,
        "\
error: invalid YAML in front matter: unclosed bracket '['
 --> content/kb/email/y.md:3:8
  |
3 | state: [unclosed
  |        ^

checked 2 pages and 3 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn root_is_found_upward_and_can_be_given() {
    let fx = Fixture::new("base");
    let out = common::run_in(&fx.path("content/kb/dns"), &["check", "--quiet"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let elsewhere = tempfile::tempdir().unwrap();
    let out = common::run_in(
        elsewhere.path(),
        &["--root", fx.root().to_str().unwrap(), "check", "-q"],
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let out = common::run_in(elsewhere.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: no book.toml in "),
        "{}",
        out.stderr
    );
}

#[test]
fn control_characters_of_a_source_line_are_shown_escaped() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/dns/ctl.md",
        "+++\ntitle = \"x\u{1b}[2J\u{1b}[31mred\"\n+++\n# hi\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(
        out.stderr
            .contains("2 | title = \"x\\u{1b}[2J\\u{1b}[31mred\"\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn thousands_of_broken_anchors_on_one_long_line_are_grouped() {
    let fx = Fixture::new("base");
    let p = "content/training/listening.md";
    let links: String = (0..8_000).map(|i| format!("[l](#nope{i}) ")).collect();
    fx.write(p, format!("{}\n{links}\n", fx.read(p)));
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Ten shown, each with a window of the 120 KB line, then a count.
    assert!(out.stderr.len() < 8_000, "{} bytes", out.stderr.len());
    assert_eq!(out.stderr.matches("warning: link `#nope").count(), 10);
    assert!(out.stderr.contains(
        "... and 7,990 more `broken-anchor` warnings in content/training/listening.md (`--format json` lists them all)"
    ), "{}", out.stderr);
    assert!(out.stderr.contains("8000 warnings"), "{}", out.stderr);
    // JSON keeps every one, with its true column.
    let out = fx.run(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 8_000);
    let last = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`#nope7999`"))
        .unwrap();
    let expected_col = links.find("#nope7999)").unwrap() + 1;
    assert_eq!(last["column"].as_u64(), Some(expected_col as u64));
}

/// Issue 13, item 18: one kind of problem in many files is shown for the
/// first five files, then counted in one line; JSON keeps every one.
#[test]
fn one_kind_of_problem_in_many_files_is_grouped() {
    let fx = Fixture::new("base");
    for i in 0..40 {
        fx.write(
            &format!("content/kb/dns/a{i:02}.md"),
            format!("+++\ntitle = \"A{i}\"\n+++\n## Symptoms\n## Cause\n## Resolution\n"),
        );
    }
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with(" --> "))
        .collect();
    assert_eq!(
        shown,
        [
            " --> content/kb/dns/a00.md",
            " --> content/kb/dns/a01.md",
            " --> content/kb/dns/a02.md",
            " --> content/kb/dns/a03.md",
            " --> content/kb/dns/a04.md",
        ]
    );
    assert!(
        out.stderr.ends_with(
            "\
... and 35 more articles missing a standard section (`--format json` lists them all)

checked 2 pages and 42 articles: 0 errors, 40 warnings
"
        ),
        "{}",
        out.stderr
    );
    let out = fx.run(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 40);
}

#[test]
fn old_mac_line_endings_are_line_breaks() {
    let fx = Fixture::new("base");
    let p = "content/kb/dns/dns-propagation.md";
    let cr_only = fx.read(p).replace("\r\n", "\n").replace('\n', "\r");
    fx.write(p, &cr_only);
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "checked 2 pages and 2 articles: 0 errors, 0 warnings\n"
    );
    // A problem in such a file is placed on its own line.
    fx.write(
        p,
        cr_only.replace("owner = ", "review-every = 10000000\rowner = "),
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "error: `review-every` must be a whole number of days from 1 to 36500, found 10000000\n --> content/kb/dns/dns-propagation.md:8:16\n"
        ),
        "{}",
        out.stderr
    );
    // The file itself is left as written.
    assert!(!fx.read(p).contains('\n'));
}

#[test]
fn review_every_out_of_range_names_the_range() {
    check_case(
        |fx| {
            let p = "content/kb/dns/dns-propagation.md";
            fx.write(
                p,
                fx.read(p)
                    .replace("owner = ", "review-every = -5\nowner = "),
            );
        },
        &["check"],
        1,
        "\
error: `review-every` must be a whole number of days from 1 to 36500, found -5
 --> content/kb/dns/dns-propagation.md:8:16
  |
8 | review-every = -5
  |                ^^
  = help: review-every = 180

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

/// Issue 13, item 6: whatever number `review-every` has (too large for
/// any integer, a fraction, negative in YAML), the error states the range
/// and shows the value as written; so does `review-days` in book.toml.
#[test]
fn review_every_shows_any_number_as_written() {
    let fx = Fixture::new("base");
    let p = "content/kb/dns/dns-propagation.md";
    let article = fx.read(p);
    for value in ["99999999999999999999999", "1.5", "0"] {
        fx.write(
            p,
            article.replace("owner = ", &format!("review-every = {value}\nowner = ")),
        );
        let out = fx.run(&["check"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.starts_with(&format!(
                "error: `review-every` must be a whole number of days from 1 to 36500, found {value}\n --> content/kb/dns/dns-propagation.md:8:16\n"
            )),
            "{}",
            out.stderr
        );
    }
    fx.write(p, &article);
    let y = "content/kb/email/mail-bounces.md";
    fx.write(
        y,
        fx.read(y).replace("review-every: 180", "review-every: -5"),
    );
    let out = fx.run(&["check"]);
    assert!(
        out.stderr.starts_with(
            "error: `review-every` must be a whole number of days from 1 to 36500, found -5\n  --> content/kb/email/mail-bounces.md:13:15\n"
        ),
        "{}",
        out.stderr
    );
    fx.write(
        y,
        fx.read(y).replace("review-every: -5", "review-every: 180"),
    );
    fx.write(
        "book.toml",
        fx.read("book.toml")
            .replace("review-days = 365", "review-days = -5"),
    );
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "\
error: `review-days` must be a whole number of days from 1 to 36500, found -5
 --> book.toml:6:15
  |
6 | review-days = -5
  |               ^^

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
"
    );
}

#[test]
fn thousands_of_tags_on_one_article_are_refused() {
    let fx = Fixture::new("base");
    let p = "content/kb/dns/dns-propagation.md";
    let tags: Vec<String> = (0..20_000).map(|i| format!("\"t{i}\"")).collect();
    fx.write(
        p,
        fx.read(p).replace(
            "tags = [\"propagation\"]",
            &format!("tags = [{}]", tags.join(", ")),
        ),
    );
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("error: `tags` may list at most 100 names, found 20000"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
}
