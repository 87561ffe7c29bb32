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
use mdbook_driver::config::Config;
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

#[derive(Serialize, Deserialize, Default)]
struct Manifest {
    version: u32,
    /// Site-relative path -> key of the inputs that produced it.
    files: BTreeMap<String, String>,
}

const MANIFEST_VERSION: u32 = 1;

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
    let root = handbook.project.root.clone();
    check_dest(&handbook, dest)?;
    let state = handbook.project.state_dir();
    let stage = state.join("stage");

    // 1. mdBook renders the training track and the KB index pages.
    let mut config = Config::from_disk(root.join("book.toml"))?;
    config
        .set("build.create-missing", false)
        .map_err(Error::internal)?;
    if let Some(endpoint) = &options.live_reload_endpoint {
        config
            .set("output.html.live-reload-endpoint", endpoint.as_str())
            .map_err(Error::internal)?;
    }
    let book_title = config.book.title.clone().unwrap_or_default();
    // Our stylesheet and the quiz widget, unless book.toml already lists them
    // (as it must for a plain `mdbook build`).
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
        Some(summary) => MDBook::load_with_config_and_summary(&root, config.clone(), summary)?,
        None => MDBook::load_with_config(&root, config.clone())?,
    };
    md.with_preprocessor(SupportbookPreprocessor::in_process(
        handbook.clone(),
        templates.clone(),
    ));
    let renderer = HtmlHandlebars::new();
    let (book, pctx) = md.preprocess_book(&renderer)?;
    let mdbook_pages = book.chapters().count();
    let mut ctx = RenderContext::new(&root, book, config, &stage);
    ctx.chapter_titles
        .extend(pctx.chapter_titles.borrow_mut().drain());
    std::fs::create_dir_all(&stage).map_err(|e| Error::io("create", &stage, e))?;
    renderer.render(&ctx)?;
    if !assets.is_empty() {
        inject_assets(&stage, &assets)?;
    }

    // 2. The linear renderer writes every unlisted article page.
    let manifest_path = manifest_path(&state, dest);
    let old = read_manifest(&manifest_path);
    let mut new = Manifest {
        version: MANIFEST_VERSION,
        files: BTreeMap::new(),
    };
    let mut report = BuildReport {
        mdbook_pages,
        dest: dest.to_path_buf(),
        ..BuildReport::default()
    };

    let unlisted: Vec<&Article> = handbook
        .articles
        .iter()
        .filter(|a| !a.in_summary)
        .map(|a| &**a)
        .collect();
    if !unlisted.is_empty() {
        let pages = ArticlePages::new(&handbook, &templates, &stage, &book_title)?;
        let done = AtomicUsize::new(0);
        let written = AtomicUsize::new(0);
        let total = unlisted.len();
        let results: Vec<Result<(String, String)>> = unlisted
            .par_iter()
            .map(|a| {
                let (out, key, wrote) = pages.write(a, dest, old.files.get(&pages.out(a)))?;
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
    }

    // 3. Copy mdBook's output over, only what changed.
    for entry in walkdir::WalkDir::new(&stage).into_iter() {
        let entry =
            entry.map_err(|e| Error::internal(format!("reading {}: {e}", stage.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = crate::pipeline::load::relative(&stage, entry.path());
        let rel_str = crate::core::diagnostic::display_path(&rel);
        let target = dest.join(&rel);
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io("read", entry.path(), e))?;
        let same = std::fs::read(&target).is_ok_and(|old| old == bytes);
        if !same {
            write_file(&target, &bytes)?;
            report.files_copied += 1;
        }
        new.files.insert(rel_str, String::new());
    }

    // 4. Remove what an earlier build wrote and nothing produces now.
    for stale in old.files.keys().filter(|k| !new.files.contains_key(*k)) {
        let path = dest.join(stale);
        if path.is_file() && std::fs::remove_file(&path).is_ok() {
            report.files_removed += 1;
        }
    }
    let json = serde_json::to_vec(&new).map_err(Error::internal)?;
    write_file(&manifest_path, &json)?;
    Ok(report)
}

/// Renders unlisted article pages into the theme of the KB overview page
/// mdBook rendered: the full build uses it for every article, `watch` and
/// `serve` for the one article that changed.
pub struct ArticlePages<'a> {
    handbook: &'a Handbook,
    templates: &'a Templates,
    shell: Shell,
    map: SiteMap,
    neighbours: std::collections::HashMap<&'a str, (String, String)>,
}

impl<'a> ArticlePages<'a> {
    /// Reads the shell from the staging folder of the last full build.
    pub fn new(
        handbook: &'a Handbook,
        templates: &'a Templates,
        stage: &Path,
        book_title: &str,
    ) -> Result<Self> {
        let shell_path = stage.join("kb/index.html");
        let shell_html =
            std::fs::read_to_string(&shell_path).map_err(|e| Error::io("read", &shell_path, e))?;
        Ok(ArticlePages {
            handbook,
            templates,
            shell: Shell::parse(&shell_html, book_title)?,
            map: SiteMap::new(handbook),
            neighbours: neighbours(handbook),
        })
    }

    /// The site-relative path of an article's page (`kb/<id>.html`).
    pub fn out(&self, a: &Article) -> String {
        super::html_url(&article_out(a).to_string_lossy())
    }

    /// Writes the page of `a` under `dest` unless `old_key` says it is
    /// unchanged (and it exists). Returns (site path, key, written).
    pub fn write(
        &self,
        a: &Article,
        dest: &Path,
        old_key: Option<&String>,
    ) -> Result<(String, String, bool)> {
        let out_md = article_out(a);
        let out = super::html_url(&out_md.to_string_lossy());
        let data = article_header_data(a, self.handbook, &out_md);
        let body = article_body(a, &self.map, &out_md);
        let (prev, next) = self
            .neighbours
            .get(a.id.as_str())
            .cloned()
            .unwrap_or_default();
        let mut h = blake3::Hasher::new();
        for part in [
            &self.shell.hash,
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
        if old_key == Some(&key) && target.is_file() {
            return Ok((out, key, false));
        }
        let header = self.templates.render("article", &data)?;
        let content = format!("{header}\n{}", markdown::render_html(&body));
        let page = self.shell.fill(&a.title, &content, &prev, &next);
        write_file(&target, page.as_bytes())?;
        Ok((out, key, true))
    }
}

/// The book title mdBook puts after each page title.
pub fn book_title(root: &Path) -> String {
    Config::from_disk(root.join("book.toml"))
        .ok()
        .and_then(|c| c.book.title)
        .unwrap_or_default()
}

fn manifest_path(state: &Path, dest: &Path) -> PathBuf {
    state.join(format!(
        "manifest-{}.json",
        &blake3::hash(dest.to_string_lossy().as_bytes()).to_hex()[..16]
    ))
}

fn read_manifest(path: &Path) -> Manifest {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|m: &Manifest| m.version == MANIFEST_VERSION)
        .unwrap_or_default()
}

/// Records pages written outside a full build (site path, key), so the next
/// full build compares against what is really on disk.
pub fn record_pages(handbook: &Handbook, dest: &Path, pages: &[(String, String)]) -> Result<()> {
    let path = manifest_path(&handbook.project.state_dir(), dest);
    let mut m = read_manifest(&path);
    m.version = MANIFEST_VERSION;
    for (out, key) in pages {
        m.files.insert(out.clone(), key.clone());
    }
    let json = serde_json::to_vec(&m).map_err(Error::internal)?;
    write_file(&path, &json)
}

/// Refuses destinations that would overwrite the project itself.
pub fn check_dest(handbook: &Handbook, dest: &Path) -> Result<()> {
    let root = normalize(&handbook.project.root);
    let d = normalize(dest);
    let src = normalize(&handbook.project.src_dir());
    let refuse = |why: &str| {
        Err(Error::Refused(format!(
            "refusing to build into {}: {why}",
            dest.display()
        )))
    };
    if root.starts_with(&d) {
        return refuse("it contains the project, whose files would be overwritten");
    }
    if d.starts_with(&src) {
        return refuse("it is inside the source folder; supportbook never writes there");
    }
    for inner in [
        ".git",
        ".supportbook",
        &handbook.project.settings.templates_dir,
        &handbook.project.settings.quizzes_dir,
    ] {
        if d.starts_with(root.join(inner)) {
            return refuse(&format!("it is inside {inner}/"));
        }
    }
    Ok(())
}

/// An absolute, `..`-free form of a path that may not exist yet.
fn normalize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Canonicalize the longest existing ancestor, keep the rest as written.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for part in rest.into_iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    out
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("write", path, e))
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
}
