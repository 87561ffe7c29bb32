//! The index schema: every field handle in one struct, built in one place,
//! and the analysis that turns a document's fields into what is indexed.
//!
//! Ranking reads two indexed views of the same text (see `search`):
//! - `terms`: the stemmed words of every field and, as terms of their own,
//!   each two adjacent stemmed words (`archiv appear`; the [`WithPairs`]
//!   filter). Each field is added as many times as its weight, so tantivy's
//!   BM25 over this one field is BM25F (one term frequency and one length
//!   per document, summed over weighted fields, saturated once) for single
//!   words and for pairs alike: an error string pasted from a log or a
//!   dialog box, quoted anywhere in the article (body and code blocks
//!   included), scores for its word order, and quoted phrases are matched
//!   by their pairs without positions. (Pairs double every length, which
//!   leaves BM25's length ratios as they are.)
//! - `raw`: words as written (lowercased, not stemmed), documents only:
//!   typo correction searches its dictionary (a one-letter slip in a long
//!   word is one edit from the word as written, though often two from its
//!   stem).
//!
//! Title, summary, symptoms, headings and body are stored for results and
//! snippets. Both views are tokenized by tantivy's indexing threads from
//! the fields' text, each word stemmed once.

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Bump when the schema or the analysis changes: old indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 6;

/// The analyzer for text: words split at anything not a letter or digit (so
/// `ERR_SSL_PROTOCOL_ERROR` and `5.7.1` become searchable words),
/// lowercased, English-stemmed. Stop words are kept: "not working" must not
/// lose "not".
pub const ANALYZER: &str = "sb_en";

/// The same words, lowercased but not stemmed (the `raw` field).
pub const RAW_ANALYZER: &str = "sb_raw";

/// The stemmed words and their adjacent pairs (the `terms` field).
pub const TERMS_ANALYZER: &str = "sb_terms";

/// Longest word indexed, in bytes; longer ones (base64, hashes) are dropped.
const LONGEST_WORD: usize = 48;

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
}

pub fn terms_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .filter(WithPairs)
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
        .register(TERMS_ANALYZER, terms_analyzer());
}

/// How many times each field's text is added to `terms` (the
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

/// What joins the two words of a pair term. The analyzer never produces
/// it inside a word, so `a b` cannot collide with a single word.
pub const PAIR_SEPARATOR: char = ' ';

/// The pair term for two adjacent analyzed words.
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
    pub raw: Field,
}

const NAMES: [&str; 17] = [
    "key", "id", "kind", "title", "summary", "symptoms", "headings", "body", "products", "tags",
    "state", "url", "path", "reviewed", "problems", "terms", "raw",
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
            terms: b.add_text_field(
                "terms",
                indexed(TERMS_ANALYZER, IndexRecordOption::WithFreqs),
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

/// tantivy's English stemmer (the same `frostem` algorithm, so the same
/// stems), with the stems it made remembered: a KB repeats its words, and
/// stemming was a sixth of indexing. Each analyzer (one per indexing
/// thread) keeps its own memory, emptied when it reaches [`STEM_CACHE`] words.
#[derive(Clone, Copy, Debug)]
pub struct CachedStemmer;

/// The most stems one analyzer remembers.
const STEM_CACHE: usize = 200_000;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            stems: std::collections::HashMap::new(),
        }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    /// Word -> its stem.
    stems: std::collections::HashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub struct CachedStemmerStream<'a, S> {
    tail: S,
    stems: &'a mut std::collections::HashMap<String, String>,
    stemmer: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = self.stemmer.stem(&token.text).into_owned();
        if self.stems.len() >= STEM_CACHE {
            self.stems.clear();
        }
        let word = std::mem::replace(&mut token.text, stem.clone());
        self.stems.insert(word, stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// A token filter that follows each word after the first with the pair
/// it makes with the word before (`a b c` -> `a`, `b`, `a b`, `c`, `b c`),
/// the pair one token joined by [`PAIR_SEPARATOR`].
#[derive(Clone, Copy, Debug)]
pub struct WithPairs;

impl TokenFilter for WithPairs {
    type Tokenizer<T: Tokenizer> = WithPairsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WithPairsFilter<T> {
        WithPairsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct WithPairsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for WithPairsFilter<T> {
    type TokenStream<'a> = WithPairsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WithPairsStream {
            tail: self.inner.token_stream(text),
            previous: None,
            pair_pending: false,
            token: Token::default(),
            position: 0,
        }
    }
}

pub struct WithPairsStream<S> {
    tail: S,
    /// The word before the current one, and where it started.
    previous: Option<(String, usize)>,
    /// The current word is out; its pair with `previous` comes next.
    pair_pending: bool,
    token: Token,
    position: usize,
}

impl<S: TokenStream> TokenStream for WithPairsStream<S> {
    fn advance(&mut self) -> bool {
        if self.pair_pending {
            self.pair_pending = false;
            let word = self.tail.token();
            if let Some((text, from)) = &mut self.previous {
                self.token.text.clear();
                self.token.text.push_str(text);
                self.token.text.push(PAIR_SEPARATOR);
                self.token.text.push_str(&word.text);
                self.token.offset_from = *from;
                self.token.offset_to = word.offset_to;
                self.token.position = self.position;
                self.token.position_length = 1;
                self.position += 1;
                text.clear();
                text.push_str(&word.text);
                *from = word.offset_from;
                return true;
            }
        }
        if !self.tail.advance() {
            return false;
        }
        let word = self.tail.token();
        self.token.text.clear();
        self.token.text.push_str(&word.text);
        self.token.offset_from = word.offset_from;
        self.token.offset_to = word.offset_to;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
        if self.previous.is_some() {
            self.pair_pending = true;
        } else {
            self.previous = Some((word.text.clone(), word.offset_from));
        }
        true
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
    fn terms_are_stemmed_words_each_followed_by_its_pair() {
        let mut a = terms_analyzer();
        assert_eq!(
            stems(&mut a, "Your archive appears to be unavailable"),
            [
                "your",
                "archiv",
                "your archiv",
                "appear",
                "archiv appear",
                "to",
                "appear to",
                "be",
                "to be",
                "unavail",
                "be unavail"
            ]
        );
        assert_eq!(stems(&mut a, "one"), ["one"]);
        assert!(stems(&mut a, "").is_empty());
        assert_eq!(stems(&mut a, "5.7.1"), ["5", "7", "5 7", "1", "7 1"]);
        // The query side builds the same terms.
        assert_eq!(pair("archiv", "appear"), "archiv appear");
    }
}
