//! Stage 5, watch: classify each changed file and redo only what it needs.
//!
//! [`classify`] is the pure core (table-tested below). [`Workspace`] keeps
//! the loaded files, the checked handbook and the templates in memory, so a
//! rebuild re-reads only the files that changed. One edited KB article whose
//! listing (id, title, summary, products, tags, state, review status) is
//! unchanged re-renders just its own page into the existing site and updates
//! its search entry; anything else re-validates and runs the full site build
//! (which still writes only pages whose inputs changed). A rebuild with
//! errors keeps the last good site and reports the diagnostics; the next
//! rebuild starts from the files on disk again, so fixing the file recovers.
//!
//! [`watch`] connects notify (native events, or polling with `--poll`),
//! without access events, to notify-debouncer-mini and to a callback (which
//! calls [`Workspace::rebuild`]).

use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::load::{self, RawDoc, RawHandbook};
use crate::model::{Article, Handbook};
use crate::project::{self, Project};
use crate::render::site;
use crate::templates::Templates;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a changed path is, for deciding what to redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Not an input: output, state, VCS, editor temp files, unrelated files.
    Ignored,
    /// A KB article (`<src>/<kb-dir>/**.md`).
    Article,
    /// Any other file under the source folder (chapters, SUMMARY.md, images).
    Content,
    /// A quiz file (`<quizzes-dir>/**.toml`) or a reply rules file
    /// (`<rules-dir>/**.toml`, which grades FreeText questions).
    Quiz,
    /// Our templates or mdBook's theme folder.
    Template,
    /// book.toml: everything is reloaded.
    Config,
}

/// The folders [`classify`] needs, relative to the project root.
#[derive(Debug, Clone)]
pub struct Layout {
    pub src: PathBuf,
    pub kb_dir: String,
    pub quizzes_dir: String,
    pub rules_dir: String,
    pub templates_dir: String,
    /// mdBook's build dir (`book`), never an input.
    pub build_dir: PathBuf,
}

impl Layout {
    pub fn of(project: &Project, build_dir: &Path) -> Layout {
        Layout {
            src: project.src.clone(),
            kb_dir: project.settings.kb_dir.clone(),
            quizzes_dir: project.settings.quizzes_dir.clone(),
            rules_dir: project.settings.rules_dir.clone(),
            templates_dir: project.settings.templates_dir.clone(),
            build_dir: build_dir.to_path_buf(),
        }
    }
}

/// True for the files editors write next to the one being edited (swap,
/// backup, lock and atomic-save files).
pub fn is_editor_temp(name: &str) -> bool {
    name.starts_with(".#")
        || name.starts_with(".goutputstream")
        || name.starts_with('~')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".crswap", ".part"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || (name.starts_with('#') && name.ends_with('#'))
}

/// Sorts one changed path (relative to the project root) into a [`Change`].
pub fn classify(rel: &Path, layout: &Layout) -> Change {
    let parts: Vec<&std::ffi::OsStr> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    let Some(name) = parts.last().map(|n| n.to_string_lossy()) else {
        return Change::Ignored;
    };
    if is_editor_temp(&name) {
        return Change::Ignored;
    }
    let first = parts.first().map(|f| f.to_string_lossy());
    if matches!(
        first.as_deref(),
        Some(".git" | ".supportbook" | "node_modules" | "target")
    ) || (!layout.build_dir.as_os_str().is_empty() && rel.starts_with(&layout.build_dir))
    {
        return Change::Ignored;
    }
    if parts.len() == 1 && name == "book.toml" {
        return Change::Config;
    }
    if rel.starts_with(&layout.templates_dir) || rel.starts_with("theme") {
        return Change::Template;
    }
    let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
    if rel.starts_with(&layout.quizzes_dir) || rel.starts_with(&layout.rules_dir) {
        return if ext == "toml" {
            Change::Quiz
        } else {
            Change::Ignored
        };
    }
    if rel.starts_with(&layout.src) {
        if ext == "md" && rel.starts_with(layout.src.join(&layout.kb_dir)) {
            return Change::Article;
        }
        return Change::Content;
    }
    Change::Ignored
}

/// What one rebuild did.
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
    pub elapsed: Duration,
    /// What was redone, for the log line.
    pub summary: String,
}

/// The in-memory state of a watched handbook.
pub struct Workspace {
    pub root: PathBuf,
    pub dest: PathBuf,
    pub layout: Layout,
    options: site::Options,
    raw: Option<RawHandbook>,
    /// The last handbook that built without errors.
    pub handbook: Option<Arc<Handbook>>,
    templates: Option<Arc<Templates>>,
    book_title: String,
    /// The last rebuild had errors: `dest` still holds the last good site,
    /// and the next rebuild re-reads every source file.
    pub failed: bool,
    /// Page dates and what's new from git, read once (at the first build and
    /// on a full reload): edits do not move them until they are committed.
    history: Option<crate::cycle::History>,
}

/// mdBook's `build.build-dir`, relative to the root (default `book`).
pub fn build_dir(root: &Path) -> PathBuf {
    mdbook_driver::config::Config::from_disk(root.join("book.toml"))
        .map(|c| c.build.build_dir)
        .unwrap_or_else(|_| "book".into())
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

impl Workspace {
    /// A workspace for `root`, building into `dest` (default: the build dir).
    /// Nothing is read until the first [`Workspace::rebuild`].
    pub fn new(root: &Path, dest: Option<PathBuf>, options: site::Options) -> Result<Workspace> {
        let (project, _) = project::load(root)?;
        let bd = build_dir(root);
        let dest = dest.unwrap_or_else(|| root.join(&bd));
        let rel_dest = dest
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| bd.clone());
        Ok(Workspace {
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
        })
    }

    /// Loads everything and builds the whole site.
    pub fn full(&mut self) -> Outcome {
        self.raw = None;
        self.templates = None;
        self.history = None;
        self.rebuild_kinds(&[(PathBuf::new(), Change::Config)])
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
        self.rebuild_kinds(&kinds)
    }

    fn rebuild_kinds(&mut self, kinds: &[(PathBuf, Change)]) -> Outcome {
        let start = Instant::now();
        let mut out = match self.try_rebuild(kinds) {
            Ok(o) => o,
            Err(e) => Outcome {
                errors: 1,
                diagnostics: format!("error: {e}\n"),
                summary: "failed".into(),
                ..Outcome::default()
            },
        };
        out.elapsed = start.elapsed();
        self.failed = out.errors > 0;
        out
    }

    fn try_rebuild(&mut self, kinds: &[(PathBuf, Change)]) -> Result<Outcome> {
        let worst = kinds
            .iter()
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(Change::Ignored);
        let mut diags = Diagnostics::new();
        if worst == Change::Config || self.raw.is_none() {
            let (project, d) = project::load(&self.root)?;
            diags.extend(d);
            // book.toml may have moved the source, KB, quiz or template folders.
            let build_dir = self.layout.build_dir.clone();
            self.layout = Layout::of(&project, &build_dir);
            self.book_title = site::book_title(&self.root);
            let (raw, d) = load::load(project)?;
            diags.extend(d);
            self.raw = Some(raw);
            self.templates = None;
        } else if worst == Change::Article && !self.failed {
            // Re-read only the changed articles that were already known.
            let raw = self.raw.as_mut().ok_or_else(|| Error::internal("no raw"))?;
            let mut all_known = true;
            let mut docs = Vec::new();
            for (rel, _) in kinds {
                let full = self.root.join(rel);
                let Some(doc) = raw.docs.iter_mut().find(|d| d.path == *rel) else {
                    all_known = false;
                    break;
                };
                let mut d = Vec::new();
                match load::read_text(&full, rel, &mut d)? {
                    Some(text) if full.is_file() => {
                        doc.source = text;
                        docs.push(doc.clone());
                    }
                    _ => {
                        all_known = false;
                        break;
                    }
                }
                diags.extend(d);
            }
            if !all_known {
                return self.reload_sources(worst);
            }
            if diags.is_empty()
                && let Some(out) = self.try_fast(docs)?
            {
                return Ok(out);
            }
        } else if worst != Change::Template || self.failed {
            return self.reload_sources(worst);
        }
        self.finish(diags, kinds, worst)
    }

    /// Re-reads every source file (not book.toml), then builds.
    fn reload_sources(&mut self, worst: Change) -> Result<Outcome> {
        let mut diags = Diagnostics::new();
        let project = match &self.raw {
            Some(r) => r.project.clone(),
            None => {
                let (p, d) = project::load(&self.root)?;
                diags.extend(d);
                p
            }
        };
        let (raw, d) = load::load(project)?;
        diags.extend(d);
        self.raw = Some(raw);
        self.finish(diags, &[], worst.max(Change::Content))
    }

    fn finish(
        &mut self,
        mut diags: Diagnostics,
        kinds: &[(PathBuf, Change)],
        worst: Change,
    ) -> Result<Outcome> {
        let raw = self.raw.clone().ok_or_else(|| Error::internal("no raw"))?;
        let (mut handbook, d) = crate::validate::validate(raw, self.today());
        diags.extend(d);
        if worst >= Change::Config {
            self.history = None;
        }
        if !handbook.articles.is_empty() || !handbook.quizzes.is_empty() {
            if self.history.is_none() {
                let mut notices = Vec::new();
                self.history = Some(crate::cycle::history(&handbook, &mut notices));
                for n in notices {
                    eprintln!("note: {n}");
                }
            }
            handbook.history = self.history.clone();
        }
        if worst >= Change::Template || self.templates.is_none() {
            let (templates, d) = Templates::load(&handbook.project)?;
            diags.extend(d);
            self.templates = Some(Arc::new(templates));
        }
        diags.sort();
        let rendered = diags.render_human();
        if diags.has_errors() {
            return Ok(Outcome {
                errors: diags.errors(),
                diagnostics: rendered,
                summary: "not rebuilt: the last good site stays".into(),
                ..Outcome::default()
            });
        }
        let templates = self
            .templates
            .clone()
            .ok_or_else(|| Error::internal("no templates"))?;
        let handbook = Arc::new(handbook);
        let changed_ids = self.fast_path_articles(&handbook, kinds, worst);
        let mut out = Outcome {
            diagnostics: rendered,
            ..Outcome::default()
        };
        if let Some(articles) = changed_ids {
            self.render_articles(&handbook, &templates, &articles, &mut out)?;
        } else {
            let report = site::build_with(
                handbook.clone(),
                templates,
                &self.dest,
                &|_, _| {},
                &self.options,
            )?;
            out.written = report.article_pages_written + report.files_copied;
            out.summary = format!(
                "rebuilt the site ({} page{} written)",
                out.written,
                crate::cmd::check::plural(out.written)
            );
        }
        self.index_and_keep(handbook, out)
    }

    /// Updates the search index and keeps `handbook` as the last good one.
    fn index_and_keep(&mut self, handbook: Arc<Handbook>, mut out: Outcome) -> Result<Outcome> {
        let mut notices = Vec::new();
        let indexed = crate::index::update(&handbook.project, handbook.today, &mut notices)?;
        out.summary.push_str(&format!(
            ", {} search document{} updated",
            indexed.indexed + indexed.removed,
            crate::cmd::check::plural(indexed.indexed + indexed.removed)
        ));
        self.handbook = Some(handbook);
        Ok(out)
    }

    /// Writes just these article pages into the existing site.
    fn render_articles(
        &self,
        handbook: &Handbook,
        templates: &Templates,
        articles: &[&Article],
        out: &mut Outcome,
    ) -> Result<()> {
        let stage = handbook.project.state_dir().join("stage");
        let pages = site::ArticlePages::new(handbook, templates, &stage, &self.book_title)?;
        let mut keys = Vec::with_capacity(articles.len());
        for a in articles {
            let (page, key, wrote) = pages.write(a, &self.dest, None)?;
            out.written += usize::from(wrote);
            keys.push((page, key));
        }
        site::record_pages(handbook, &self.dest, &keys)?;
        out.fast = true;
        out.summary = format!(
            "re-rendered {} article page{}",
            articles.len(),
            crate::cmd::check::plural(articles.len())
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
        for doc in docs {
            let Some((a, d)) = crate::validate::revalidate_article(&old, doc) else {
                return Ok(None);
            };
            let Some(before) = old.articles.iter().find(|b| b.path == a.path) else {
                return Ok(None);
            };
            if a.in_summary || listing(&a) != listing(before) {
                return Ok(None);
            }
            diags.extend(d);
            replaced.push(a);
        }
        let mut next = (*old).clone();
        for a in replaced.iter() {
            if let Some(slot) = next.articles.iter_mut().find(|b| b.path == a.path) {
                *slot = a.clone();
            }
        }
        let handbook = Arc::new(next);
        let changed: Vec<&Article> = handbook
            .articles
            .iter()
            .filter(|b| replaced.iter().any(|a| a.path == b.path))
            .collect();
        diags.sort();
        let mut out = Outcome {
            diagnostics: diags.render_human(),
            ..Outcome::default()
        };
        self.render_articles(&handbook, &templates, &changed, &mut out)?;
        self.index_and_keep(handbook, out).map(Some)
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
            let a = new.articles.iter().find(|a| a.path == *rel)?;
            let before = old.articles.iter().find(|b| b.path == *rel)?;
            if a.in_summary || listing(a) != listing(before) {
                return None;
            }
            out.push(a);
        }
        Some(out)
    }

    fn today(&self) -> jiff::civil::Date {
        crate::today()
    }
}

/// How `watch` finds out about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The OS's file events (inotify, FSEvents, ...).
    Native,
    /// Polling every `interval` (network and container file systems).
    Poll(Duration),
}

/// How long a changed path must go without another event before it is
/// passed on (an editor's save is several events); a path that keeps
/// changing is passed on this often (notify-debouncer-mini's timeout).
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// Watches `root` and calls `on_batch` with each debounced set of changed
/// paths (relative to the root), forever, or until `on_batch` returns false.
/// Batches that arrive while `on_batch` runs are handed over as one.
pub fn watch(
    root: &Path,
    mode: Mode,
    on_batch: impl FnMut(BTreeSet<PathBuf>) -> bool,
) -> Result<()> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io("read", root, e))?;
    let config = notify_debouncer_mini::Config::default()
        .with_timeout(DEBOUNCE)
        .with_batch_mode(true);
    match mode {
        Mode::Native => watch_with::<notify::RecommendedWatcher>(&root, config, on_batch),
        Mode::Poll(interval) => watch_with::<notify::PollWatcher>(
            &root,
            config.with_notify_config(
                notify::Config::default()
                    .with_poll_interval(interval)
                    .with_compare_contents(false),
            ),
            on_batch,
        ),
    }
}

fn watch_with<W: notify::Watcher>(
    root: &Path,
    config: notify_debouncer_mini::Config,
    mut on_batch: impl FnMut(BTreeSet<PathBuf>) -> bool,
) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    // Dropping the debouncer stops it and its watcher.
    let mut debouncer = notify_debouncer_mini::new_debouncer_opt::<_, Changes<W>>(config, tx)
        .map_err(watch_error)?;
    debouncer
        .watcher()
        .watch(root, notify::RecursiveMode::Recursive)
        .map_err(watch_error)?;
    while let Ok(first) = rx.recv() {
        let mut batch = BTreeSet::new();
        for result in std::iter::once(first).chain(rx.try_iter()) {
            match result {
                Ok(events) => batch.extend(events.into_iter().map(|ev| {
                    ev.path
                        .strip_prefix(root)
                        .map(Path::to_path_buf)
                        .unwrap_or(ev.path)
                })),
                Err(e) => tracing::warn!("watch: {e}"),
            }
        }
        if !batch.is_empty() && !on_batch(batch) {
            return Ok(());
        }
    }
    Ok(())
}

/// A notify watcher whose events reach the debouncer without the access
/// events (a file opened, or closed after reading): every build reads every
/// input, so they would start the next build.
struct Changes<W>(W);

/// The event handler of [`Changes`].
struct NoAccess<H>(H);

impl<H: notify::EventHandler> notify::EventHandler for NoAccess<H> {
    fn handle_event(&mut self, event: notify::Result<notify::Event>) {
        if !matches!(&event, Ok(ev) if ev.kind.is_access()) {
            self.0.handle_event(event);
        }
    }
}

impl<W: notify::Watcher> notify::Watcher for Changes<W> {
    fn new<H: notify::EventHandler>(handler: H, config: notify::Config) -> notify::Result<Self> {
        W::new(NoAccess(handler), config).map(Changes)
    }

    fn watch(&mut self, path: &Path, mode: notify::RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn kind() -> notify::WatcherKind {
        W::kind()
    }
}

fn watch_error(e: notify::Error) -> Error {
    Error::Internal(format!("watching files: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            src: "content".into(),
            kb_dir: "kb".into(),
            quizzes_dir: "quizzes".into(),
            rules_dir: "rules".into(),
            templates_dir: "templates".into(),
            build_dir: "book".into(),
        }
    }

    #[test]
    fn classify_table() {
        use Change::*;
        let table = [
            ("book.toml", Config),
            ("content/kb/dns/timeout.md", Article),
            ("content/kb/index-notes.md", Article),
            ("content/kb/search-cases.toml", Content),
            ("content/training/01-welcome.md", Content),
            ("content/SUMMARY.md", Content),
            ("content/images/logo.png", Content),
            ("quizzes/outage.toml", Quiz),
            ("quizzes/README.md", Ignored),
            ("rules/replies.toml", Quiz),
            ("rules/README.md", Ignored),
            ("templates/article.hbs", Template),
            ("templates/supportbook.css", Template),
            ("theme/index.hbs", Template),
            ("book/kb/timeout.html", Ignored),
            ("book/index.html", Ignored),
            (".supportbook/index/meta.json", Ignored),
            (".supportbook/stage/kb/index.html", Ignored),
            (".git/index", Ignored),
            (".git/HEAD.lock", Ignored),
            ("content/kb/.timeout.md.swp", Ignored),
            ("content/kb/timeout.md~", Ignored),
            ("content/kb/.#timeout.md", Ignored),
            ("content/kb/#timeout.md#", Ignored),
            ("content/kb/4913", Ignored),
            ("content/kb/timeout.md.tmp", Ignored),
            ("content/.goutputstream-XYZ12", Ignored),
            ("README.md", Ignored),
            ("src/lib.rs", Ignored),
            ("target/debug/supportbook", Ignored),
            ("notes/book.toml", Ignored),
            ("", Ignored),
        ];
        for (path, want) in table {
            assert_eq!(classify(Path::new(path), &layout()), want, "{path}");
        }
    }

    /// The first batch after reading `a.md` many times, then writing
    /// `b.md`: reads are no change, and one write is one batch.
    fn first_batch(mode: Mode) -> BTreeSet<PathBuf> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.md"), "a").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let watched = root.clone();
        std::thread::spawn(move || {
            watch(&watched, mode, |batch| {
                let _ = tx.send(batch);
                false
            })
        });
        // Give the watcher (and a poller's first scan) time to start.
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..20 {
            std::fs::read_to_string(root.join("a.md")).unwrap();
        }
        std::thread::sleep(DEBOUNCE * 4);
        std::fs::write(root.join("b.md"), "b").unwrap();
        rx.recv_timeout(Duration::from_secs(10))
            .expect("no batch within 10 s")
    }

    #[test]
    fn a_write_is_one_batch_and_reads_are_none() {
        let want: BTreeSet<PathBuf> = [PathBuf::from("b.md")].into();
        assert_eq!(first_batch(Mode::Native), want);
        // The poller also sees the folder's modification time change ("",
        // which `classify` ignores).
        let polled = first_batch(Mode::Poll(Duration::from_millis(50)));
        assert!(polled.contains(Path::new("b.md")), "{polled:?}");
        assert!(!polled.contains(Path::new("a.md")), "{polled:?}");
    }

    #[test]
    fn classify_follows_settings() {
        let l = Layout {
            src: "src".into(),
            kb_dir: "articles".into(),
            quizzes_dir: "training/quizzes".into(),
            rules_dir: "training/rules".into(),
            templates_dir: "tpl".into(),
            build_dir: "site/out".into(),
        };
        assert_eq!(
            classify(Path::new("src/articles/a.md"), &l),
            Change::Article
        );
        assert_eq!(classify(Path::new("src/kb/a.md"), &l), Change::Content);
        assert_eq!(
            classify(Path::new("training/quizzes/q.toml"), &l),
            Change::Quiz
        );
        assert_eq!(
            classify(Path::new("training/rules/r.toml"), &l),
            Change::Quiz
        );
        assert_eq!(classify(Path::new("tpl/article.hbs"), &l), Change::Template);
        assert_eq!(classify(Path::new("site/out/x.html"), &l), Change::Ignored);
        assert_eq!(classify(Path::new("site/other.md"), &l), Change::Ignored);
    }
}
