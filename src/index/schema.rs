//! The index schema: every field handle in one struct, built in one place.

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};

/// Bump when the schema or the analyzer changes: old indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 1;

/// The analyzer for text fields: words split at anything not a letter or
/// digit (so `ERR_SSL_PROTOCOL_ERROR` and `5.7.1` become searchable words),
/// lowercased, English-stemmed. Stop words are kept: "not working" must not
/// lose "not".
pub const ANALYZER: &str = "sb_en";

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
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
}

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let keyword = STRING | STORED;
        let fields = Fields {
            key: b.add_text_field("key", keyword.clone()),
            id: b.add_text_field("id", keyword.clone()),
            kind: b.add_text_field("kind", keyword.clone()),
            title: b.add_text_field("title", text.clone()),
            summary: b.add_text_field("summary", text.clone()),
            symptoms: b.add_text_field("symptoms", text.clone()),
            headings: b.add_text_field("headings", text.clone()),
            body: b.add_text_field("body", text),
            products: b.add_text_field("products", keyword.clone()),
            tags: b.add_text_field("tags", keyword.clone()),
            state: b.add_text_field("state", keyword),
            url: b.add_text_field("url", STORED),
            path: b.add_text_field("path", STORED),
            reviewed: b.add_text_field("reviewed", STORED),
        };
        (b.build(), fields)
    }

    /// The handles of an existing index's schema; `None` when it is not ours.
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let (expected, _) = Fields::build();
        if schema != &expected {
            return None;
        }
        let f = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            key: f("key")?,
            id: f("id")?,
            kind: f("kind")?,
            title: f("title")?,
            summary: f("summary")?,
            symptoms: f("symptoms")?,
            headings: f("headings")?,
            body: f("body")?,
            products: f("products")?,
            tags: f("tags")?,
            state: f("state")?,
            url: f("url")?,
            path: f("path")?,
            reviewed: f("reviewed")?,
        })
    }
}
