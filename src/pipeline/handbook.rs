//! The checked handbook: everything validation accepted, the input of
//! render and index. In: checked articles, pages, quizzes and rules. Out:
//! lookups by id and by path, the groupings the KB pages show, and which
//! page embeds each quiz.

use crate::core::config::Project;
use crate::core::model::{Article, Page};
use crate::pipeline::quiz::Quiz;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything validation accepted: the input of render and index.
#[derive(Debug, Clone)]
pub struct Handbook {
    pub project: Project,
    pub today: Date,
    pub pages: Vec<Page>,
    /// Shared, so a rebuild that replaces one article copies pointers, not
    /// the handbook. Replace an article only by one with the same id and path
    /// (the lookups below are by position).
    pub articles: Vec<Arc<Article>>,
    pub quizzes: Vec<Quiz>,
    /// Reply rules (`rules/*.toml`): FreeText grading and `supportbook coach`.
    pub rules: Vec<crate::pipeline::rules::Rule>,
    /// Source-relative paths that SUMMARY.md lists.
    pub summary_listed: BTreeSet<PathBuf>,
    /// Page dates and what's new, from git (filled in by `build`).
    pub history: Option<crate::pipeline::cycle::History>,
    /// Article id -> position in `articles` (the first, for a duplicate id).
    by_id: HashMap<String, usize>,
    /// Article path (relative to the root) -> position in `articles`.
    by_path: HashMap<PathBuf, usize>,
}

/// What [`Handbook::new`] is made of.
pub struct Parts {
    pub project: Project,
    pub today: Date,
    pub pages: Vec<Page>,
    pub articles: Vec<Article>,
    pub quizzes: Vec<Quiz>,
    pub rules: Vec<crate::pipeline::rules::Rule>,
    pub summary_listed: BTreeSet<PathBuf>,
}

impl Handbook {
    pub fn new(parts: Parts) -> Handbook {
        let mut by_id = HashMap::with_capacity(parts.articles.len());
        let mut by_path = HashMap::with_capacity(parts.articles.len());
        for (i, a) in parts.articles.iter().enumerate() {
            by_id.entry(a.id.clone()).or_insert(i);
            by_path.insert(a.path.clone(), i);
        }
        Handbook {
            project: parts.project,
            today: parts.today,
            pages: parts.pages,
            articles: parts.articles.into_iter().map(Arc::new).collect(),
            quizzes: parts.quizzes,
            rules: parts.rules,
            summary_listed: parts.summary_listed,
            history: None,
            by_id,
            by_path,
        }
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.get(*self.by_id.get(id)?).map(|a| &**a)
    }

    /// The position in `articles` of the article at `path` (relative to the root).
    pub fn article_at(&self, path: &Path) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    pub fn quiz(&self, id: &str) -> Option<&Quiz> {
        self.quizzes.iter().find(|q| q.id == id)
    }

    /// The quiz a `{{#quiz ARG}}` directive in the page at `page_rel` (a
    /// source path) names: a path relative to the page, or a quiz id.
    pub fn quiz_for_directive(&self, page_rel: &Path, arg: &str) -> Option<&Quiz> {
        if !arg.ends_with(".toml") {
            return self.quiz(arg);
        }
        let dir = self
            .project
            .src
            .join(page_rel.parent().unwrap_or(Path::new("")));
        let target = crate::core::paths::resolve(&dir, arg)?;
        self.quizzes.iter().find(|q| q.path == target)
    }

    /// Where each embedded quiz can be taken: quiz id -> the site path
    /// (`.html`, with `#quiz-ID`) of the first page SUMMARY.md lists that
    /// embeds it with `{{#quiz ...}}`. Quizzes no page embeds are missing.
    pub fn quiz_urls(&self) -> HashMap<&str, String> {
        let mut out = HashMap::new();
        for p in self.pages.iter().filter(|p| p.in_summary) {
            if !p.source.contains("{{#quiz") {
                continue;
            }
            for d in crate::pipeline::quiz::directives(&p.source) {
                if let Some(q) = self.quiz_for_directive(&p.rel, &d.arg) {
                    out.entry(q.id.as_str()).or_insert_with(|| {
                        let page = crate::core::diagnostic::display_path(&p.rel);
                        format!("{}#quiz-{}", crate::core::paths::html_url(&page), q.id)
                    });
                }
            }
        }
        out
    }

    /// Articles grouped by product (first-seen spelling), sorted by title.
    pub fn by_product(&self) -> BTreeMap<String, Vec<&Article>> {
        group(&self.articles, |a| &a.products)
    }

    /// Articles grouped by tag, sorted by title.
    pub fn by_tag(&self) -> BTreeMap<String, Vec<&Article>> {
        group(&self.articles, |a| &a.tags)
    }
}

fn group(
    articles: &[Arc<Article>],
    key: impl Fn(&Article) -> &Vec<String>,
) -> BTreeMap<String, Vec<&Article>> {
    let mut map: BTreeMap<String, Vec<&Article>> = BTreeMap::new();
    for a in articles {
        let a = &**a;
        let keys = key(a);
        if keys.is_empty() {
            map.entry(String::new()).or_default().push(a);
        }
        for k in keys {
            map.entry(k.clone()).or_default().push(a);
        }
    }
    for list in map.values_mut() {
        list.sort_by(|a, b| {
            a.title
                .to_lowercase()
                .cmp(&b.title.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        list.dedup_by(|a, b| a.id == b.id);
    }
    map
}
