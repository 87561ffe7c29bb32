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

#[test]
fn mdbook_supportbook_help_and_version() {
    let exe = env!("CARGO_BIN_EXE_mdbook-supportbook");
    let run = |args: &[&str]| {
        std::process::Command::new(exe)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.starts_with("mdbook-supportbook: the supportbook preprocessor")
                && stdout.contains("mdbook-supportbook supports RENDERER"),
            "{stdout}"
        );
    }
    for flag in ["--version", "-V"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!(
                "mdbook-supportbook {} (for mdBook 0.5.4)\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
    let out = run(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("error: unexpected arguments: --bogus\n")
    );
    assert_eq!(run(&["supports", "html"]).status.code(), Some(0));
}
