//! Stage 2, validate: raw documents become checked [`Handbook`] types, or
//! diagnostics. Every problem in every file is collected; nothing later sees
//! a raw document.

use crate::core::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::core::markdown::{self, Outline};
use crate::core::model::{Article, Audience, Foreign, IdSource, Page, Review, State};
use crate::pipeline::frontmatter::{self, Entry, Split, Value};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::load::{RawDoc, RawHandbook};
use jiff::civil::Date;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

mod foreign;
mod ids;
pub use crate::core::paths::{relative_link, resolve};
pub use foreign::{AUDIENCE_ALIASES, STATE_ALIASES};
pub use ids::{Claim, Origin, id_from_stem, unique_ids};

/// The front-matter keys supportbook reads.
/// The most tags (or products) one article may list: each is a page.
pub const MAX_TAGS: usize = 100;

pub const ARTICLE_KEYS: &[&str] = &[
    "id",
    "title",
    "summary",
    "symptoms",
    "products",
    "tags",
    "audience",
    "state",
    "owner",
    "reviewed",
    "review-every",
    "related",
];

/// Validates everything that was loaded. `today` decides which articles are
/// past their review date.
pub fn validate(raw: RawHandbook, today: Date) -> (Handbook, Diagnostics) {
    let mut diags = Diagnostics::new();
    let summary_listed = match &raw.summary {
        Some(summary) => check_summary(summary, &raw.docs, &mut diags),
        None => BTreeSet::new(),
    };

    let mut articles = Vec::new();
    let mut pages = Vec::new();
    let settings = &raw.project.settings;
    for doc in raw.docs {
        let in_summary = summary_listed.contains(&doc.rel);
        if doc.is_article {
            articles.push(article_from_raw(
                doc,
                in_summary,
                today,
                settings.review_days,
                &mut diags,
            ));
        } else {
            let outline = markdown::outline(&doc.source);
            pages.push(Page {
                rel: doc.rel,
                path: doc.path,
                source: doc.source,
                outline,
                in_summary,
            });
        }
    }
    if pages.is_empty() && articles.is_empty() && raw.summary.is_some() {
        diags.push(
            Diagnostic::error(
                "empty-source",
                raw.project.src.join("SUMMARY.md"),
                "the source folder has no pages besides SUMMARY.md",
            )
            .with_help("add a chapter and list it in SUMMARY.md"),
        );
    }

    diags.extend(foreign::diagnostics(&articles));
    ids::assign(&mut articles, Path::new(&settings.kb_dir), &mut diags);
    check_ids(&mut articles, &mut diags);
    check_sections(&articles, &settings.standard_sections, &mut diags);
    check_links(&pages, &articles, None, &raw.project.src_dir(), &mut diags);

    let mut quiz_diags = Vec::new();
    let quizzes: Vec<crate::pipeline::quiz::Quiz> = raw
        .quizzes
        .iter()
        .filter_map(|q| crate::pipeline::quiz::validate(q, &mut quiz_diags))
        .collect();
    let ids: BTreeSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    crate::pipeline::quiz::check_all(&quizzes, &raw.quizzes, &ids, &mut quiz_diags);
    let rules = crate::pipeline::rules::validate(&raw.rules, &mut quiz_diags);
    diags.extend(quiz_diags);

    let handbook = Handbook::new(crate::pipeline::handbook::Parts {
        project: raw.project,
        today,
        pages,
        articles,
        quizzes,
        rules,
        summary_listed,
    });
    check_directives(&handbook, &raw.quizzes, &mut diags);
    (handbook, diags)
}

/// Why mdBook cannot read a SUMMARY.md, and where (a byte offset into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryError {
    pub message: String,
    pub offset: Option<usize>,
}

/// SUMMARY.md as mdBook reads it (`build` gives mdBook the same text), or
/// why it cannot. mdBook's log lines about the problem are not printed: the
/// error says it.
pub fn parse_summary(text: &str) -> Result<mdbook_summary::Summary, SummaryError> {
    let parsed =
        tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::new(), || {
            mdbook_summary::parse_summary(text)
        });
    parsed.map_err(|e| {
        let root = e.root_cause().to_string();
        // "failed to parse SUMMARY.md line L, column C: why"
        let located = root
            .strip_prefix("failed to parse SUMMARY.md line ")
            .and_then(|rest| {
                let (line, rest) = rest.split_once(", column ")?;
                let (col, why) = rest.split_once(": ")?;
                Some((line.parse::<usize>().ok()?, col.parse::<usize>().ok()?, why))
            });
        match located {
            Some((line, col, why)) => SummaryError {
                message: why.to_string(),
                offset: Some(summary_offset(text, line, col)),
            },
            None => SummaryError {
                offset: duplicate_offset(text, &root),
                message: root,
            },
        }
    })
}

/// The byte offset of mdBook's (line, column): its column counts the
/// characters from the line's start, and on every line but the first also
/// the newline before it.
fn summary_offset(text: &str, line: usize, col: usize) -> usize {
    let line_start = text
        .match_indices('\n')
        .nth(line.saturating_sub(2))
        .filter(|_| line > 1)
        .map_or(0, |(i, _)| i + 1);
    let chars = if line > 1 { col.saturating_sub(1) } else { col };
    let rest = text.get(line_start..).unwrap_or("");
    line_start
        + rest
            .char_indices()
            .nth(chars)
            .map_or(rest.len(), |(i, _)| i)
}

/// Where the second entry for a file named twice is: mdBook says
/// `Duplicate file in SUMMARY.md: "a.md"` without a place.
fn duplicate_offset(text: &str, message: &str) -> Option<usize> {
    let quoted = message.strip_prefix("Duplicate file in SUMMARY.md: ")?;
    let name: String = serde_json::from_str(quoted).ok()?;
    markdown::outline(text)
        .links
        .iter()
        .filter(|l| l.dest.replace("%20", " ") == name)
        .nth(1)
        .map(|l| l.dest_span.clone().unwrap_or(l.span.clone()).start)
}

fn check_summary(summary: &RawDoc, docs: &[RawDoc], diags: &mut Diagnostics) -> BTreeSet<PathBuf> {
    if let Err(e) = parse_summary(&summary.source) {
        let at = e.offset.unwrap_or(0);
        diags.push(
            Diagnostic::error(
                "summary-syntax",
                &summary.path,
                format!("mdBook cannot read SUMMARY.md: {}", e.message),
            )
            .at(&summary.source, at..at)
            .with_help("SUMMARY.md holds a title, prefix chapters as plain links, numbered chapters as one list per part (`# Part` headings between them), then suffix chapters as plain links; each file once"),
        );
    }
    let outline = markdown::outline(&summary.source);
    let known: BTreeSet<&Path> = docs.iter().map(|d| d.rel.as_path()).collect();
    let mut listed = BTreeSet::new();
    let placer = crate::core::diagnostic::Placer::new(&summary.source);
    for link in &outline.links {
        if link.dest.is_empty() || markdown::is_external(&link.dest) {
            continue;
        }
        let span = link.dest_span.clone().unwrap_or(link.span.clone());
        let path_part = link.dest.split('#').next().unwrap_or("");
        let Some(target) = resolve(Path::new(""), path_part) else {
            diags.push(
                Diagnostic::warning(
                    "summary-outside",
                    &summary.path,
                    format!(
                        "SUMMARY.md entry `{}` points outside the source folder; it is shown as a draft (not read)",
                        link.dest
                    ),
                )
                .placed(&placer, span)
                .with_help("every chapter must be a file inside the source folder"),
            );
            continue;
        };
        if known.contains(target.as_path()) {
            listed.insert(target);
        } else {
            let mut d = Diagnostic::warning(
                "summary-missing",
                &summary.path,
                format!(
                    "SUMMARY.md entry `{}` points to a file that does not exist; it is shown as a draft (no page)",
                    link.dest
                ),
            )
            .placed(&placer, span);
            d = match similar_file(&target, known.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{}`?", display_path(s))),
                None => d.with_help("create the file, or remove the entry (supportbook never creates files in the source folder)"),
            };
            diags.push(d);
        }
    }
    listed
}

/// Reads front-matter entries into typed fields, one diagnostic per bad field.
struct Fields<'a> {
    path: &'a Path,
    placer: crate::core::diagnostic::Placer<'a>,
    diags: &'a mut Diagnostics,
}

impl Fields<'_> {
    fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        let mut d = self
            .placer
            .place(Diagnostic::error(code, self.path, message), span);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }

    fn string(&mut self, e: &Entry) -> Option<String> {
        match &e.value {
            Value::String(s) => Some(s.clone()),
            other => {
                let t = other.type_name();
                self.error(
                    "invalid-type",
                    e.value_span.clone(),
                    format!("`{}` must be a string, found {t}", e.key),
                    Some(format!("write it in quotes: {} = \"...\"", e.key)),
                );
                None
            }
        }
    }

    /// A list of strings; a single string is accepted as a list of one.
    fn strings(&mut self, e: &Entry) -> Option<Vec<(String, Range<usize>)>> {
        match &e.value {
            Value::String(s) => Some(vec![(s.clone(), e.value_span.clone())]),
            Value::Array(items) => {
                let mut out = Vec::new();
                for (v, span) in items {
                    match v {
                        Value::String(s) => out.push((s.clone(), span.clone())),
                        other => self.error(
                            "invalid-type",
                            span.clone(),
                            format!(
                                "every item of `{}` must be a string, found {}",
                                e.key,
                                other.type_name()
                            ),
                            None,
                        ),
                    }
                }
                Some(out)
            }
            other => {
                self.error(
                    "invalid-type",
                    e.value_span.clone(),
                    format!(
                        "`{}` must be a list of strings, found {}",
                        e.key,
                        other.type_name()
                    ),
                    Some(format!("{} = [\"...\", \"...\"]", e.key)),
                );
                None
            }
        }
    }

    fn date(&mut self, e: &Entry) -> Option<Date> {
        let text = match &e.value {
            Value::Datetime(s) | Value::String(s) => s.clone(),
            other => {
                self.error(
                    "invalid-type",
                    e.value_span.clone(),
                    format!("`{}` must be a date, found {}", e.key, other.type_name()),
                    Some(format!("{} = 2026-03-01", e.key)),
                );
                return None;
            }
        };
        match text.parse::<Date>() {
            Ok(d) if text.len() == 10 => Some(d),
            _ => {
                self.error(
                    "invalid-date",
                    e.value_span.clone(),
                    format!("`{}` is not a calendar date: `{text}`", e.key),
                    Some("expected a date as YYYY-MM-DD, e.g. 2026-03-01".into()),
                );
                None
            }
        }
    }
}

impl Fields<'_> {
    /// Applies a value read by [`foreign::read_choice`]: the name to use,
    /// after recording a foreign value or reporting a wrong one.
    fn choice(
        &mut self,
        e: &Entry,
        read: Option<(String, foreign::Reading)>,
        foreign_out: &mut Vec<Foreign>,
    ) -> Option<&'static str> {
        match read? {
            (_, foreign::Reading::Known(name)) => Some(name),
            (raw, foreign::Reading::Foreign(meant)) => {
                foreign_out.push(Foreign {
                    key: e.key.clone(),
                    value: Some((raw, meant)),
                    span: e.value_span.clone(),
                });
                Some(meant)
            }
            (raw, foreign::Reading::Wrong(help)) => {
                self.error(
                    "invalid-value",
                    e.value_span.clone(),
                    format!("`{}` has an unknown value \"{raw}\"", e.key),
                    Some(help),
                );
                None
            }
        }
    }
}

/// True for ids that work as file names and URLs.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Turns one raw KB article into a checked [`Article`] (the checks that need
/// only this file). Every problem goes to `diags`, and the article is
/// returned all the same, with what could be read and defaults for the rest
/// (`has_errors` set when there were errors), so it is still indexed and
/// found. Foreign keys and values are recorded in `foreign`, not reported
/// here ([`foreign_diagnostics`] reports them for many articles at once).
pub fn article_from_raw(
    doc: RawDoc,
    in_summary: bool,
    today: Date,
    review_days: u32,
    diags: &mut Diagnostics,
) -> Article {
    let errors_before = diags.errors();
    let (split, fm_diags) = frontmatter::parse(&doc.path, &doc.source);
    // Front matter that does not parse has no keys to read: a missing title
    // would only repeat its error.
    let unreadable = !fm_diags.is_empty();
    diags.extend(fm_diags);
    let (entries, body_start, open_span, format) = match split {
        Split::Found(fm) => (fm.entries, fm.body_start, fm.open_span, fm.format),
        Split::None => (Vec::new(), 0, 0..0, frontmatter::Format::Toml),
    };
    let body = doc.source.get(body_start..).unwrap_or("");
    let stem = doc
        .rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = id_from_stem(&stem);
    let id_source = if id == stem {
        IdSource::FileName
    } else {
        IdSource::Normalised(stem.clone())
    };
    let mut article = Article {
        id,
        title: String::new(),
        summary: None,
        symptoms: Vec::new(),
        products: Vec::new(),
        tags: Vec::new(),
        audience: Audience::default(),
        state: State::default(),
        owner: None,
        reviewed: None,
        review_every: None,
        related: Vec::new(),
        related_spans: Vec::new(),
        review: None,
        hash: blake3::hash(doc.source.as_bytes()).to_hex().to_string(),
        outline: Outline::default(),
        in_summary,
        rel: doc.rel.clone(),
        path: doc.path.clone(),
        source: String::new(),
        body_start,
        id_span: open_span.clone(),
        has_errors: false,
        id_source,
        foreign: Vec::new(),
    };
    let mut id_span = open_span.clone();
    let mut reviewed_span = open_span.clone();
    let mut f = Fields {
        path: &doc.path,
        placer: crate::core::diagnostic::Placer::new(&doc.source),
        diags,
    };
    for e in &entries {
        match e.key.as_str() {
            "id" => {
                if let Some(id) = f.string(e) {
                    id_span = e.value_span.clone();
                    if is_valid_id(&id) && id != ids::RESERVED_ID {
                        article.id = id;
                        article.id_source = IdSource::Key;
                    } else {
                        let message = if id == ids::RESERVED_ID {
                            "the id `index` is reserved for the knowledge-base overview page"
                                .to_string()
                        } else {
                            format!("`{id}` is not a valid article id")
                        };
                        f.diags.push(
                            Diagnostic::error("invalid-id", &doc.path, message)
                                .at(&doc.source, id_span.clone())
                                .with_help(format!("use lowercase letters, digits, `-` and `_` (e.g. `{}`); without an `id`, the file name gives one", id_from_stem(&id))),
                        );
                    }
                }
            }
            "title" => match f.string(e) {
                Some(t) if t.trim().is_empty() => f.error(
                    "invalid-value",
                    e.value_span.clone(),
                    "`title` is empty".into(),
                    Some("write the title as the customer would describe the problem".into()),
                ),
                Some(t) => article.title = t,
                None => {}
            },
            "summary" => article.summary = f.string(e),
            "owner" => article.owner = f.string(e),
            "symptoms" | "products" | "tags" | "related" => {
                let (list, spans): (Vec<String>, Vec<Range<usize>>) =
                    f.strings(e).unwrap_or_default().into_iter().unzip();
                // Each tag and product is a page of the site: thousands on
                // one article would make thousands of pages.
                if matches!(e.key.as_str(), "tags" | "products") && list.len() > MAX_TAGS {
                    f.error(
                        "invalid-value",
                        e.value_span.clone(),
                        format!(
                            "`{}` may list at most {MAX_TAGS} names, found {}",
                            e.key,
                            list.len()
                        ),
                        Some("keep the few that agents filter by; put the rest in `symptoms` or the body".into()),
                    );
                    continue;
                }
                match e.key.as_str() {
                    "symptoms" => article.symptoms = list,
                    "products" => article.products = list,
                    "tags" => article.tags = list,
                    _ => {
                        article.related = list;
                        article.related_spans = spans;
                    }
                }
            }
            "audience" => {
                let read = f.string(e).map(|v| {
                    let r = foreign::read_choice(
                        &v,
                        format,
                        &Audience::NAMES,
                        Audience::default().as_str(),
                        foreign::AUDIENCE_ALIASES,
                    );
                    (v, r)
                });
                if let Some(name) = f.choice(e, read, &mut article.foreign) {
                    article.audience = Audience::parse(name).unwrap_or_default();
                }
            }
            "state" => {
                let read = f.string(e).map(|v| {
                    let r = foreign::read_choice(
                        &v,
                        format,
                        &State::NAMES,
                        State::default().as_str(),
                        foreign::STATE_ALIASES,
                    );
                    (v, r)
                });
                if let Some(name) = f.choice(e, read, &mut article.foreign) {
                    article.state = State::parse(name).unwrap_or_default();
                }
            }
            "reviewed" => {
                article.reviewed = f.date(e);
                reviewed_span = e.value_span.clone();
            }
            "review-every" => match e.value {
                Value::Integer(n) if (1..=36500).contains(&n) => {
                    article.review_every = u32::try_from(n).ok()
                }
                _ => f.error(
                    "invalid-value",
                    e.value_span.clone(),
                    format!(
                        "`review-every` must be a whole number of days from 1 to 36500, found {}",
                        match e.value {
                            Value::Integer(n) => n.to_string(),
                            _ => e.value.type_name().to_string(),
                        }
                    ),
                    Some("review-every = 180".into()),
                ),
            },
            other => article.foreign.push(Foreign {
                key: other.to_string(),
                value: None,
                span: e.key_span.clone(),
            }),
        }
    }
    let outline = markdown::outline(body);
    // Outline offsets are relative to the body; shift them into the file.
    let outline = shift_outline(outline, body_start);
    let has_title_key = entries.iter().any(|e| e.key == "title");
    if article.title.trim().is_empty() {
        match outline.h1() {
            Some(h1) if !has_title_key => article.title = h1.to_string(),
            _ => {
                if !has_title_key && !unreadable {
                    diags.push(
                        Diagnostic::error("missing-title", &doc.path, "article has no title")
                            .at(&doc.source, open_span.clone())
                            .with_help("add `title = \"...\"` to the front matter"),
                    );
                }
                // Still listed and found: by its first heading or file name.
                article.title = outline.h1().map_or_else(|| stem.clone(), str::to_string);
            }
        }
    }
    if let Some(reviewed) = article.reviewed {
        let every = article.review_every.unwrap_or(review_days);
        let due = reviewed
            .checked_add(jiff::Span::new().days(i64::from(every)))
            .unwrap_or(Date::MAX);
        let overdue_days = due.until(today).map_or(0, |s| s.get_days());
        article.review = Some(Review { due, overdue_days });
        if overdue_days > 0 {
            diags.push(
                Diagnostic::warning(
                    "review-overdue",
                    &doc.path,
                    format!("article is past its review date: reviewed {reviewed}, due every {every} days, overdue since {due} ({overdue_days} days)"),
                )
                .at(&doc.source, reviewed_span)
                .with_help("check the article is still right, then set `reviewed` to today's date"),
            );
        }
    }
    article.id_span = id_span;
    article.outline = outline;
    article.source = doc.source;
    article.has_errors = diags.errors() > errors_before;
    article
}

/// One warning per foreign front-matter key and per value outside
/// supportbook's vocabularies across `articles`, with a count and the first
/// place (see [`foreign::diagnostics`]).
pub fn foreign_diagnostics<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Vec<Diagnostic> {
    foreign::diagnostics(articles)
}

fn shift_outline(mut o: Outline, by: usize) -> Outline {
    for h in &mut o.headings {
        h.span = h.span.start + by..h.span.end + by;
    }
    for l in &mut o.links {
        l.span = l.span.start + by..l.span.end + by;
        l.dest_span = l.dest_span.take().map(|s| s.start + by..s.end + by);
    }
    o
}

fn check_ids(articles: &mut Vec<Article>, diags: &mut Diagnostics) {
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    let mut dup = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        match first.get(&a.id) {
            Some(prev) => {
                dup.push(i);
                diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        &a.path,
                        format!(
                            "article id `{}` is already used by {}",
                            a.id,
                            display_path(prev)
                        ),
                    )
                    .at(&a.source, a.id_span.clone())
                    .with_help(
                        "give one of them another `id`; ids name the page and must be unique",
                    ),
                );
            }
            None => {
                first.insert(a.id.clone(), a.path.clone());
            }
        }
    }
    for i in dup.into_iter().rev() {
        articles.remove(i);
    }
    let ids: BTreeSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    for a in articles.iter() {
        for (i, r) in a.related.iter().enumerate() {
            if ids.contains(r.as_str()) {
                continue;
            }
            let span = a.related_spans.get(i).cloned().unwrap_or(a.id_span.clone());
            let mut d = Diagnostic::error(
                "unknown-related",
                &a.path,
                format!("`related` names `{r}`, but no article has that id"),
            )
            .at(&a.source, span);
            d = match did_you_mean(r, ids.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => {
                    d.with_help("remove it, or check the id in the other article's front matter")
                }
            };
            diags.push(d);
        }
    }
}

fn check_sections(articles: &[Article], sections: &[String], diags: &mut Diagnostics) {
    // An article with errors gets those first, not advice on its sections.
    for a in articles.iter().filter(|a| !a.has_errors) {
        let have: BTreeSet<String> = a
            .outline
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| h.text.to_lowercase())
            .collect();
        let missing: Vec<&str> = sections
            .iter()
            .filter(|s| !have.contains(&s.to_lowercase()))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ");
            diags.push(
                Diagnostic::warning(
                    "missing-section",
                    &a.path,
                    format!("article has no {list} section"),
                )
                .with_help(format!(
                    "add `## {}`, or change `standard-sections` in book.toml",
                    missing.first().unwrap_or(&"")
                )),
            );
        }
    }
}

/// Every `{{#quiz ...}}` in a built page must name a quiz.
fn check_directives(
    handbook: &Handbook,
    sources: &[crate::pipeline::quiz::RawQuizSource],
    diags: &mut Diagnostics,
) {
    for p in handbook.pages.iter().filter(|p| p.in_summary) {
        let placer = crate::core::diagnostic::Placer::new(&p.source);
        for d in crate::pipeline::quiz::directives(&p.source) {
            if handbook.quiz_for_directive(&p.rel, &d.arg).is_some() {
                continue;
            }
            // A file that exists but did not validate already has its own errors.
            let failed = sources.iter().any(|s| {
                d.arg.ends_with(".toml") && s.path.file_name() == Path::new(&d.arg).file_name()
            });
            if failed
                && !handbook
                    .quizzes
                    .iter()
                    .any(|q| Path::new(&d.arg).file_name() == q.path.file_name())
            {
                continue;
            }
            let ids = handbook.quizzes.iter().map(|q| q.id.as_str());
            let mut diag = Diagnostic::error(
                "unknown-quiz",
                &p.path,
                format!("`{{{{#quiz {}}}}}` names no quiz", d.arg),
            )
            .placed(&placer, d.span.clone());
            diag = match did_you_mean(d.arg.trim_end_matches(".toml").rsplit('/').next().unwrap_or(""), ids) {
                Some(s) => diag.with_help(format!("did you mean `{{{{#quiz {s}}}}}`? (a quiz id, or a path to its file relative to this page)")),
                None => diag.with_help("name a quiz by its id, or by the path to its file relative to this page"),
            };
            diags.push(diag);
        }
    }
}

/// `a/b.html` as the source it is rendered from, `a/b.md`.
fn html_to_md_source(path: &Path) -> Option<PathBuf> {
    (path.extension()? == "html").then(|| path.with_extension("md"))
}

/// A known file whose name is close to `wanted`'s (a likely typo).
fn similar_file<'a>(wanted: &Path, known: impl Iterator<Item = &'a Path>) -> Option<&'a Path> {
    let name = wanted.file_name().and_then(|n| n.to_str()).unwrap_or("");
    known
        .filter_map(|p| {
            let n = p.file_name().and_then(|n| n.to_str())?;
            let score = strsim::jaro_winkler(n, name);
            (score > 0.9).then_some((score, p))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
        .map(|(_, p)| p)
}

struct Target<'a> {
    outline: &'a Outline,
    built: bool,
}

/// Re-checks one KB article whose file changed while every other file stayed
/// as `handbook` has it: its own checks, its standard sections and its links.
/// `None` when the change may reach other files (its id, path, `related`,
/// headings or quiz directives changed) or it has errors: then the caller
/// validates everything, which also gives the complete diagnostics.
pub fn revalidate_article(handbook: &Handbook, doc: RawDoc) -> Option<(Article, Diagnostics)> {
    let old = handbook.articles.iter().find(|a| a.path == doc.path)?;
    let mut diags = Diagnostics::new();
    let settings = &handbook.project.settings;
    let a = article_from_raw(
        doc,
        old.in_summary,
        handbook.today,
        settings.review_days,
        &mut diags,
    );
    diags.extend(foreign::diagnostics([&a]));
    let heads = |x: &Article| {
        x.outline
            .headings
            .iter()
            .map(|h| (h.level, h.id.clone()))
            .collect::<Vec<_>>()
    };
    if diags.has_errors()
        || a.id != old.id
        || a.related != old.related
        || heads(&a) != heads(old)
        || !crate::pipeline::quiz::directives(a.body()).is_empty()
        || !crate::pipeline::quiz::directives(old.body()).is_empty()
    {
        return None;
    }
    check_sections(
        std::slice::from_ref(&a),
        &settings.standard_sections,
        &mut diags,
    );
    check_links(
        &handbook.pages,
        &handbook.articles,
        Some(&a),
        &handbook.project.src_dir(),
        &mut diags,
    );
    if diags.has_errors() {
        return None;
    }
    Some((a, diags))
}

/// Checks the links of every built page and article, or only those of
/// `only` (against the others as they are).
fn check_links(
    pages: &[Page],
    articles: &[impl std::borrow::Borrow<Article>],
    only: Option<&Article>,
    src_dir: &Path,
    diags: &mut Diagnostics,
) {
    let mut targets: HashMap<&Path, Target<'_>> = HashMap::new();
    for p in pages {
        targets.insert(
            &p.rel,
            Target {
                outline: &p.outline,
                built: p.in_summary,
            },
        );
    }
    for a in articles {
        let a: &Article = a.borrow();
        targets.insert(
            &a.rel,
            Target {
                outline: &a.outline,
                built: true,
            },
        );
    }
    let mut check = |rel: &Path, path: &Path, source: &str, outline: &Outline| {
        let dir = rel.parent().unwrap_or(Path::new(""));
        // One index per file, built on its first diagnostic: a page of
        // thousands of broken links is indexed once, not once per link.
        let index = std::cell::OnceCell::new();
        let lines = || index.get_or_init(|| crate::core::diagnostic::LineIndex::new(source));
        for link in &outline.links {
            if link.dest.is_empty()
                || markdown::is_external(&link.dest)
                || link.dest.starts_with('/')
            {
                continue;
            }
            let span = link.dest_span.clone().unwrap_or(link.span.clone());
            let (file, frag) = match link.dest.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (link.dest.as_str(), None),
            };
            let target_outline = if file.is_empty() {
                Some(outline)
            } else {
                let Some(target) = resolve(dir, file) else {
                    diags.push(
                        Diagnostic::warning(
                            "link-outside",
                            path,
                            format!("link `{}` points outside the source folder", link.dest),
                        )
                        .at_index(lines(), source, span),
                    );
                    continue;
                };
                // `page.html` for a page written as `page.md` is how mdBook
                // books link to chapters: it works on the site.
                let target = html_to_md_source(&target)
                    .filter(|md| targets.contains_key(md.as_path()))
                    .unwrap_or(target);
                if let Some(t) = targets.get(target.as_path()) {
                    if !t.built {
                        diags.push(
                            Diagnostic::warning(
                                "link-not-built",
                                path,
                                format!("link `{}` points to a page that SUMMARY.md does not list, so it is not built", link.dest),
                            )
                            .at_index(lines(), source, span.clone())
                            .with_help("add the page to SUMMARY.md"),
                        );
                    }
                    Some(t.outline)
                } else if file.ends_with(".md") || !src_dir.join(&target).is_file() {
                    let mut d = Diagnostic::warning(
                        "broken-link",
                        path,
                        format!("link `{}` points to a file that does not exist", link.dest),
                    )
                    .at_index(lines(), source, span.clone());
                    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    let near = targets.keys().filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| strsim::jaro_winkler(n, name) > 0.9)
                    });
                    if let Some(p) = near.min() {
                        let mut suggestion = relative_link(dir, p);
                        if let Some(frag) = frag {
                            suggestion = format!("{suggestion}#{frag}");
                        }
                        d = d.with_help(format!("did you mean `{suggestion}`?"));
                    }
                    diags.push(d);
                    continue;
                } else {
                    None
                }
            };
            if let (Some(frag), Some(target)) = (frag, target_outline) {
                if frag.is_empty() || target.has_id(frag) {
                    continue;
                }
                let ids = target.headings.iter().map(|h| h.id.as_str());
                let mut d = Diagnostic::warning(
                    "broken-anchor",
                    path,
                    format!(
                        "link `{}`: the page has no heading with the id `{frag}`",
                        link.dest
                    ),
                )
                .at_index(lines(), source, span);
                d = match did_you_mean(frag, ids) {
                    Some(s) => d.with_help(format!("did you mean `#{s}`?")),
                    None => d.with_help("anchors are heading texts in lowercase with spaces as `-`, e.g. `#what-to-tell-the-customer`"),
                };
                diags.push(d);
            }
        }
    };
    if let Some(a) = only {
        check(&a.rel, &a.path, &a.source, &a.outline);
        return;
    }
    for p in pages.iter().filter(|p| p.in_summary) {
        check(&p.rel, &p.path, &p.source, &p.outline);
    }
    for a in articles {
        let a: &Article = a.borrow();
        // Article outlines are shifted into file offsets; spans refer to the file.
        check(&a.rel, &a.path, &a.source, &a.outline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_errors_have_a_place_in_the_file() {
        // Found by fuzzing: `check` passed these and `build` failed on
        // them with exit 2 and no place.
        let text = "# Summary\n\n- [A](README.md)\n\n[S](s.md)\n\n- [C](c.md)\n";
        let e = parse_summary(text).unwrap_err();
        assert_eq!(e.message, "Suffix chapters cannot be followed by a list");
        let loc = crate::core::diagnostic::LineIndex::new(text)
            .location(text, e.offset.unwrap()..e.offset.unwrap());
        assert_eq!((loc.line, loc.column), (7, 1));

        let text = "- [A](a.md)\n    - [x](\n";
        let e = parse_summary(text).unwrap_err();
        assert_eq!(
            e.message,
            "The link items for nested chapters must only contain a hyperlink"
        );
        assert!(e.offset.unwrap() <= text.len());

        let text = "# Summary\n\n- [A](a%20b.md)\n- [B](b.md)\n- [A again](a%20b.md)\n";
        let e = parse_summary(text).unwrap_err();
        assert_eq!(e.message, "Duplicate file in SUMMARY.md: \"a b.md\"");
        assert_eq!(e.offset, text.rfind("a%20b.md"));

        assert!(parse_summary("# Summary\n\n- [A](a.md)\n").is_ok());
    }

    #[test]
    fn resolve_stays_inside() {
        assert_eq!(
            resolve(Path::new("kb/dns"), "../ssl/a.md"),
            Some(PathBuf::from("kb/ssl/a.md"))
        );
        assert_eq!(resolve(Path::new(""), "../../etc/passwd"), None);
        assert_eq!(resolve(Path::new("a"), "/etc/passwd"), None);
        assert_eq!(
            resolve(Path::new(""), "./x.md"),
            Some(PathBuf::from("x.md"))
        );
    }

    #[test]
    fn relative_link_is_written_from_the_linking_page() {
        let cases = [
            (
                "kb/network",
                "kb/printing/printer-offline.md",
                "../printing/printer-offline.md",
            ),
            ("", "training/listening.md", "training/listening.md"),
            ("kb/dns", "kb/dns/a.md", "a.md"),
            ("training", "kb/email/b.md", "../kb/email/b.md"),
            ("kb/a/b", "README.md", "../../../README.md"),
        ];
        for (from, to, want) in cases {
            let got = relative_link(Path::new(from), Path::new(to));
            assert_eq!(got, want, "from {from} to {to}");
            assert_eq!(resolve(Path::new(from), &got), Some(PathBuf::from(to)));
        }
    }

    #[test]
    fn ids() {
        assert!(is_valid_id("ssl-expired_2"));
        assert!(!is_valid_id("SSL"));
        assert!(!is_valid_id("a/b"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("-a"));
    }
}
