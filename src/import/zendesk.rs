//! Importing a Zendesk Guide (Help Center) article export in JSON.
//!
//! In: one or more JSON files in the shape of the Help Center API's list
//! responses: `{"articles": [...]}` (List Articles), optionally with
//! `"sections"`, `"categories"` and `"users"` arrays (sideloads), in the same
//! file or in sibling files. Out: a [`Plan`] with one Markdown article per
//! Zendesk article: TOML front matter (title as plain text, products from the
//! category and section, tags from the labels, state, reviewed date, the
//! Zendesk id) and the HTML body converted to Markdown by `htmd`, with
//! scripts, styles, frames and `javascript:` links dropped.

use super::{Plan, Planned, Record};
use crate::core::diagnostic::Diagnostic;
use crate::core::error::{Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One export file, as much of it as the import reads. Every field is
/// optional so a partial export still imports; unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Export {
    #[serde(default)]
    pub articles: Option<Vec<Article>>,
    #[serde(default)]
    pub sections: Option<Vec<Section>>,
    #[serde(default)]
    pub categories: Option<Vec<Category>>,
    #[serde(default)]
    pub users: Option<Vec<User>>,
}

/// A Zendesk id: a number in the API, accepted as a string too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::Text(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Article {
    pub id: Id,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub label_names: Option<Vec<String>>,
    #[serde(default)]
    pub section_id: Option<Id>,
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub outdated: Option<bool>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub edited_at: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub author_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Section {
    pub id: Id,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub category_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub id: Id,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: Id,
    #[serde(default)]
    pub name: Option<String>,
}

/// The sibling files read with an export file, when they exist.
pub const SIBLINGS: &[&str] = &["sections.json", "categories.json", "users.json"];

/// The JSON files making up the export at `src`: the file and its siblings,
/// or every `.json` file of a folder, in name order.
pub fn export_files(src: &Path) -> Result<Vec<PathBuf>> {
    if src.is_dir() {
        let mut files = Vec::new();
        let rd = std::fs::read_dir(src).map_err(|e| Error::io("read", src, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| Error::io("read", src, e))?;
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "json") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        return Ok(files);
    }
    let mut files = vec![src.to_path_buf()];
    if let Some(dir) = src.parent() {
        for name in SIBLINGS {
            let p = dir.join(name);
            if p.is_file() && src.file_name().is_none_or(|n| n != *name) {
                files.push(p);
            }
        }
    }
    Ok(files)
}

/// Reads and merges export files. Invalid JSON is a diagnostic with the
/// file's line and column; a file that cannot be read is an I/O error.
pub fn read(files: &[PathBuf], cwd: &Path) -> Result<(Export, Vec<Diagnostic>)> {
    let mut all = Export::default();
    let mut diags = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let shown = path.strip_prefix(cwd).unwrap_or(path);
        match serde_json::from_str::<Export>(&text) {
            Ok(e) => {
                if let Some(v) = e.articles {
                    all.articles.get_or_insert_with(Vec::new).extend(v);
                }
                if let Some(v) = e.sections {
                    all.sections.get_or_insert_with(Vec::new).extend(v);
                }
                if let Some(v) = e.categories {
                    all.categories.get_or_insert_with(Vec::new).extend(v);
                }
                if let Some(v) = e.users {
                    all.users.get_or_insert_with(Vec::new).extend(v);
                }
            }
            Err(e) => {
                let offset = offset_of(&text, e.line(), e.column());
                let message = e.to_string();
                // serde_json appends " at line L column C"; the place is shown below.
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                diags.push(
                    Diagnostic::error(
                        "json-syntax",
                        shown,
                        format!("not a Zendesk article export: {message}"),
                    )
                    .at(&text, offset..offset)
                    .with_help("expected the Help Center API's List Articles response: {\"articles\": [{\"id\": ..., \"title\": ..., \"body\": \"<p>...</p>\"}]}"),
                );
            }
        }
    }
    Ok((all, diags))
}

/// Byte offset of serde_json's 1-based line and column (column counts bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let off = (start + column.saturating_sub(1)).min(text.len());
    // Keep the offset on a character boundary.
    (0..=off)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// Plans one Markdown file per article. File names come from the title's
/// slug (then the `html_url`, then the id), with `-ID` added to names two
/// articles share; a file the record already has for an article keeps its
/// name, so a title changed upstream updates the same file.
pub fn plan(export: &Export, record: &Record, progress: &dyn Fn(usize, usize)) -> Plan {
    let mut plan = Plan::default();
    let articles = export.articles.as_deref().unwrap_or(&[]);
    let sections: HashMap<&Id, &Section> = export
        .sections
        .iter()
        .flatten()
        .map(|s| (&s.id, s))
        .collect();
    let categories: HashMap<&Id, &Category> = export
        .categories
        .iter()
        .flatten()
        .map(|c| (&c.id, c))
        .collect();
    let users: HashMap<&Id, &User> = export.users.iter().flatten().map(|u| (&u.id, u)).collect();

    // Later copies of an id (an export with overlapping pages) replace earlier ones.
    let mut by_id: BTreeMap<&Id, &Article> = BTreeMap::new();
    for a in articles {
        by_id.insert(&a.id, a);
    }
    let mut slug_count: HashMap<String, usize> = HashMap::new();
    for a in by_id.values() {
        *slug_count.entry(base_name(a)).or_default() += 1;
    }
    // File names first, so links between the articles can point at the files.
    let recorded: HashMap<&str, &str> = record
        .entries
        .iter()
        .map(|(path, e)| (e.origin.as_str(), path.as_str()))
        .collect();
    let mut used: HashMap<String, String> = HashMap::new();
    let mut named: Vec<(&Article, String, String)> = Vec::new();
    for a in by_id.values() {
        let origin = format!("zendesk:{}", a.id);
        let rel = match recorded.get(origin.as_str()) {
            Some(p) => p.to_string(),
            None => {
                let base = base_name(a);
                if slug_count.get(&base).copied().unwrap_or(0) > 1 {
                    format!("{base}-{}.md", slug(&a.id.to_string()))
                } else {
                    format!("{base}.md")
                }
            }
        };
        if let Some(other) = used.insert(rel.clone(), origin.clone()) {
            plan.notes.push(format!(
                "{rel}: {origin} has the same file name as {other}, skipped"
            ));
            continue;
        }
        named.push((a, rel, origin));
    }
    let links = Arc::new(Mutex::new(LinkContext {
        base: None,
        local: named
            .iter()
            .map(|(a, rel, _)| (a.id.to_string(), rel.clone()))
            .collect(),
    }));
    let converter = converter(links.clone());
    let total = named.len();
    for (n, (a, rel, origin)) in named.into_iter().enumerate() {
        if let Ok(mut ctx) = links.lock() {
            ctx.base = a.html_url.clone();
        }
        let text = article_file(
            a,
            &sections,
            &categories,
            &users,
            &converter,
            &mut plan.notes,
        );
        plan.files.push(Planned {
            rel,
            bytes: text.into_bytes(),
            origin,
        });
        progress(n + 1, total);
    }
    plan
}

/// The file stem for an article before collisions are handled.
fn base_name(a: &Article) -> String {
    let from_title = slug(&plain_text(a.title.as_deref().unwrap_or("")));
    if !from_title.is_empty() {
        return from_title;
    }
    // .../articles/360001234-How-to-reset-a-password
    let from_url = a
        .html_url
        .as_deref()
        .and_then(|u| u.rsplit('/').next())
        .map(|last| {
            let last = last.split(['?', '#']).next().unwrap_or("");
            let id = a.id.to_string();
            let last = last.strip_prefix(id.as_str()).unwrap_or(last);
            slug(last)
        })
        .unwrap_or_default();
    if !from_url.is_empty() {
        return from_url;
    }
    format!("zendesk-{}", slug(&a.id.to_string()))
}

/// A file stem that is a valid article id: ASCII lowercase letters and
/// digits joined by single `-`, at most 80 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Text with HTML tags removed, the common entities decoded and whitespace
/// collapsed: a title is plain text, whatever the export holds.
pub fn plain_text(html: &str) -> String {
    let mut out = String::new();
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
        {
            // Skip the tag; a <script> or <style> element loses its content too.
            let mut tag = String::new();
            for t in chars.by_ref() {
                if t == '>' {
                    break;
                }
                tag.push(t);
            }
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if name == "script" || name == "style" {
                let close = format!("</{name}");
                let mut rest = String::new();
                for t in chars.by_ref() {
                    rest.push(t);
                    if rest.to_ascii_lowercase().ends_with(&close) {
                        for t in chars.by_ref() {
                            if t == '>' {
                                break;
                            }
                        }
                        break;
                    }
                }
            }
            out.push(' ');
            continue;
        }
        out.push(c);
    }
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i..).unwrap_or("");
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = after.get(1..e)?;
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = after.get(len..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = after.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// What links in a body are resolved against: the article's own URL, and
/// the files the export's articles become (by Zendesk id).
#[derive(Debug, Default)]
pub struct LinkContext {
    pub base: Option<String>,
    pub local: HashMap<String, String>,
}

/// The HTML-to-Markdown converter: htmd, with active content dropped, and
/// links resolved through `links`: relative URLs made absolute against the
/// article's URL (the body was written to be shown there), links to another
/// article of the export pointed at its file.
pub fn converter(links: Arc<Mutex<LinkContext>>) -> htmd::HtmlToMarkdown {
    use htmd::element_handler::Handlers;
    use htmd::options::{BulletListMarker, Options};
    htmd::HtmlToMarkdown::builder()
        .options(Options {
            bullet_list_marker: BulletListMarker::Dash,
            ul_bullet_spacing: 1,
            ol_number_spacing: 1,
            ..Options::default()
        })
        .skip_tags(vec![
            "script", "style", "iframe", "frame", "frameset", "object", "embed", "noscript",
            "template", "form", "input", "button", "select", "textarea", "link", "meta", "base",
            "head", "svg", "math",
        ])
        .add_handler(
            vec!["a", "img"],
            move |handlers: &dyn Handlers, element: htmd::Element| {
                let is_img = element.tag == "img";
                let wanted = if is_img { "src" } else { "href" };
                let url = element
                    .attrs
                    .iter()
                    .find(|attr| &*attr.name.local == wanted)
                    .map(|attr| attr.value.to_string());
                let Some(url) = url else {
                    return handlers.fallback(element);
                };
                if !is_safe_url(&url) {
                    // Keep a link's text, drop the target (and unsafe images).
                    return Some(handlers.walk_children(element.node));
                }
                let target = match links.lock() {
                    Ok(ctx) => rewrite_url(&url, &ctx, is_img),
                    Err(_) => None,
                };
                let Some(target) = target else {
                    return handlers.fallback(element);
                };
                let dest = if target.contains([' ', '(', ')', '<', '>']) {
                    format!("<{}>", target.replace('<', "%3C").replace('>', "%3E"))
                } else {
                    target
                };
                if is_img {
                    let alt = element
                        .attrs
                        .iter()
                        .find(|attr| &*attr.name.local == "alt")
                        .map(|attr| escape_brackets(&attr.value))
                        .unwrap_or_default();
                    Some(format!("![{alt}]({dest})").into())
                } else {
                    let text = handlers.walk_children(element.node).content;
                    Some(format!("[{}]({dest})", text.trim()).into())
                }
            },
        )
        .build()
}

fn escape_brackets(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// The new target of a link, when it must change: another article of the
/// export becomes its file; a relative URL becomes absolute.
fn rewrite_url(url: &str, ctx: &LinkContext, is_img: bool) -> Option<String> {
    let url = url.trim();
    let absolute = if url.is_empty() || url.starts_with('#') || has_scheme(url) {
        None
    } else {
        ctx.base.as_deref().and_then(|base| join_url(base, url))
    };
    if !is_img {
        let full = absolute.as_deref().unwrap_or(url);
        if let Some(rel) = article_id_in(full).and_then(|id| ctx.local.get(&id)) {
            return Some(rel.clone());
        }
    }
    absolute
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `url` resolved against `base` (an absolute http(s) URL).
fn join_url(base: &str, url: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = rest.get(..host_end)?;
    if let Some(r) = url.strip_prefix("//") {
        return Some(format!("{scheme}://{r}"));
    }
    if url.starts_with('/') {
        return Some(format!("{scheme}://{host}{url}"));
    }
    let path = rest.get(host_end..).unwrap_or("");
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    Some(format!("{scheme}://{host}{dir}/{url}"))
}

/// The id in a Help Center article URL: `.../articles/360001002-Title`.
fn article_id_in(url: &str) -> Option<String> {
    let (_, after) = url.split_once("/articles/")?;
    let id: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty()).then_some(id)
}

/// Relative URLs and http(s), mailto and tel ones; not `javascript:`,
/// `data:` and the like (control characters and spaces ignored, as browsers do).
fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match cleaned.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

/// Converts an HTML body to Markdown (empty when the HTML cannot be read).
pub fn body_markdown(html: &str) -> String {
    converter(Arc::default()).convert(html).unwrap_or_default()
}

fn article_file(
    a: &Article,
    sections: &HashMap<&Id, &Section>,
    categories: &HashMap<&Id, &Category>,
    users: &HashMap<&Id, &User>,
    converter: &htmd::HtmlToMarkdown,
    notes: &mut Vec<String>,
) -> String {
    let mut fm: Vec<(&str, toml::Value)> = Vec::new();
    let s = |v: &str| toml::Value::String(v.to_string());
    let title = plain_text(a.title.as_deref().unwrap_or(""));
    if !title.is_empty() {
        fm.push(("title", s(&title)));
    }
    let section = a.section_id.as_ref().and_then(|id| sections.get(id));
    let category = section
        .and_then(|s| s.category_id.as_ref())
        .and_then(|id| categories.get(id));
    let mut products: Vec<String> = Vec::new();
    for name in [
        category.and_then(|c| c.name.as_deref()),
        section.and_then(|s| s.name.as_deref()),
    ]
    .into_iter()
    .flatten()
    {
        let p = slug(&plain_text(name));
        if !p.is_empty() && !products.contains(&p) {
            products.push(p);
        }
    }
    if !products.is_empty() {
        fm.push((
            "products",
            toml::Value::Array(products.iter().map(|p| s(p)).collect()),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for label in a.label_names.iter().flatten() {
        let t = slug(&plain_text(label));
        if !t.is_empty() && !tags.contains(&t) {
            tags.push(t);
        }
    }
    if !tags.is_empty() {
        fm.push((
            "tags",
            toml::Value::Array(tags.iter().map(|t| s(t)).collect()),
        ));
    }
    let state = if a.outdated == Some(true) {
        "archived"
    } else if a.draft == Some(true) {
        "draft"
    } else {
        "validated"
    };
    fm.push(("state", s(state)));
    if let Some(name) = a
        .author_id
        .as_ref()
        .and_then(|id| users.get(id))
        .and_then(|u| u.name.as_deref())
    {
        let name = plain_text(name);
        if !name.is_empty() {
            fm.push(("owner", s(&name)));
        }
    }
    let updated = a.updated_at.as_deref().or(a.edited_at.as_deref());
    match updated.map(|u| (u, super::markdown::parse_date(u))) {
        Some((_, Some(d))) => {
            let date = toml::value::Date {
                year: u16::try_from(d.year()).unwrap_or(1970),
                month: u8::try_from(d.month()).unwrap_or(1),
                day: u8::try_from(d.day()).unwrap_or(1),
            };
            fm.push((
                "reviewed",
                toml::Value::Datetime(toml::value::Datetime {
                    date: Some(date),
                    time: None,
                    offset: None,
                }),
            ));
        }
        Some((raw, None)) => notes.push(format!(
            "zendesk:{}: updated_at `{raw}` is not a date, left out",
            a.id
        )),
        None => {}
    }
    match &a.id {
        Id::Number(n) => match i64::try_from(*n) {
            Ok(i) => fm.push(("zendesk-id", toml::Value::Integer(i))),
            Err(_) => fm.push(("zendesk-id", s(&n.to_string()))),
        },
        Id::Text(t) => fm.push(("zendesk-id", s(t))),
    }
    if let Some(url) = a.html_url.as_deref().filter(|u| is_safe_url(u)) {
        fm.push(("zendesk-url", s(url)));
    }

    let mut out = String::from("+++\n");
    for (key, value) in &fm {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out.push_str("+++\n\n");
    let body = converter
        .convert(a.body.as_deref().unwrap_or(""))
        .unwrap_or_default();
    let body = body.trim();
    if !body.is_empty() {
        out.push_str(body);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_plain_text() {
        assert_eq!(
            plain_text("Reset <b>your</b> password<script>alert(1)</script> &amp; more"),
            "Reset your password & more"
        );
        assert_eq!(plain_text("a < b"), "a < b");
        assert_eq!(
            plain_text("&lt;img src=x onerror=alert(1)&gt;"),
            "<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(
            slug("How do I reset my password?"),
            "how-do-i-reset-my-password"
        );
        assert_eq!(slug("Émoji 🎉 only"), "moji-only");
        assert_eq!(slug("日本語"), "");
    }

    #[test]
    fn bodies_lose_active_content() {
        let md = body_markdown(
            "<p>Hi <a href=\"javascript:alert(1)\">click</a> <a href=\"https://x.test/a\">ok</a></p><script>alert(2)</script><p>&lt;script&gt;x&lt;/script&gt;</p><ul><li>one</li><li>two</li></ul><pre><code>ls -l</code></pre>",
        );
        assert!(!md.contains("javascript"), "{md}");
        assert!(!md.contains("alert(2)"), "{md}");
        // The escaped text stays text once rendered.
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&md));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;x"), "{html}");
        assert!(md.contains("[ok](https://x.test/a)"), "{md}");
        assert!(md.contains("- one\n- two"), "{md}");
        assert!(md.contains("```\nls -l\n```"), "{md}");
    }

    #[test]
    fn links_resolve_against_the_article_and_to_local_files() {
        let ctx = LinkContext {
            base: Some("https://acme.zendesk.com/hc/en-us/articles/1-Title?x=1".into()),
            local: [("2".to_string(), "other.md".to_string())].into(),
        };
        let rw = |u: &str, img: bool| rewrite_url(u, &ctx, img);
        assert_eq!(
            rw("/hc/en-us/articles/2-Other#a", false).as_deref(),
            Some("other.md")
        );
        assert_eq!(
            rw("https://acme.zendesk.com/hc/en-us/articles/2", false).as_deref(),
            Some("other.md")
        );
        assert_eq!(
            rw("/hc/a.png", true).as_deref(),
            Some("https://acme.zendesk.com/hc/a.png")
        );
        assert_eq!(
            rw("b.png", true).as_deref(),
            Some("https://acme.zendesk.com/hc/en-us/articles/b.png")
        );
        assert_eq!(rw("https://x.test/", false), None);
        assert_eq!(rw("#top", false), None);
        assert!(!is_safe_url(" JavaScript:alert(1)"));
        assert!(!is_safe_url("java\tscript:alert(1)"));
        assert!(is_safe_url("/relative:colon"));
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.json");
        std::fs::write(&p, "{\"articles\": [\n  {\"id\": 1,,}\n]}").unwrap();
        let (_, d) = read(&[p], dir.path()).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].place(), "bad.json:2:12");
    }
}
