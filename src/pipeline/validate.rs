//! Stage 2, validate: raw documents become checked [`Handbook`] types, or
//! diagnostics. Every problem in every file is collected; nothing later sees
//! a raw document.

use crate::core::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::core::markdown::{self, Outline};
use crate::core::model::{Article, Page};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::load::{RawDoc, RawHandbook};
use jiff::civil::Date;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

mod article;
mod foreign;
mod ids;
pub use crate::core::model::MAX_REVIEW_DAYS;
pub use crate::core::paths::{relative_link, resolve};
pub use article::{ARTICLE_KEYS, MAX_TAGS, article_from_raw, is_valid_id};
pub use foreign::{AUDIENCE_ALIASES, STATE_ALIASES};
pub use ids::{Claim, Origin, id_from_stem, unique_ids};

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
    let duplicates = duplicate_ids(&articles, &mut diags);
    check_related(&articles, &mut diags);
    check_sections(&articles, &settings.standard_sections, &mut diags);
    check_links(&pages, &articles, None, &raw.project.src_dir(), &mut diags);
    for i in duplicates.into_iter().rev() {
        articles.remove(i);
    }

    let mut quiz_diags = Vec::new();
    // Quizzes with errors of their own still take part in the checks
    // across files (duplicate ids, `covers`); only the others are used.
    let checks: Vec<crate::pipeline::quiz::QuizCheck> = raw
        .quizzes
        .iter()
        .filter_map(|q| crate::pipeline::quiz::check_file(q, &mut quiz_diags))
        .collect();
    let ids: BTreeSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    crate::pipeline::quiz::check_all(&checks, &raw.quizzes, &ids, &mut quiz_diags);
    let (good, broken): (Vec<_>, Vec<_>) = checks.into_iter().partition(|c| !c.has_errors);
    let quizzes: Vec<crate::pipeline::quiz::Quiz> = good.into_iter().map(|c| c.quiz).collect();
    let broken_ids: BTreeSet<String> = broken.into_iter().map(|c| c.quiz.id).collect();
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
    check_directives(&handbook, &raw.quizzes, &broken_ids, &mut diags);
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

/// One warning per foreign front-matter key and per value outside
/// supportbook's vocabularies across `articles`, with a count and the first
/// place (see [`foreign::diagnostics`]).
pub fn foreign_diagnostics<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Vec<Diagnostic> {
    foreign::diagnostics(articles)
}

/// Reports every article whose id another article already has, and returns
/// their indices, in order. Of the articles sharing an id, the one whose file
/// is named after the id keeps it, else the first; the others get the error.
/// The caller removes them only after the link checks, which find pages by
/// path: a link to either file still works.
fn duplicate_ids(articles: &[Article], diags: &mut Diagnostics) -> Vec<usize> {
    let named_after = |a: &Article| a.rel.file_stem().is_some_and(|s| s == a.id.as_str());
    let mut keeper: HashMap<&str, usize> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        match keeper.get(a.id.as_str()) {
            Some(&k) if !named_after(a) || articles.get(k).is_some_and(named_after) => {}
            _ => {
                keeper.insert(&a.id, i);
            }
        }
    }
    let mut dup = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        let Some(prev) = keeper
            .get(a.id.as_str())
            .and_then(|&k| (k != i).then_some(k))
        else {
            continue;
        };
        let prev = articles
            .get(prev)
            .map_or(Path::new(""), |p| p.path.as_path());
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
            .with_help("give one of them another `id`; ids name the page and must be unique"),
        );
    }
    dup
}

/// Every `related` id must name an article.
fn check_related(articles: &[Article], diags: &mut Diagnostics) {
    let ids: BTreeSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    for a in articles {
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
    // Every problem at once, an article with errors included; but a body
    // that could not be found (front matter never closed) has no sections
    // to advise on.
    for a in articles
        .iter()
        .filter(|a| !a.has_errors || !a.body().trim().is_empty())
    {
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

/// Every `{{#quiz ...}}` in a built page must name a quiz. One that names a
/// quiz file or id with errors of its own is not reported again.
fn check_directives(
    handbook: &Handbook,
    sources: &[crate::pipeline::quiz::RawQuizSource],
    broken_ids: &BTreeSet<String>,
    diags: &mut Diagnostics,
) {
    for p in handbook.pages.iter().filter(|p| p.in_summary) {
        let placer = crate::core::diagnostic::Placer::new(&p.source);
        for d in crate::pipeline::quiz::directives(&p.source) {
            if handbook.quiz_for_directive(&p.rel, &d.arg).is_some() || broken_ids.contains(&d.arg)
            {
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
