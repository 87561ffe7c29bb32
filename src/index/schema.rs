//! The index schema: every field handle in one struct, built in one place,
//! and the analysis that turns a document's fields into what is indexed.
//!
//! Ranking reads three indexed views of the same text (see `search`):
//! - `terms`: stemmed words of every field, each field's words repeated by
//!   its weight, so tantivy's BM25 over this one field is BM25F (one term
//!   frequency and one length per document, summed over weighted fields,
//!   saturated once);
//! - `pairs`: each two adjacent stemmed words of a field as one term, so an
//!   error string pasted from a log or a dialog box, quoted anywhere in the
//!   article (body and code blocks included), scores for its word order;
//! - `raw`: unstemmed lowercased words, whose dictionary typo tolerance
//!   searches (a one-letter slip in a long word is one edit from the word as
//!   written, though often two from its stem).
//!
//! `text` (all fields, with positions) answers quoted phrases and exclusions.
//! Title, summary, symptoms, headings and body are stored for results and
//! snippets.

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, PreTokenizedString, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token,
};

/// Bump when the schema or the analysis changes: old indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// The analyzer for text: words split at anything not a letter or digit (so
/// `ERR_SSL_PROTOCOL_ERROR` and `5.7.1` become searchable words),
/// lowercased, English-stemmed. Stop words are kept: "not working" must not
/// lose "not".
pub const ANALYZER: &str = "sb_en";

/// The same words, lowercased but not stemmed (the `raw` field).
pub const RAW_ANALYZER: &str = "sb_raw";

/// Longest word indexed, in bytes; longer ones (base64, hashes) are dropped.
const LONGEST_WORD: usize = 48;

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
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
}

/// How many times each field's words count in `terms` and `pairs` (the
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
    pub text: Field,
    pub terms: Field,
    pub pairs: Field,
    pub raw: Field,
}

const NAMES: [&str; 19] = [
    "key", "id", "kind", "title", "summary", "symptoms", "headings", "body", "products", "tags",
    "state", "url", "path", "reviewed", "problems", "text", "terms", "pairs", "raw",
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
            text: b.add_text_field(
                "text",
                indexed(ANALYZER, IndexRecordOption::WithFreqsAndPositions),
            ),
            terms: b.add_text_field("terms", indexed(ANALYZER, IndexRecordOption::WithFreqs)),
            pairs: b.add_text_field("pairs", indexed(ANALYZER, IndexRecordOption::WithFreqs)),
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

/// Builds the pre-tokenized `terms` and `pairs` values of one document from
/// its fields' stemmed words, each field repeated by its weight.
pub fn weighted_views(
    fields: &[(&[Vec<String>], usize)],
) -> (PreTokenizedString, PreTokenizedString) {
    let mut terms = Vec::new();
    let mut pairs = Vec::new();
    for (values, weight) in fields {
        for words in values.iter() {
            for _ in 0..*weight {
                for w in words {
                    terms.push(token(w, terms.len()));
                }
                for two in words.windows(2) {
                    if let [a, b] = two {
                        pairs.push(token(&pair(a, b), pairs.len()));
                    }
                }
            }
        }
    }
    let pre = |tokens| PreTokenizedString {
        text: String::new(),
        tokens,
    };
    (pre(terms), pre(pairs))
}

fn token(text: &str, position: usize) -> Token {
    Token {
        offset_from: 0,
        offset_to: 0,
        position,
        text: text.to_string(),
        position_length: 1,
    }
}
