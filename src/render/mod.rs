//! Stage 3, render: the site.
//!
//! The training track and the KB index pages go through mdBook (with our
//! [`preprocessor::SupportbookPreprocessor`]); KB article pages that
//! SUMMARY.md does not list are rendered by [`site`]'s linear renderer into
//! the same theme. Both share the URL map and the header data built here.

pub mod dest;
pub mod preprocessor;
pub mod quiz;
pub mod site;
pub mod templates;
pub mod whats_new;

use crate::core::error::Result;
use crate::core::markdown;
use crate::core::model::Article;
use crate::core::paths::resolve;
pub use crate::core::paths::{article_out, html_url, product_out, relative_url, tag_out};
use crate::pipeline::handbook::Handbook;
use crate::render::templates::Templates;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Site-relative path (Markdown form) of the KB overview page.
pub const KB_INDEX: &str = "kb/index.md";

/// Where each source file ends up in the site, in mdBook's `.md` form
/// (`kb/dns-timeout.md` is served as `kb/dns-timeout.html`).
pub struct SiteMap {
    out: HashMap<PathBuf, PathBuf>,
}

impl SiteMap {
    pub fn new(handbook: &Handbook) -> Self {
        let mut out = HashMap::new();
        for p in &handbook.pages {
            out.insert(p.rel.clone(), p.rel.clone());
        }
        for a in &handbook.articles {
            out.insert(a.rel.clone(), article_out(a));
        }
        SiteMap { out }
    }

    /// The output path of a source file, if it is a page we know.
    pub fn output_of(&self, src_rel: &Path) -> Option<&Path> {
        self.out.get(src_rel).map(PathBuf::as_path)
    }

    /// The replacement for link `dest` written in `from_src` (a source path),
    /// for a page rendered at `from_out`: `None` to keep the link as written.
    pub fn rewrite(&self, from_src: &Path, from_out: &Path, dest: &str) -> Option<String> {
        if dest.is_empty()
            || dest.starts_with('#')
            || dest.starts_with('/')
            || markdown::is_external(dest)
        {
            return None;
        }
        let (file, frag) = match dest.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (dest, None),
        };
        let target_src = resolve(from_src.parent().unwrap_or(Path::new("")), file)?;
        let target_out = self.out.get(&target_src).unwrap_or(&target_src);
        if from_out == from_src && *target_out == target_src {
            // Neither page moved: the link works as written, and keeping it
            // (`./a.md` stays `./a.md`) gives the page mdBook renders.
            return None;
        }
        let url = relative_url(from_out.parent().unwrap_or(Path::new("")), target_out);
        if url == file {
            return None;
        }
        Some(match frag {
            Some(f) => format!("{url}#{f}"),
            None => url,
        })
    }
}

/// The data `article.hbs` is rendered with, for a page at `page_out`.
pub fn article_header_data(a: &Article, handbook: &Handbook, page_out: &Path) -> serde_json::Value {
    let dir = page_out.parent().unwrap_or(Path::new(""));
    let link = |to: &Path| html_url(&relative_url(dir, to));
    let products: Vec<_> = a
        .products
        .iter()
        .map(|p| json!({"name": p, "url": link(&product_out(p))}))
        .collect();
    let tags: Vec<_> = a
        .tags
        .iter()
        .map(|t| json!({"name": t, "url": link(&tag_out(t))}))
        .collect();
    let related: Vec<_> = a
        .related
        .iter()
        .filter_map(|id| handbook.article(id))
        .map(|r| json!({"id": r.id, "title": r.title, "url": link(&article_out(r))}))
        .collect();
    json!({
        "id": a.id,
        "title": a.title,
        "summary": a.summary,
        "symptoms": a.symptoms,
        "products": products,
        "tags": tags,
        "state": a.state.as_str(),
        "is_draft": a.state == crate::core::model::State::Draft,
        "is_archived": a.state == crate::core::model::State::Archived,
        "audience": a.audience.as_str(),
        "owner": a.owner,
        "reviewed": a.reviewed.map(|d| d.to_string()),
        "review_due": a.review.map(|r| r.due.to_string()),
        "needs_review": a.needs_review(),
        "related": related,
        "last_changed": last_changed(handbook, &a.path),
    })
}

/// When a file (path relative to the root) last changed, per git, as
/// template data: `{date, commit, subject}`.
pub fn last_changed(handbook: &Handbook, path: &Path) -> serde_json::Value {
    handbook
        .history
        .as_ref()
        .and_then(|h| h.last_changed.get(path))
        .map_or(
            serde_json::Value::Null,
            |c| json!({"date": c.date, "commit": c.short, "subject": c.subject}),
        )
}

/// An article's body with its links rewritten for where the page is served.
pub fn article_body(a: &Article, map: &SiteMap, page_out: &Path) -> String {
    let body = a.body();
    let links: Vec<_> = a
        .outline
        .links
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.dest_span = l
                .dest_span
                .map(|s| s.start - a.body_start..s.end - a.body_start);
            l
        })
        .collect();
    markdown::rewrite_links(body, &links, |dest| map.rewrite(&a.rel, page_out, dest))
}

/// A generated KB index page: its output path, title and HTML content.
pub struct IndexPage {
    pub out: PathBuf,
    pub title: String,
    pub html: String,
    /// Products are listed under the overview, tags under the tag overview.
    pub kind: IndexKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Overview,
    Product,
    Tag,
}

/// The overview page, one page per product and one per tag.
pub fn index_pages(handbook: &Handbook, templates: &Templates) -> Result<Vec<IndexPage>> {
    let by_product = handbook.by_product();
    let by_tag = handbook.by_tag();
    let overview_dir = Path::new("kb");
    let mut pages = Vec::new();
    let kb_title = handbook.project.settings.kb_title.clone();
    let counted = |map: &std::collections::BTreeMap<String, Vec<&Article>>,
                   out: fn(&str) -> PathBuf|
     -> Vec<serde_json::Value> {
        map.iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, list)| json!({"name": name, "url": html_url(&relative_url(overview_dir, &out(name))), "count": list.len()}))
            .collect()
    };
    let needs_review: Vec<_> = handbook
        .articles
        .iter()
        .filter(|a| a.needs_review())
        .map(|a| json!({"id": a.id, "title": a.title, "owner": a.owner, "review_due": a.review.map(|r| r.due.to_string()), "url": html_url(&relative_url(overview_dir, &article_out(a)))}))
        .collect();
    let overview = templates.render(
        "kb-index",
        &json!({
            "title": kb_title,
            "anchor": markdown::id_from_content(&kb_title),
            "total": handbook.articles.len(),
            "products": counted(&by_product, product_out),
            "tags": counted(&by_tag, tag_out),
            "needs_review": needs_review,
        }),
    )?;
    pages.push(IndexPage {
        out: PathBuf::from(KB_INDEX),
        title: kb_title,
        html: overview,
        kind: IndexKind::Overview,
    });
    for (kind, map, out_fn) in [
        (
            IndexKind::Product,
            &by_product,
            product_out as fn(&str) -> PathBuf,
        ),
        (IndexKind::Tag, &by_tag, tag_out as fn(&str) -> PathBuf),
    ] {
        for (name, list) in map.iter().filter(|(n, _)| !n.is_empty()) {
            let out = out_fn(name);
            let dir = out.parent().unwrap_or(Path::new(""));
            let articles: Vec<_> = list
                .iter()
                .map(|a| json!({"id": a.id, "title": a.title, "summary": a.summary, "state": a.state.as_str(), "needs_review": a.needs_review(), "url": html_url(&relative_url(dir, &article_out(a)))}))
                .collect();
            let title = match kind {
                IndexKind::Tag => format!("Tag: {name}"),
                _ => name.clone(),
            };
            let html = templates.render(
                "kb-list",
                &json!({
                    "title": title,
                    "anchor": markdown::id_from_content(&title),
                    "kind": if kind == IndexKind::Product { "product" } else { "tag" },
                    "name": name,
                    "count": articles.len(),
                    "articles": articles,
                    "up_url": html_url(&relative_url(dir, Path::new(KB_INDEX))),
                }),
            )?;
            pages.push(IndexPage {
                out,
                title,
                html,
                kind,
            });
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_between_pages_that_did_not_move_stay_as_written() {
        let map = SiteMap {
            out: [
                ("a.md", "a.md"),
                ("sub/b.md", "sub/b.md"),
                ("kb/dns/x.md", "kb/x.md"),
            ]
            .into_iter()
            .map(|(s, o)| (PathBuf::from(s), PathBuf::from(o)))
            .collect(),
        };
        let a = Path::new("a.md");
        let b = Path::new("sub/b.md");
        for dest in ["./sub/b.md", "sub/./b.md#part", "./a.md", "missing.md"] {
            assert_eq!(map.rewrite(a, a, dest), None, "{dest}");
        }
        assert_eq!(map.rewrite(b, b, "../a.md"), None);
        // A link to a page served elsewhere, or from one, is rewritten.
        assert_eq!(
            map.rewrite(a, a, "./kb/dns/x.md#cause").as_deref(),
            Some("kb/x.md#cause")
        );
        let x = Path::new("kb/dns/x.md");
        assert_eq!(
            map.rewrite(x, Path::new("kb/x.md"), "../../a.md")
                .as_deref(),
            Some("../a.md")
        );
    }

    #[test]
    fn relative_urls() {
        assert_eq!(relative_url(Path::new("kb"), Path::new("kb/a.md")), "a.md");
        assert_eq!(
            relative_url(Path::new("training"), Path::new("kb/a.md")),
            "../kb/a.md"
        );
        assert_eq!(
            relative_url(Path::new("kb/products"), Path::new("kb/a.md")),
            "../a.md"
        );
        assert_eq!(
            relative_url(Path::new(""), Path::new("kb/index.md")),
            "kb/index.md"
        );
    }
}
