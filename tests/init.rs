//! `supportbook init`: a new handbook that checks and builds, and a refusal
//! (naming the file) instead of overwriting anything.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::run_in;

#[test]
fn new_handbook_checks_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "hb", "--title", "Acme \"Support\""]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = dir.path().join("hb");
    for f in [
        "book.toml",
        "content/SUMMARY.md",
        "content/training/01-how-we-support.md",
        "content/kb/web-server/example-site-down.md",
        "quizzes/README.md",
        "rules/replies.toml",
        "assets/quiz.js",
        "assets/quiz.css",
        ".gitignore",
        ".github/workflows/handbook.yml",
    ] {
        assert!(root.join(f).is_file(), "missing {f}");
    }
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    assert!(
        book.contains("title = 'Acme \"Support\"'")
            || book.contains("title = \"Acme \\\"Support\\\"\""),
        "{book}"
    );
    let workflow = std::fs::read_to_string(root.join(".github/workflows/handbook.yml")).unwrap();
    assert!(
        workflow.contains("fetch-depth: 0")
            && workflow.contains("supportbook check")
            && workflow.contains("deploy-pages")
    );
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(gitignore.contains("/book/") && gitignore.contains("/.supportbook/"));

    let out = run_in(&root, &["check"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, "checked 2 pages and 1 article: 0 errors, 0 warnings\n")
    );
    let out = run_in(&root, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(root.join("book/kb/example-site-down.html").is_file());
    // The starter reply rules work in the new handbook.
    std::fs::write(root.join("draft.txt"), "Upgrade to premium support!\n").unwrap();
    let out = run_in(&root, &["coach", "draft.txt"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("rule `no-upsell` in rules/replies.toml"),
        "{}",
        out.stdout
    );
}

#[test]
fn refuses_to_overwrite_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "mine\n").unwrap();
    let out = run_in(
        dir.path(),
        &["--root", dir.path().to_str().unwrap(), "init"],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: refusing to overwrite existing file in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.trim_end().ends_with(": .gitignore"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
        "mine\n"
    );
    assert!(!dir.path().join("book.toml").exists());
}

/// The ```toml blocks of a Markdown file, in order.
fn toml_blocks(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Every `{{#quiz ...}}` written in a Markdown file (inside code spans too).
fn quiz_directives(md: &str) -> Vec<String> {
    md.match_indices("{{#quiz ")
        .map(|(i, _)| {
            let rest = &md[i..];
            rest[..rest.find("}}").unwrap() + 2].to_string()
        })
        .collect()
}

/// Every example in docs/*.md and in the files `init` writes, checked in a
/// new handbook: the quiz blocks of the docs make one quiz, every
/// `{{#quiz ...}}` they show is embedded in `init`'s chapter (`FILE` and `ID`
/// standing for that quiz), and `check` must find no errors.
#[test]
fn docs_examples_check_in_a_new_handbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "hb"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = dir.path().join("hb");

    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut sources: Vec<(String, String)> = Vec::new();
    for e in std::fs::read_dir(&docs).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            sources.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    sources.sort();
    for rel in [
        "quizzes/README.md",
        "content/README.md",
        "content/training/01-how-we-support.md",
    ] {
        sources.push((
            rel.to_string(),
            std::fs::read_to_string(root.join(rel)).unwrap(),
        ));
    }

    // The quiz blocks, put together; every other kind of block must be taught
    // to this test, so no example goes unchecked.
    let mut quiz = String::new();
    for (name, md) in &sources {
        for block in toml_blocks(md) {
            assert!(
                block.contains("[quiz]") || block.contains("[[questions]]"),
                "{name}: a ```toml example this test does not know how to check:\n{block}"
            );
            quiz.push_str(&block);
            quiz.push('\n');
        }
    }
    assert!(
        quiz.contains("type = \"Scenario\""),
        "no quiz examples found in docs/"
    );
    let id = toml::from_str::<toml::Table>(&quiz).unwrap()["quiz"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(root.join(format!("quizzes/{id}.toml")), &quiz).unwrap();

    let chapter = root.join("content/training/01-how-we-support.md");
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    let mut n = 0;
    for (_, md) in &sources {
        for d in quiz_directives(md) {
            let d = d.replace("FILE", &id).replace("ID", &id);
            text.push_str(&format!("\n{d}\n"));
            n += 1;
        }
    }
    assert!(
        n >= 3,
        "expected {{{{#quiz}}}} examples in docs/ and quizzes/README.md"
    );
    std::fs::write(&chapter, text).unwrap();

    let out = run_in(&root, &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(": 0 errors, "),
        "the examples do not check:\n{}",
        out.stderr
    );
}

#[test]
fn init_makes_a_git_repository_and_says_what_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "hb"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = dir.path().join("hb");
    assert!(root.join(".git").is_dir(), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "created a handbook in {root} (12 files)\ninitialised a git repository in {root} (branch main, which the workflow publishes)\nnext steps:\n  cd hb\n  $EDITOR book.toml           # set tool-git: the git repository CI installs supportbook from\n  supportbook serve --open    # preview at http://127.0.0.1:3000/, rebuilt as you save\n  supportbook check           # what CI runs on every push\n  git add -A && git commit -m \"Start the handbook\"\n",
            root = root.display()
        )
    );
    // Inside a repository: no nested one.
    let out = run_in(&root, &["init", "inner"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!root.join("inner/.git").exists());
    assert!(
        out.stderr.contains(&format!(
            "inner is inside the git repository {}: git init not run\n",
            root.canonicalize().unwrap().display()
        )),
        "{}",
        out.stderr
    );
    // No git on PATH: the handbook is made, with a warning.
    let empty = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let out = common::command(env!("CARGO_BIN_EXE_supportbook"), other.path())
        .env("PATH", empty.path())
        .args(["init"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(other.path().join("book.toml").is_file());
    assert!(!other.path().join(".git").exists());
    assert!(
        stderr.contains("warning: git is not installed: run `git init` here once it is"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("  cd ") && !stderr.contains("git commit"),
        "{stderr}"
    );
}

/// The `run:` script of the workflow step named `name`, dedented.
fn step_script(workflow: &str, name: &str) -> String {
    let start = workflow
        .find(&format!("- name: {name}\n"))
        .unwrap_or_else(|| panic!("no step {name:?} in\n{workflow}"));
    let rest = &workflow[start..];
    let run = rest.find("run: |\n").unwrap() + "run: |\n".len();
    let mut script = String::new();
    let mut indent = None;
    for line in rest[run..].lines() {
        let depth = line.len() - line.trim_start().len();
        let want = *indent.get_or_insert(depth);
        if !line.trim().is_empty() && depth < want {
            break;
        }
        script.push_str(line.get(want..).unwrap_or(""));
        script.push('\n');
    }
    script
}

/// Runs the workflow's install step in `root` with a `cargo` that prints
/// its arguments instead of installing.
fn run_install_step(root: &std::path::Path) -> std::process::Output {
    let workflow = std::fs::read_to_string(root.join(".github/workflows/handbook.yml")).unwrap();
    let script = step_script(&workflow, "Install supportbook");
    let bin = tempfile::tempdir().unwrap();
    let cargo = bin.path().join("cargo");
    std::fs::write(&cargo, "#!/bin/sh\necho \"cargo $*\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(root)
        .env("PATH", path)
        .output()
        .unwrap()
}

/// Issue 13, item 25: the workflow `init` writes installs supportbook from
/// the git repository book.toml names (`tool-git`, `tool-rev`), not from a
/// package registry; without one it stops with a message naming the setting.
#[test]
fn workflow_installs_supportbook_from_the_repository_book_toml_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "init",
            "hb",
            "--tool-git",
            "https://example.com/acme/supportbook.git",
            "--tool-rev",
            "v0.1.0",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("tool-git"), "{}", out.stderr);
    let root = dir.path().join("hb");
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    assert!(
        book.contains(
            "tool-git = \"https://example.com/acme/supportbook.git\"\ntool-rev = \"v0.1.0\"\n"
        ),
        "{book}"
    );
    let workflow = std::fs::read_to_string(root.join(".github/workflows/handbook.yml")).unwrap();
    assert!(
        !workflow.contains("cargo install supportbook"),
        "{workflow}"
    );
    let out = run_in(&root, &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let has_tomllib = std::process::Command::new("python3")
        .args(["-c", "import tomllib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_tomllib {
        eprintln!("SKIPPED running the install step: no python3 with tomllib (3.11+)");
        return;
    }
    let ran = run_install_step(&root);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "cargo install --locked --git https://example.com/acme/supportbook.git --rev v0.1.0 supportbook\n",
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(ran.status.success());

    // Without a repository: init says to set one, and CI stops saying so.
    let out = run_in(dir.path(), &["init", "bare"]);
    assert!(
        out.stderr
            .contains("  $EDITOR book.toml           # set tool-git: the git repository CI installs supportbook from\n"),
        "{}",
        out.stderr
    );
    let ran = run_install_step(&dir.path().join("bare"));
    assert!(!ran.status.success());
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "::error file=book.toml::set tool-git in [preprocessor.supportbook]: the git repository to install supportbook from\n"
    );

    // A value cargo would read as an option is refused before anything is written.
    let out = run_in(
        dir.path(),
        &["init", "bad", "--tool-git=--upload-pack=evil"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--tool-git \"--upload-pack=evil\" is not usable"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("bad").exists());
}
