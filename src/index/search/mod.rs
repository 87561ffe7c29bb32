//! Searching the index: query building, ranking, snippets, and relevance
//! evaluation on search cases.

pub mod cases;
pub mod query;

use crate::core::diagnostic::Diagnostic;
use crate::core::error::{Error, Result};
use crate::index::{Fields, SearchIndex, schema};
use query::{FilterField, Query};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query as TQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, TantivyDocument};

/// How much each kind of evidence counts. Field weights are applied when
/// indexing (`index::schema::FIELD_WEIGHTS`); these are query-time factors.
/// Measured with `cargo bench --bench relevance` on the dev corpus's case
/// files and the handbook's cases together (never on single queries).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Two adjacent query words found adjacent in the article, relative to
    /// one word found.
    pub pairs: f32,
    /// A word matched through a typo correction, relative to the word typed.
    pub fuzzy: f32,
    /// A synonym, relative to the word typed.
    pub synonym: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            pairs: 1.0,
            fuzzy: 0.8,
            synonym: 0.5,
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
    pub fn load(project: &crate::core::config::Project) -> (Synonyms, Vec<Diagnostic>) {
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
    /// The source file has errors (`supportbook check` shows them); the
    /// result shows what could be read.
    pub problems: bool,
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
    /// The query with its misspelled words corrected (what was searched),
    /// or, when nothing was found, a close query that finds something.
    pub did_you_mean: Option<String>,
}

/// Analyzes text the way the index does (lowercase, stems).
pub fn analyze(text: &str) -> Vec<String> {
    schema::stems(&mut schema::analyzer(), text)
}

/// Lowercased words without stemming, as the `raw` field holds them.
fn raw_words(text: &str) -> Vec<String> {
    schema::stems(&mut schema::raw_analyzer(), text)
}

/// Edit distance allowed for a typo in a word of this length.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// One word of the query as it is searched: the word typed (lowercased),
/// its stem, and the word it was corrected to when the KB does not have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    pub typed: String,
    pub stem: String,
    pub corrected: Option<String>,
}

impl QueryWord {
    fn searched(&self) -> &str {
        self.corrected.as_deref().unwrap_or(&self.typed)
    }
}

/// The words the KB knows that are closest to `word` (unstemmed, within
/// its typo distance), best first: fewest edits (a swap of two adjacent
/// letters is one), then the most articles. Empty when the KB has `word`,
/// or when `word` is too short or holds digits (codes are not misspelled
/// words).
pub fn corrections(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    word: &str,
) -> Vec<String> {
    let max = typo_distance(word);
    if max == 0 || word.chars().any(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    if searcher
        .doc_freq(&Term::from_field_text(field, word))
        .is_ok_and(|n| n > 0)
    {
        return Vec::new();
    }
    // One edit first: cheaper, and nearly every slip is one edit.
    for distance in 1..=max {
        // A stream consumes its automaton: one per segment.
        let automaton = || {
            FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true)
                .automaton()
                .ok()
        };
        let mut found: BTreeMap<String, u64> = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let (Ok(inverted), Some(a)) = (segment.inverted_index(field), automaton()) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(a).into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    *found.entry(term.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        if !found.is_empty() {
            let mut ranked: Vec<(usize, std::cmp::Reverse<u64>, String)> = found
                .into_iter()
                .map(|(t, df)| (strsim::osa_distance(word, &t), std::cmp::Reverse(df), t))
                .collect();
            ranked.sort();
            return ranked.into_iter().map(|(_, _, t)| t).collect();
        }
    }
    Vec::new()
}

/// The query's words in order, typos corrected against the index.
pub fn query_words(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    words: &[String],
) -> Vec<QueryWord> {
    let mut stemmer = schema::analyzer();
    let mut out = Vec::new();
    for word in words {
        for typed in raw_words(word) {
            let corrected = corrections(searcher, fields.raw, &typed).into_iter().next();
            let stem = schema::stems(&mut stemmer, corrected.as_deref().unwrap_or(&typed))
                .into_iter()
                .next()
                .unwrap_or_else(|| typed.clone());
            out.push(QueryWord {
                typed,
                stem,
                corrected,
            });
        }
    }
    out
}

struct Builder<'a> {
    f: &'a Fields,
    w: Weights,
    syn: &'a Synonyms,
}

impl Builder<'_> {
    fn term(
        &self,
        field: tantivy::schema::Field,
        token: &str,
        boost: f32,
    ) -> (Occur, Box<dyn TQuery>) {
        let q = TermQuery::new(
            Term::from_field_text(field, token),
            IndexRecordOption::WithFreqs,
        );
        let q: Box<dyn TQuery> = if (boost - 1.0).abs() < f32::EPSILON {
            Box::new(q)
        } else {
            Box::new(BoostQuery::new(Box::new(q), boost))
        };
        (Occur::Should, q)
    }

    /// Single words (BM25F over the weighted `terms` field) and synonyms: a
    /// document must match one of these.
    fn words(&self, words: &[QueryWord], typed: &[String]) -> Vec<(Occur, Box<dyn TQuery>)> {
        // A word typed twice counts twice, as BM25 counts query terms.
        let mut weights: BTreeMap<&str, f32> = BTreeMap::new();
        for w in words {
            let factor = if w.corrected.is_some() {
                self.w.fuzzy
            } else {
                1.0
            };
            *weights.entry(w.stem.as_str()).or_default() += factor;
        }
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = weights
            .iter()
            .map(|(stem, weight)| self.term(self.f.terms, stem, *weight))
            .collect();
        for word in typed {
            for synonym in self.syn.of(word) {
                for token in analyze(synonym) {
                    clauses.push(self.term(self.f.terms, &token, self.w.synonym));
                }
            }
        }
        clauses
    }

    /// Adjacent query words found adjacent in a field of the article.
    fn pairs(&self, words: &[QueryWord]) -> Vec<(Occur, Box<dyn TQuery>)> {
        let mut weights: BTreeMap<String, f32> = BTreeMap::new();
        for two in words.windows(2) {
            if let [a, b] = two {
                *weights.entry(schema::pair(&a.stem, &b.stem)).or_default() += self.w.pairs;
            }
        }
        weights
            .iter()
            .map(|(pair, weight)| self.term(self.f.terms, pair, *weight))
            .collect()
    }

    /// A phrase: its words (analyzed), each two neighbours next to each
    /// other in one field of the article, in this order. For two words that
    /// is exactly the phrase; for more it is the phrase but for an article
    /// that has every neighbouring pair in separate places. The pairs in
    /// `terms` answer it without positions.
    fn phrase(&self, stems: &[String]) -> Box<dyn TQuery> {
        if let [one] = stems {
            return self.keyword(self.f.terms, one);
        }
        let all: Vec<(Occur, Box<dyn TQuery>)> = stems
            .windows(2)
            .filter_map(|two| match two {
                [a, b] => Some((Occur::Must, self.keyword(self.f.terms, &schema::pair(a, b)))),
                _ => None,
            })
            .collect();
        Box::new(BooleanQuery::new(all))
    }

    fn keyword(&self, field: tantivy::schema::Field, value: &str) -> Box<dyn TQuery> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    fn build(&self, q: &Query, words: &[QueryWord], opts: &Options) -> Box<dyn TQuery> {
        let mut outer: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        // A quoted phrase must be there, and ranks by its words and pairs
        // as if typed without quotes.
        let mut phrase_words = Vec::new();
        for p in &q.phrases {
            let stems = analyze(p);
            if stems.is_empty() {
                continue;
            }
            outer.push((Occur::Must, self.phrase(&stems)));
            phrase_words.extend(raw_words(p).into_iter().zip(stems).map(|(typed, stem)| {
                QueryWord {
                    typed,
                    stem,
                    corrected: None,
                }
            }));
        }
        let word_clauses = self.words(words, &q.words);
        if !word_clauses.is_empty() {
            outer.push((Occur::Must, Box::new(BooleanQuery::new(word_clauses))));
        }
        if !phrase_words.is_empty() {
            let clauses = self.words(&phrase_words, &[]);
            outer.push((Occur::Should, Box::new(BooleanQuery::new(clauses))));
        }
        let mut pairs = self.pairs(words);
        pairs.extend(self.pairs(&phrase_words));
        if !pairs.is_empty() {
            outer.push((Occur::Should, Box::new(BooleanQuery::new(pairs))));
        }
        // An excluded word goes with its other forms (`-database` drops
        // "databases" too).
        for x in &q.excluded {
            let stems = analyze(x);
            if !stems.is_empty() {
                outer.push((Occur::MustNot, self.phrase(&stems)));
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
        let products = filter_values(q, FilterField::Product, &opts.products);
        let tags = filter_values(q, FilterField::Tag, &opts.tags);
        filter(self.f.products, products);
        filter(self.f.tags, tags);
        let kinds: Vec<String> = q
            .filter_values(FilterField::Kind)
            .map(str::to_string)
            .collect();
        // Quizzes answer `kind:quiz`; an agent's search is for articles
        // and chapters.
        let no_quizzes = kinds.is_empty();
        filter(self.f.kind, kinds);
        let states: Vec<String> = q
            .filter_values(FilterField::State)
            .map(str::to_string)
            .collect();
        let archived_asked = opts.include_archived || states.iter().any(|s| s == "archived");
        filter(self.f.state, states);
        if no_quizzes {
            outer.push((Occur::MustNot, self.keyword(self.f.kind, "quiz")));
        }
        if !archived_asked {
            outer.push((Occur::MustNot, self.keyword(self.f.state, "archived")));
        }
        if !outer.iter().any(|(o, _)| *o == Occur::Must) {
            outer.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(outer))
    }
}

/// The values of a product or tag filter, from the query and the options,
/// as the index keeps them (slugs).
fn filter_values(q: &Query, field: FilterField, extra: &[String]) -> Vec<String> {
    q.filter_values(field)
        .chain(extra.iter().map(String::as_str))
        .map(crate::core::markdown::slug)
        .collect()
}

/// Runs a query. Malformed input never fails: it is read as plain words,
/// with a note in the results. A word the KB does not have is searched as
/// the closest word it has (`did_you_mean` then says what was searched).
pub fn search(
    si: &SearchIndex,
    input: &str,
    opts: &Options,
    syn: &Synonyms,
    weights: Weights,
) -> Result<Results> {
    // Bounded first: what a query costs must not grow with what was pasted.
    let (input, too_long) = query::bound(input);
    let input: &str = &input;
    let mut parsed = query::parse(input);
    let mut notes: Vec<String> = too_long.into_iter().collect();
    notes.extend(parsed.notes.iter().cloned());
    notes.extend(query::read_as_pasted(&mut parsed, input));
    if parsed.is_empty() && opts.products.is_empty() && opts.tags.is_empty() {
        notes.push("nothing to search for: type some words".into());
        return Ok(Results {
            query: input.to_string(),
            total: 0,
            hits: Vec::new(),
            notes,
            did_you_mean: None,
        });
    }
    let searcher = si.reader.searcher();
    let words = query_words(&searcher, &si.fields, &parsed.words);
    let builder = Builder {
        f: &si.fields,
        w: weights,
        syn,
    };
    let tq = builder.build(&parsed, &words, opts);
    let limit = opts.limit.max(1);
    let (top, total) = searcher
        .search(&tq, &(TopDocs::with_limit(limit).order_by_score(), Count))
        .map_err(|e| Error::Internal(format!("search: {e}")))?;

    notes.extend(unknown_filter_notes(&searcher, &si.fields, &parsed, opts));
    let corrected: Vec<&QueryWord> = words.iter().filter(|w| w.corrected.is_some()).collect();
    let mut did_you_mean = None;
    if !corrected.is_empty() {
        // Each correction once, in query order, however often it was typed.
        let mut seen = BTreeSet::new();
        let list = corrected
            .iter()
            .filter(|w| seen.insert(w.typed.as_str()))
            .map(|w| format!("`{}` -> `{}`", w.typed, w.searched()))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(format!(
            "not in the KB, searched as the closest word: {list}"
        ));
        did_you_mean = Some(corrected_query(input, &words));
    } else if total == 0 {
        did_you_mean = suggestion(&searcher, &si.fields, &parsed, opts);
    }

    // What to highlight: the words searched, as analyzed, and their synonyms.
    // Short function words still match ("not working") but are not worth
    // highlighting in a passage.
    const QUIET: &[&str] = &[
        "a", "an", "the", "in", "on", "at", "to", "of", "is", "it", "my", "i", "and", "or", "for",
        "with", "be", "by", "as", "me",
    ];
    let mut highlight: BTreeSet<String> = words.iter().map(|w| w.stem.clone()).collect();
    for p in &parsed.phrases {
        highlight.extend(analyze(p));
    }
    for w in &parsed.words {
        for s in syn.of(w) {
            highlight.extend(analyze(s));
        }
    }
    highlight.retain(|t| !QUIET.contains(&t.as_str()));

    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        hits.push(hit(si, &searcher, addr, score, &highlight)?);
    }
    Ok(Results {
        query: input.to_string(),
        total,
        hits,
        notes,
        did_you_mean,
    })
}

/// `input` with each corrected word replaced by its correction.
fn corrected_query(input: &str, words: &[QueryWord]) -> String {
    let mut out = String::new();
    let mut rest = input;
    for w in words.iter().filter(|w| w.corrected.is_some()) {
        // Words were lowercased; find the typed word case-insensitively.
        let lower = rest.to_lowercase();
        match lower.find(&w.typed).filter(|_| lower.len() == rest.len()) {
            Some(at) => {
                out.push_str(rest.get(..at).unwrap_or(""));
                out.push_str(w.searched());
                rest = rest.get(at + w.typed.len()..).unwrap_or("");
            }
            None => continue,
        }
    }
    out.push_str(rest);
    out
}

/// The product and tag filters of a query and its options: the field, the
/// filter's name and the values asked for.
fn facet_filters(
    f: &Fields,
    q: &Query,
    opts: &Options,
) -> [(tantivy::schema::Field, &'static str, Vec<String>); 2] {
    [
        (
            f.products,
            "product",
            filter_values(q, FilterField::Product, &opts.products),
        ),
        (
            f.tags,
            "tag",
            filter_values(q, FilterField::Tag, &opts.tags),
        ),
    ]
}

/// True when some document has `value` in `field`.
fn has_term(searcher: &tantivy::Searcher, field: tantivy::schema::Field, value: &str) -> bool {
    searcher
        .doc_freq(&Term::from_field_text(field, value))
        .is_ok_and(|n| n > 0)
}

/// For a query that found nothing: a query that would find something, if
/// one is close (a misspelled filter value; a phrase that is not in the KB
/// searched as words).
fn suggestion(
    searcher: &tantivy::Searcher,
    f: &Fields,
    q: &Query,
    opts: &Options,
) -> Option<String> {
    for (field, name, values) in facet_filters(f, q, opts) {
        for v in values {
            if !has_term(searcher, field, &v) {
                let facets = facet_values(searcher, field);
                return crate::core::diagnostic::did_you_mean(
                    &v,
                    facets.iter().map(String::as_str),
                )
                .map(|m| replace_filter(&q_text(q), name, &v, m));
            }
        }
    }
    if !q.phrases.is_empty() {
        let mut words: Vec<String> = q.words.clone();
        words.extend(q.phrases.iter().cloned());
        return Some(words.join(" "));
    }
    None
}

/// The kinds of document a `kind:` filter can name.
pub const KINDS: [&str; 3] = [
    crate::index::Kind::Article.as_str(),
    crate::index::Kind::Chapter.as_str(),
    crate::index::Kind::Quiz.as_str(),
];

/// A note for every filter value that cannot match anything: a product or
/// tag no article has (with a did-you-mean over the index's values, or the
/// list when it is short), a kind or state that does not exist.
fn unknown_filter_notes(
    searcher: &tantivy::Searcher,
    f: &Fields,
    q: &Query,
    opts: &Options,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (field, name, values) in facet_filters(f, q, opts) {
        let mut known: Option<BTreeSet<String>> = None;
        for v in values {
            if has_term(searcher, field, &v) {
                continue;
            }
            let known = known.get_or_insert_with(|| facet_values(searcher, field));
            notes.push(unknown_value_note(
                name,
                &v,
                known.iter().map(String::as_str),
                Some("no article has it"),
                20,
            ));
        }
    }
    for (field, name, list) in [
        (FilterField::Kind, "kind", &KINDS[..]),
        (
            FilterField::State,
            "state",
            &crate::core::model::State::NAMES[..],
        ),
    ] {
        for v in q.filter_values(field) {
            if !list.contains(&v) {
                notes.push(unknown_value_note(
                    name,
                    v,
                    list.iter().copied(),
                    None,
                    usize::MAX,
                ));
            }
        }
    }
    notes
}

/// "unknown product `bogus`: no article has it; did you mean `email`?",
/// or the known values when there are at most `list_up_to` of them.
fn unknown_value_note<'a>(
    name: &str,
    value: &str,
    known: impl Iterator<Item = &'a str> + Clone,
    why: Option<&str>,
    list_up_to: usize,
) -> String {
    let mut note = format!("unknown {name} `{value}`");
    if let Some(why) = why {
        note.push_str(&format!(": {why}"));
    }
    if let Some(s) = crate::core::diagnostic::did_you_mean(value, known.clone()) {
        note.push_str(&format!("; did you mean `{name}:{s}`?"));
    } else {
        let all: Vec<&str> = known.collect();
        if all.is_empty() {
            note.push_str(&format!(" (no article has any {name})"));
        } else if all.len() <= list_up_to {
            note.push_str(&format!(" (one of: {})", all.join(", ")));
        }
    }
    note
}

/// The query re-written from its parts (words, phrases, exclusions, filters).
fn q_text(q: &Query) -> String {
    let mut parts: Vec<String> = q.words.clone();
    parts.extend(q.phrases.iter().map(|p| format!("\"{p}\"")));
    parts.extend(q.excluded.iter().map(|x| {
        if x.contains(' ') {
            format!("-\"{x}\"")
        } else {
            format!("-{x}")
        }
    }));
    for (field, value) in &q.filters {
        let name = match field {
            FilterField::Product => "product",
            FilterField::Tag => "tag",
            FilterField::Kind => "kind",
            FilterField::State => "state",
        };
        parts.push(format!("{name}:{value}"));
    }
    parts.join(" ")
}

fn replace_filter(text: &str, name: &str, old: &str, new: &str) -> String {
    let from = format!("{name}:{old}");
    if text.contains(&from) {
        text.replace(&from, &format!("{name}:{new}"))
    } else {
        format!("{text} {name}:{new}").trim().to_string()
    }
}

/// Every value of a keyword field (products, tags): small dictionaries.
fn facet_values(searcher: &tantivy::Searcher, field: tantivy::schema::Field) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(t) = std::str::from_utf8(stream.key()) {
                out.insert(t.to_string());
            }
        }
    }
    out
}

/// How much of a body around the densest cluster of query words is
/// analyzed for its snippet.
const PASSAGE: usize = 480;

/// The part of `body` most likely to hold the best snippet: the window of
/// [`PASSAGE`] bytes where the most different query words start, found by
/// looking for the start of each analyzed word (a stem is nearly always the
/// start of the words it comes from) at word boundaries, without analyzing
/// the body. Empty when no query word is there.
fn body_passage<'a>(body: &'a str, highlight: &BTreeSet<String>) -> &'a str {
    // The start of each stem, shortened by one letter when the stemmer may
    // have changed its last one (`deny` -> `deni`).
    let keys: Vec<String> = highlight
        .iter()
        .map(|stem| {
            let n = stem.chars().count();
            let keep = if n > 3 { n - 1 } else { n };
            stem.chars().take(keep).collect()
        })
        .filter(|k: &String| !k.is_empty())
        .collect();
    if keys.is_empty() || body.len() <= PASSAGE {
        return body;
    }
    let lower = body.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    // (offset, which key) for every word start that begins with a key.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        for (at, _) in lower.match_indices(key.as_str()) {
            let at_word_start = at == 0
                || bytes
                    .get(at - 1)
                    .is_some_and(|b| !b.is_ascii_alphanumeric() && *b < 0x80);
            if at_word_start {
                found.push((at, k));
            }
        }
    }
    if found.is_empty() {
        return "";
    }
    found.sort_unstable();
    let mut best = (0, 0usize);
    for (i, (start, _)) in found.iter().enumerate() {
        let mut seen = vec![false; keys.len()];
        let mut distinct = 0;
        for (at, k) in found.iter().skip(i) {
            if *at >= start + PASSAGE {
                break;
            }
            if let Some(s) = seen.get_mut(*k)
                && !*s
            {
                *s = true;
                distinct += 1;
            }
        }
        if distinct > best.1 {
            best = (*start, distinct);
        }
    }
    // A little context before the first word, cut at character boundaries.
    let mut from = best.0.saturating_sub(PASSAGE / 4);
    while from > 0 && !body.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (best.0 + PASSAGE).min(body.len());
    while to < body.len() && !body.is_char_boundary(to) {
        to += 1;
    }
    body.get(from..to).unwrap_or(body)
}

fn hit(
    si: &SearchIndex,
    searcher: &tantivy::Searcher,
    addr: DocAddress,
    score: f32,
    highlight: &BTreeSet<String>,
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
    // per character, and are cheap to analyze; the body when they do not
    // match, and of the body only the passage where the query's words are.
    let passage = body_passage(&body, highlight);
    for (text, field) in [
        (symptoms.as_str(), f.symptoms),
        (summary.as_str(), f.summary),
        (passage, f.body),
    ] {
        let terms: BTreeMap<String, f32> = highlight.iter().map(|t| (t.clone(), 1.0)).collect();
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
            (crate::core::markdown::escape_attr(&text), text, Vec::new())
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
        problems: first(f.problems) == "1",
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
    fn a_long_body_is_cut_to_the_passage_with_the_query_words() {
        let filler = "Nothing to see in this sentence at all. ".repeat(40);
        let body =
            format!("{filler}The archive appears to be unavailable when users open it. {filler}");
        let highlight: BTreeSet<String> = ["archiv", "unavail", "deni"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let passage = body_passage(&body, &highlight);
        assert!(
            passage.len() <= PASSAGE + PASSAGE / 4 + 4,
            "{}",
            passage.len()
        );
        assert!(
            passage.contains("archive appears to be unavailable"),
            "{passage}"
        );
        // No query word: nothing to analyze; a short body is kept whole.
        let none: BTreeSet<String> = ["zanzibar".to_string()].into();
        assert_eq!(body_passage(&body, &none), "");
        assert_eq!(body_passage("short body", &highlight), "short body");
        // `deni` finds "denied" and a word starting inside another does not count.
        let body = format!("{filler}Access was denied. {filler}");
        assert!(body_passage(&body, &highlight).contains("denied"));
        let body = format!("{filler}unarchived{filler}");
        assert_eq!(body_passage(&body, &highlight), "");
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
