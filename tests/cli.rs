//! The command line itself: shell completions and man pages, generated from
//! the same definitions as `--help`, outside any handbook.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::run_in;

#[test]
fn completions_for_every_shell_outside_a_handbook() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_supportbook()"),
        ("zsh", "#compdef supportbook"),
        ("fish", "complete -c supportbook"),
        ("elvish", "supportbook"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run_in(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
        for command in ["search", "coach", "completions", "man"] {
            assert!(out.stdout.contains(command), "{shell} has no {command}");
        }
    }
    let out = run_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("invalid value 'tcsh'"),
        "{}",
        out.stderr
    );
}

#[test]
fn man_pages_for_supportbook_and_each_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".TH supportbook 1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("supportbook\\-search(1)"),
        "{}",
        out.stdout
    );
    let out = run_in(dir.path(), &["man", "quiz", "take"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(".TH supportbook-quiz-take 1  \"supportbook-quiz-take 0.1.0\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\\fB\\-\\-as\\fR"), "{}", out.stdout);
    let out = run_in(dir.path(), &["man", "serch"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "error: `supportbook` has no command `serch` (did you mean `search`?)\n"
        )
    );
}
