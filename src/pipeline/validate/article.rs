//! One KB article's own checks.
//!
//! In: a [`RawDoc`] of `content/kb/`. Out: a checked [`Article`], always,
//! with what could be read and defaults for the rest, and a diagnostic for
//! every problem in it. A front-matter syntax error does not stop the
//! reading: the keys the parser could still read are checked like any
//! others, so one run reports every problem in the file. Checks across
//! articles (ids, `related`, links, sections) are in the parent module.

use super::{foreign, id_from_stem, ids};
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::markdown::{self, Outline};
use crate::core::model::{Article, Audience, Foreign, IdSource, MAX_REVIEW_DAYS, Review, State};
use crate::pipeline::frontmatter::{self, Entry, Format, Split, Value};
use crate::pipeline::load::RawDoc;
use jiff::civil::Date;
use std::ops::Range;
use std::path::Path;

/// The most tags (or products) one article may list: each is a page.
pub const MAX_TAGS: usize = 100;

/// The front-matter keys supportbook reads.
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
/// (`has_errors` set when there were errors), so it is still indexed, found
/// and named by other files. Foreign keys and values are recorded in
/// `foreign`, not reported here ([`super::foreign_diagnostics`] reports
/// them for many articles at once).
pub fn article_from_raw(
    doc: RawDoc,
    in_summary: bool,
    today: Date,
    review_days: u32,
    diags: &mut Diagnostics,
) -> Article {
    let errors_before = diags.errors();
    let head = Head::read(&doc, diags);
    let mut reader = Reader {
        fields: Fields {
            path: &doc.path,
            source: &doc.source,
            placer: crate::core::diagnostic::Placer::new(&doc.source),
            diags,
        },
        article: blank_article(&doc, in_summary, &head),
        format: head.format,
        reviewed_span: head.open_span.clone(),
    };
    for e in &head.entries {
        reader.entry(e);
    }
    let Reader {
        mut article,
        reviewed_span,
        ..
    } = reader;
    let body = doc.source.get(head.body_start..).unwrap_or("");
    // Outline offsets are relative to the body; shift them into the file.
    article.outline = shift_outline(markdown::outline(body), head.body_start);
    settle_title(&mut article, &head, &doc, diags);
    schedule_review(&mut article, today, review_days, reviewed_span, &doc, diags);
    article.source = doc.source;
    article.has_errors = diags.errors() > errors_before;
    article
}

/// What the front matter gave, and where things are in the file.
struct Head {
    /// The entries that could be read, in file order.
    entries: Vec<Entry>,
    body_start: usize,
    /// The opening fence (`0..0` without front matter): where problems about
    /// the block as a whole are shown.
    open_span: Range<usize>,
    format: Format,
    /// The block had syntax errors, so a key may be missing only because its
    /// line could not be read.
    had_syntax_errors: bool,
}

impl Head {
    /// Splits off and parses the front matter of `doc`, reporting its syntax
    /// errors and keeping the entries that could still be read.
    fn read(doc: &RawDoc, diags: &mut Diagnostics) -> Head {
        let (split, fm_diags) = frontmatter::parse(&doc.path, &doc.source);
        let had_syntax_errors = !fm_diags.is_empty();
        diags.extend(fm_diags);
        match split {
            Split::Found(fm) => Head {
                entries: fm.entries,
                body_start: fm.body_start,
                open_span: fm.open_span,
                format: fm.format,
                had_syntax_errors,
            },
            Split::None => Head {
                entries: Vec::new(),
                body_start: 0,
                open_span: 0..0,
                format: Format::Toml,
                had_syntax_errors,
            },
        }
    }
}

/// The article as it is before any key is read: its id from the file name,
/// every field at its default.
fn blank_article(doc: &RawDoc, in_summary: bool, head: &Head) -> Article {
    let stem = file_stem(&doc.rel);
    let id = id_from_stem(&stem);
    let id_source = if id == stem {
        IdSource::FileName
    } else {
        IdSource::Normalised(stem)
    };
    Article {
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
        body_start: head.body_start,
        id_span: head.open_span.clone(),
        has_errors: false,
        id_source,
        foreign: Vec::new(),
    }
}

/// The file name without its extension, as text.
fn file_stem(rel: &Path) -> String {
    rel.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Fills in an article's fields from front-matter entries, one key at a
/// time, reporting each bad value where it is written.
struct Reader<'a> {
    fields: Fields<'a>,
    article: Article,
    format: Format,
    /// Where `reviewed` is written, for the overdue warning.
    reviewed_span: Range<usize>,
}

impl Reader<'_> {
    /// Reads one entry into the field its key names; a key supportbook does
    /// not read is recorded as foreign.
    fn entry(&mut self, e: &Entry) {
        let f = &mut self.fields;
        match e.key.as_str() {
            "id" => self.id(e),
            "title" => self.title(e),
            "summary" => self.article.summary = f.string(e),
            "owner" => self.article.owner = f.string(e),
            "symptoms" | "products" | "tags" | "related" => self.list(e),
            "audience" => {
                let names = (&Audience::NAMES[..], Audience::default().as_str());
                if let Some(name) = self.choice(e, names, foreign::AUDIENCE_ALIASES) {
                    self.article.audience = Audience::parse(name).unwrap_or_default();
                }
            }
            "state" => {
                let names = (&State::NAMES[..], State::default().as_str());
                if let Some(name) = self.choice(e, names, foreign::STATE_ALIASES) {
                    self.article.state = State::parse(name).unwrap_or_default();
                }
            }
            "reviewed" => {
                self.article.reviewed = f.date(e);
                self.reviewed_span = e.value_span.clone();
            }
            "review-every" => self.article.review_every = f.review_every(e),
            other => self.article.foreign.push(Foreign {
                key: other.to_string(),
                value: None,
                span: e.key_span.clone(),
            }),
        }
    }

    /// `id`: a valid id replaces the one from the file name; anything else is
    /// an error, and the file name's id stays.
    fn id(&mut self, e: &Entry) {
        let Some(id) = self.fields.string(e) else {
            return;
        };
        self.article.id_span = e.value_span.clone();
        if is_valid_id(&id) && id != ids::RESERVED_ID {
            self.article.id = id;
            self.article.id_source = IdSource::Key;
            return;
        }
        let message = if id == ids::RESERVED_ID {
            "the id `index` is reserved for the knowledge-base overview page".to_string()
        } else {
            format!("`{id}` is not a valid article id")
        };
        self.fields.error(
            "invalid-id",
            e.value_span.clone(),
            message,
            Some(format!(
                "use lowercase letters, digits, `-` and `_` (e.g. `{}`); without an `id`, the file name gives one",
                id_from_stem(&id)
            )),
        );
    }

    /// `title`: a string that is not blank.
    fn title(&mut self, e: &Entry) {
        match self.fields.string(e) {
            Some(t) if t.trim().is_empty() => self.fields.error(
                "invalid-value",
                e.value_span.clone(),
                "`title` is empty".into(),
                Some("write the title as the customer would describe the problem".into()),
            ),
            Some(t) => self.article.title = t,
            None => {}
        }
    }

    /// `symptoms`, `products`, `tags`, `related`: lists of strings, with at
    /// most [`MAX_TAGS`] products or tags (each is a page of the site).
    fn list(&mut self, e: &Entry) {
        let (list, spans): (Vec<String>, Vec<Range<usize>>) = self
            .fields
            .strings(e)
            .unwrap_or_default()
            .into_iter()
            .unzip();
        if matches!(e.key.as_str(), "tags" | "products") && list.len() > MAX_TAGS {
            self.fields.error(
                "invalid-value",
                e.value_span.clone(),
                format!(
                    "`{}` may list at most {MAX_TAGS} names, found {}",
                    e.key,
                    list.len()
                ),
                Some(
                    "keep the few that agents filter by; put the rest in `symptoms` or the body"
                        .into(),
                ),
            );
            return;
        }
        let a = &mut self.article;
        match e.key.as_str() {
            "symptoms" => a.symptoms = list,
            "products" => a.products = list,
            "tags" => a.tags = list,
            _ => {
                a.related = list;
                a.related_spans = spans;
            }
        }
    }

    /// A key with a fixed vocabulary (`names`, and the default an unknown
    /// value of another tool stands for): the name it reads as, or `None`
    /// after an error. See [`foreign::read_choice`].
    fn choice(
        &mut self,
        e: &Entry,
        (names, default): (&[&'static str], &'static str),
        aliases: &[(&'static str, &'static str)],
    ) -> Option<&'static str> {
        let raw = self.fields.string(e)?;
        match foreign::read_choice(&raw, self.format, names, default, aliases) {
            foreign::Reading::Known(name) => Some(name),
            foreign::Reading::Foreign(meant) => {
                self.article.foreign.push(Foreign {
                    key: e.key.clone(),
                    value: Some((raw, meant)),
                    span: e.value_span.clone(),
                });
                Some(meant)
            }
            foreign::Reading::Wrong(help) => {
                self.fields.error(
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

/// Without a `title` key, the article's first `# heading` is its title. A
/// missing title is an error, unless the front matter had syntax errors (the
/// title's line may be the one that could not be read). Either way the
/// article keeps a title to be listed and found by: its first heading or its
/// file name.
fn settle_title(article: &mut Article, head: &Head, doc: &RawDoc, diags: &mut Diagnostics) {
    if !article.title.trim().is_empty() {
        return;
    }
    let has_title_key = head.entries.iter().any(|e| e.key == "title");
    let h1 = article.outline.h1().map(str::to_string);
    if let (Some(h1), false) = (&h1, has_title_key) {
        article.title = h1.clone();
        return;
    }
    if !has_title_key && !head.had_syntax_errors {
        diags.push(
            Diagnostic::error("missing-title", &doc.path, "article has no title")
                .at(&doc.source, head.open_span.clone())
                .with_help("add `title = \"...\"` to the front matter"),
        );
    }
    article.title = h1.unwrap_or_else(|| file_stem(&doc.rel));
}

/// Sets when the article is due for review (from `reviewed` and
/// `review-every`, or the handbook's `review_days`), with a warning at
/// `reviewed` when that is before `today`.
fn schedule_review(
    article: &mut Article,
    today: Date,
    review_days: u32,
    reviewed_span: Range<usize>,
    doc: &RawDoc,
    diags: &mut Diagnostics,
) {
    let Some(reviewed) = article.reviewed else {
        return;
    };
    let every = article.review_every.unwrap_or(review_days);
    let due = reviewed
        .checked_add(jiff::Span::new().days(i64::from(every)))
        .unwrap_or(Date::MAX);
    let overdue_days = due.until(today).map_or(0, |s| s.get_days());
    article.review = Some(Review { due, overdue_days });
    if overdue_days <= 0 {
        return;
    }
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

/// Moves an outline of the body to offsets into the whole file.
pub(super) fn shift_outline(mut o: Outline, by: usize) -> Outline {
    for h in &mut o.headings {
        h.span = h.span.start + by..h.span.end + by;
    }
    for l in &mut o.links {
        l.span = l.span.start + by..l.span.end + by;
        l.dest_span = l.dest_span.take().map(|s| s.start + by..s.end + by);
    }
    o
}

/// Reads front-matter entries into typed values, one diagnostic per bad
/// value, placed where the value is written.
struct Fields<'a> {
    path: &'a Path,
    source: &'a str,
    /// One line index for all of this file's problems.
    placer: crate::core::diagnostic::Placer<'a>,
    diags: &'a mut Diagnostics,
}

impl Fields<'_> {
    /// Reports an error at `span` of this file.
    fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(code, self.path, message).placed(&self.placer, span);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }

    /// A string value.
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

    /// A list of strings, each with its span; a single string is accepted
    /// as a list of one, and an item that is not a string is reported and
    /// left out.
    fn strings(&mut self, e: &Entry) -> Option<Vec<(String, Range<usize>)>> {
        let items = match &e.value {
            Value::String(s) => return Some(vec![(s.clone(), e.value_span.clone())]),
            Value::Array(items) => items,
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
                return None;
            }
        };
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

    /// A calendar date, written as a TOML date or a `YYYY-MM-DD` string.
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

    /// `review-every`: whole days from 1 to [`MAX_REVIEW_DAYS`]. The error
    /// names that range and the value as written (`-5`, `1.5`, a number too
    /// large for any integer type), or the type of a value that is not a
    /// number.
    fn review_every(&mut self, e: &Entry) -> Option<u32> {
        if let Value::Integer(n) = e.value
            && (1..=MAX_REVIEW_DAYS).contains(&n)
        {
            return u32::try_from(n).ok();
        }
        let found = match e.value {
            Value::Integer(_) | Value::Float(_) => self
                .source
                .get(e.value_span.clone())
                .map_or_else(|| e.value.type_name().to_string(), |s| s.trim().to_string()),
            _ => e.value.type_name().to_string(),
        };
        self.error(
            "invalid-value",
            e.value_span.clone(),
            format!(
                "`review-every` must be a whole number of days from 1 to {MAX_REVIEW_DAYS}, found {found}"
            ),
            Some("review-every = 180".into()),
        );
        None
    }
}
