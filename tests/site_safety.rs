//! What a build may read and where it may write (issue 14): nothing outside
//! the project reaches the site, the destination is judged by where it
//! really is, nothing of the user's is deleted, a killed build is repaired
//! by the next one, and builds run together take turns.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, tree};
use std::path::Path;

fn build_ok(fx: &Fixture, args: &[&str]) -> common::Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let out = fx.run(&all);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    out
}

// ---- item 1: nothing outside the project reaches the site ----

#[cfg(unix)]
#[test]
fn links_out_of_the_project_stop_check_and_build_before_anything_is_written() {
    use std::os::unix::fs::symlink;
    let fx = Fixture::new("base");
    let outside = tempfile::tempdir().unwrap();
    let out_dir = outside.path().canonicalize().unwrap();
    std::fs::write(out_dir.join("passwd"), "SECRET-PASSWD\n").unwrap();
    std::fs::write(out_dir.join("id_rsa"), "SECRET-KEY\n").unwrap();
    std::fs::create_dir(out_dir.join("folder")).unwrap();
    std::fs::write(out_dir.join("folder/page.md"), "# SECRET-PAGE\n").unwrap();
    std::fs::write(out_dir.join("folder/notes.txt"), "SECRET-NOTES\n").unwrap();
    // A file of any extension, a folder, an image pointing at a key, and
    // one deep in the tree.
    symlink(out_dir.join("passwd"), fx.path("content/secret.txt")).unwrap();
    symlink(out_dir.join("folder"), fx.path("content/linked")).unwrap();
    symlink(
        out_dir.join("id_rsa"),
        fx.path("content/kb/dns/diagram.png"),
    )
    .unwrap();

    for cmd in ["check", "build"] {
        let out = fx.run(&[cmd]);
        assert_eq!(out.code, 1, "{cmd}: {}", out.stderr);
        for (link, target, what) in [
            ("content/secret.txt", "passwd", "file"),
            ("content/linked", "folder", "folder"),
            ("content/kb/dns/diagram.png", "id_rsa", "file"),
        ] {
            let expected = format!(
                "error: symbolic link to a {what} outside the project (`{}`): it is not read, and the site is not built while it is here\n --> {link}\n",
                out_dir.join(target).display()
            );
            assert!(out.stderr.contains(&expected), "{cmd}: {}", out.stderr);
        }
        assert!(
            out.stderr
                .ends_with("error: stopped: 3 errors in the handbook\n"),
            "{}",
            out.stderr
        );
    }
    // build stopped before mdBook ran: no site, nothing of the secrets anywhere.
    assert!(!fx.path("book").exists());
    for (path, bytes) in tree(fx.root()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("SECRET-"), "{} leaks", path.display());
    }
}

#[cfg(unix)]
#[test]
fn links_that_stay_inside_the_project_are_published() {
    use std::os::unix::fs::symlink;
    let fx = Fixture::new("base");
    fx.write("assets/logo.png", "PNG-BYTES");
    fx.write("shared/handout.txt", "HANDOUT");
    std::fs::create_dir_all(fx.path("content/images")).unwrap();
    symlink("../../assets/logo.png", fx.path("content/images/logo.png")).unwrap();
    symlink("../shared", fx.path("content/shared")).unwrap();
    build_ok(&fx, &[]);
    assert_eq!(fx.read("book/images/logo.png"), "PNG-BYTES");
    assert_eq!(fx.read("book/shared/handout.txt"), "HANDOUT");
}

#[cfg(unix)]
#[test]
fn theme_templates_and_includes_that_reach_outside_are_errors() {
    let fx = Fixture::new("base");
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().canonicalize().unwrap().join("secret.txt");
    std::fs::write(&secret, "SECRET-TEXT\n").unwrap();
    std::fs::create_dir_all(fx.path("theme")).unwrap();
    std::os::unix::fs::symlink(&secret, fx.path("theme/head.hbs")).unwrap();
    std::fs::create_dir_all(fx.path("templates")).unwrap();
    std::os::unix::fs::symlink(&secret, fx.path("templates/article.hbs")).unwrap();
    let include = format!("# Listening\n\n{{{{#include {}}}}}\n", secret.display());
    fx.write("content/training/listening.md", &include);
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for at in [
        " --> theme/head.hbs\n",
        " --> templates/article.hbs\n",
        " --> content/training/listening.md:3:12\n",
    ] {
        assert!(out.stderr.contains(at), "{at}: {}", out.stderr);
    }
    assert!(
        out.stderr.contains(&format!(
            "error: `{{{{#include}}}}` reads a file outside the project (`{}`); its text would be published",
            secret.display()
        )),
        "{}",
        out.stderr
    );
    assert!(!fx.path("book").exists());
}

// ---- item 2 and issue 13 item 19: the destination ----

#[test]
fn destinations_are_judged_by_where_they_really_are_before_anything_else() {
    let fx = Fixture::new("base");
    // A warning the check would print: a refusal must come before it.
    fx.write(
        "content/training/listening.md",
        "# Listening\n\n[gone](nowhere.md)\n",
    );
    std::fs::create_dir_all(fx.path("rules")).unwrap();
    let before = tree(fx.root());
    for (dest, why) in [
        (
            "nonexist/../content",
            "that is the project's content/ folder; supportbook never writes there",
        ),
        (
            "content/kb/../site",
            "it is inside the project's content/ folder; supportbook never writes there",
        ),
        (
            "rules",
            "that is the project's rules/ folder; supportbook never writes there",
        ),
        (
            "quizzes/x/../../templates/out",
            "it is inside the project's templates/ folder; supportbook never writes there",
        ),
        (
            ".git",
            "that is the project's .git/ folder; supportbook never writes there",
        ),
        (
            ".supportbook/stage",
            "it is inside the project's .supportbook/ folder; supportbook never writes there",
        ),
        (
            "theme",
            "that is the project's theme/ folder; supportbook never writes there",
        ),
        (
            ".",
            "that is the project folder itself, whose files would be overwritten",
        ),
        (
            "..",
            "it contains the project, whose files would be overwritten",
        ),
        (
            "book/../..",
            "it contains the project, whose files would be overwritten",
        ),
    ] {
        for cmd in ["build", "watch"] {
            let out = fx.run(&[cmd, "--dest", dest]);
            assert_eq!(out.code, 1, "{cmd} {dest}: {}", out.stderr);
            assert_eq!(
                out.stderr,
                format!("error: refusing to build into {dest}: {why}\n"),
                "{cmd} {dest}"
            );
        }
    }
    assert_eq!(tree(fx.root()), before, "a refused build wrote something");
    assert!(!fx.path("nonexist").exists());
}

#[cfg(unix)]
#[test]
fn a_link_in_the_destination_into_the_sources_is_refused() {
    let fx = Fixture::new("base");
    std::fs::create_dir_all(fx.path("book")).unwrap();
    std::os::unix::fs::symlink("../content/kb", fx.path("book/kb")).unwrap();
    let before = fx.snapshot("content");
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.ends_with(
            "book/kb is a symbolic link to content/kb, inside the project; a build would write through it (remove the link)\n"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(fx.snapshot("content"), before);
    // A destination that is itself a link into the sources is refused too.
    std::fs::remove_file(fx.path("book/kb")).unwrap();
    std::os::unix::fs::symlink("content/kb", fx.path("site")).unwrap();
    let out = fx.run(&["build", "--dest", "site/out"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("inside the project's content/ folder"),
        "{}",
        out.stderr
    );
    assert_eq!(fx.snapshot("content"), before);
}

#[test]
fn a_missing_root_and_a_folder_outside_a_handbook_say_what_to_do() {
    let elsewhere = tempfile::tempdir().unwrap();
    let missing = elsewhere.path().join("nonexistent");
    let out = common::run_in(
        elsewhere.path(),
        &["--root", missing.to_str().unwrap(), "check"],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!("error: no such folder: {}\n", missing.display())
    );
    let out = common::run_in(elsewhere.path(), &["build"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.ends_with(
            "or any folder above it: this is not a handbook (start one here with `supportbook init`, or point at one with `--root FOLDER`)\n"
        ),
        "{}",
        out.stderr
    );
}

// ---- item 3: nothing of the user's is deleted ----

#[test]
fn a_file_the_build_did_not_write_is_never_removed() {
    let fx = Fixture::new("base");
    std::fs::create_dir_all(fx.path("docs")).unwrap();
    // Built into <root>/out from the root...
    build_ok(&fx, &["--dest", "out"]);
    assert!(fx.path("out/kb/mail-bounces.html").is_file());
    // ...while docs/out holds the user's own files of the same names.
    fx.write("docs/out/kb/mail-bounces.html", "the user's page");
    fx.remove("content/kb/email/mail-bounces.md");
    let p = "content/kb/dns/dns-propagation.md";
    fx.write(
        p,
        fx.read(p)
            .replace("related = [\"mail-bounces\"]", "related = []"),
    );
    // `--dest out` from docs/ is another folder, with its own manifest.
    let out = common::run_in(&fx.path("docs"), &["build", "--dest", "out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fx.read("docs/out/kb/mail-bounces.html"), "the user's page");
    // The same folder named another way shares the manifest: the page the
    // first build wrote, unchanged since, goes; one edited since stays.
    fx.write("out/kb/products/email.html", "edited by hand");
    let out = common::run_in(&fx.path("docs"), &["build", "--dest", "../out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!fx.path("out/kb/mail-bounces.html").exists());
    assert_eq!(fx.read("out/kb/products/email.html"), "edited by hand");
}

// ---- item 8: a killed build is repaired ----

#[test]
fn pages_cut_short_are_rewritten_by_the_next_build() {
    let fx = Fixture::new("base");
    build_ok(&fx, &[]);
    let good = tree(&fx.path("book"));
    // What kill -9 could leave with plain writes: empty and half pages, an
    // article page and pages copied from mdBook's output.
    std::fs::write(fx.path("book/kb/mail-bounces.html"), "").unwrap();
    let half = &good[Path::new("kb/dns-propagation.html")];
    std::fs::write(
        fx.path("book/kb/dns-propagation.html"),
        &half[..half.len() / 2],
    )
    .unwrap();
    std::fs::write(fx.path("book/index.html"), "").unwrap();
    std::fs::write(fx.path("book/kb/index.html"), "<html>").unwrap();
    let out = build_ok(&fx, &[]);
    assert!(
        out.stderr
            .contains("(2 article pages written, 0 unchanged;"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&fx.path("book")), good);
    // Nothing is left of the temporary files writes go through.
    assert!(
        !tree(&fx.path("book"))
            .keys()
            .any(|p| p.to_string_lossy().ends_with(".tmp")),
    );
    let out = build_ok(&fx, &[]);
    assert!(
        out.stderr
            .contains("(0 article pages written, 2 unchanged;"),
        "{}",
        out.stderr
    );
}

// ---- item 12: builds at once take turns ----

#[test]
fn three_builds_at_once_all_succeed_with_a_complete_site() {
    let fx = Fixture::new("base");
    let clean = Fixture::new("base");
    build_ok(&clean, &[]);
    let expected = tree(&clean.path("book"));
    let children: Vec<_> = (0..3)
        .map(|_| {
            common::command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
                .arg("build")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    }
    assert_eq!(tree(&fx.path("book")), expected);
    let hits = common::hits(&fx, &["relaying"]);
    assert_eq!(hits.len(), 1);
}

#[test]
fn a_build_waits_for_the_one_holding_the_lock() {
    use std::io::Write as _;
    let fx = Fixture::new("base");
    std::fs::create_dir_all(fx.path(".supportbook")).unwrap();
    let mut held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(fx.path(".supportbook/build.lock"))
        .unwrap();
    held.lock().unwrap();
    writeln!(held, "4242").unwrap();
    let mut child = common::command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
        .arg("build")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "did not wait");
    assert!(!fx.path("book").exists());
    held.unlock().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with("note: waiting for another build (pid 4242)...\n"),
        "{stderr}"
    );
    assert!(fx.path("book/kb/mail-bounces.html").is_file());
}
