//! Markdown helpers shared by validation and rendering: one parse per page
//! yields its headings (with the ids mdBook gives them) and its links (with
//! byte offsets for diagnostics and rewriting).

use mdbook_markdown::pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd, html};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// A heading (or definition-list term) and the anchor id mdBook gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6; 0 for a definition-list term.
    pub level: u8,
    pub text: String,
    pub id: String,
    pub span: Range<usize>,
}

/// A link or image destination found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    /// Where the whole link is in the text.
    pub span: Range<usize>,
    /// Where the destination itself is written, when it could be found.
    pub dest_span: Option<Range<usize>>,
    pub is_image: bool,
}

/// What one parse of a page found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
}

impl Outline {
    pub fn has_id(&self, id: &str) -> bool {
        self.headings.iter().any(|h| h.id == id)
    }

    /// Text of the first level-1 heading.
    pub fn h1(&self) -> Option<&str> {
        self.headings
            .iter()
            .find(|h| h.level == 1)
            .map(|h| h.text.as_str())
    }
}

fn options() -> MarkdownOptions {
    MarkdownOptions::default()
}

/// An HTML id from heading text, as mdBook makes it: lowercase, whitespace
/// to `-`, everything but letters, digits, `-` and `_` dropped.
pub fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids a page has handed out, to keep each heading's id unique the way
/// mdBook does: an id already used gets the first free suffix `-1`, `-2`, ...
///
/// mdBook tries the suffixes from 1 every time, which is quadratic for a page
/// of many equal headings; this remembers, per id, the suffix it got to. The
/// results are the same: ids are only ever added, so a suffix found taken
/// stays taken.
#[derive(Default)]
struct UsedIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, u32>,
}

impl UsedIds {
    /// An id written explicitly (`{#id}`): taken as it is.
    fn take(&mut self, id: &str) {
        self.used.insert(id.to_string());
    }

    fn unique(&mut self, id: String) -> String {
        if self.used.insert(id.clone()) {
            return id;
        }
        let from = self.next_suffix.get(&id).copied().unwrap_or(1);
        for n in from.. {
            let candidate = format!("{id}-{n}");
            if self.used.insert(candidate.clone()) {
                self.next_suffix.insert(id, n.saturating_add(1));
                return candidate;
            }
        }
        id
    }
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Finds the headings and links of a page in one pass.
pub fn outline(text: &str) -> Outline {
    let parser = new_cmark_parser(text, &options());
    let defs: Vec<(String, Range<usize>)> = parser
        .reference_definitions()
        .iter()
        .map(|(_, def)| (def.dest.to_string(), def.span.clone()))
        .collect();
    let mut out = Outline::default();
    let mut used = UsedIds::default();
    // The heading being read: level, explicit id, text so far, start.
    let mut current: Option<(u8, Option<String>, String, usize)> = None;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                current = Some((
                    level_number(level),
                    id.map(|i| i.to_string()),
                    String::new(),
                    range.start,
                ));
            }
            Event::Start(Tag::DefinitionListTitle) => {
                current = Some((0, None, String::new(), range.start));
            }
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                if let Some((level, explicit, text, start)) = current.take() {
                    let id = match explicit {
                        Some(id) => {
                            used.take(&id);
                            id
                        }
                        None => used.unique(id_from_content(&text)),
                    };
                    out.headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        id,
                        span: start..range.end,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, buf, _)) = current.as_mut() {
                    buf.push_str(&t);
                }
            }
            Event::Start(Tag::Link { ref dest_url, .. })
            | Event::Start(Tag::Image { ref dest_url, .. }) => {
                let is_image = matches!(event, Event::Start(Tag::Image { .. }));
                let dest = dest_url.to_string();
                let dest_span = find_dest(text, &range, &dest).or_else(|| {
                    defs.iter()
                        .find(|(d, _)| *d == dest)
                        .and_then(|(d, span)| find_dest(text, span, d))
                });
                out.links.push(Link {
                    dest,
                    span: range,
                    dest_span,
                    is_image,
                });
            }
            _ => {}
        }
    }
    out
}

/// Finds `dest` as written inside `range` of `text` (after `](` when present).
fn find_dest(text: &str, range: &Range<usize>, dest: &str) -> Option<Range<usize>> {
    if dest.is_empty() {
        return None;
    }
    let slice = text.get(range.clone())?;
    let from = slice.rfind("](").map_or(0, |i| i + 2);
    let at = slice.get(from..)?.find(dest)? + from + range.start;
    Some(at..at + dest.len())
}

/// Is this a link to another site or a scheme we do not check?
pub fn is_external(dest: &str) -> bool {
    let lower = dest.to_ascii_lowercase();
    lower.starts_with("//")
        || lower.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// Replaces link destinations: `rewrite` gets each destination and returns
/// its replacement, or `None` to keep it. Works on the text, so the result
/// is still Markdown for mdBook to read.
pub fn rewrite_links(
    text: &str,
    links: &[Link],
    mut rewrite: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut edits: Vec<(Range<usize>, String)> = links
        .iter()
        .filter_map(|l| Some((l.dest_span.clone()?, rewrite(&l.dest)?)))
        .collect();
    edits.sort_by_key(|(r, _)| r.start);
    edits.dedup_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for (range, new) in edits {
        if range.start < pos {
            continue;
        }
        out.push_str(text.get(pos..range.start).unwrap_or(""));
        out.push_str(&new);
        pos = range.end;
    }
    out.push_str(text.get(pos..).unwrap_or(""));
    out
}

/// Renders a page body to HTML the way mdBook does: same Markdown options,
/// heading ids with a `header` anchor, relative `.md` links turned into
/// `.html`.
pub fn render_html(text: &str) -> String {
    let mut used = UsedIds::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading_start: Option<usize> = None;
    for event in new_cmark_parser(text, &options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                heading_start = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(start) = heading_start.take() {
                    let inner: String = events
                        .get(start + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|e| match e {
                            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                            _ => None,
                        })
                        .collect();
                    let explicit = match events.get(start) {
                        Some(Event::Start(Tag::Heading { id: Some(id), .. })) => {
                            Some(id.to_string())
                        }
                        _ => None,
                    };
                    let id = match explicit {
                        Some(id) => {
                            used.take(&id);
                            id
                        }
                        None => used.unique(id_from_content(&inner)),
                    };
                    let body: Vec<Event<'_>> = events.drain(start..).skip(1).collect();
                    let n = level_number(level);
                    events.push(Event::Html(CowStr::from(format!(
                        "<h{n} id=\"{}\"><a class=\"header\" href=\"#{}\">",
                        escape_attr(&id),
                        escape_attr(&id)
                    ))));
                    events.extend(body);
                    events.push(Event::Html(CowStr::from(format!("</a></h{n}>\n"))));
                } else {
                    events.push(Event::End(TagEnd::Heading(level)));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = md_to_html_link(&dest_url).map_or(dest_url, CowStr::from);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// The text of Markdown without its markup: paragraphs, headings, list
/// items and code blocks each end with a newline.
pub fn to_plain(md: &str) -> String {
    use mdbook_markdown::pulldown_cmark::Parser;
    let mut out = String::with_capacity(md.len());
    for event in Parser::new(md) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// `a/b.md#x` becomes `a/b.html#x`; other links are left alone.
pub fn md_to_html_link(dest: &str) -> Option<String> {
    if is_external(dest) {
        return None;
    }
    let (path, frag) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let stem = path.strip_suffix(".md")?;
    Some(match frag {
        Some(f) => format!("{stem}.html#{f}"),
        None => format!("{stem}.html"),
    })
}

/// Escapes text for an HTML attribute or element body.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A URL/file-name-safe slug for a product or tag name.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "-".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_match_mdbook() {
        let o =
            outline("# What to tell the customer\n\n## Cause\n\n## Cause\n\n## Custom {#mine}\n");
        let ids: Vec<_> = o.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["what-to-tell-the-customer", "cause", "cause-1", "mine"]
        );
        assert_eq!(o.h1(), Some("What to tell the customer"));
    }

    #[test]
    fn suffixes_skip_ids_already_taken_like_mdbook() {
        let o = outline("## A\n\n## A-1 {#a-1}\n\n## A\n\n## A 2\n\n## A\n\n## A\n");
        let ids: Vec<_> = o.headings.iter().map(|h| h.id.as_str()).collect();
        // mdBook's rule: the first free suffix; `a-2` is a heading's own id.
        assert_eq!(ids, ["a", "a-1", "a-2", "a-2-1", "a-3", "a-4"]);
        let html = render_html("## A\n\n## A-1 {#a-1}\n\n## A\n\n## A 2\n");
        assert!(html.contains("id=\"a-2-1\""), "{html}");
    }

    #[test]
    fn many_equal_headings_get_ids_in_one_pass() {
        let text = "## Cause\n\n".repeat(20_000);
        let o = outline(&text);
        assert_eq!(o.headings.len(), 20_000);
        assert_eq!(
            o.headings.last().map(|h| h.id.as_str()),
            Some("cause-19999")
        );
        let html = render_html(&text);
        assert!(html.contains("id=\"cause-19999\""));
    }

    #[test]
    fn links_have_destination_spans() {
        let text = "See [a](../ssl/x.md#fix) and ![i](img.png) and [r][ref].\n\n[ref]: other.md\n";
        let o = outline(text);
        let dests: Vec<_> = o.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["../ssl/x.md#fix", "img.png", "other.md"]);
        for l in &o.links {
            assert_eq!(&text[l.dest_span.clone().unwrap()], l.dest);
        }
        assert!(o.links[1].is_image);
    }

    #[test]
    fn rewrite_changes_only_destinations() {
        let text = "[a](x.md) [b](y.md#z) [c](https://e.com)";
        let o = outline(text);
        let out = rewrite_links(text, &o.links, |d| {
            d.starts_with('x').then(|| "../kb/x.md".to_string())
        });
        assert_eq!(out, "[a](../kb/x.md) [b](y.md#z) [c](https://e.com)");
    }

    #[test]
    fn render_adds_header_anchors_and_html_links() {
        let html = render_html("## Fix it\n\n[next](b.md#x) <script>alert(1)</script>\n");
        assert!(
            html.contains("<h2 id=\"fix-it\"><a class=\"header\" href=\"#fix-it\">Fix it</a></h2>"),
            "{html}"
        );
        assert!(html.contains("href=\"b.html#x\""), "{html}");
    }

    #[test]
    fn external_links_are_recognised() {
        assert!(is_external("https://example.com"));
        assert!(is_external("mailto:a@b.c"));
        assert!(!is_external("../kb/a.md"));
        assert!(!is_external("#anchor"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Web server"), "web-server");
        assert_eq!(slug("  SSL/TLS "), "ssl-tls");
        assert_eq!(slug("!!"), "-");
    }
}
