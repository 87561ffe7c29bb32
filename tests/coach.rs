//! `supportbook coach` on this repository's reply rules, and broken rules
//! files reported by `check` with their place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, run_with_input};

const UPSELL: &str = "Hi Priya,\n\nI can see the contact form stopped again, so I checked the mail relay.\nWhile you're here, our Premium plan would upgrade your mailbox too!\n";

#[test]
fn an_upsell_is_an_error_at_its_place() {
    let fx = Fixture::handbook();
    fx.write("draft.txt", UPSELL);
    let out = fx.run(&["coach", "draft.txt"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "error: A support reply never sells: take the offer out.
 --> draft.txt:4:24
  |
4 | While you're here, our Premium plan would upgrade your mailbox too!
  |                        ^^^^^^^^^^^^
  = note: rule `no-upsell` in rules/replies.toml
  = help: remove \"Premium plan\"

error: A support reply never sells: take the offer out.
 --> draft.txt:4:43
  |
4 | While you're here, our Premium plan would upgrade your mailbox too!
  |                                           ^^^^^^^
  = note: rule `no-upsell` in rules/replies.toml
  = help: remove \"upgrade\"

"
    );
    assert_eq!(
        out.stderr,
        "draft.txt: 2 errors, 0 warnings (5 rules applied); fix the errors before you send it\n"
    );
}

#[test]
fn the_context_decides_which_rules_apply() {
    let fx = Fixture::handbook();
    // Calm, and not about an outage: a plain helpful reply passes.
    let calm = "Hi Sam,\n\nThe certificate renewed last night. Reload the page and the warning goes away.\n";
    let out = run_with_input(&fx, &["coach"], calm);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "<stdin>: no problems (5 rules applied)\n");

    // The same words to an angry customer lack an acknowledgement (a
    // requirement, so it has no place in the text).
    let out = run_with_input(&fx, &["coach", "--mood", "angry", "-"], calm);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with(
            "error: The customer is upset: say that you understand before you fix anything.\n --> <stdin>\n"
        ),
        "{}",
        out.stdout
    );

    // An outage update must say what is affected, what is being done and
    // when the next update comes.
    let update = "Email is down for customers on the eu-2 servers. Our engineers are restoring \
                  the mail store from last night's snapshot. We will update you here in 30 minutes.\n";
    let out = run_with_input(
        &fx,
        &["coach", "--topic", "outage", "--format", "json"],
        update,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["errors"], 0);
    assert_eq!(doc["findings"], serde_json::json!([]));
    let out = run_with_input(
        &fx,
        &["coach", "--topic", "outage", "--format", "json"],
        "Email is down. Sorry about that.\n",
    );
    assert_eq!(out.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let missing: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["outage-what-we-are-doing", "outage-next-update"]);
}

#[test]
fn warnings_do_not_fail_and_name_the_better_words() {
    let fx = Fixture::handbook();
    let out = run_with_input(
        &fx,
        &["coach", "--format", "json"],
        "Hi Ana, kindly clear the cache in order to see the new site.\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["warnings"], 2);
    assert_eq!(
        doc["findings"][0],
        serde_json::json!({"rule": "plain-words", "level": "warning", "line": 1, "column": 9,
            "text": "kindly", "help": "write \"please\" instead of \"kindly\"",
            "message": "Plain words are easier to read, especially for someone having a bad day."})
    );
    assert_eq!(doc["findings"][1]["text"], "in order to");
}

#[test]
fn broken_rules_files_are_reported_by_check_and_coach() {
    let fx = Fixture::handbook();
    fx.write(
        "rules/tone.toml",
        "[[rule]]\nid = \"no-upsell\"\ntype = \"avoid\"\nmessage = \"again\"\nphrases = [\"x\"]\n\n[[rule]]\nid = \"tone\"\ntype = \"avoyd\"\nmesage = \"x\"\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "error: unknown key `mesage`
  --> rules/tone.toml:10:1
   |
10 | mesage = \"x\"
   | ^^^^^^
   = help: did you mean `message`?"
        ),
        "{}",
        out.stderr
    );
    fx.write(
        "rules/tone.toml",
        "[[rule]]\nid = \"no-upsell\"\ntype = \"avoid\"\nmessage = \"again\"\nphrases = [\"x\"]\n",
    );
    let out = fx.run(&["coach", "-"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "error: a rule with id `no-upsell` already exists
 --> rules/tone.toml:2:6"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("first defined in rules/replies.toml:"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(fx.path("rules")).unwrap();
    let out = fx.run(&["coach", "-"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: no reply rules: `rules` has no .toml files"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_absolute_path_is_shown_with_one_leading_slash() {
    let fx = Fixture::handbook();
    fx.write("draft.txt", UPSELL);
    let abs = fx.path("draft.txt");
    let abs = abs.to_str().unwrap();
    assert!(abs.starts_with('/'));
    let out = fx.run(&["coach", abs]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("\n --> {abs}:4:24\n")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("//"), "{}", out.stdout);
}

#[test]
fn a_draft_over_the_size_limit_is_refused_from_stdin_and_files_alike() {
    let fx = Fixture::handbook();
    // 12 MB of plain text with an upsell at the very end, split mid-character at 10 MB.
    let mut big = "é".repeat(6 * 1024 * 1024 + 1).into_bytes();
    big.extend_from_slice(b" Our premium plan fixes this.\n");
    let expected =
        "is more than 10 MB; coach checks a whole draft of at most that size, never a part of one";
    let out = common::run_with_input(&fx, &["coach", "-"], big.clone());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("<stdin> {expected}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("UTF-8"), "{}", out.stderr);
    fx.write("big.txt", &big);
    let out = fx.run(&["coach", "big.txt"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!("big.txt {expected}")),
        "{}",
        out.stderr
    );
    // An endless file is refused after the limit, not read to the end.
    if std::path::Path::new("/dev/zero").exists() {
        let out = fx.run(&["coach", "/dev/zero"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains(&format!("/dev/zero {expected}")),
            "{}",
            out.stderr
        );
    }
    // Just under the limit, the whole draft is checked: the upsell at the end is found.
    let mut under = "é".repeat(5 * 1024 * 1024 - 100).into_bytes();
    under.extend_from_slice(b" Our premium plan fixes this.\n");
    let out = common::run_with_input(&fx, &["coach", "-"], under);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("remove \"premium plan\""),
        "{}",
        out.stdout
    );
}
