//! Types that mirror a quiz file, and the unknown-key check that runs over
//! the file's spanned table before they are deserialized.

use crate::core::diagnostic::{Diagnostic, did_you_mean};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
pub struct RawQuizFile {
    pub quiz: Option<RawQuizMeta>,
    #[serde(default)]
    pub questions: Vec<Spanned<RawQuestion>>,
    pub multipart: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawQuizMeta {
    pub id: Option<Spanned<String>>,
    pub title: Option<String>,
    pub pass_percent: Option<Spanned<u32>>,
    #[serde(default)]
    pub covers: Vec<Spanned<String>>,
    pub shuffle: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RawQuestion {
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub prompt: Option<RawPrompt>,
    pub answer: Option<RawAnswer>,
    pub context: Option<String>,
    pub multipart: Option<String>,
    pub start: Option<Spanned<String>>,
    #[serde(default)]
    pub nodes: Vec<Spanned<RawNode>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawPrompt {
    pub prompt: Option<String>,
    #[serde(default)]
    pub distractors: Vec<Spanned<RawChoice>>,
    pub sort_answers: Option<bool>,
    pub answer_index: Option<usize>,
    pub response: Option<String>,
    pub program: Option<String>,
}

/// A choice: plain text, or text with feedback.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawChoice {
    Text(String),
    Table {
        text: String,
        feedback: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawAnswerValue {
    One(RawChoice),
    Many(Vec<RawChoice>),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawAnswer {
    pub answer: Option<Spanned<RawAnswerValue>>,
    #[serde(default)]
    pub alternatives: Vec<String>,
    pub does_compile: Option<bool>,
    pub stdout: Option<String>,
    pub line_number: Option<u32>,
    #[serde(default)]
    pub order: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawNode {
    pub id: Spanned<String>,
    pub channel: Option<Spanned<String>>,
    pub mood: Option<Spanned<String>>,
    pub says: Option<String>,
    #[serde(default)]
    pub choices: Vec<Spanned<RawNodeChoice>>,
    pub outcome: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
pub struct RawNodeChoice {
    pub text: String,
    pub points: Option<i64>,
    pub feedback: Option<String>,
    pub next: Option<Spanned<String>>,
}

/// The keys each table may have, by path (`*` is any element of an array).
fn allowed(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "" => &["quiz", "questions", "multipart"],
        "quiz" => &["id", "title", "passPercent", "covers", "shuffle"],
        "questions.*" => &[
            "type",
            "id",
            "prompt",
            "answer",
            "context",
            "multipart",
            "start",
            "nodes",
        ],
        "questions.*.prompt" => &[
            "prompt",
            "distractors",
            "sortAnswers",
            "answerIndex",
            "response",
            "program",
        ],
        "questions.*.prompt.distractors.*"
        | "questions.*.answer.answer"
        | "questions.*.answer.answer.*" => &["text", "feedback"],
        "questions.*.answer" => &[
            "answer",
            "alternatives",
            "doesCompile",
            "stdout",
            "lineNumber",
            "order",
        ],
        "questions.*.nodes.*" => &["id", "channel", "mood", "says", "choices", "outcome"],
        "questions.*.nodes.*.choices.*" => &["text", "points", "feedback", "next"],
        _ => return None,
    })
}

/// Reports every key the format does not know, with a did-you-mean.
pub fn unknown_keys(path: &Path, source: &str, diags: &mut Vec<Diagnostic>) {
    use toml::de::{DeTable, DeValue};
    let Ok(table) = DeTable::parse(source) else {
        return;
    };

    fn walk(v: &DeValue<'_>, at: &str, path: &Path, source: &str, diags: &mut Vec<Diagnostic>) {
        match v {
            DeValue::Table(t) => {
                let Some(keys) = allowed(at) else { return };
                let mut entries: Vec<_> = t.iter().collect();
                entries.sort_by_key(|(k, _)| k.span().start);
                for (k, child) in entries {
                    let name = k.get_ref().as_ref();
                    if !keys.contains(&name) {
                        let mut d =
                            Diagnostic::error("unknown-key", path, format!("unknown key `{name}`"))
                                .at(source, k.span());
                        d = match did_you_mean(name, keys.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!("expected one of: {}", keys.join(", "))),
                        };
                        diags.push(d);
                        continue;
                    }
                    // mdbook-quiz's `multipart` is a free-form table of contexts.
                    if at.is_empty() && name == "multipart" {
                        continue;
                    }
                    let next = if at.is_empty() {
                        name.to_string()
                    } else {
                        format!("{at}.{name}")
                    };
                    walk(child.get_ref(), &next, path, source, diags);
                }
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    walk(item.get_ref(), &format!("{at}.*"), path, source, diags);
                }
            }
            _ => {}
        }
    }
    walk(&DeValue::Table(table.into_inner()), "", path, source, diags);
}
