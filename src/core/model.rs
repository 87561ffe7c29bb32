//! Checked domain types: what the validate stage hands to every later stage.

use crate::core::markdown::Outline;
use jiff::civil::Date;
use serde::Serialize;
use std::path::PathBuf;

/// Who an article is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Internal,
    Customer,
}

/// Where an article is in its life (KCS-style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Draft,
    #[default]
    Validated,
    Archived,
}

impl State {
    pub const NAMES: [&'static str; 3] = ["draft", "validated", "archived"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(State::Draft),
            "validated" => Some(State::Validated),
            "archived" => Some(State::Archived),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Validated => "validated",
            State::Archived => "archived",
        }
    }
}

impl Audience {
    pub const NAMES: [&'static str; 2] = ["internal", "customer"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "internal" => Some(Audience::Internal),
            "customer" => Some(Audience::Customer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Customer => "customer",
        }
    }
}

/// The most days an article's `review-every` (or book.toml's `review-days`)
/// may say: a hundred years.
pub const MAX_REVIEW_DAYS: i64 = 36_500;

/// When an article is due for review, relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Review {
    pub due: Date,
    /// Days past due (positive) or until due (negative).
    pub overdue_days: i32,
}

impl Review {
    pub fn is_overdue(&self) -> bool {
        self.overdue_days > 0
    }
}

/// A validated KB article.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub summary: Option<String>,
    pub symptoms: Vec<String>,
    pub products: Vec<String>,
    pub tags: Vec<String>,
    pub audience: Audience,
    pub state: State,
    pub owner: Option<String>,
    pub reviewed: Option<Date>,
    pub review_every: Option<u32>,
    pub related: Vec<String>,
    /// Where each `related` id is written.
    #[serde(skip)]
    pub related_spans: Vec<std::ops::Range<usize>>,
    /// Review status, when the article has a `reviewed` date.
    pub review: Option<Review>,
    /// Source path relative to the source folder.
    pub rel: PathBuf,
    /// Path relative to the root, for messages.
    pub path: PathBuf,
    /// The whole file, front matter included.
    #[serde(skip)]
    pub source: String,
    /// Byte offset where the Markdown body starts.
    #[serde(skip)]
    pub body_start: usize,
    /// Where the id is written (the opening fence when it comes from the file name).
    #[serde(skip)]
    pub id_span: std::ops::Range<usize>,
    #[serde(skip)]
    pub outline: Outline,
    /// Whether SUMMARY.md lists this article (then mdBook renders it).
    pub in_summary: bool,
    /// blake3 of the whole file, hex.
    pub hash: String,
    /// The front matter has errors (reported by `check`): the article holds
    /// what could be read, defaults for the rest, and is still indexed.
    pub has_errors: bool,
    /// Where the id came from, and for a file name that is not a valid id,
    /// the name as written.
    #[serde(skip)]
    pub id_source: IdSource,
    /// Front-matter keys supportbook does not read, and values outside its
    /// vocabularies, as written (kept, not used).
    #[serde(skip)]
    pub foreign: Vec<Foreign>,
}

/// Where an article's id came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IdSource {
    /// The `id` key.
    Key,
    /// The file name, a valid id as it is.
    #[default]
    FileName,
    /// The file name (stem given), normalised into a valid id.
    Normalised(String),
}

/// A front-matter key or value that came from another tool's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    pub key: String,
    /// For a key supportbook reads: the value it does not know, as written,
    /// and the value the article is treated as having.
    pub value: Option<(String, &'static str)>,
    /// Where the key (or the value) is written.
    pub span: std::ops::Range<usize>,
}

impl Article {
    /// The Markdown body, without front matter.
    pub fn body(&self) -> &str {
        self.source.get(self.body_start..).unwrap_or("")
    }

    pub fn needs_review(&self) -> bool {
        self.review.is_some_and(|r| r.is_overdue())
    }
}

/// A Markdown page that is not a KB article (the training track, etc.).
#[derive(Debug, Clone)]
pub struct Page {
    pub rel: PathBuf,
    pub path: PathBuf,
    pub source: String,
    pub outline: Outline,
    pub in_summary: bool,
}
