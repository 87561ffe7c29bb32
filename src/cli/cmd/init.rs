//! `supportbook init [DIR]`: scaffold a new handbook repository.

use crate::cli::InitArgs;
use crate::core::error::{Error, Result};
use crate::pipeline::git::InitRepo;
use std::path::Path;

/// This repository's own reply rules, as a starting point.
const STARTER_RULES: &str = include_str!("../../../rules/replies.toml");

const SUMMARY: &str = "# Summary\n\n[Welcome](README.md)\n\n# Training track\n\n- [How we support customers](training/01-how-we-support.md)\n";

const README: &str = "# Welcome\n\nThis is our support team's handbook: the training track teaches how we work, and the\nknowledge base (KB) holds the troubleshooting articles we use on real tickets.\n\nSearch the KB from the search box, or with `supportbook search \"what the customer said\"`.\n";

const CHAPTER: &str = "# How we support customers\n\nEvery support encounter is a chance to keep a customer. Listen to the whole problem before\nyou answer, acknowledge how it affects the customer, and never turn a support reply into a\nsales pitch.\n\n## Before you reply\n\nRead everything the customer already told you, so you never ask for it again.\n\n## Try it\n\nAsk your trainer which quiz goes with this chapter.\n";

const ARTICLE: &str = "+++\nid = \"example-site-down\"\ntitle = \"Customer says their site is down\"\nsummary = \"First checks when a customer reports that their website does not load.\"\nsymptoms = [\"my site is down\", \"This site can't be reached\", \"502 Bad Gateway\"]\nproducts = [\"web-server\"]\ntags = [\"5xx\", \"first-checks\"]\naudience = \"internal\"\nstate = \"draft\"\nowner = \"Support team\"\nreviewed = REVIEWED\nreview-every = 180\nrelated = []\n+++\n\n## Symptoms\n\nThe customer's website does not load, or shows an error page.\n\n## Cause\n\nMost often the web server or PHP is stopped, the domain no longer points at us, or an\nupstream service is slow.\n\n## Resolution\n\n1. Check the domain still points at us: `dig +short example.com A`.\n2. Check the response: `curl -I https://example.com`.\n3. Read the last errors: `tail -n 50 /var/log/nginx/error.log`.\n\n## What to tell the customer\n\n> Thanks for letting us know, and sorry your site is down. I'm checking the server now and\n> will update you within 15 minutes, sooner if I find the cause.\n";

const GITIGNORE: &str = "# Built site and supportbook's local state (search index, results database)\n/book/\n/.supportbook/\n";

const WORKFLOW: &str = r#"name: handbook

on:
  push:
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          # Full history: page dates and the "what's new" page come from git.
          fetch-depth: 0
      - uses: dtolnay/rust-toolchain@stable
      - name: Install supportbook
        # From the git repository book.toml names: tool-git (and tool-rev, a
        # tag, branch or commit) in [preprocessor.supportbook].
        run: |
          setting() { python3 -c 'import sys, tomllib; print(tomllib.load(open("book.toml", "rb")).get("preprocessor", {}).get("supportbook", {}).get(sys.argv[1], ""))' "$1"; }
          url=$(setting tool-git)
          rev=$(setting tool-rev)
          if [ -z "$url" ]; then
            echo "::error file=book.toml::set tool-git in [preprocessor.supportbook]: the git repository to install supportbook from"
            exit 1
          fi
          cargo install --locked --git "$url" ${rev:+--rev "$rev"} supportbook
      - name: Check
        run: supportbook check
      - name: Build
        run: supportbook build --dest site
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site

  deploy:
    if: github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"#;

const QUIZZES_README: &str = "# Quizzes\n\nOne quiz per TOML file, in mdbook-quiz's format. Embed a quiz in a chapter of\n`content/training/` with `{{#quiz ../../quizzes/FILE.toml}}` (the path is relative to the\nchapter's file), or from anywhere by its id: `{{#quiz ID}}` (the file name without `.toml`,\nunless `[quiz]` sets an `id`).\n";

/// Where CI installs supportbook from: the `--tool-git` given, else the
/// repository this build names (Cargo.toml's `repository`), if any.
fn tool_source(args: &InitArgs) -> Result<(Option<String>, Option<String>)> {
    let url = args
        .tool_git
        .clone()
        .or_else(|| Some(env!("CARGO_PKG_REPOSITORY").to_string()).filter(|u| !u.is_empty()));
    let checks = [
        (
            "--tool-git",
            url.as_deref(),
            crate::core::config::git_url_problem as fn(&str) -> _,
        ),
        (
            "--tool-rev",
            args.tool_rev.as_deref(),
            crate::core::config::git_rev_problem,
        ),
    ];
    for (flag, value, problem) in checks {
        if let Some(why) = value.and_then(problem) {
            return Err(Error::Refused(format!(
                "{flag} {:?} is not usable: {why}",
                value.unwrap_or("")
            )));
        }
    }
    Ok((url, args.tool_rev.clone()))
}

fn book_toml(title: &str, tool_git: Option<&str>, tool_rev: Option<&str>) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let title = quote(title);
    let mut tool = String::from(
        "# The git repository (and tag, branch or commit) the CI workflow\n# installs supportbook from: .github/workflows/handbook.yml.\n",
    );
    match tool_git {
        Some(url) => tool.push_str(&format!("tool-git = {}\n", quote(url))),
        None => tool.push_str("# tool-git = \"https://github.com/OWNER/supportbook\"\n"),
    }
    match tool_rev {
        Some(rev) => tool.push_str(&format!("tool-rev = {}\n", quote(rev))),
        None => tool.push_str("# tool-rev = \"v0.1.0\"\n"),
    }
    format!(
        "[book]\ntitle = {title}\nsrc = \"content\"\nlanguage = \"en\"\n\n[output.html]\nadditional-css = [\"templates/supportbook.css\", \"assets/quiz.css\"]\nadditional-js = [\"assets/quiz.js\"]\n\n# supportbook's settings; `mdbook build` runs the same preprocessor when\n# mdbook-supportbook is on PATH.\n[preprocessor.supportbook]\nreview-days = 365\n{tool}"
    )
}

pub fn run(cwd: &Path, args: &InitArgs, quiet: bool) -> Result<()> {
    let dir = cwd.join(&args.dir);
    let reviewed = crate::today().to_string();
    let (tool_git, tool_rev) = tool_source(args)?;
    let files: Vec<(&str, String)> = vec![
        (
            "book.toml",
            book_toml(&args.title, tool_git.as_deref(), tool_rev.as_deref()),
        ),
        ("content/SUMMARY.md", SUMMARY.to_string()),
        ("content/README.md", README.to_string()),
        ("content/training/01-how-we-support.md", CHAPTER.to_string()),
        (
            "content/kb/web-server/example-site-down.md",
            ARTICLE.replace("REVIEWED", &reviewed),
        ),
        ("quizzes/README.md", QUIZZES_README.to_string()),
        // The reply rules this repository teaches with, for `coach`.
        ("rules/replies.toml", STARTER_RULES.to_string()),
        (
            "templates/supportbook.css",
            crate::render::templates::BUILTIN_CSS.to_string(),
        ),
        // The quiz widget, so a plain `mdbook build` with mdbook-supportbook
        // has it too (`supportbook build` would add it by itself).
        (
            "assets/quiz.js",
            crate::render::templates::QUIZ_JS.to_string(),
        ),
        (
            "assets/quiz.css",
            crate::render::templates::QUIZ_CSS.to_string(),
        ),
        (".gitignore", GITIGNORE.to_string()),
        (".github/workflows/handbook.yml", WORKFLOW.to_string()),
    ];
    // Refuse before writing anything, so a refusal leaves no half-made handbook.
    let existing: Vec<&str> = files
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| dir.join(p).symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() {
        return Err(Error::Refused(format!(
            "refusing to overwrite existing file{} in {}: {}",
            if existing.len() == 1 { "" } else { "s" },
            dir.display(),
            existing.join(", ")
        )));
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        // create_new: never overwrite, even if a file appeared meanwhile.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io("create", &path, e))?;
        std::io::Write::write_all(&mut f, text.as_bytes())
            .map_err(|e| Error::io("write", &path, e))?;
    }
    // Cycles, page dates and the What's new page come from git.
    let git = crate::pipeline::git::init_repo(&dir);
    if !quiet {
        eprintln!(
            "created a handbook in {} ({} files)",
            dir.display(),
            files.len()
        );
        match &git {
            InitRepo::Created => eprintln!(
                "initialised a git repository in {} (branch main, which the workflow publishes)",
                dir.display()
            ),
            InitRepo::Inside(top) => eprintln!(
                "{} is inside the git repository {}: git init not run",
                dir.display(),
                top.display()
            ),
            InitRepo::NoGit => eprintln!(
                "warning: git is not installed: run `git init` here once it is (training cycles and the What's new page need git)"
            ),
            InitRepo::Failed(why) => eprintln!(
                "warning: `git init` failed ({why}): run it yourself (training cycles and the What's new page need git)"
            ),
        }
        // `cd DIR` as typed when DIR is relative to where the user is.
        let here = std::env::current_dir().is_ok_and(|d| d == cwd);
        let shown = if here && args.dir.is_relative() {
            args.dir.clone()
        } else {
            dir.clone()
        };
        eprint!("{}", next_steps(&shown, &git, tool_git.is_some()));
    }
    Ok(())
}

/// What to do after `init`, as commands to type.
fn next_steps(dir: &Path, git: &InitRepo, has_tool_git: bool) -> String {
    let mut out = String::from("next steps:\n");
    if dir.components().any(|c| c != std::path::Component::CurDir) {
        out.push_str(&format!("  cd {}\n", dir.display()));
    }
    if !has_tool_git {
        out.push_str(
            "  $EDITOR book.toml           # set tool-git: the git repository CI installs supportbook from\n",
        );
    }
    out.push_str(
        "  supportbook serve --open    # preview at http://127.0.0.1:3000/, rebuilt as you save\n",
    );
    out.push_str("  supportbook check           # what CI runs on every push\n");
    if matches!(git, InitRepo::Created | InitRepo::Inside(_)) {
        out.push_str("  git add -A && git commit -m \"Start the handbook\"\n");
    }
    out
}
