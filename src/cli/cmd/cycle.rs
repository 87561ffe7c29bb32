//! `supportbook cycle start|list|status`.

use crate::cli::{CycleCommand, TextOrJson};
use crate::core::error::{Error, Result};
use crate::engine::{self, Loaded};
use crate::pipeline::cycle::{ItemKind, pick_cycle, whats_new};
use crate::pipeline::git::{ChangeKind, Repo, TAG_PREFIX};
use std::io::Write as _;
use std::path::Path;

fn repo(root: &Path) -> Result<Repo> {
    let repo = Repo::find(root).ok_or_else(|| Error::Refused(format!("{} is not in a git repository; training cycles are git tags (run `git init` and commit first)", root.display())))?;
    if !repo.has_head {
        return Err(Error::Refused(
            "the repository has no commits yet; commit the handbook first".into(),
        ));
    }
    Ok(repo)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !name.starts_with(['.', '-'])
        && !name.ends_with('.')
        && !name.contains("..")
}

pub fn run(root: &Path, cmd: &CycleCommand, quiet: bool) -> Result<()> {
    match cmd {
        CycleCommand::Start { name, message } => {
            if !valid_name(name) {
                return Err(Error::Refused(format!(
                    "`{name}` is not a usable cycle name: use letters, digits, `-`, `_` and `.` (e.g. 2026-q4)"
                )));
            }
            let repo = repo(root)?;
            let Loaded { diags, .. } = engine::load(root, crate::today())?;
            if diags.has_errors() {
                eprint!("{}", diags.render_human());
                return Err(Error::Refused(format!(
                    "not starting cycle `{name}`: `check` found {} error(s); fix them first",
                    diags.errors()
                )));
            }
            let tag = format!("{TAG_PREFIX}{name}");
            if repo.tag_exists(&tag) {
                return Err(Error::Refused(format!(
                    "cycle `{name}` already exists (tag {tag}); pick another name"
                )));
            }
            let dirty = repo.dirty()?;
            if !dirty.is_empty() {
                let shown: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
                let more = if dirty.len() > 5 {
                    format!(" and {} more", dirty.len() - 5)
                } else {
                    String::new()
                };
                return Err(Error::Refused(format!(
                    "not starting cycle `{name}`: uncommitted changes ({}{more}); commit or stash them so the cycle names exactly what trainees see",
                    shown.join(", ")
                )));
            }
            let msg = message
                .clone()
                .unwrap_or_else(|| format!("Training cycle {name}"));
            repo.tag_cycle(name, &msg)?;
            if !quiet {
                eprintln!("started cycle {name} (tag {tag})");
            }
            Ok(())
        }
        CycleCommand::List { format } => {
            let cycles = repo(root)?.cycles()?;
            let mut out = std::io::stdout().lock();
            super::stdout_written(match format {
                TextOrJson::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&cycles).map_err(Error::internal)?
                ),
                TextOrJson::Text if cycles.is_empty() => writeln!(
                    out,
                    "no cycles yet: `supportbook cycle start NAME` tags one"
                ),
                TextOrJson::Text => (|| {
                    for c in &cycles {
                        writeln!(out, "{:<20} {}  {}", c.name, c.date, c.message)?;
                    }
                    Ok(())
                })(),
            })
        }
        CycleCommand::Status { since, format } => {
            let repo = repo(root)?;
            let Loaded { handbook, .. } = engine::load(root, crate::today())?;
            let Some(cycle) = pick_cycle(&repo, since.as_deref())? else {
                return Err(Error::Refused(
                    "no cycle has been started yet: `supportbook cycle start NAME` tags one".into(),
                ));
            };
            if repo.shallow && !quiet {
                eprintln!("note: shallow git clone: the list may be incomplete");
            }
            let w = whats_new(&repo, &handbook, Some(cycle))?;
            let mut out = std::io::stdout().lock();
            super::stdout_written(match format {
                TextOrJson::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&w).map_err(Error::internal)?
                ),
                TextOrJson::Text => (|| {
                    let c = w
                        .since
                        .as_ref()
                        .map_or(("", ""), |c| (c.name.as_str(), c.date.as_str()));
                    writeln!(out, "since cycle {} ({}):", c.0, c.1)?;
                    if w.items.is_empty() {
                        writeln!(out, "  nothing changed")?;
                    }
                    for kind in [ItemKind::Chapter, ItemKind::Article, ItemKind::Quiz] {
                        for item in w.items.iter().filter(|i| i.kind == kind) {
                            let what = match item.change.kind {
                                ChangeKind::Added => "added",
                                ChangeKind::Changed => "changed",
                                ChangeKind::Renamed => "renamed",
                                ChangeKind::Removed => "removed",
                            };
                            let kind_name = match kind {
                                ItemKind::Chapter => "chapter",
                                ItemKind::Article => "article",
                                ItemKind::Quiz => "quiz",
                            };
                            let from = item.change.old_path.as_ref().map_or(String::new(), |o| {
                                format!(" (from {})", crate::core::diagnostic::display_path(o))
                            });
                            writeln!(
                                out,
                                "  {what:<8} {kind_name:<8} {}{from}  {}",
                                crate::core::diagnostic::display_path(&item.change.path),
                                item.title
                            )?;
                            for commit in &item.change.commits {
                                writeln!(
                                    out,
                                    "             {} {} {}",
                                    commit.short, commit.date, commit.subject
                                )?;
                            }
                        }
                    }
                    Ok(())
                })(),
            })
        }
    }
}
