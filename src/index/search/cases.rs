//! Search quality as tests: cases of "this query must find this article
//! within the top k", evaluated against the real index.

use super::{Options, Synonyms, Weights, search};
use crate::core::diagnostic::{Diagnostic, did_you_mean};
use crate::core::error::Result;
use crate::index::SearchIndex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    query: toml::Spanned<String>,
    expect: toml::Spanned<String>,
    within: Option<toml::Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    case: Vec<toml::Spanned<RawCase>>,
}

/// One case, with where it is written.
#[derive(Debug, Clone)]
pub struct Case {
    pub query: String,
    pub expect: String,
    pub within: usize,
    pub query_span: Range<usize>,
    pub expect_span: Range<usize>,
}

/// Parses a case file; problems are diagnostics naming `path`.
pub fn parse(path: &Path, text: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    match toml::from_str::<RawFile>(text) {
        Ok(file) => {
            let mut diags = Vec::new();
            let cases = file
                .case
                .into_iter()
                .filter_map(|c| {
                    let span = c.span();
                    let c = c.into_inner();
                    let within = c.within.as_ref().map_or(3, |w| *w.get_ref());
                    if within == 0 {
                        diags.push(
                            Diagnostic::error("invalid-value", path, "`within` must be at least 1")
                                .at(text, c.within.as_ref().map_or(span, toml::Spanned::span)),
                        );
                        return None;
                    }
                    Some(Case {
                        query_span: c.query.span(),
                        expect_span: c.expect.span(),
                        query: c.query.into_inner(),
                        expect: c.expect.into_inner(),
                        within,
                    })
                })
                .collect();
            (cases, diags)
        }
        Err(e) => (
            Vec::new(),
            vec![
                Diagnostic::error("toml-syntax", path, format!("invalid search cases: {}", e.message().trim()))
                    .at(text, e.span().unwrap_or(0..0))
                    .with_help("each case is [[case]] with query = \"...\", expect = \"article-id\", within = 3"),
            ],
        ),
    }
}

/// A case's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub query: String,
    pub expect: String,
    pub within: usize,
    /// 1-based rank in the top 10, if found there.
    pub rank: Option<usize>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.rank.is_some_and(|r| r <= self.within)
    }
}

/// MRR@10 and recall@1/3/10 over a case file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: Vec<Outcome>,
    pub mrr_at_10: f64,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub recall_at_10: f64,
}

pub fn evaluate(
    si: &SearchIndex,
    cases: &[Case],
    syn: &Synonyms,
    weights: Weights,
) -> Result<Report> {
    let opts = Options {
        limit: 10,
        include_archived: true,
        ..Options::default()
    };
    let mut outcomes = Vec::with_capacity(cases.len());
    for c in cases {
        let results = search(si, &c.query, &opts, syn, weights)?;
        let rank = results
            .hits
            .iter()
            .position(|h| h.id == c.expect || file_stem(&h.path) == c.expect)
            .map(|i| i + 1);
        outcomes.push(Outcome {
            query: c.query.clone(),
            expect: c.expect.clone(),
            within: c.within,
            rank,
        });
    }
    let n = outcomes.len().max(1) as f64;
    let recall = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    Ok(Report {
        mrr_at_10: outcomes
            .iter()
            .map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64))
            .sum::<f64>()
            / n,
        recall_at_1: recall(1),
        recall_at_3: recall(3),
        recall_at_10: recall(10),
        cases: outcomes,
    })
}

/// The file name of `path` without its extension: a case may name an
/// article by its file's name where the id differs (imported KBs, whose
/// file names are normalised into ids).
fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// Diagnostics for `check`: unknown ids and every case that misses.
pub fn diagnostics(
    path: &Path,
    text: &str,
    cases: &[Case],
    report: &Report,
    known_ids: &BTreeSet<&str>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (case, outcome) in cases.iter().zip(&report.cases) {
        if !known_ids.contains(case.expect.as_str()) {
            let mut d = Diagnostic::error(
                "unknown-article",
                path,
                format!(
                    "search case expects `{}`, but no article has that id",
                    case.expect
                ),
            )
            .at(text, case.expect_span.clone());
            if let Some(s) = did_you_mean(&case.expect, known_ids.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            out.push(d);
            continue;
        }
        if !outcome.passed() {
            let found = match outcome.rank {
                Some(r) => format!("it came back at rank {r}"),
                None => "it is not in the top 10".into(),
            };
            out.push(
                Diagnostic::error(
                    "search-miss",
                    path,
                    format!("search case \"{}\" should find `{}` in the top {}, but {found}", case.query, case.expect, case.within),
                )
                .at(text, case.query_span.clone())
                .with_help("improve the article's title, summary or symptoms (the customer's words), or add a synonym"),
            );
        }
    }
    out
}
