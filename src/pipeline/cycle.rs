//! Training cycles: what changed since the last cycle tag, classified into
//! chapters, articles and quizzes, for `cycle status` and the generated
//! "What's new this cycle" page.

use crate::core::error::Result;
use crate::pipeline::git::{ChangeKind, Cycle, FileChange, Repo};
use crate::pipeline::handbook::Handbook;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Chapter,
    Article,
    Quiz,
}

/// One changed chapter, article or quiz.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: ItemKind,
    pub title: String,
    /// The id of an article or quiz that still exists.
    pub id: Option<String>,
    #[serde(flatten)]
    pub change: FileChange,
}

/// Everything that changed since a cycle.
#[derive(Debug, Clone, Serialize)]
pub struct WhatsNew {
    /// The cycle compared with; `None` when no cycle has been tagged yet.
    pub since: Option<Cycle>,
    pub items: Vec<Item>,
}

impl WhatsNew {
    pub fn of(&self, kind: ItemKind, change: ChangeKind) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(move |i| i.kind == kind && i.change.kind == change)
    }
}

fn classify(handbook: &Handbook, path: &Path) -> Option<ItemKind> {
    let p = &handbook.project;
    let src = &p.src;
    if path.starts_with(&p.settings.quizzes_dir) {
        return path
            .extension()
            .is_some_and(|e| e == "toml")
            .then_some(ItemKind::Quiz);
    }
    let rel = path.strip_prefix(src).ok()?;
    if path.extension().is_none_or(|e| e != "md") || rel == Path::new("SUMMARY.md") {
        return None;
    }
    Some(if rel.starts_with(&p.settings.kb_dir) {
        ItemKind::Article
    } else {
        ItemKind::Chapter
    })
}

fn title_of(handbook: &Handbook, kind: ItemKind, path: &Path) -> (String, Option<String>) {
    let fallback = || {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    match kind {
        ItemKind::Article => handbook
            .articles
            .iter()
            .find(|a| a.path == path)
            .map_or_else(
                || (fallback(), None),
                |a| (a.title.clone(), Some(a.id.clone())),
            ),
        ItemKind::Quiz => handbook
            .quizzes
            .iter()
            .find(|q| q.path == path)
            .map_or_else(
                || (fallback(), None),
                |q| (q.title.clone(), Some(q.id.clone())),
            ),
        ItemKind::Chapter => handbook
            .pages
            .iter()
            .find(|p| p.path == path)
            .and_then(|p| p.outline.h1().map(str::to_string))
            .map_or_else(|| (fallback(), None), |t| (t, None)),
    }
}

/// The cycle named `since`, or the latest one.
pub fn pick_cycle(repo: &Repo, since: Option<&str>) -> Result<Option<Cycle>> {
    let cycles = repo.cycles()?;
    match since {
        Some(name) => {
            let name = name
                .strip_prefix(crate::pipeline::git::TAG_PREFIX)
                .unwrap_or(name);
            match cycles.into_iter().find(|c| c.name == name) {
                Some(c) => Ok(Some(c)),
                None => Err(crate::core::error::Error::Refused(format!(
                    "there is no cycle `{name}` (tag {}{name}); `supportbook cycle list` shows them",
                    crate::pipeline::git::TAG_PREFIX
                ))),
            }
        }
        None => Ok(cycles.into_iter().last()),
    }
}

/// What changed since `cycle` (all of history's net effect is not shown
/// when there is no cycle yet: the list is then empty).
pub fn whats_new(repo: &Repo, handbook: &Handbook, cycle: Option<Cycle>) -> Result<WhatsNew> {
    let Some(c) = cycle else {
        return Ok(WhatsNew {
            since: None,
            items: Vec::new(),
        });
    };
    let p = &handbook.project;
    let dirs = [p.src.as_path(), Path::new(&p.settings.quizzes_dir)];
    let changes = repo.changes_since(
        &format!("refs/tags/{}{}", crate::pipeline::git::TAG_PREFIX, c.name),
        &dirs,
    )?;
    let mut items: Vec<Item> = changes
        .into_iter()
        .filter_map(|change| {
            let kind = classify(handbook, &change.path)?;
            let (title, id) = title_of(handbook, kind, &change.path);
            Some(Item {
                kind,
                title,
                id,
                change,
            })
        })
        .collect();
    items.sort_by(|a, b| (a.kind, &a.title).cmp(&(b.kind, &b.title)));
    Ok(WhatsNew {
        since: Some(c),
        items,
    })
}

/// Paths (relative to the root) that git should look at for page dates.
pub fn tracked_dirs(handbook: &Handbook) -> Vec<PathBuf> {
    vec![
        handbook.project.src.clone(),
        PathBuf::from(&handbook.project.settings.quizzes_dir),
    ]
}

/// What git contributes to a build: page dates and the what's-new page.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Path relative to the root -> its last commit.
    pub last_changed: std::collections::HashMap<PathBuf, crate::pipeline::git::Change>,
    /// `None` outside a repository.
    pub whats_new: Option<WhatsNew>,
}

/// Reads history for a build. Outside a repository or in a shallow clone it
/// returns what it can and pushes a one-line notice.
pub fn history(handbook: &Handbook, notices: &mut Vec<String>) -> History {
    let mut h = History::default();
    let Some(repo) = Repo::find(&handbook.project.root) else {
        notices.push("not a git repository: pages show no last-changed dates and there is no what's-new page".into());
        return h;
    };
    if repo.shallow {
        notices.push("shallow git clone: last-changed dates and what's new may be incomplete (fetch full history, e.g. fetch-depth: 0)".into());
    }
    if !repo.has_head {
        notices.push("git repository has no commits yet: pages show no last-changed dates".into());
        return h;
    }
    let dirs = tracked_dirs(handbook);
    let dir_refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    match repo.last_changed(&dir_refs) {
        Ok(map) => h.last_changed = map,
        Err(e) => notices.push(format!("git history unavailable: {e}")),
    }
    match pick_cycle(&repo, None).and_then(|c| whats_new(&repo, handbook, c)) {
        Ok(w) => h.whats_new = Some(w),
        Err(e) => notices.push(format!("what's new unavailable: {e}")),
    }
    h
}
