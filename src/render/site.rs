//! The whole site build: mdBook for the training track and KB index pages,
//! the linear renderer for KB article pages, and an incremental copy into the
//! destination.
//!
//! mdBook's HTML renderer empties its destination and gives every page the
//! whole chapter list, so it renders into a staging folder under
//! `.supportbook/` and only sees the few pages that need a sidebar entry.
//! Article pages reuse the page mdBook rendered for the KB overview as a
//! shell (same theme, sidebar, scripts and search box) with their own title,
//! content and navigation. A manifest of what was written, with a key per
//! page, lets the next build skip every page whose inputs did not change.

use super::preprocessor::SupportbookPreprocessor;
use super::{SiteMap, article_body, article_header_data, article_out};
use crate::core::error::{Error, Result};
use crate::core::markdown;
use crate::core::model::Article;
use crate::pipeline::handbook::Handbook;
use crate::render::templates::Templates;
use mdbook_driver::MDBook;
use mdbook_html::HtmlHandlebars;
use mdbook_renderer::{RenderContext, Renderer};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// SUMMARY.md as mdBook reads it, with every entry whose file is missing or
/// lies outside the source folder turned into a draft chapter; `None` when
/// every entry has its file (or SUMMARY.md cannot be read or parsed: then
/// mdBook reports it).
fn summary_with_drafts(src_dir: &Path) -> Option<mdbook_summary::Summary> {
    use mdbook_summary::SummaryItem;
    fn walk(items: &mut [SummaryItem], src_dir: &Path, changed: &mut bool) {
        for item in items {
            if let SummaryItem::Link(link) = item {
                let present = link.location.as_deref().is_none_or(|loc| {
                    loc.to_str()
                        .and_then(|l| crate::pipeline::validate::resolve(Path::new(""), l))
                        .is_some_and(|rel| src_dir.join(rel).is_file())
                });
                if !present {
                    link.location = None;
                    *changed = true;
                }
                walk(&mut link.nested_items, src_dir, changed);
            }
        }
    }
    let text = std::fs::read_to_string(src_dir.join("SUMMARY.md")).ok()?;
    let mut summary = mdbook_summary::parse_summary(&text).ok()?;
    let mut changed = false;
    walk(&mut summary.prefix_chapters, src_dir, &mut changed);
    walk(&mut summary.numbered_chapters, src_dir, &mut changed);
    walk(&mut summary.suffix_chapters, src_dir, &mut changed);
    changed.then_some(summary)
}

/// What a build did, for the summary line and tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    /// Pages rendered by mdBook (training track, KB index pages, listed articles).
    pub mdbook_pages: usize,
    /// Article pages rendered by the linear renderer.
    pub article_pages: usize,
    /// How many of those were written this time (the rest were unchanged).
    pub article_pages_written: usize,
    /// Files copied from mdBook's output because they changed.
    pub files_copied: usize,
    /// Files removed from the destination because no page produces them now.
    pub files_removed: usize,
    pub dest: PathBuf,
}

/// Called with (done, total) while article pages render.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// What the builds into one destination wrote there. It is written after
/// the files it lists are on disk, so it never lists a file that is not
/// (it may miss some a stopped build wrote: those are rewritten or left).
#[derive(Serialize, Deserialize, Default)]
struct Manifest {
    version: u32,
    /// The resolved destination this manifest describes.
    #[serde(default)]
    dest: String,
    /// Site-relative path -> what was written there.
    files: BTreeMap<String, Written>,
}

/// One file a build wrote into the site.
#[derive(Serialize, Deserialize, Clone, Default, Debug, PartialEq, Eq)]
pub struct Written {
    /// Key of the inputs that produced it (empty for files copied from
    /// mdBook's output, which are compared byte for byte).
    pub key: String,
    /// blake3 of the bytes written.
    pub hash: String,
    pub size: u64,
    /// Modification time after writing, in nanoseconds: while size and time
    /// are unchanged the file is taken to be as written, without reading it.
    pub mtime_ns: u64,
}

impl Written {
    /// The record of `bytes`, just written to `path` with inputs `key`.
    fn after_write(path: &Path, key: String, bytes: &[u8]) -> Written {
        let meta = std::fs::symlink_metadata(path).ok();
        Written {
            key,
            hash: blake3::hash(bytes).to_hex().to_string(),
            size: bytes.len() as u64,
            mtime_ns: meta.as_ref().map_or(0, mtime_ns),
        }
    }

    /// This record, with the time refreshed, when the regular file at `path`
    /// still holds the bytes it describes; `None` when it is missing, a link,
    /// or was changed since (a page cut short by a kill, a user's edit).
    fn verify(&self, path: &Path) -> Option<Written> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() || meta.len() != self.size {
            return None;
        }
        let mtime = mtime_ns(&meta);
        if mtime == self.mtime_ns {
            return Some(self.clone());
        }
        let bytes = std::fs::read(path).ok()?;
        (blake3::hash(&bytes).to_hex().as_str() == self.hash).then(|| Written {
            mtime_ns: mtime,
            ..self.clone()
        })
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// 2: keyed by the resolved destination, with each file's hash.
const MANIFEST_VERSION: u32 = 2;

/// How to build, beyond what book.toml says.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Pages connect to this websocket endpoint (mdBook's
    /// `output.html.live-reload-endpoint`, e.g. `__livereload`) and reload
    /// when it says "reload". Set by `serve`.
    pub live_reload_endpoint: Option<String>,
}

/// Builds the site into `dest`.
pub fn build(
    handbook: Arc<Handbook>,
    templates: Arc<Templates>,
    dest: &Path,
    progress: Progress<'_>,
) -> Result<BuildReport> {
    build_with(handbook, templates, dest, progress, &Options::default())
}

/// [`build`] with [`Options`].
pub fn build_with(
    handbook: Arc<Handbook>,
    templates: Arc<Templates>,
    dest: &Path,
    progress: Progress<'_>,
    options: &Options,
) -> Result<BuildReport> {
    let dest = &check_dest(&handbook.project, dest)?;
    let state = handbook.project.state_dir();
    let stage = state.join("stage");
    // 1. mdBook renders the training track and the KB index pages.
    let (mdbook_pages, book_title) = render_stage(&handbook, &templates, &stage, options)?;
    let manifest_path = manifest_path(&state, dest);
    let old = read_manifest(&manifest_path);
    let mut new = Manifest {
        version: MANIFEST_VERSION,
        dest: dest.display().to_string(),
        files: BTreeMap::new(),
    };
    let mut report = BuildReport {
        mdbook_pages,
        dest: dest.to_path_buf(),
        ..BuildReport::default()
    };
    // 2. The linear renderer writes every unlisted article page.
    let pages = Pages {
        handbook: &handbook,
        templates: &templates,
        stage: &stage,
        book_title: &book_title,
        dest,
    };
    pages.write_articles(&old, &mut new, &mut report, progress)?;
    // 3. Copy mdBook's output over, only what changed.
    copy_stage(&stage, dest, &old, &mut new, &mut report)?;
    // 4. Remove what an earlier build wrote and nothing produces now, only
    // while it still holds exactly the bytes written: a file changed since,
    // or one supportbook never wrote, stays.
    for (stale, w) in old
        .files
        .iter()
        .filter(|(k, _)| !new.files.contains_key(*k))
    {
        let path = dest.join(stale);
        if w.verify(&path).is_some() && std::fs::remove_file(&path).is_ok() {
            report.files_removed += 1;
        }
    }
    // 5. A build killed while it wrote a page left its temporary file
    // beside it: remove those of the pages the site has now or had.
    report.files_removed += remove_leftover_temps(dest, new.files.keys().chain(old.files.keys()));
    write_manifest(&manifest_path, &new)?;
    if let (Some(dir), Some(name)) = (manifest_path.parent(), manifest_path.file_name()) {
        remove_leftover_temps(dir, [name.to_string_lossy().into_owned()].iter());
    }
    Ok(report)
}

/// mdBook renders the book (the training track, the KB index pages, the
/// generated pages) with our preprocessor in process, into `stage`, with our
/// stylesheet and the quiz widget added unless book.toml lists them (as it
/// must for a plain `mdbook build`). Returns the number of pages mdBook
/// rendered and the book's title.
fn render_stage(
    handbook: &Arc<Handbook>,
    templates: &Arc<Templates>,
    stage: &Path,
    options: &Options,
) -> Result<(usize, String)> {
    let root = &handbook.project.root;
    let mut config = handbook.project.mdbook_config()?;
    config
        .set("build.create-missing", false)
        .map_err(Error::internal)?;
    if let Some(endpoint) = &options.live_reload_endpoint {
        config
            .set("output.html.live-reload-endpoint", endpoint.as_str())
            .map_err(Error::internal)?;
    }
    let book_title = config.book.title.clone().unwrap_or_default();
    let html_config = config.html_config().unwrap_or_default();
    let listed = |files: &[PathBuf], name: &str| files.iter().any(|p| p.ends_with(name));
    let mut assets: Vec<(&str, &str, bool)> = Vec::new();
    if !handbook.articles.is_empty() && !listed(&html_config.additional_css, "supportbook.css") {
        assets.push(("supportbook.css", templates.css.as_str(), false));
    }
    if !handbook.quizzes.is_empty() {
        if !listed(&html_config.additional_css, "quiz.css") {
            assets.push((
                "supportbook-quiz.css",
                crate::render::templates::QUIZ_CSS,
                false,
            ));
        }
        if !listed(&html_config.additional_js, "quiz.js") {
            assets.push((
                "supportbook-quiz.js",
                crate::render::templates::QUIZ_JS,
                true,
            ));
        }
    }
    let src_dir = root.join(&config.book.src);
    let mut md = match summary_with_drafts(&src_dir) {
        // SUMMARY.md names files that are missing or outside the source
        // folder (`check` warns about each): they become draft chapters,
        // listed without a page. mdBook would create them; we never do.
        Some(summary) => MDBook::load_with_config_and_summary(root, config.clone(), summary)?,
        None => MDBook::load_with_config(root, config.clone())?,
    };
    md.with_preprocessor(SupportbookPreprocessor::in_process(
        handbook.clone(),
        templates.clone(),
    ));
    let renderer = HtmlHandlebars::new();
    let (book, pctx) = md.preprocess_book(&renderer)?;
    let mdbook_pages = book.chapters().count();
    let mut ctx = RenderContext::new(root, book, config, stage);
    ctx.chapter_titles
        .extend(pctx.chapter_titles.borrow_mut().drain());
    std::fs::create_dir_all(stage).map_err(|e| Error::io("create", stage, e))?;
    renderer.render(&ctx)?;
    if !assets.is_empty() {
        inject_assets(stage, &assets)?;
    }
    Ok((mdbook_pages, book_title))
}

/// What writing the article pages of a full build needs.
struct Pages<'a> {
    handbook: &'a Handbook,
    templates: &'a Templates,
    stage: &'a Path,
    book_title: &'a str,
    dest: &'a Path,
}

impl Pages<'_> {
    /// Writes every unlisted article's page (in parallel) unless the
    /// manifest of the last build (`old`) shows it unchanged, recording each
    /// in `new`.
    fn write_articles(
        &self,
        old: &Manifest,
        new: &mut Manifest,
        report: &mut BuildReport,
        progress: Progress<'_>,
    ) -> Result<()> {
        let unlisted: Vec<&Article> = self
            .handbook
            .articles
            .iter()
            .filter(|a| !a.in_summary)
            .map(|a| &**a)
            .collect();
        if unlisted.is_empty() {
            return Ok(());
        }
        let frame = Frame::new(self.handbook, self.stage, self.book_title)?;
        let pages = ArticlePages::new(self.handbook, self.templates, &frame);
        let done = AtomicUsize::new(0);
        let written = AtomicUsize::new(0);
        let total = unlisted.len();
        let results: Vec<Result<(String, Written)>> = unlisted
            .par_iter()
            .map(|a| {
                let (out, key, wrote) = pages.write(a, self.dest, old.files.get(&pages.out(a)))?;
                if wrote {
                    written.fetch_add(1, Ordering::Relaxed);
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                Ok((out, key))
            })
            .collect();
        for r in results {
            let (out, key) = r?;
            new.files.insert(out, key);
        }
        report.article_pages = total;
        report.article_pages_written = written.into_inner();
        Ok(())
    }
}

/// Copies what mdBook rendered into `stage` over to `dest`, writing only
/// files whose bytes changed, recording each in `new`.
fn copy_stage(
    stage: &Path,
    dest: &Path,
    old: &Manifest,
    new: &mut Manifest,
    report: &mut BuildReport,
) -> Result<()> {
    for entry in walkdir::WalkDir::new(stage).into_iter() {
        let entry =
            entry.map_err(|e| Error::internal(format!("reading {}: {e}", stage.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = crate::pipeline::load::relative(stage, entry.path());
        let rel_str = crate::core::diagnostic::display_path(&rel);
        let target = dest.join(&rel);
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io("read", entry.path(), e))?;
        let hash = blake3::hash(&bytes).to_hex().to_string();
        // Unchanged since the last build wrote it: not even read again.
        let kept = old
            .files
            .get(&rel_str)
            .filter(|w| w.hash == hash)
            .and_then(|w| w.verify(&target));
        let written = match kept {
            Some(w) => w,
            None => {
                let same = std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_file())
                    && std::fs::read(&target).is_ok_and(|old| old == bytes);
                if !same {
                    write_atomic(&target, &bytes)?;
                    report.files_copied += 1;
                }
                Written::after_write(&target, String::new(), &bytes)
            }
        };
        new.files.insert(rel_str, written);
    }
    Ok(())
}

/// The file `tmp` is the temporary file of when it is named as
/// [`write_atomic`] names them (`.NAME.PID.tmp`): `NAME`.
fn temp_of(tmp: &str) -> Option<&str> {
    let rest = tmp.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = rest.rsplit_once('.')?;
    (!name.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

/// Removes, from the folders of `files` (paths relative to `dir`), the
/// temporary files [`write_atomic`] left for one of them when its process
/// was killed between writing and renaming. Only names of that exact shape
/// for a file in `files` are touched, so nothing else in the folder is.
/// Runs under the build lock, so no other build of the project is writing.
/// Returns how many were removed.
fn remove_leftover_temps<'a>(dir: &Path, files: impl Iterator<Item = &'a String>) -> usize {
    let mut by_folder: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for f in files {
        let (folder, name) = f.rsplit_once('/').unwrap_or(("", f));
        by_folder.entry(folder).or_default().insert(name);
    }
    let mut removed = 0;
    for (folder, names) in by_folder {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for e in entries.flatten() {
            let file_name = e.file_name();
            let Some(of) = file_name.to_str().and_then(temp_of) else {
                continue;
            };
            if names.contains(of)
                && e.file_type().is_ok_and(|t| t.is_file())
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Renders unlisted article pages into the theme of the KB overview page
/// mdBook rendered: the full build uses it for every article, `watch` and
/// `serve` for the one article that changed.
pub struct ArticlePages<'a> {
    handbook: &'a Handbook,
    templates: &'a Templates,
    frame: &'a Frame,
}

/// What every article page shares besides the templates: the theme's page
/// cut around its content, where each page is served, and each article's
/// previous and next page. It depends only on the last full build and on
/// what the index pages list, so `watch` and `serve` keep it between edits
/// that change neither.
pub struct Frame {
    shell: Shell,
    map: SiteMap,
    neighbours: std::collections::HashMap<String, (String, String)>,
}

impl Frame {
    /// Reads the shell from the staging folder of the last full build.
    pub fn new(handbook: &Handbook, stage: &Path, book_title: &str) -> Result<Frame> {
        let shell_path = stage.join("kb/index.html");
        let shell_html =
            std::fs::read_to_string(&shell_path).map_err(|e| Error::io("read", &shell_path, e))?;
        Ok(Frame {
            shell: Shell::parse(&shell_html, book_title)?,
            map: SiteMap::new(handbook),
            neighbours: neighbours(handbook)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        })
    }
}

impl<'a> ArticlePages<'a> {
    pub fn new(handbook: &'a Handbook, templates: &'a Templates, frame: &'a Frame) -> Self {
        ArticlePages {
            handbook,
            templates,
            frame,
        }
    }

    /// The site-relative path of an article's page (`kb/<id>.html`).
    pub fn out(&self, a: &Article) -> String {
        super::html_url(&article_out(a).to_string_lossy())
    }

    /// Writes the page of `a` under `dest` unless `old` says it is
    /// unchanged (same inputs, and the file still holds what was written).
    /// Returns (site path, what is there now, written).
    pub fn write(
        &self,
        a: &Article,
        dest: &Path,
        old: Option<&Written>,
    ) -> Result<(String, Written, bool)> {
        let out_md = article_out(a);
        let out = super::html_url(&out_md.to_string_lossy());
        let data = article_header_data(a, self.handbook, &out_md);
        let body = article_body(a, &self.frame.map, &out_md);
        let (prev, next) = self
            .frame
            .neighbours
            .get(a.id.as_str())
            .cloned()
            .unwrap_or_default();
        let mut h = blake3::Hasher::new();
        for part in [
            &self.frame.shell.hash,
            &self.templates.hash,
            &data.to_string(),
            &body,
            &prev,
            &next,
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        let key = h.finalize().to_hex().to_string();
        let target = dest.join(&out);
        if let Some(kept) = old.filter(|w| w.key == key).and_then(|w| w.verify(&target)) {
            return Ok((out, kept, false));
        }
        let header = self.templates.render("article", &data)?;
        let content = format!("{header}\n{}", markdown::render_html(&body));
        let page = self.frame.shell.fill(&a.title, &content, &prev, &next);
        write_atomic(&target, page.as_bytes())?;
        let written = Written::after_write(&target, key, page.as_bytes());
        Ok((out, written, true))
    }
}

/// The manifest of the destination `dest`, keyed by its resolved path: the
/// same folder named from elsewhere (`out`, `../site/out`, through a link)
/// has one manifest, and two folders never share one.
fn manifest_path(state: &Path, dest: &Path) -> PathBuf {
    let resolved = super::dest::resolve(dest).unwrap_or_else(|_| dest.to_path_buf());
    state.join(format!(
        "manifest-{}.json",
        &blake3::hash(resolved.to_string_lossy().as_bytes()).to_hex()[..16]
    ))
}

/// The manifest at `path`; empty when missing, unreadable or of another
/// version (then every page is written again and nothing is removed).
fn read_manifest(path: &Path) -> Manifest {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|m: &Manifest| m.version == MANIFEST_VERSION)
        .unwrap_or_default()
}

fn write_manifest(path: &Path, m: &Manifest) -> Result<()> {
    let json = serde_json::to_vec(m).map_err(Error::internal)?;
    write_atomic(path, &json)
}

/// Records pages written outside a full build (site path, what was
/// written), once they are on disk, so the next full build compares against
/// what is really there.
pub fn record_pages(handbook: &Handbook, dest: &Path, pages: &[(String, Written)]) -> Result<()> {
    let path = manifest_path(&handbook.project.state_dir(), dest);
    let mut m = read_manifest(&path);
    m.version = MANIFEST_VERSION;
    if m.dest.is_empty() {
        m.dest = super::dest::resolve(dest)
            .unwrap_or_else(|_| dest.to_path_buf())
            .display()
            .to_string();
    }
    for (out, w) in pages {
        m.files.insert(out.clone(), w.clone());
    }
    write_manifest(&path, &m)
}

pub use super::dest::{check_dest, resolve};

/// Writes a file of the staging folder (mdBook's own output, not served).
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("write", path, e))
}

/// Writes a file of the site (or a manifest) whole or not at all: into a
/// hidden temporary file beside it, then renamed over it. A build killed
/// half-way leaves the old file or the new one, never a cut one; a
/// symbolic link at `path` is replaced, not written through.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .map_err(|e| Error::io("write", &tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io("write", path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `assets` (file name, text, is JavaScript) into the site and links
/// them from every page mdBook rendered.
fn inject_assets(stage: &Path, assets: &[(&str, &str, bool)]) -> Result<()> {
    for (name, text, _) in assets {
        write_file(&stage.join(name), text.as_bytes())?;
    }
    for entry in walkdir::WalkDir::new(stage)
        .into_iter()
        .filter_map(std::result::Result::ok)
    {
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let up = "../".repeat(entry.depth().saturating_sub(1));
        let mut html = std::fs::read_to_string(entry.path())
            .map_err(|e| Error::io("read", entry.path(), e))?;
        for (name, _, is_js) in assets {
            let (tag, before) = if *is_js {
                (format!("<script src=\"{up}{name}\"></script>\n"), "</body>")
            } else {
                (
                    format!("<link rel=\"stylesheet\" href=\"{up}{name}\">\n"),
                    "</head>",
                )
            };
            if let Some(at) = html.rfind(before) {
                html.insert_str(at, &tag);
            }
        }
        write_file(entry.path(), html.as_bytes())?;
    }
    Ok(())
}

/// For each unlisted article: the previous and next page in its first
/// product's list (the product page at either end).
fn neighbours(handbook: &Handbook) -> std::collections::HashMap<&str, (String, String)> {
    let mut out = std::collections::HashMap::new();
    let kb = Path::new("kb");
    for (product, list) in handbook.by_product() {
        let home = if product.is_empty() {
            "index.html".to_string()
        } else {
            super::html_url(&super::relative_url(kb, &super::product_out(&product)))
        };
        let first_product: Vec<&Article> = list
            .into_iter()
            .filter(|a| a.products.first().is_none_or(|p| *p == product) && !a.in_summary)
            .collect();
        for (i, a) in first_product.iter().enumerate() {
            let url = |j: Option<usize>| {
                j.and_then(|j| first_product.get(j)).map_or_else(
                    || home.clone(),
                    |b| super::html_url(&super::relative_url(kb, &article_out(b))),
                )
            };
            out.insert(a.id.as_str(), (url(i.checked_sub(1)), url(Some(i + 1))));
        }
    }
    out
}

/// The KB overview page mdBook rendered, cut around its title, its `<main>`
/// and its previous/next links.
struct Shell {
    head: String,
    middle: String,
    tail: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    book_title: String,
    hash: String,
}

impl Shell {
    fn parse(html: &str, book_title: &str) -> Result<Shell> {
        let bad = |what: &str| {
            Error::Refused(format!(
                "the theme's page template has no {what}; article pages need it (check theme/index.hbs)"
            ))
        };
        let t0 = html.find("<title>").ok_or_else(|| bad("<title>"))? + "<title>".len();
        let t1 = t0
            + html
                .get(t0..)
                .and_then(|s| s.find("</title>"))
                .ok_or_else(|| bad("</title>"))?;
        let m0 = t1
            + html
                .get(t1..)
                .and_then(|s| s.find("<main>"))
                .ok_or_else(|| bad("<main>"))?
            + "<main>".len();
        let m1 = m0
            + html
                .get(m0..)
                .and_then(|s| s.rfind("</main>"))
                .ok_or_else(|| bad("</main>"))?;
        let tail = html.get(m1..).unwrap_or("").to_string();
        let href_after = |marker: &str| {
            let i = tail.find(marker)? + marker.len();
            let rest = tail.get(i..)?;
            let start = rest.find("href=\"")? + 6;
            let end = start + rest.get(start..)?.find('"')?;
            rest.get(start..end).map(str::to_string)
        };
        let shell = Shell {
            head: html.get(..t0).unwrap_or("").to_string(),
            middle: html.get(t1..m0).unwrap_or("").to_string(),
            prev_href: href_after("rel=\"prev\""),
            next_href: href_after("rel=\"next"),
            tail,
            book_title: book_title.to_string(),
            hash: String::new(),
        };
        let hash =
            blake3::hash(format!("{}\0{}\0{}", shell.head, shell.middle, shell.tail).as_bytes())
                .to_hex()
                .to_string();
        Ok(Shell { hash, ..shell })
    }

    fn fill(&self, title: &str, content: &str, prev: &str, next: &str) -> String {
        let full_title = if self.book_title.is_empty() {
            title.to_string()
        } else {
            format!("{title} - {}", self.book_title)
        };
        let mut tail = self.tail.clone();
        for (old, new) in [(&self.prev_href, prev), (&self.next_href, next)] {
            if let Some(old) = old {
                tail = tail.replace(
                    &format!("href=\"{old}\""),
                    &format!("href=\"{}\"", markdown::escape_attr(new)),
                );
            }
        }
        let mut out = String::with_capacity(
            self.head.len() + self.middle.len() + tail.len() + content.len() + 64,
        );
        out.push_str(&self.head);
        out.push_str(&markdown::escape_attr(&full_title));
        out.push_str(&self.middle);
        out.push_str(content);
        out.push_str(&tail);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_replaces_title_main_and_navigation() {
        let html = "<html><head><title>Knowledge base - B</title></head><body><main>OLD</main>\
                    <a rel=\"prev\" href=\"../t/x.html\">p</a><a rel=\"next prefetch\" href=\"products/dns.html\">n</a>\
                    <a rel=\"prev\" href=\"../t/x.html\">p2</a></body></html>";
        let shell = Shell::parse(html, "B").unwrap();
        let page = shell.fill(
            "Mail <bounces>",
            "<p>NEW</p>",
            "products/email.html",
            "b.html",
        );
        assert_eq!(
            page,
            "<html><head><title>Mail &lt;bounces&gt; - B</title></head><body><main><p>NEW</p></main>\
             <a rel=\"prev\" href=\"products/email.html\">p</a><a rel=\"next prefetch\" href=\"b.html\">n</a>\
             <a rel=\"prev\" href=\"products/email.html\">p2</a></body></html>"
        );
    }

    #[test]
    fn shell_without_main_is_refused() {
        assert!(Shell::parse("<title>x</title>", "").is_err());
    }

    #[test]
    fn leftover_temporary_files_of_site_pages_are_removed() {
        // Found by the crash tests: a build killed between writing a page's
        // temporary file and renaming it left `kb/.x.html.7658.tmp` in the
        // site for good.
        assert_eq!(temp_of(".x.html.7658.tmp"), Some("x.html"));
        assert_eq!(temp_of(".x.html.tmp"), None);
        assert_eq!(temp_of(".x.html.76a.tmp"), None);
        assert_eq!(temp_of("x.html.1.tmp"), None);
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        std::fs::create_dir_all(&kb).unwrap();
        for name in [
            "x.html",
            ".x.html.7658.tmp",
            ".x.html.1.tmp",
            ".gone.html.7.tmp",
            ".notes.txt.5.tmp",
            "mine.tmp",
        ] {
            std::fs::write(kb.join(name), "x").unwrap();
        }
        std::fs::write(dir.path().join(".index.html.3.tmp"), "x").unwrap();
        let files = ["kb/x.html".to_string(), "index.html".to_string()];
        assert_eq!(remove_leftover_temps(dir.path(), files.iter()), 3);
        let mut left: Vec<String> = std::fs::read_dir(&kb)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        // Temporary files of pages the site does not have, and files of
        // other shapes, are not the build's to remove.
        assert_eq!(
            left,
            [".gone.html.7.tmp", ".notes.txt.5.tmp", "mine.tmp", "x.html"]
        );
    }
}
