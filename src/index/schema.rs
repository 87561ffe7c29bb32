//! The index schema: every field handle in one struct, built in one place,
//! and the analysis that turns a document's fields into what is indexed.
//!
//! Ranking reads three indexed views of the same text (see `search`):
//! - `terms`: stemmed words of every field, each field added as many times
//!   as its weight, so tantivy's BM25 over this one field is BM25F (one term
//!   frequency and one length per document, summed over weighted fields,
//!   saturated once);
//! - `pairs`: each two adjacent stemmed words of a field as one term (the
//!   [`Pairs`] filter), so an error string pasted from a log or a dialog box,
//!   quoted anywhere in the article (body and code blocks included), scores
//!   for its word order; quoted phrases are matched there too, without
//!   positions;
//! - `raw`: words as written (lowercased, not stemmed), documents only:
//!   typo correction searches its dictionary (a one-letter slip in a long
//!   word is one edit from the word as written, though often two from its
//!   stem).
//!
//! Title, summary, symptoms, headings and body are stored for results and
//! snippets. All three views are tokenized by tantivy's indexing threads
//! from the fields' text, with no token lists built here.

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

/// Bump when the schema or the analysis changes: old indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 4;

/// The analyzer for text: words split at anything not a letter or digit (so
/// `ERR_SSL_PROTOCOL_ERROR` and `5.7.1` become searchable words),
/// lowercased, English-stemmed. Stop words are kept: "not working" must not
/// lose "not".
pub const ANALYZER: &str = "sb_en";

/// The same words, lowercased but not stemmed (the `raw` field).
pub const RAW_ANALYZER: &str = "sb_raw";

/// Adjacent pairs of the stemmed words (the `pairs` field).
pub const PAIRS_ANALYZER: &str = "sb_pairs";

/// Longest word indexed, in bytes; longer ones (base64, hashes) are dropped.
const LONGEST_WORD: usize = 48;

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn pairs_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .filter(Pairs)
        .build()
}

pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .build()
}

/// Registers both analyzers with an index (needed before writing or
/// searching it).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index.tokenizers().register(RAW_ANALYZER, raw_analyzer());
    index
        .tokenizers()
        .register(PAIRS_ANALYZER, pairs_analyzer());
}

/// How many times each field's text is added to `terms` and `pairs` (the
/// BM25F field weights). Measured with `cargo bench --bench relevance` on the
/// dev corpus's three case files and the handbook's cases together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldWeights {
    pub title: usize,
    pub symptoms: usize,
    pub summary: usize,
    pub headings: usize,
    pub body: usize,
}

pub const FIELD_WEIGHTS: FieldWeights = FieldWeights {
    title: 3,
    symptoms: 3,
    summary: 2,
    headings: 1,
    body: 1,
};

/// What joins the two words of a `pairs` term. The analyzer never produces
/// it inside a word, so `a b` cannot collide with a single word.
pub const PAIR_SEPARATOR: char = ' ';

/// The `pairs` term for two adjacent analyzed words.
pub fn pair(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    s.push_str(a);
    s.push(PAIR_SEPARATOR);
    s.push_str(b);
    s
}

/// Field handles, as the schema builder returned them.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub key: Field,
    pub id: Field,
    pub kind: Field,
    pub title: Field,
    pub summary: Field,
    pub symptoms: Field,
    pub headings: Field,
    pub body: Field,
    pub products: Field,
    pub tags: Field,
    pub state: Field,
    pub url: Field,
    pub path: Field,
    pub reviewed: Field,
    /// "1" when the source file has errors (it is indexed with what could be read).
    pub problems: Field,
    pub terms: Field,
    pub pairs: Field,
    pub raw: Field,
}

const NAMES: [&str; 18] = [
    "key", "id", "kind", "title", "summary", "symptoms", "headings", "body", "products", "tags",
    "state", "url", "path", "reviewed", "problems", "terms", "pairs", "raw",
];

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let indexed = |tokenizer: &str, record: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record),
            )
        };
        let keyword = STRING | STORED;
        let fields = Fields {
            key: b.add_text_field("key", keyword.clone()),
            id: b.add_text_field("id", keyword.clone()),
            kind: b.add_text_field("kind", keyword.clone()),
            title: b.add_text_field("title", STORED),
            summary: b.add_text_field("summary", STORED),
            symptoms: b.add_text_field("symptoms", STORED),
            headings: b.add_text_field("headings", STORED),
            body: b.add_text_field("body", STORED),
            products: b.add_text_field("products", keyword.clone()),
            tags: b.add_text_field("tags", keyword.clone()),
            state: b.add_text_field("state", keyword),
            url: b.add_text_field("url", STORED),
            path: b.add_text_field("path", STORED),
            reviewed: b.add_text_field("reviewed", STORED),
            problems: b.add_text_field("problems", STORED),
            terms: b.add_text_field("terms", indexed(ANALYZER, IndexRecordOption::WithFreqs)),
            pairs: b.add_text_field(
                "pairs",
                indexed(PAIRS_ANALYZER, IndexRecordOption::WithFreqs),
            ),
            raw: b.add_text_field("raw", indexed(RAW_ANALYZER, IndexRecordOption::Basic)),
        };
        (b.build(), fields)
    }

    /// The handles of an existing index's schema; `None` when it is not ours.
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let (expected, fields) = Fields::build();
        if schema != &expected {
            return None;
        }
        // Same schema, so the same handles; checked by name all the same.
        NAMES
            .iter()
            .all(|n| schema.get_field(n).is_ok())
            .then_some(fields)
    }
}

/// Analyzes `text` with the stemming analyzer.
pub fn stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// A token filter that turns a stream of words into the stream of its
/// adjacent pairs (`a b c` -> `a b`, `b c`), each one token joined by
/// [`PAIR_SEPARATOR`]. A text of one word gives no token.
#[derive(Clone, Copy, Debug)]
pub struct Pairs;

impl TokenFilter for Pairs {
    type Tokenizer<T: Tokenizer> = PairsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> PairsFilter<T> {
        PairsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct PairsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for PairsFilter<T> {
    type TokenStream<'a> = PairsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        PairsStream {
            tail: self.inner.token_stream(text),
            previous: None,
            token: Token::default(),
        }
    }
}

pub struct PairsStream<S> {
    tail: S,
    /// The last word and where it started.
    previous: Option<(String, usize)>,
    token: Token,
}

impl<S: TokenStream> TokenStream for PairsStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let word = self.tail.token();
            match &mut self.previous {
                Some((text, from)) => {
                    self.token.text.clear();
                    self.token.text.push_str(text);
                    self.token.text.push(PAIR_SEPARATOR);
                    self.token.text.push_str(&word.text);
                    self.token.offset_from = *from;
                    self.token.offset_to = word.offset_to;
                    self.token.position = self.token.position.wrapping_add(1);
                    self.token.position_length = 1;
                    text.clear();
                    text.push_str(&word.text);
                    *from = word.offset_from;
                    return true;
                }
                None => {
                    self.previous = Some((word.text.clone(), word.offset_from));
                    // The first pair gets position 0.
                    self.token.position = usize::MAX;
                }
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_adjacent_stemmed_words() {
        let mut a = pairs_analyzer();
        assert_eq!(
            stems(&mut a, "Your archive appears to be unavailable"),
            [
                "your archiv",
                "archiv appear",
                "appear to",
                "to be",
                "be unavail"
            ]
        );
        assert!(stems(&mut a, "one").is_empty());
        assert!(stems(&mut a, "").is_empty());
        assert_eq!(stems(&mut a, "5.7.1"), ["5 7", "7 1"]);
        // The query side builds the same terms.
        assert_eq!(pair("archiv", "appear"), "archiv appear");
    }
}
