//! Types that mirror a quiz file, and the did-you-mean for the keys they do
//! not have (found by serde while the file is read).

use crate::core::diagnostic::Diagnostic;
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
#[derive(Debug, Clone)]
pub enum RawChoice {
    Text(String),
    Table {
        text: String,
        feedback: Option<String>,
    },
}

/// A choice written as a table.
#[derive(Debug, Deserialize)]
pub struct RawChoiceTable {
    pub text: String,
    pub feedback: Option<String>,
}

/// One choice, or a list of them.
#[derive(Debug)]
pub enum RawAnswerValue {
    One(RawChoice),
    Many(Vec<RawChoice>),
}

// Written out rather than `#[serde(untagged)]`: an untagged enum reads its
// input into a buffer first, out of `serde_ignored`'s sight, so an unknown
// key in a choice table would be dropped silently. Here the table is read in
// place, as a `RawChoiceTable`.
impl<'de> Deserialize<'de> for RawChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ChoiceVisitor)? {
            RawAnswerValue::One(c) => Ok(c),
            RawAnswerValue::Many(_) => Err(serde::de::Error::custom(
                "expected a choice (text, or a table with `text`), found a list",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for RawAnswerValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ChoiceVisitor)
    }
}

struct ChoiceVisitor;

impl<'de> serde::de::Visitor<'de> for ChoiceVisitor {
    type Value = RawAnswerValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a choice (text, or a table with `text`) or a list of them")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RawAnswerValue::One(RawChoice::Text(v.to_string())))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let t = RawChoiceTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(RawAnswerValue::One(RawChoice::Table {
            text: t.text,
            feedback: t.feedback,
        }))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::<RawChoice>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
            .map(RawAnswerValue::Many)
    }
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

/// Every key the format does not know, as an error with a did-you-mean
/// (`ignored`: what [`crate::core::toml_keys::from_str`] found).
pub fn unknown_keys(
    path: &Path,
    source: &str,
    ignored: &[Vec<crate::core::toml_keys::Step>],
    diags: &mut Vec<Diagnostic>,
) {
    use crate::core::toml_keys::{fields, unknown_key_errors};
    diags.extend(unknown_key_errors(
        path,
        source,
        ignored,
        |table| match table {
            [] => fields::<RawQuizFile>(),
            ["quiz"] => fields::<RawQuizMeta>(),
            ["questions", "*"] => fields::<RawQuestion>(),
            ["questions", "*", "prompt"] => fields::<RawPrompt>(),
            ["questions", "*", "prompt", "distractors", "*"]
            | ["questions", "*", "answer", "answer"]
            | ["questions", "*", "answer", "answer", "*"] => fields::<RawChoiceTable>(),
            ["questions", "*", "answer"] => fields::<RawAnswer>(),
            ["questions", "*", "nodes", "*"] => fields::<RawNode>(),
            ["questions", "*", "nodes", "*", "choices", "*"] => fields::<RawNodeChoice>(),
            _ => &[],
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each diagnostic as `line:col: message (help)`.
    fn unknown(source: &str) -> Vec<String> {
        let (file, ignored) = crate::core::toml_keys::from_str::<RawQuizFile>(source);
        assert!(file.is_ok(), "{file:?}");
        let mut diags = Vec::new();
        unknown_keys(Path::new("quizzes/q.toml"), source, &ignored, &mut diags);
        diags
            .iter()
            .map(|d| {
                let place = d.place();
                let place = place.trim_start_matches("quizzes/q.toml:");
                format!(
                    "{place}: {} ({})",
                    d.message,
                    d.help.clone().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn an_unknown_key_in_every_kind_of_table_gets_its_place_and_a_hint() {
        let source = r#"titel = "x"
[quiz]
passPercnt = 80

[[questions]]
id = "q1"
type = "MultipleChoice"
contxt = "c"
prompt.prompt = "?"
prompt.sortAnswer = true
prompt.distractors = [{ text = "a", feedbak = "no" }]
answer.answer = { text = "b", feedbak = "yes" }
answer.alternativs = ["c"]

[[questions]]
id = "q2"
type = "MultipleChoice"
prompt.prompt = "?"
answer.answer = ["b", { text = "d", fedback = "x" }]

[[questions]]
id = "sc"
type = "Scenario"
start = "a"
[[questions.nodes]]
id = "a"
sayz = "hi"
[[questions.nodes.choices]]
text = "x"
nxt = "a"

[multipart]
free-form = "contexts are not checked"
"#;
        assert_eq!(
            unknown(source),
            [
                "1:1: unknown key `titel` (expected one of: quiz, questions, multipart)",
                "3:1: unknown key `passPercnt` (did you mean `passPercent`?)",
                "8:1: unknown key `contxt` (did you mean `context`?)",
                "10:8: unknown key `sortAnswer` (did you mean `sortAnswers`?)",
                "11:37: unknown key `feedbak` (did you mean `feedback`?)",
                "12:31: unknown key `feedbak` (did you mean `feedback`?)",
                "13:8: unknown key `alternativs` (did you mean `alternatives`?)",
                "19:37: unknown key `fedback` (did you mean `feedback`?)",
                "27:1: unknown key `sayz` (did you mean `says`?)",
                "30:1: unknown key `nxt` (did you mean `next`?)",
            ]
        );
    }

    #[test]
    fn choices_read_as_before() {
        let source = "[[questions]]\ntype = \"MultipleChoice\"\nprompt.distractors = [\"a\", { text = \"b\", feedback = \"f\" }]\nanswer.answer = \"c\"\n";
        let file: RawQuizFile = toml::from_str(source).unwrap();
        let q = file.questions[0].get_ref();
        let d = &q.prompt.as_ref().unwrap().distractors;
        assert!(matches!(d[0].get_ref(), RawChoice::Text(t) if t == "a"));
        assert!(
            matches!(d[1].get_ref(), RawChoice::Table { text, feedback: Some(f) } if text == "b" && f == "f")
        );
        let answer = q
            .answer
            .as_ref()
            .unwrap()
            .answer
            .as_ref()
            .unwrap()
            .get_ref();
        assert!(matches!(answer, RawAnswerValue::One(RawChoice::Text(t)) if t == "c"));
        for bad in ["answer.answer = 3", "answer.answer = { feedback = \"f\" }"] {
            let source = format!("[[questions]]\ntype = \"ShortAnswer\"\n{bad}\n");
            assert!(toml::from_str::<RawQuizFile>(&source).is_err(), "{bad}");
        }
    }
}
