//! Searching the index: query building, ranking, snippets, and relevance
//! evaluation on search cases.

pub mod cases;
pub mod query;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::index::{Fields, SearchIndex, schema};
use query::{FilterField, Query};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query as TQuery,
    TermQuery,
};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, TantivyDocument};

/// How much each field counts. Tuned on the handbook's search cases
/// (`supportbook search --eval content/kb/search-cases.toml`).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub title: f32,
    pub symptoms: f32,
    pub summary: f32,
    pub headings: f32,
    pub body: f32,
    /// Factor for typo-tolerant matches relative to exact ones.
    pub fuzzy: f32,
    /// Factor for synonyms relative to the word typed.
    pub synonym: f32,
    /// Boost when the query's words appear together, in order.
    pub phrase: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 4.0,
            symptoms: 3.0,
            summary: 2.0,
            headings: 1.5,
            body: 1.0,
            fuzzy: 0.5,
            synonym: 0.5,
            phrase: 3.0,
        }
    }
}

/// Words that expand a query: `ssl = ["tls", "certificate"]` makes each of
/// those find the others.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Lowercased word -> its synonyms.
    map: HashMap<String, BTreeSet<String>>,
}

impl Synonyms {
    /// Reads `content/<kb-dir>/synonyms.toml` when it exists.
    pub fn load(project: &crate::project::Project) -> (Synonyms, Vec<Diagnostic>) {
        let full = project.kb_dir().join("synonyms.toml");
        let rel = project
            .src
            .join(&project.settings.kb_dir)
            .join("synonyms.toml");
        let Ok(text) = std::fs::read_to_string(&full) else {
            return (Synonyms::default(), Vec::new());
        };
        Synonyms::parse(&rel, &text)
    }

    pub fn parse(path: &Path, text: &str) -> (Synonyms, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let table: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>> =
            match toml::from_str(text) {
                Ok(t) => t,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "toml-syntax",
                            path,
                            format!("invalid TOML: {}", e.message().trim()),
                        )
                        .at(text, e.span().unwrap_or(0..0)),
                    );
                    return (Synonyms::default(), diags);
                }
            };
        let mut syn = Synonyms::default();
        for (word, value) in table {
            let list: Vec<String> = match value.get_ref() {
                toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_lowercase))
                    .collect(),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "invalid-type",
                            path,
                            format!("synonyms of `{}` must be a list of words", word.get_ref()),
                        )
                        .at(text, value.span())
                        .with_help(format!("{} = [\"...\", \"...\"]", word.get_ref())),
                    );
                    continue;
                }
            };
            let mut group: BTreeSet<String> = list.into_iter().collect();
            group.insert(word.get_ref().to_lowercase());
            for w in &group {
                let entry = syn.map.entry(w.clone()).or_default();
                entry.extend(group.iter().filter(|o| *o != w).cloned());
            }
        }
        (syn, diags)
    }

    pub fn of(&self, word: &str) -> impl Iterator<Item = &str> {
        self.map
            .get(&word.to_lowercase())
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

/// What to search and how many results.
#[derive(Debug, Clone)]
pub struct Options {
    pub limit: usize,
    pub products: Vec<String>,
    pub tags: Vec<String>,
    pub include_archived: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: 10,
            products: Vec::new(),
            tags: Vec::new(),
            include_archived: false,
        }
    }
}

/// One result. The JSON form is documented in README.md.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub url: String,
    pub path: String,
    pub products: Vec<String>,
    pub tags: Vec<String>,
    pub state: String,
    pub score: f32,
    /// HTML: the best passage, matched words in `<b>`, everything else escaped.
    pub snippet: String,
    /// The passage as plain text and the byte ranges of its matched words.
    #[serde(skip)]
    pub snippet_text: String,
    #[serde(skip)]
    pub highlights: Vec<std::ops::Range<usize>>,
}

/// The answer to one query.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
    /// What in the query was not understood and how it was read instead.
    pub notes: Vec<String>,
}

/// Analyzes text the way the index does (lowercase, stems).
pub fn analyze(text: &str) -> Vec<String> {
    let mut a = schema::analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Lowercased words without stemming (for typo matching of forms the
/// stemmer would shorten differently).
fn raw_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Edit distance allowed for a typo in a word of this length.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

struct Builder<'a> {
    f: &'a Fields,
    w: Weights,
    syn: &'a Synonyms,
    searcher: &'a tantivy::Searcher,
}

impl Builder<'_> {
    fn text_fields(&self) -> [(tantivy::schema::Field, f32); 5] {
        [
            (self.f.title, self.w.title),
            (self.f.symptoms, self.w.symptoms),
            (self.f.summary, self.w.summary),
            (self.f.headings, self.w.headings),
            (self.f.body, self.w.body),
        ]
    }

    fn term(&self, field: tantivy::schema::Field, token: &str, boost: f32) -> Box<dyn TQuery> {
        let q = TermQuery::new(
            Term::from_field_text(field, token),
            IndexRecordOption::WithFreqs,
        );
        Box::new(BoostQuery::new(Box::new(q), boost))
    }

    /// Exact matches of one analyzed token in every text field.
    fn exact(&self, token: &str, factor: f32) -> Vec<(Occur, Box<dyn TQuery>)> {
        self.text_fields()
            .iter()
            .map(|(field, weight)| (Occur::Should, self.term(*field, token, weight * factor)))
            .collect()
    }

    /// One word of the query: exact, typo-tolerant and synonym matches.
    fn word(&self, word: &str) -> Option<Box<dyn TQuery>> {
        let tokens = analyze(word);
        if tokens.is_empty() {
            return None;
        }
        let mut clauses = Vec::new();
        for token in &tokens {
            clauses.extend(self.exact(token, 1.0));
        }
        if tokens.len() > 1 {
            // `5.7.1` or `ERR_SSL_PROTOCOL_ERROR`: the parts in order count most.
            clauses.extend(self.phrase(&tokens, 1.0));
        }
        // Typos: a word the index does not know is probably misspelled; try
        // both its stemmed and its raw form in the fields that matter. (Words
        // the index knows are not expanded: that keeps queries fast and
        // results precise.)
        for form in self.typo_forms(word) {
            let d = typo_distance(&form);
            if d == 0 {
                continue;
            }
            for (field, weight) in [
                (self.f.title, self.w.title),
                (self.f.symptoms, self.w.symptoms),
                (self.f.body, self.w.body),
            ] {
                let q = FuzzyTermQuery::new(Term::from_field_text(field, &form), d, true);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), weight * self.w.fuzzy)),
                ));
            }
        }
        for synonym in self.syn.of(word) {
            for token in analyze(synonym) {
                clauses.extend(self.exact(&token, self.w.synonym));
            }
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Forms of `word` to match with typo tolerance: none when the index
    /// knows every token of it.
    fn typo_forms(&self, word: &str) -> Vec<String> {
        let tokens = analyze(word);
        let known = |t: &str| {
            [self.f.title, self.f.symptoms, self.f.body]
                .iter()
                .any(|f| {
                    self.searcher
                        .doc_freq(&Term::from_field_text(*f, t))
                        .is_ok_and(|n| n > 0)
                })
        };
        if tokens.iter().all(|t| known(t)) {
            return Vec::new();
        }
        let mut forms: BTreeSet<String> = tokens.into_iter().filter(|t| !known(t)).collect();
        forms.extend(raw_words(word).into_iter().filter(|t| !known(t)));
        forms.into_iter().filter(|f| typo_distance(f) > 0).collect()
    }

    /// The tokens in order, in title, symptoms, summary or body.
    fn phrase(&self, tokens: &[String], factor: f32) -> Vec<(Occur, Box<dyn TQuery>)> {
        self.phrase_in(tokens, factor, true)
    }

    /// The tokens in order in the short fields only (title, symptoms): where
    /// a pasted error string or an article's own words are, and cheap to
    /// check. Used for the boost every multi-word query gets.
    fn phrase_boost(&self, tokens: &[String], factor: f32) -> Vec<(Occur, Box<dyn TQuery>)> {
        self.phrase_in(tokens, factor, false)
    }

    fn phrase_in(
        &self,
        tokens: &[String],
        factor: f32,
        long_fields: bool,
    ) -> Vec<(Occur, Box<dyn TQuery>)> {
        if tokens.len() < 2 {
            return tokens
                .first()
                .map(|t| self.exact(t, factor))
                .unwrap_or_default();
        }
        let short = [
            (self.f.title, self.w.title),
            (self.f.symptoms, self.w.symptoms),
        ];
        let long = [(self.f.summary, self.w.summary), (self.f.body, self.w.body)];
        short
            .iter()
            .chain(if long_fields { &long[..] } else { &[] })
            .map(|(field, weight)| {
                let terms: Vec<Term> = tokens
                    .iter()
                    .map(|t| Term::from_field_text(*field, t))
                    .collect();
                let q: Box<dyn TQuery> = Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new(terms)),
                    weight * factor,
                ));
                (Occur::Should, q)
            })
            .collect()
    }

    fn keyword(&self, field: tantivy::schema::Field, value: &str) -> Box<dyn TQuery> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    fn build(&self, q: &Query, opts: &Options) -> Box<dyn TQuery> {
        let mut outer: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let words: Vec<Box<dyn TQuery>> = q.words.iter().filter_map(|w| self.word(w)).collect();
        if !words.is_empty() {
            outer.push((
                Occur::Must,
                Box::new(BooleanQuery::new(
                    words.into_iter().map(|w| (Occur::Should, w)).collect(),
                )),
            ));
            let all: Vec<String> = q.words.iter().flat_map(|w| analyze(w)).collect();
            if all.len() >= 2 {
                outer.push((
                    Occur::Should,
                    Box::new(BooleanQuery::new(self.phrase_boost(&all, self.w.phrase))),
                ));
            }
        }
        for p in &q.phrases {
            let tokens = analyze(p);
            if !tokens.is_empty() {
                outer.push((
                    Occur::Must,
                    Box::new(BooleanQuery::new(self.phrase(&tokens, 2.0))),
                ));
            }
        }
        for x in &q.excluded {
            let tokens = analyze(x);
            if !tokens.is_empty() {
                outer.push((
                    Occur::MustNot,
                    Box::new(BooleanQuery::new(self.phrase(&tokens, 1.0))),
                ));
            }
        }
        let mut filter = |field: tantivy::schema::Field, values: Vec<String>| {
            if values.is_empty() {
                return;
            }
            let any: Vec<(Occur, Box<dyn TQuery>)> = values
                .iter()
                .map(|v| (Occur::Should, self.keyword(field, v)))
                .collect();
            outer.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        };
        let slugs =
            |it: &mut dyn Iterator<Item = &str>| it.map(crate::markdown::slug).collect::<Vec<_>>();
        let products = slugs(
            &mut q
                .filter_values(FilterField::Product)
                .chain(opts.products.iter().map(String::as_str)),
        );
        let tags = slugs(
            &mut q
                .filter_values(FilterField::Tag)
                .chain(opts.tags.iter().map(String::as_str)),
        );
        filter(self.f.products, products);
        filter(self.f.tags, tags);
        filter(
            self.f.kind,
            q.filter_values(FilterField::Kind)
                .map(str::to_string)
                .collect(),
        );
        let states: Vec<String> = q
            .filter_values(FilterField::State)
            .map(str::to_string)
            .collect();
        let archived_asked = opts.include_archived || states.iter().any(|s| s == "archived");
        filter(self.f.state, states);
        if !archived_asked {
            outer.push((Occur::MustNot, self.keyword(self.f.state, "archived")));
        }
        if !outer.iter().any(|(o, _)| *o == Occur::Must) {
            outer.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(outer))
    }
}

/// Runs a query. Malformed input never fails: it is read as plain words,
/// with a note in the results.
pub fn search(
    si: &SearchIndex,
    input: &str,
    opts: &Options,
    syn: &Synonyms,
    weights: Weights,
) -> Result<Results> {
    let parsed = query::parse(input);
    let mut notes = parsed.notes.clone();
    if parsed.is_empty() && opts.products.is_empty() && opts.tags.is_empty() {
        notes.push("nothing to search for: type some words".into());
        return Ok(Results {
            query: input.to_string(),
            total: 0,
            hits: Vec::new(),
            notes,
        });
    }
    let searcher = si.reader.searcher();
    let builder = Builder {
        f: &si.fields,
        w: weights,
        syn,
        searcher: &searcher,
    };
    let tq = builder.build(&parsed, opts);
    let limit = opts.limit.max(1);
    let (top, total) = searcher
        .search(&tq, &(TopDocs::with_limit(limit).order_by_score(), Count))
        .map_err(|e| Error::Internal(format!("search: {e}")))?;

    // What to highlight: the query's words as analyzed, their synonyms, and
    // (per document, below) the words a typo matched.
    // Short function words still match ("not working") but are not worth
    // highlighting in a passage.
    const QUIET: &[&str] = &[
        "a", "an", "the", "in", "on", "at", "to", "of", "is", "it", "my", "i", "and", "or", "for",
        "with", "be", "by", "as", "me",
    ];
    let mut highlight: BTreeSet<String> = BTreeSet::new();
    let mut typo_forms: Vec<(String, u8)> = Vec::new();
    for w in parsed.words.iter().chain(&parsed.phrases) {
        for t in analyze(w) {
            highlight.insert(t);
        }
        for form in builder.typo_forms(w) {
            let d = typo_distance(&form);
            typo_forms.push((form, d));
        }
        for s in syn.of(w) {
            highlight.extend(analyze(s));
        }
    }

    let mut hits = Vec::with_capacity(top.len());
    highlight.retain(|t| !QUIET.contains(&t.as_str()));
    typo_forms.retain(|(t, _)| !QUIET.contains(&t.as_str()));
    for (score, addr) in top {
        hits.push(hit(si, &searcher, addr, score, &highlight, &typo_forms)?);
    }
    Ok(Results {
        query: input.to_string(),
        total,
        hits,
        notes,
    })
}

fn hit(
    si: &SearchIndex,
    searcher: &tantivy::Searcher,
    addr: DocAddress,
    score: f32,
    highlight: &BTreeSet<String>,
    typo_forms: &[(String, u8)],
) -> Result<Hit> {
    let f = &si.fields;
    let doc: TantivyDocument = searcher
        .doc(addr)
        .map_err(|e| Error::Internal(format!("search: {e}")))?;
    let first = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let all = |field| {
        doc.get_all(field)
            .filter_map(|v| v.as_str())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let body = first(f.body);
    let summary = first(f.summary);
    let symptoms = all(f.symptoms).join(" · ");

    let mut best = None;
    // Short fields first: the customer's words and the summary say the most
    // per character, and are cheap to analyze; the body when they do not match.
    for (text, field) in [
        (&symptoms, f.symptoms),
        (&summary, f.summary),
        (&body, f.body),
    ] {
        let mut terms: BTreeMap<String, f32> = highlight.iter().map(|t| (t.clone(), 1.0)).collect();
        // Words in this text within typo distance of a query word.
        for token in analyze(text) {
            if typo_forms
                .iter()
                .any(|(form, d)| strsim::levenshtein(form, &token) <= usize::from(*d))
            {
                terms.insert(token, 1.0);
            }
        }
        let generator = SnippetGenerator::new(terms, schema::analyzer(), field, 180);
        let snippet = generator.snippet(text);
        if !snippet.highlighted().is_empty() {
            best = Some(snippet);
            break;
        }
    }
    let (snippet, snippet_text, highlights) = match best {
        Some(s) => (
            s.to_html(),
            s.fragment().to_string(),
            s.highlighted().to_vec(),
        ),
        None => {
            let text = if summary.is_empty() {
                body.chars().take(180).collect()
            } else {
                summary.clone()
            };
            (crate::markdown::escape_attr(&text), text, Vec::new())
        }
    };
    Ok(Hit {
        id: first(f.id),
        title: first(f.title),
        kind: first(f.kind),
        url: first(f.url),
        path: first(f.path),
        products: all(f.products),
        tags: all(f.tags),
        state: first(f.state),
        score,
        snippet,
        snippet_text,
        highlights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_keeps_stop_words_and_splits_codes() {
        assert_eq!(analyze("Not working"), ["not", "work"]);
        assert_eq!(
            analyze("ERR_SSL_PROTOCOL_ERROR"),
            ["err", "ssl", "protocol", "error"]
        );
        assert_eq!(analyze("550 5.7.1"), ["550", "5", "7", "1"]);
    }

    #[test]
    fn typo_distances() {
        assert_eq!(typo_distance("dns"), 0);
        assert_eq!(typo_distance("mail"), 1);
        assert_eq!(typo_distance("certificate"), 2);
    }

    #[test]
    fn synonyms_are_symmetric() {
        let (s, d) = Synonyms::parse(Path::new("s.toml"), "ssl = [\"tls\", \"certificate\"]\n");
        assert!(d.is_empty());
        assert_eq!(s.of("ssl").collect::<Vec<_>>(), ["certificate", "tls"]);
        assert_eq!(s.of("TLS").collect::<Vec<_>>(), ["certificate", "ssl"]);
        let (_, d) = Synonyms::parse(Path::new("s.toml"), "ssl = 3\n");
        assert_eq!(d.len(), 1);
    }
}
