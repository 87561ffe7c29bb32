//! Layer 4, the engine: the one place that orders the stages.
//!
//! ```text
//! load -> validate (+ templates) -> history (git) -> render -> index
//! ```
//!
//! In: a project root, and then the paths that changed. Out: a site on
//! disk, a search index in step with it, and an [`Outcome`] saying what was
//! done and what is wrong. Every entry point goes through here: `build` and
//! `check` ([`load`], [`Engine::full`]), `watch` and `serve`
//! ([`Engine::rebuild`] on each batch of changes), `search` ([`search_index`])
//! and the mdBook preprocessor ([`load`]).
//!
//! The engine keeps what it loaded, so a rebuild re-reads only the files
//! that changed: one edited KB article whose listing (id, title, summary,
//! products, tags, state, review status) is unchanged is re-checked alone,
//! re-renders just its own page and updates its own search document;
//! anything else re-validates and runs the full site build (which still
//! writes only pages whose inputs changed). A rebuild with errors keeps the
//! last good site and reports the diagnostics; the next rebuild starts from
//! the files on disk again, so fixing the file recovers.
//!
//! A build reads only the commit's files and git history, never anything
//! machine-local (quiz results), so the same commit builds the same bytes
//! on every machine.

pub mod change;
pub mod lock;

pub use change::{Change, Layout, classify, is_editor_temp};

use crate::core::config::{self, Project};
use crate::core::diagnostic::{Diagnostics, plural};
use crate::core::error::{Error, Result};
use crate::core::model::Article;
use crate::index::{self, SearchIndex};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::load::{self, RawDoc, RawHandbook, Stamps};
use crate::pipeline::{cycle, validate};
use crate::render::site;
use crate::render::templates::Templates;
use jiff::civil::Date;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What [`load`] read and checked.
pub struct Loaded {
    pub handbook: Handbook,
    pub templates: Templates,
    /// When each input of the search index was read.
    pub stamps: Stamps,
    /// Every problem found, sorted.
    pub diags: Diagnostics,
}

/// load -> validate, plus templates: the front half of every command.
pub fn load(root: &Path, today: Date) -> Result<Loaded> {
    let mut diags = Diagnostics::new();
    let (project, d) = config::load(root)?;
    diags.extend(d);
    let (raw, d) = load::load(project)?;
    diags.extend(d);
    let stamps = raw.stamps.clone();
    let (handbook, d) = validate::validate(raw, today);
    diags.extend(d);
    let (templates, d) = Templates::load(&handbook.project)?;
    diags.extend(d);
    diags.sort();
    Ok(Loaded {
        handbook,
        templates,
        stamps,
        diags,
    })
}

/// [`load`] for the `mdbook-supportbook` binary (a
/// [`crate::render::preprocessor::Loader`]): warnings go to stderr, errors
/// stop the build.
pub fn load_for_mdbook(root: &Path) -> anyhow::Result<(Handbook, Templates)> {
    let Loaded {
        handbook,
        templates,
        diags,
        ..
    } = load(root, crate::today())?;
    if !diags.is_empty() {
        eprint!("{}", diags.render_human());
    }
    if diags.has_errors() {
        anyhow::bail!(
            "supportbook found {} error(s); fix them and build again",
            diags.errors()
        );
    }
    Ok((handbook, templates))
}

/// The search index, current with the files on disk: when a `stat` of each
/// input shows nothing changed since the last update (the path of nearly
/// every search) it is opened as it is; otherwise the handbook is loaded
/// and checked and the index brought in line with it. A damaged index is
/// rebuilt. `notices` gets one-line messages for the user.
pub fn search_index(project: &Project, notices: &mut Vec<String>) -> Result<SearchIndex> {
    let refresh = |notices: &mut Vec<String>| -> Result<usize> {
        let loaded = load(&project.root, crate::today())?;
        Ok(index::update(&loaded.handbook, &loaded.stamps, notices)?.documents)
    };
    let documents = match index::current(project) {
        Some(n) => n,
        None => refresh(notices)?,
    };
    index::open_or_rebuild(project, documents, notices, |n| refresh(n).map(|_| ()))
}

/// [`search_index`], then `f` on it. A damaged index met on the way (an
/// error or a panic inside tantivy, opening or searching, or files failing
/// their checksums when the answer is `doubtful`) is rebuilt with the
/// notice "search index: damaged (...), rebuilding", and `f` runs again.
pub fn search_with<T>(
    project: &Project,
    notices: &mut Vec<String>,
    f: impl Fn(&SearchIndex) -> Result<T>,
    doubtful: impl Fn(&T) -> bool,
) -> Result<T> {
    index::query(project, notices, |n| search_index(project, n), f, doubtful)
}

/// Reads what git contributes to a build (page dates, what's new), unless
/// the handbook has no articles or quizzes: a plain mdBook book is left
/// exactly as mdBook builds it.
fn history(handbook: &Handbook, notices: &mut Vec<String>) -> Option<cycle::History> {
    (!handbook.articles.is_empty() || !handbook.quizzes.is_empty())
        .then(|| cycle::history(handbook, notices))
}

/// A run that failed for a reason other than the files' problems, as an
/// outcome: the site on disk stays as it was.
fn failed(e: Error) -> Outcome {
    Outcome {
        errors: 1,
        diagnostics: format!("error: {e}\n"),
        summary: "failed".into(),
        ..Outcome::default()
    }
}

/// How an [`Engine`] builds, beyond what book.toml says.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the site goes (default: mdBook's build dir).
    pub dest: Option<PathBuf>,
    pub site: site::Options,
    /// Warnings count as errors (`--strict`).
    pub strict: bool,
}

/// What one run of the engine did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Nothing relevant changed; nothing was done.
    pub skipped: bool,
    /// Only article pages were re-rendered (mdBook was not run).
    pub fast: bool,
    /// Pages written.
    pub written: usize,
    /// Errors and warnings, rendered for people (empty when none).
    pub diagnostics: String,
    /// How many errors; 0 means the site on disk is current.
    pub errors: usize,
    pub warnings: usize,
    /// One-line notes for the user (git history, index rebuilds).
    pub notices: Vec<String>,
    /// The site build's report, after a full build.
    pub site: Option<site::BuildReport>,
    /// Search documents added, replaced or removed.
    pub indexed: usize,
    pub elapsed: Duration,
    /// What was redone, for the log line.
    pub summary: String,
}

/// A handbook being built: what was loaded, the last good result, and the
/// options to build with.
pub struct Engine {
    pub root: PathBuf,
    pub dest: PathBuf,
    pub layout: Layout,
    options: Options,
    raw: Option<RawHandbook>,
    /// The last handbook that built without errors.
    handbook: Option<Arc<Handbook>>,
    templates: Option<Arc<Templates>>,
    book_title: String,
    /// The last rebuild had errors: `dest` still holds the last good site,
    /// and the next rebuild re-reads every source file.
    failed: bool,
    /// Page dates and what's new from git, read once (at the first build and
    /// on a full reload): edits do not move them until they are committed.
    history: Option<cycle::History>,
    /// The article pages' frame, kept between one-article rebuilds (which
    /// change nothing it depends on); dropped by every other build.
    frame: Option<Arc<site::Frame>>,
}

/// The fields other pages show for an article (the KB overview, product and
/// tag pages, related-article links, quiz pages): when they are unchanged no
/// other page needs rendering.
fn listing(a: &Article) -> impl PartialEq + use<'_> {
    (
        (&a.id, &a.title, &a.summary, &a.products, &a.tags),
        (
            a.state,
            a.audience,
            a.in_summary,
            a.needs_review(),
            a.reviewed,
        ),
        (&a.rel, &a.related, &a.owner, a.review),
    )
}

impl Engine {
    /// An engine for `root`. Nothing is read until the first
    /// [`Engine::full`] or [`Engine::rebuild`].
    pub fn new(root: &Path, options: Options) -> Result<Engine> {
        let (project, _) = config::load(root)?;
        let bd = project.build_dir();
        // The destination is judged first, before any check prints a
        // warning, and written to as resolved.
        let dest = site::check_dest(
            &project,
            &options.dest.clone().unwrap_or_else(|| root.join(&bd)),
        )?;
        let real_root = site::resolve(root)?;
        let rel_dest = dest
            .strip_prefix(&real_root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| bd.clone());
        Ok(Engine {
            root: root.to_path_buf(),
            dest,
            layout: Layout::of(&project, &rel_dest),
            options,
            raw: None,
            handbook: None,
            templates: None,
            book_title: String::new(),
            failed: false,
            history: None,
            frame: None,
        })
    }

    /// The last handbook that built without errors.
    pub fn handbook(&self) -> Option<&Arc<Handbook>> {
        self.handbook.as_ref()
    }

    /// Loads everything and builds the whole site, calling `progress` with
    /// (done, total) while article pages render. Problems in the files are
    /// in the [`Outcome`]; an `Err` is a failure of another kind (I/O, a
    /// refused destination).
    pub fn full(&mut self, progress: site::Progress<'_>) -> Result<Outcome> {
        self.raw = None;
        self.templates = None;
        self.history = None;
        let start = Instant::now();
        let result = self.try_run(&[(PathBuf::new(), Change::Config)], progress);
        self.failed = !matches!(&result, Ok(o) if o.errors == 0);
        result.map(|mut out| {
            out.elapsed = start.elapsed();
            out
        })
    }

    /// [`Engine::full`], with a failure reported in the [`Outcome`] (for
    /// `watch` and `serve`, which keep running).
    pub fn full_reported(&mut self) -> Outcome {
        let start = Instant::now();
        let mut out = self.full(&|_, _| {}).unwrap_or_else(failed);
        out.elapsed = start.elapsed();
        out
    }

    /// Redoes what the changed paths (relative to the root) need.
    pub fn rebuild(&mut self, changed: &BTreeSet<PathBuf>) -> Outcome {
        let kinds: Vec<(PathBuf, Change)> = changed
            .iter()
            .map(|p| (p.clone(), classify(p, &self.layout)))
            .filter(|(_, c)| *c != Change::Ignored)
            .collect();
        if kinds.is_empty() {
            return Outcome {
                skipped: true,
                ..Outcome::default()
            };
        }
        self.run(&kinds, &|_, _| {})
    }

    fn run(&mut self, kinds: &[(PathBuf, Change)], progress: site::Progress<'_>) -> Outcome {
        let start = Instant::now();
        let mut out = self.try_run(kinds, progress).unwrap_or_else(failed);
        out.elapsed = start.elapsed();
        self.failed = out.errors > 0;
        out
    }

    fn try_run(
        &mut self,
        kinds: &[(PathBuf, Change)],
        progress: site::Progress<'_>,
    ) -> Result<Outcome> {
        // One build at a time per project: the check, the staging folder, the
        // site and the index, until this returns.
        let _lock = crate::engine::lock::acquire(&self.root.join(".supportbook"), false)?;
        let worst = kinds
            .iter()
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(Change::Ignored);
        let mut diags = Diagnostics::new();
        if worst == Change::Config || self.raw.is_none() {
            let (project, d) = config::load(&self.root)?;
            diags.extend(d);
            // book.toml may have moved the source, KB, quiz or template folders.
            let build_dir = self.layout.build_dir.clone();
            self.layout = Layout::of(&project, &build_dir);
            self.book_title = project.book_title();
            let t = Instant::now();
            let (raw, d) = load::load(project)?;
            tracing::debug!("loaded {} files in {:?}", raw.stamps.len(), t.elapsed());
            diags.extend(d);
            self.raw = Some(raw);
            self.templates = None;
        } else if worst == Change::Article && !self.failed {
            match self.reread_articles(kinds, &mut diags)? {
                None => return self.reload_sources(worst, progress),
                Some(docs) => {
                    if diags.is_empty()
                        && let Some(out) = self.try_fast(docs)?
                    {
                        return Ok(out);
                    }
                }
            }
        } else if worst != Change::Template || self.failed {
            return self.reload_sources(worst, progress);
        }
        self.finish(diags, kinds, worst, progress)
    }

    /// Re-reads the changed articles into the loaded files; `None` when one
    /// of them is new or gone (then everything is read again).
    fn reread_articles(
        &mut self,
        kinds: &[(PathBuf, Change)],
        diags: &mut Diagnostics,
    ) -> Result<Option<Vec<RawDoc>>> {
        let raw = self.raw.as_mut().ok_or_else(|| Error::internal("no raw"))?;
        let mut docs = Vec::new();
        for (rel, _) in kinds {
            let full = self.root.join(rel);
            // A link is judged by the full walk (it may lead out of the project).
            let found = raw.docs.iter_mut().find(|d| d.path == *rel);
            let Some(doc) = found.filter(|_| !full.is_symlink()) else {
                return Ok(None);
            };
            if !full.is_file() {
                // Gone (deleted, or renamed away): everything is read again.
                return Ok(None);
            }
            let mut d = Vec::new();
            let (text, stamp) = load::read_text_stamped(&full, rel, &mut d)?;
            match text {
                Some(text) => {
                    doc.source = text;
                    raw.stamps
                        .insert(crate::core::diagnostic::display_path(rel), stamp);
                    docs.push(doc.clone());
                }
                _ => return Ok(None),
            }
            diags.extend(d);
        }
        Ok(Some(docs))
    }

    /// Re-reads every source file (not book.toml), then builds.
    fn reload_sources(&mut self, worst: Change, progress: site::Progress<'_>) -> Result<Outcome> {
        let mut diags = Diagnostics::new();
        let project = match &self.raw {
            Some(r) => r.project.clone(),
            None => {
                let (p, d) = config::load(&self.root)?;
                diags.extend(d);
                p
            }
        };
        let (raw, d) = load::load(project)?;
        diags.extend(d);
        self.raw = Some(raw);
        self.finish(diags, &[], worst.max(Change::Content), progress)
    }

    /// Validates what is loaded and, without errors, renders and indexes.
    fn finish(
        &mut self,
        mut diags: Diagnostics,
        kinds: &[(PathBuf, Change)],
        worst: Change,
        progress: site::Progress<'_>,
    ) -> Result<Outcome> {
        let t = Instant::now();
        let raw = self.raw.clone().ok_or_else(|| Error::internal("no raw"))?;
        let (mut handbook, d) = validate::validate(raw, crate::today());
        diags.extend(d);
        tracing::debug!("validated in {:?}", t.elapsed());
        let mut notices = Vec::new();
        if worst >= Change::Config {
            self.history = None;
        }
        if self.history.is_none() {
            let t = Instant::now();
            self.history = history(&handbook, &mut notices);
            tracing::debug!("read git history in {:?}", t.elapsed());
        }
        handbook.history = self.history.clone();
        if worst >= Change::Template || self.templates.is_none() {
            let (templates, d) = Templates::load(&handbook.project)?;
            diags.extend(d);
            self.templates = Some(Arc::new(templates));
        }
        diags.sort();
        if self.options.strict {
            diags.make_strict();
        }
        let mut out = Outcome {
            diagnostics: diags.render_human(),
            errors: diags.errors(),
            warnings: diags.warnings(),
            notices,
            ..Outcome::default()
        };
        if diags.has_errors() {
            out.summary = "not rebuilt: the last good site stays".into();
            return Ok(out);
        }
        let templates = self
            .templates
            .clone()
            .ok_or_else(|| Error::internal("no templates"))?;
        let handbook = Arc::new(handbook);
        let mut only = None;
        if let Some(articles) = self.fast_path_articles(&handbook, kinds, worst) {
            self.render_articles(&handbook, &templates, &articles, &mut out)?;
            only = Some(articles.iter().map(|a| a.path.clone()).collect::<Vec<_>>());
        } else {
            self.frame = None;
            let t = Instant::now();
            let report = site::build_with(
                handbook.clone(),
                templates,
                &self.dest,
                progress,
                &self.options.site,
            )?;
            tracing::debug!("built the site in {:?}", t.elapsed());
            out.written = report.article_pages_written + report.files_copied;
            out.summary = format!(
                "rebuilt the site ({} page{} written)",
                out.written,
                plural(out.written)
            );
            out.site = Some(report);
        }
        self.index_and_keep(handbook, out, only.as_deref())
    }

    /// Updates the search index and keeps `handbook` as the last good one.
    /// `only`: the articles (paths from the root) that changed, when
    /// nothing else did (their documents alone are updated).
    fn index_and_keep(
        &mut self,
        handbook: Arc<Handbook>,
        mut out: Outcome,
        only: Option<&[PathBuf]>,
    ) -> Result<Outcome> {
        let stamps = &self
            .raw
            .as_ref()
            .ok_or_else(|| Error::internal("no raw"))?
            .stamps;
        let t = Instant::now();
        let indexed = match only {
            Some(paths) => index::update_articles(&handbook, stamps, paths, &mut out.notices)?,
            None => index::update(&handbook, stamps, &mut out.notices)?,
        };
        tracing::debug!("updated the search index in {:?}", t.elapsed());
        out.indexed = indexed.indexed + indexed.removed;
        out.summary.push_str(&format!(
            ", {} search document{} updated",
            out.indexed,
            plural(out.indexed)
        ));
        self.handbook = Some(handbook);
        Ok(out)
    }

    /// Writes just these article pages into the existing site.
    fn render_articles(
        &mut self,
        handbook: &Handbook,
        templates: &Templates,
        articles: &[&Article],
        out: &mut Outcome,
    ) -> Result<()> {
        let t = Instant::now();
        let frame = match &self.frame {
            Some(f) => f.clone(),
            None => {
                let stage = handbook.project.state_dir().join("stage");
                let f = Arc::new(site::Frame::new(handbook, &stage, &self.book_title)?);
                self.frame = Some(f.clone());
                f
            }
        };
        let pages = site::ArticlePages::new(handbook, templates, &frame);
        tracing::debug!("prepared the article renderer in {:?}", t.elapsed());
        let mut keys = Vec::with_capacity(articles.len());
        for a in articles {
            let (page, key, wrote) = pages.write(a, &self.dest, None)?;
            out.written += usize::from(wrote);
            keys.push((page, key));
        }
        tracing::debug!("rendered {} pages after {:?}", keys.len(), t.elapsed());
        site::record_pages(handbook, &self.dest, &keys)?;
        tracing::debug!("recorded them after {:?}", t.elapsed());
        out.fast = true;
        out.summary = format!(
            "re-rendered {} article page{}",
            articles.len(),
            plural(articles.len())
        );
        Ok(())
    }

    /// The quickest path: the changed articles are re-checked alone against
    /// the last good handbook; `None` when that is not enough.
    fn try_fast(&mut self, docs: Vec<RawDoc>) -> Result<Option<Outcome>> {
        let (Some(old), Some(templates)) = (self.handbook.clone(), self.templates.clone()) else {
            return Ok(None);
        };
        let mut diags = Diagnostics::new();
        let mut replaced = Vec::with_capacity(docs.len());
        let t = Instant::now();
        for doc in docs {
            let Some((a, d)) = validate::revalidate_article(&old, doc) else {
                return Ok(None);
            };
            let Some(at) = old.article_at(&a.path) else {
                return Ok(None);
            };
            let before = old.articles.get(at).map(|b| &**b);
            if a.in_summary || before.is_none_or(|b| listing(&a) != listing(b)) {
                return Ok(None);
            }
            diags.extend(d);
            replaced.push((at, a));
        }
        tracing::debug!("re-checked the changed articles in {:?}", t.elapsed());
        // Articles are shared, so this copies pointers, not the handbook.
        let mut next = (*old).clone();
        for (at, a) in replaced.iter() {
            if let Some(slot) = next.articles.get_mut(*at) {
                *slot = Arc::new(a.clone());
            }
        }
        let handbook = Arc::new(next);
        let changed: Vec<&Article> = replaced
            .iter()
            .filter_map(|(at, _)| handbook.articles.get(*at).map(|a| &**a))
            .collect();
        diags.sort();
        let mut out = Outcome {
            diagnostics: diags.render_human(),
            warnings: diags.warnings(),
            ..Outcome::default()
        };
        self.render_articles(&handbook, &templates, &changed, &mut out)?;
        let paths: Vec<PathBuf> = changed.iter().map(|a| a.path.clone()).collect();
        self.index_and_keep(handbook, out, Some(&paths)).map(Some)
    }

    /// The changed articles, when only unlisted articles changed and none of
    /// them changed what an index page shows; else `None` (full build).
    fn fast_path_articles<'h>(
        &self,
        new: &'h Handbook,
        kinds: &[(PathBuf, Change)],
        worst: Change,
    ) -> Option<Vec<&'h Article>> {
        if worst != Change::Article || kinds.is_empty() || self.failed {
            return None;
        }
        let old = self.handbook.as_ref()?;
        if old.articles.len() != new.articles.len() {
            return None;
        }
        let mut out = Vec::new();
        for (rel, _) in kinds {
            let a = new.articles.get(new.article_at(rel)?)?;
            let before = old.articles.get(old.article_at(rel)?)?;
            if a.in_summary || listing(a) != listing(before) {
                return None;
            }
            out.push(&**a);
        }
        Some(out)
    }
}
