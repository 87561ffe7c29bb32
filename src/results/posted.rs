//! An attempt posted by the browser widget (`POST /api/attempts`), checked
//! against the handbook and graded again here (pure).
//!
//! The page grades answers for its own feedback, but what is stored comes
//! from the same grader the terminal uses: each answer carries `input`, what
//! the trainee chose or typed in the grader's terms (choice indexes, the
//! order, the scenario path), and the `correct`, `points`, `score` and
//! `passed` the page computed are ignored. A page cannot record a pass its
//! answers do not earn.

use super::{Answer, Attempt};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::quiz::grade::{Response, grade, response_json};
use crate::pipeline::quiz::{Kind, Question, Quiz};
use serde::Deserialize;
use std::collections::HashMap;

/// The body the quiz widget posts (see `assets/quiz.js`, `buildAttempt`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttemptBody {
    #[serde(default)]
    pub uuid: Option<String>,
    pub quiz_id: String,
    #[serde(default)]
    pub quiz_hash: Option<String>,
    #[serde(default)]
    pub learner: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    /// The page's own score; ignored (recomputed from the answers).
    #[serde(default)]
    pub score: Option<f64>,
    /// The page's own verdict; ignored (recomputed from the answers).
    #[serde(default)]
    pub passed: Option<bool>,
    pub answers: Vec<AnswerBody>,
}

/// One answer in a posted attempt.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswerBody {
    pub question_id: String,
    /// What the trainee gave, in the grader's terms: graded here.
    #[serde(default)]
    pub input: Option<Input>,
    /// The texts the page showed; replaced by the grader's own wording.
    #[serde(default)]
    pub response: serde_json::Value,
    /// The page's own grading, kept in the body for its display; ignored.
    #[serde(default)]
    pub correct: Option<bool>,
    #[serde(default)]
    pub points: Option<f64>,
    #[serde(default)]
    pub max_points: Option<f64>,
    #[serde(default = "one")]
    pub attempt: u32,
}

fn one() -> u32 {
    1
}

/// What the trainee gave for one question; which key is needed depends on
/// the question's type.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Input {
    /// MultipleChoice: indexes of the chosen choices.
    #[serde(default)]
    pub choices: Option<Vec<usize>>,
    /// ShortAnswer: the text typed.
    #[serde(default)]
    pub text: Option<String>,
    /// Tracing: whether the program compiles...
    #[serde(default)]
    pub does_compile: Option<bool>,
    /// ...and, if it does, its output.
    #[serde(default)]
    pub stdout: Option<String>,
    /// Ordering: the items, as indexes into the correct order, in the order
    /// the trainee left them.
    #[serde(default)]
    pub order: Option<Vec<usize>>,
    /// Scenario: each step taken, as `node:choice-index`.
    #[serde(default)]
    pub steps: Option<Vec<String>>,
}

/// Why an attempt was not stored, with its status.
#[derive(Debug, PartialEq)]
pub enum AttemptError {
    /// 400: not JSON, or not the shape of an attempt.
    Bad(String),
    /// 422: well-formed but about a quiz or question that does not exist.
    Unknown(String),
}

/// Checks a posted body against the handbook and grades it into an attempt.
pub fn attempt_from_body(
    body: &[u8],
    handbook: &Handbook,
    new_uuid: impl FnOnce() -> String,
) -> Result<Attempt, AttemptError> {
    let b: AttemptBody = serde_json::from_slice(body)
        .map_err(|e| AttemptError::Bad(format!("not a quiz attempt: {e}")))?;
    for (name, t) in [("startedAt", &b.started_at), ("finishedAt", &b.finished_at)] {
        if t.parse::<jiff::Timestamp>().is_err() {
            return Err(AttemptError::Bad(format!(
                "{name} must be an RFC 3339 timestamp, not {t:?}"
            )));
        }
    }
    let uuid = match b.uuid {
        Some(u) if uuid::Uuid::try_parse(u.trim()).is_ok() => super::normalize_uuid(&u),
        Some(u) => return Err(AttemptError::Bad(format!("uuid is not a UUID: {u:?}"))),
        None => new_uuid(),
    };
    let quiz = handbook
        .quiz(&b.quiz_id)
        .ok_or_else(|| AttemptError::Unknown(format!("no quiz with id {:?}", b.quiz_id)))?;
    let mut answers = Vec::with_capacity(b.answers.len());
    for (i, a) in b.answers.into_iter().enumerate() {
        let Some(q) = quiz.questions.iter().find(|q| q.id == a.question_id) else {
            return Err(AttemptError::Unknown(format!(
                "quiz {:?} has no question {:?}",
                quiz.id, a.question_id
            )));
        };
        let Some(input) = a.input else {
            return Err(AttemptError::Bad(format!(
                "answers[{i}] (question {:?}) has no `input`; a page built by an older supportbook sends none: rebuild the site and reload the page",
                q.id
            )));
        };
        let response = response_from_input(q, input).map_err(|need| {
            AttemptError::Bad(format!(
                "answers[{i}] (question {:?}, {}) needs {need}",
                q.id,
                q.kind.name()
            ))
        })?;
        let g = grade(q, &response);
        answers.push(Answer {
            question_id: a.question_id,
            response: response_json(q, &response),
            correct: g.correct,
            points: g.points,
            max_points: g.max_points,
            attempt: a.attempt.max(1),
        });
    }
    let score = score(quiz, &answers);
    let learner = b
        .learner
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "anonymous".into());
    Ok(Attempt {
        uuid,
        learner,
        quiz_id: quiz.id.clone(),
        quiz_hash: b.quiz_hash.unwrap_or_else(|| quiz.hash.clone()),
        covers_hash: super::covers_hash(quiz, handbook),
        started_at: b.started_at,
        finished_at: b.finished_at,
        score,
        passed: crate::pipeline::quiz::grade::passes(score, quiz.pass_percent),
        source: "browser".into(),
        answers,
    })
}

/// The quiz score, 0 to 1: each question's latest answer counts for its
/// share of the points; an unanswered question counts zero (the widget's
/// rule, and the terminal's).
pub fn score(quiz: &Quiz, answers: &[Answer]) -> f64 {
    if quiz.questions.is_empty() {
        return 0.0;
    }
    let mut latest: HashMap<&str, &Answer> = HashMap::new();
    for a in answers {
        latest.insert(a.question_id.as_str(), a);
    }
    let credit: f64 = quiz
        .questions
        .iter()
        .filter_map(|q| latest.get(q.id.as_str()))
        .map(|a| {
            if a.max_points > 0.0 {
                (a.points / a.max_points).clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .sum();
    credit / quiz.questions.len() as f64
}

/// The grader's response for `input`, or what the question type needs.
fn response_from_input(q: &Question, input: Input) -> Result<Response, &'static str> {
    match &q.kind {
        Kind::MultipleChoice { .. } => input
            .choices
            .map(Response::Choices)
            .ok_or("`input.choices`, the chosen indexes"),
        Kind::ShortAnswer { .. } => input
            .text
            .map(Response::Text)
            .ok_or("`input.text`, the answer typed"),
        Kind::Tracing { .. } => input
            .does_compile
            .map(|does_compile| Response::Tracing {
                does_compile,
                stdout: input.stdout,
            })
            .ok_or("`input.doesCompile` (and `input.stdout` when it compiles)"),
        Kind::Ordering { .. } => input
            .order
            .map(Response::Order)
            .ok_or("`input.order`, the item indexes in the order given"),
        Kind::Scenario { .. } => {
            let steps = input
                .steps
                .ok_or("`input.steps`, each step as \"node:choice\"")?;
            steps
                .iter()
                .map(|s| {
                    let (node, choice) = s.rsplit_once(':')?;
                    Some((node.to_string(), choice.parse().ok()?))
                })
                .collect::<Option<Vec<_>>>()
                .map(Response::Path)
                .ok_or(
                    "each of `input.steps` as \"node:choice\" (a node id, a colon, a choice index)",
                )
        }
    }
}
