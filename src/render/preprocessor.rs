//! The mdBook preprocessor: strips front matter, puts the article header on
//! article pages, rewrites links to where pages are served, and adds the
//! generated "Knowledge base" part.
//!
//! `supportbook build` registers it in process with a handbook it has already
//! validated, and renders unlisted articles itself (linearly). As the
//! `mdbook-supportbook` binary it loads the handbook from the book's root and
//! adds every article as a chapter, so a plain `mdbook build` gives the same
//! pages.

use super::{IndexKind, SiteMap, article_header_data, article_out, index_pages};
use crate::core::markdown;
use crate::pipeline::frontmatter::{self, Split};
use crate::pipeline::handbook::Handbook;
use crate::render::templates::Templates;
use anyhow::Context as _;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads and checks the handbook at a book's root (for the standalone
/// binary, which is handed only the book): the engine's `load_for_mdbook`.
pub type Loader = fn(&Path) -> anyhow::Result<(Handbook, Templates)>;

pub struct SupportbookPreprocessor {
    prepared: Option<(Arc<Handbook>, Arc<Templates>)>,
    load: Option<Loader>,
    /// Add unlisted articles as chapters (the standalone binary does).
    articles_as_chapters: bool,
}

impl SupportbookPreprocessor {
    pub const NAME: &'static str = "supportbook";

    /// For `supportbook build`: the handbook is already validated, and the
    /// linear renderer writes the unlisted article pages.
    pub fn in_process(handbook: Arc<Handbook>, templates: Arc<Templates>) -> Self {
        SupportbookPreprocessor {
            prepared: Some((handbook, templates)),
            load: None,
            articles_as_chapters: false,
        }
    }

    /// For the `mdbook-supportbook` binary: loads the handbook with `load`.
    pub fn standalone(load: Loader) -> Self {
        SupportbookPreprocessor {
            prepared: None,
            load: Some(load),
            articles_as_chapters: true,
        }
    }
}

impl Preprocessor for SupportbookPreprocessor {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn supports_renderer(&self, renderer: &str) -> anyhow::Result<bool> {
        Ok(renderer == "html")
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
        let (handbook, templates) = match &self.prepared {
            Some((h, t)) => (h.clone(), t.clone()),
            None => {
                let load = self
                    .load
                    .context("the preprocessor was given no handbook")?;
                let (h, t) = load(&ctx.root)?;
                (Arc::new(h), Arc::new(t))
            }
        };
        transform(book, &handbook, &templates, self.articles_as_chapters)
    }
}

fn transform(
    mut book: Book,
    handbook: &Handbook,
    templates: &Templates,
    articles_as_chapters: bool,
) -> anyhow::Result<Book> {
    let map = SiteMap::new(handbook);
    let articles: HashMap<&Path, &crate::core::model::Article> = handbook
        .articles
        .iter()
        .map(|a| (a.rel.as_path(), &**a))
        .collect();

    let mut failure = None;
    // (quiz id, page URL, page title) for the Quizzes page.
    let mut embedded: Vec<(String, String, String)> = Vec::new();
    book.for_each_chapter_mut(|ch| {
        let Some(src) = ch.source_path.clone() else {
            return;
        };
        let out = map
            .output_of(&src)
            .map_or_else(|| src.clone(), Path::to_path_buf);
        let result = match articles.get(src.as_path()) {
            Some(a) => article_chapter_content(&ch.content, a, handbook, templates, &map, &out),
            None => Ok(rewrite_content(&ch.content, &src, &out, &map)),
        };
        match result {
            Ok(content) => {
                let mut content =
                    embed_quizzes(&content, &src, &out, handbook, &mut embedded, &ch.name);
                if !articles.contains_key(src.as_path()) {
                    content.push_str(&page_footer(handbook, &handbook.project.src.join(&src)));
                }
                ch.content = content;
            }
            Err(e) => failure = Some(e),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(html) = super::whats_new::page(handbook) {
        let mut page = Chapter::new(
            "What’s new this cycle",
            html,
            PathBuf::from(super::whats_new::WHATS_NEW_PAGE),
            Vec::new(),
        );
        page.source_path = None;
        // Right after the first page (the welcome page), so it is easy to find.
        let at = usize::from(!book.items.is_empty());
        book.items.insert(at, BookItem::Chapter(page));
    }
    if !handbook.quizzes.is_empty() {
        for (_, url, _) in &mut embedded {
            *url = super::html_url(url);
        }
        let mut page = Chapter::new(
            "Quizzes",
            super::quiz::quizzes_page(handbook, &embedded),
            PathBuf::from(super::quiz::QUIZZES_PAGE),
            Vec::new(),
        );
        page.source_path = None;
        book.items.push(BookItem::Separator);
        book.items.push(BookItem::Chapter(page));
    }
    if handbook.articles.is_empty() {
        return Ok(book);
    }

    let pages = index_pages(handbook, templates)?;
    let kb_title = handbook.project.settings.kb_title.clone();
    let mut overview = None;
    let mut products = Vec::new();
    let mut tags = Vec::new();
    for page in pages {
        // The overview sits under the part title of the same name: call it "Overview".
        let name = if page.kind == IndexKind::Overview {
            "Overview"
        } else {
            page.title.as_str()
        };
        let mut ch = Chapter::new(name, page.html, page.out.clone(), Vec::new());
        ch.source_path = None;
        match page.kind {
            IndexKind::Overview => overview = Some(ch),
            IndexKind::Product => products.push((page.out, ch)),
            IndexKind::Tag => tags.push(ch),
        }
    }
    let Some(mut overview) = overview else {
        return Ok(book);
    };

    if articles_as_chapters {
        let by_product = handbook.by_product();
        for (out, product_ch) in &mut products {
            let name = by_product.keys().find(|p| super::product_out(p) == *out);
            let Some(list) = name.and_then(|n| by_product.get(n)) else {
                continue;
            };
            for a in list {
                // An article with several products is listed under its first.
                if a.in_summary
                    || a.products
                        .first()
                        .is_some_and(|p| super::product_out(p) != *out)
                {
                    continue;
                }
                let page_out = article_out(a);
                let content =
                    article_chapter_content(&a.source, a, handbook, templates, &map, &page_out)?;
                let mut ch = Chapter::new(
                    &a.title,
                    content,
                    page_out,
                    vec![kb_title.clone(), product_ch.name.clone()],
                );
                ch.source_path = Some(a.rel.clone());
                product_ch.sub_items.push(BookItem::Chapter(ch));
            }
        }
        if let Some(list) = by_product.get("") {
            for a in list.iter().filter(|a| !a.in_summary) {
                let page_out = article_out(a);
                let content =
                    article_chapter_content(&a.source, a, handbook, templates, &map, &page_out)?;
                let mut ch = Chapter::new(&a.title, content, page_out, vec![kb_title.clone()]);
                ch.source_path = Some(a.rel.clone());
                overview.sub_items.push(BookItem::Chapter(ch));
            }
        }
    }

    overview
        .sub_items
        .extend(products.into_iter().map(|(_, ch)| BookItem::Chapter(ch)));
    if !tags.is_empty() {
        let mut tag_root = Chapter::new(
            "Tags",
            String::new(),
            PathBuf::from("kb/tags/index.md"),
            vec![kb_title.clone()],
        );
        tag_root.source_path = None;
        tag_root.content = tag_overview_html(&tags);
        tag_root.sub_items = tags.into_iter().map(BookItem::Chapter).collect();
        overview.sub_items.push(BookItem::Chapter(tag_root));
    }
    // mdBook nests the sidebar by section numbers: number the part after the
    // last numbered chapter, so product and tag pages fold under the overview.
    let top = book
        .items
        .iter()
        .filter_map(|i| match i {
            BookItem::Chapter(c) => c.number.as_ref().and_then(|n| n.first().copied()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        + 1;
    number(&mut overview, vec![top]);
    book.items.push(BookItem::PartTitle(kb_title));
    book.items.push(BookItem::Chapter(overview));
    Ok(book)
}

/// Gives `ch` the section number `at` and its sub-chapters the numbers below it.
fn number(ch: &mut Chapter, at: Vec<u32>) {
    let mut i = 0;
    for item in &mut ch.sub_items {
        if let BookItem::Chapter(sub) = item {
            i += 1;
            let mut n = at.clone();
            n.push(i);
            number(sub, n);
        }
    }
    ch.number = Some(mdbook_preprocessor::book::SectionNumber::new(at));
}

fn tag_overview_html(tags: &[Chapter]) -> String {
    let mut html = String::from(
        "<h1 id=\"tags\"><a class=\"header\" href=\"#tags\">Tags</a></h1>\n<ul class=\"sb-index\">\n",
    );
    for t in tags {
        let file = t
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = t.name.strip_prefix("Tag: ").unwrap_or(&t.name);
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            markdown::escape_attr(&super::html_url(&file)),
            markdown::escape_attr(name)
        ));
    }
    html.push_str("</ul>\n");
    html
}

/// An article page's Markdown for mdBook: the rendered header, then the body
/// (front matter removed, links rewritten).
fn article_chapter_content(
    content: &str,
    a: &crate::core::model::Article,
    handbook: &Handbook,
    templates: &Templates,
    map: &SiteMap,
    out: &Path,
) -> anyhow::Result<String> {
    let (split, _) = frontmatter::parse(&a.path, content);
    let body = match split {
        Split::Found(fm) => content.get(fm.body_start..).unwrap_or(""),
        Split::None => content,
    };
    let header = templates
        .render("article", &article_header_data(a, handbook, out))
        .with_context(|| format!("rendering the header of {}", a.path.display()))?;
    let body = rewrite_content(body, &a.rel, out, map);
    Ok(format!("{}\n\n{body}", header.trim_end()))
}

/// "Last changed" at the end of a page, from git (empty without history).
fn page_footer(handbook: &Handbook, path: &Path) -> String {
    match super::last_changed(handbook, path) {
        serde_json::Value::Object(c) => format!(
            "\n\n<p class=\"sb-last-changed\">Last changed {} in <code>{}</code>: {}</p>\n",
            markdown::escape_attr(c.get("date").and_then(|v| v.as_str()).unwrap_or("")),
            markdown::escape_attr(c.get("commit").and_then(|v| v.as_str()).unwrap_or("")),
            markdown::escape_attr(c.get("subject").and_then(|v| v.as_str()).unwrap_or(""))
        ),
        _ => String::new(),
    }
}

/// Replaces each `{{#quiz ...}}` with the quiz widget (unknown quizzes were
/// reported by `check`; they are left as written).
fn embed_quizzes(
    content: &str,
    src: &Path,
    out: &Path,
    handbook: &Handbook,
    embedded: &mut Vec<(String, String, String)>,
    title: &str,
) -> String {
    let found = crate::pipeline::quiz::directives(content);
    if found.is_empty() {
        return content.to_string();
    }
    let mut result = String::with_capacity(content.len());
    let mut pos = 0;
    for d in found {
        let Some(quiz) = handbook.quiz_for_directive(src, &d.arg) else {
            continue;
        };
        result.push_str(content.get(pos..d.span.start).unwrap_or(""));
        result.push_str("\n\n");
        result.push_str(&super::quiz::widget(quiz, handbook, out));
        result.push_str("\n\n");
        pos = d.span.end;
        embedded.push((
            quiz.id.clone(),
            crate::core::diagnostic::display_path(out),
            title.to_string(),
        ));
    }
    result.push_str(content.get(pos..).unwrap_or(""));
    result
}

fn rewrite_content(content: &str, src: &Path, out: &Path, map: &SiteMap) -> String {
    let outline = markdown::outline(content);
    markdown::rewrite_links(content, &outline.links, |dest| map.rewrite(src, out, dest))
}
