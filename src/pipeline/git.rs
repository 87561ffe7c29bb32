//! What git knows about the handbook: when each file last changed (one pass
//! over history, renames followed), training cycles as annotated tags, and
//! what changed since a cycle.
//!
//! git is run as a program (`git log`, `git tag`, ...), a handful of times per
//! command, never once per file. Outside a repository, or in a shallow clone,
//! callers get `None` or partial data and say so in one line.

use crate::core::error::{Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The prefix of cycle tags.
pub const TAG_PREFIX: &str = "cycle/";

/// A repository the handbook lives in.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The repository's top folder.
    pub top: PathBuf,
    /// The handbook root relative to `top` (empty when they are the same).
    pub prefix: PathBuf,
    /// A shallow clone has only part of the history.
    pub shallow: bool,
    /// False before the first commit.
    pub has_head: bool,
}

/// One commit touching a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub commit: String,
    pub short: String,
    /// Committer date, YYYY-MM-DD.
    pub date: String,
    pub subject: String,
}

/// `git -C dir`, never prompting, with no repository forced on it from
/// the environment.
fn command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    c
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    command(dir)
        .args(args)
        .output()
        .map_err(|e| Error::Internal(format!("could not run git: {e}")))
}

fn git_ok(dir: &Path, args: &[&str]) -> Result<String> {
    let out = git(dir, args)?;
    if !out.status.success() {
        return Err(Error::Internal(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What `init` did about git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitRepo {
    /// `git init` made a new repository (branch `main` where git can name it).
    Created,
    /// The folder is already inside the repository at this top folder.
    Inside(PathBuf),
    /// git is not installed.
    NoGit,
    /// git is there but `git init` failed; git's message.
    Failed(String),
}

/// Makes `dir` a git repository unless it is already inside one.
pub fn init_repo(dir: &Path) -> InitRepo {
    if let Some(repo) = Repo::find(dir) {
        return InitRepo::Inside(repo.top);
    }
    let run = |args: &[&str]| command(dir).args(args).output();
    let failed = |o: &std::process::Output| {
        InitRepo::Failed(String::from_utf8_lossy(&o.stderr).trim().to_string())
    };
    // `main`: the branch the workflow `init` writes publishes from. Git
    // older than 2.28 has no --initial-branch: then its default.
    match run(&["init", "-q", "--initial-branch=main"]) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => InitRepo::NoGit,
        Err(e) => InitRepo::Failed(e.to_string()),
        Ok(o) if o.status.success() => InitRepo::Created,
        Ok(_) => match run(&["init", "-q"]) {
            Ok(o) if o.status.success() => InitRepo::Created,
            Ok(o) => failed(&o),
            Err(e) => InitRepo::Failed(e.to_string()),
        },
    }
}

impl Repo {
    /// The repository `root` is in, or `None` when it is not in one (or git
    /// is not installed).
    pub fn find(root: &Path) -> Option<Repo> {
        let out = git(
            root,
            &["rev-parse", "--show-toplevel", "--is-shallow-repository"],
        )
        .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let top = PathBuf::from(lines.next()?.trim());
        let shallow = lines.next().is_some_and(|l| l.trim() == "true");
        let canonical_root = root.canonicalize().ok()?;
        let canonical_top = top.canonicalize().ok()?;
        let prefix = canonical_root
            .strip_prefix(&canonical_top)
            .ok()?
            .to_path_buf();
        let has_head =
            git(root, &["rev-parse", "--verify", "-q", "HEAD"]).is_ok_and(|o| o.status.success());
        Some(Repo {
            top: canonical_top,
            prefix,
            shallow,
            has_head,
        })
    }

    /// A path relative to the handbook root, as git names it (relative to the top).
    fn to_git(&self, rel: &Path) -> String {
        crate::core::diagnostic::display_path(&self.prefix.join(rel))
    }

    /// A git path back to the handbook root; `None` when outside it.
    fn root_relative(&self, path: &str) -> Option<PathBuf> {
        Path::new(path)
            .strip_prefix(&self.prefix)
            .ok()
            .map(Path::to_path_buf)
    }

    /// When each path (relative to the handbook root) under `dirs` last
    /// changed, following renames. One `git log` for the whole history.
    pub fn last_changed(&self, dirs: &[&Path]) -> Result<HashMap<PathBuf, Change>> {
        if !self.has_head {
            return Ok(HashMap::new());
        }
        // No pathspec: limiting `git log` to paths makes git simplify history
        // commit by commit, which costs more than reading every commit's file
        // list and keeping the paths we want here. The short hash is cut from
        // the full one (`%h` makes git look up a unique prefix per commit).
        let text = git_ok(
            &self.top,
            &[
                "log",
                "-M",
                "--name-status",
                "--format=%x1e%H%x1f%x1f%cs%x1f%s",
                "HEAD",
            ],
        )?;
        let mut commits = parse_log(&text);
        for c in &mut commits {
            c.change.short = c.change.commit.chars().take(7).collect();
        }
        let wanted: Vec<String> = dirs.iter().map(|d| self.to_git(d)).collect();
        let under = |p: &str| wanted.iter().any(|w| Path::new(p).starts_with(w));
        Ok(fold_last_changed(&commits)
            .into_iter()
            .filter(|(p, _)| under(p))
            .filter_map(|(p, c)| Some((self.root_relative(&p)?, c)))
            .collect())
    }

    /// The cycle tags, oldest first: (name without the prefix, date, message).
    pub fn cycles(&self) -> Result<Vec<Cycle>> {
        let text = git_ok(
            &self.top,
            &[
                "for-each-ref",
                "--sort=creatordate",
                "--format=%(refname:short)%1f%(creatordate:short)%1f%(objectname:short)%1f%(contents:subject)",
                "refs/tags/cycle/",
            ],
        )?;
        Ok(text
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\u{1f}');
                let tag = f.next()?;
                Some(Cycle {
                    name: tag.strip_prefix(TAG_PREFIX)?.to_string(),
                    date: f.next().unwrap_or("").to_string(),
                    object: f.next().unwrap_or("").to_string(),
                    message: f.next().unwrap_or("").to_string(),
                })
            })
            .collect())
    }

    /// Whether the tag exists.
    pub fn tag_exists(&self, tag: &str) -> bool {
        git(
            &self.top,
            &["rev-parse", "--verify", "-q", &format!("refs/tags/{tag}")],
        )
        .is_ok_and(|o| o.status.success())
    }

    /// Files with uncommitted changes (tracked or untracked), as git prints them.
    pub fn dirty(&self) -> Result<Vec<String>> {
        let text = git_ok(
            &self.top,
            &["status", "--porcelain", "--untracked-files=normal"],
        )?;
        Ok(text
            .lines()
            .map(|l| l.get(3..).unwrap_or(l).to_string())
            .collect())
    }

    /// Tags HEAD as `cycle/NAME` (annotated).
    pub fn tag_cycle(&self, name: &str, message: &str) -> Result<()> {
        git_ok(
            &self.top,
            &["tag", "-a", &format!("{TAG_PREFIX}{name}"), "-m", message],
        )
        .map(|_| ())
    }

    /// What changed in `dirs` between `since` (a revision) and HEAD: net
    /// status per file, and the subjects of the commits that touched it.
    pub fn changes_since(&self, since: &str, dirs: &[&Path]) -> Result<Vec<FileChange>> {
        let specs: Vec<String> = dirs.iter().map(|d| self.to_git(d)).collect();
        let range = format!("{since}..HEAD");
        let mut args = vec!["diff", "-M", "--name-status", since, "HEAD", "--"];
        args.extend(specs.iter().map(String::as_str));
        let diff = git_ok(&self.top, &args)?;
        let mut log_args = vec![
            "log",
            "-M",
            "--name-status",
            "--format=%x1e%H%x1f%h%x1f%cs%x1f%s",
            range.as_str(),
            "--",
        ];
        log_args.extend(specs.iter().map(String::as_str));
        let log = parse_log(&git_ok(&self.top, &log_args)?);
        // path (as of HEAD) -> commits, following renames newest to oldest.
        let mut alias: HashMap<String, String> = HashMap::new();
        let mut touched: HashMap<String, Vec<Change>> = HashMap::new();
        for c in &log {
            for f in &c.files {
                let current = alias
                    .get(&f.path)
                    .cloned()
                    .unwrap_or_else(|| f.path.clone());
                touched
                    .entry(current.clone())
                    .or_default()
                    .push(c.change.clone());
                if let Some(old) = &f.old_path {
                    alias.insert(old.clone(), current);
                }
            }
        }
        let mut out = Vec::new();
        for line in diff.lines() {
            let parts: Vec<&str> = line.split('\t').collect();
            let (status, old, path) = match parts.as_slice() {
                [s, p] => (*s, None, *p),
                [s, o, p] => (*s, Some(*o), *p),
                _ => continue,
            };
            let kind = match status.chars().next() {
                Some('A') => ChangeKind::Added,
                Some('D') => ChangeKind::Removed,
                Some('R') => ChangeKind::Renamed,
                _ => ChangeKind::Changed,
            };
            let Some(rel) = self.root_relative(path) else {
                continue;
            };
            let mut commits = touched.get(path).cloned().unwrap_or_default();
            commits.dedup_by(|a, b| a.commit == b.commit);
            out.push(FileChange {
                path: rel,
                old_path: old.and_then(|o| self.root_relative(o)),
                kind,
                commits,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// A training cycle: an annotated tag `cycle/NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    pub name: String,
    pub date: String,
    pub object: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Changed,
    Renamed,
    Removed,
}

/// One file's net change since a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Relative to the handbook root (the old path for a removed file).
    pub path: PathBuf,
    /// For a rename: where it was.
    pub old_path: Option<PathBuf>,
    pub kind: ChangeKind,
    /// Newest first.
    pub commits: Vec<Change>,
}

/// A commit as `git log --name-status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCommit {
    pub change: Change,
    pub files: Vec<LogFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub status: char,
    pub path: String,
    /// For renames and copies.
    pub old_path: Option<String>,
}

/// Parses `git log --name-status --format=%x1e%H%x1f%h%x1f%cs%x1f%s` (pure).
pub fn parse_log(text: &str) -> Vec<LogCommit> {
    let mut out = Vec::new();
    for record in text.split('\u{1e}').filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let Some(header) = lines.next() else { continue };
        let mut f = header.split('\u{1f}');
        let change = Change {
            commit: f.next().unwrap_or("").to_string(),
            short: f.next().unwrap_or("").to_string(),
            date: f.next().unwrap_or("").to_string(),
            subject: f.next().unwrap_or("").to_string(),
        };
        let files = lines
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| {
                let parts: Vec<&str> = l.split('\t').collect();
                let status = parts.first()?.chars().next()?;
                match parts.as_slice() {
                    [_, p] => Some(LogFile {
                        status,
                        path: (*p).to_string(),
                        old_path: None,
                    }),
                    [_, o, p] => Some(LogFile {
                        status,
                        path: (*p).to_string(),
                        old_path: Some((*o).to_string()),
                    }),
                    _ => None,
                }
            })
            .collect();
        out.push(LogCommit { change, files });
    }
    out
}

/// The newest commit touching each path, following renames (pure). Commits
/// come newest first, as `git log` prints them; keys are the paths as they
/// are now (paths deleted since are left out).
pub fn fold_last_changed(commits: &[LogCommit]) -> BTreeMap<String, Change> {
    let mut last: BTreeMap<String, Change> = BTreeMap::new();
    // Historical path -> path now (None once deleted, as seen going back).
    let mut alias: HashMap<String, Option<String>> = HashMap::new();
    for c in commits {
        for f in &c.files {
            let current = match alias.get(&f.path) {
                Some(Some(now)) => Some(now.clone()),
                Some(None) => None,
                None => {
                    if f.status == 'D' {
                        alias.insert(f.path.clone(), None);
                        None
                    } else {
                        Some(f.path.clone())
                    }
                }
            };
            if let Some(now) = &current {
                last.entry(now.clone()).or_insert_with(|| c.change.clone());
            }
            if let Some(old) = &f.old_path {
                alias.insert(old.clone(), current.clone());
            }
            if f.status == 'A' {
                // Older commits with this path are about an earlier file of the same name.
                alias.insert(f.path.clone(), None);
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> String {
        text.replace("<RS>", "\u{1e}").replace("<US>", "\u{1f}")
    }

    #[test]
    fn last_changed_follows_renames_and_ignores_deleted_files() {
        // Newest first.
        let text = log(
            "<RS>c3<US>c3<US>2026-03-03<US>rename b\n\nR100\tkb/b.md\tkb/b2.md\n\
             <RS>c2<US>c2<US>2026-02-02<US>edit a, delete x\n\nM\tkb/a.md\nD\tkb/x.md\n\
             <RS>c1<US>c1<US>2026-01-01<US>add all\n\nA\tkb/a.md\nA\tkb/b.md\nA\tkb/x.md\n",
        );
        let commits = parse_log(&text);
        assert_eq!(commits.len(), 3);
        let last = fold_last_changed(&commits);
        assert_eq!(last.get("kb/a.md").map(|c| c.commit.as_str()), Some("c2"));
        assert_eq!(last.get("kb/b2.md").map(|c| c.commit.as_str()), Some("c3"));
        assert!(!last.contains_key("kb/b.md"));
        assert!(!last.contains_key("kb/x.md"));
        assert_eq!(
            last.get("kb/a.md").map(|c| c.date.as_str()),
            Some("2026-02-02")
        );
    }

    #[test]
    fn a_file_recreated_after_deletion_dates_from_its_new_commit() {
        let text = log(
            "<RS>c2<US>c2<US>2026-02-02<US>re-add\n\nA\tkb/a.md\n<RS>c1<US>c1<US>2026-01-01<US>x\n\nM\tkb/a.md\n",
        );
        let last = fold_last_changed(&parse_log(&text));
        assert_eq!(last.get("kb/a.md").map(|c| c.commit.as_str()), Some("c2"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert!(parse_log("").is_empty());
        let _ = fold_last_changed(&parse_log("\u{1e}\n\u{1e}x\nbad line\n\u{1e}a\u{1f}b\nM\n"));
    }
}
