//! xAPI 1.0.3 statements: the export every learning record store reads, and
//! the import that merges another machine's results (or a trainee's
//! "export my results" file from the browser).
//!
//! One attempt is one `context.registration`: a statement per answer (verb
//! answered) and one for the quiz (passed or failed). Importing groups
//! statements by registration and skips attempts already recorded.

use super::{Answer, Attempt};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
pub const FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
const QUIZ_IRI: &str = "urn:supportbook:quiz:";
const INTERACTION: &str = "http://adlnet.gov/expapi/activities/cmi.interaction";
const ASSESSMENT: &str = "http://adlnet.gov/expapi/activities/assessment";

/// An xAPI statement as supportbook writes it. Fields are in the order
/// they are written; the ones a statement kind does not have are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub id: String,
    pub actor: Actor,
    pub verb: Verb,
    pub object: Activity,
    pub result: StatementResult,
    pub context: Context,
    pub timestamp: String,
}

/// A language map (`{"en-US": "answered"}`).
pub type LanguageMap = BTreeMap<&'static str, String>;

fn en_us(text: impl Into<String>) -> LanguageMap {
    BTreeMap::from([("en-US", text.into())])
}

/// The learner: an agent with an account on `urn:supportbook`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub object_type: &'static str,
    pub name: String,
    pub account: Account,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub home_page: &'static str,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verb {
    pub id: &'static str,
    pub display: LanguageMap,
}

/// A quiz or one of its questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub object_type: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<ActivityDefinition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityDefinition {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The quiz's title (an empty map when it has none); questions have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<LanguageMap>,
}

/// xAPI's `result`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<bool>,
    /// What the learner answered, as text (JSON for choices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub scaled: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<f64>,
    /// Always 0 for a question; written as the integer it has always been.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The attempt's uuid: every statement of one attempt has it.
    pub registration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_activities: Option<ContextActivities>,
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextActivities {
    /// The quiz a question belongs to.
    pub parent: Vec<Activity>,
}

/// supportbook's own context extensions, by statement kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Extensions {
    Answer {
        /// Which try at the question this answer was.
        #[serde(rename = "urn:supportbook:attempt")]
        attempt: u32,
    },
    Quiz {
        #[serde(rename = "urn:supportbook:quiz-hash")]
        quiz_hash: String,
        #[serde(rename = "urn:supportbook:covers-hash")]
        covers_hash: String,
        #[serde(rename = "urn:supportbook:started-at")]
        started_at: String,
        #[serde(rename = "urn:supportbook:source")]
        source: String,
    },
}

fn actor(learner: &str) -> Actor {
    Actor {
        object_type: "Agent",
        name: learner.to_string(),
        account: Account {
            home_page: "urn:supportbook",
            name: learner.to_string(),
        },
    }
}

fn activity(id: String, definition: Option<ActivityDefinition>) -> Activity {
    Activity {
        object_type: "Activity",
        id,
        definition,
    }
}

/// A stable statement id, so exporting twice gives the same statements.
fn statement_id(attempt: &Attempt, part: &str) -> String {
    let ns = uuid::Uuid::parse_str(&attempt.uuid).unwrap_or(uuid::Uuid::NAMESPACE_URL);
    uuid::Uuid::new_v5(&ns, part.as_bytes()).to_string()
}

/// The statements for one attempt: one per answer (verb answered), then
/// one for the quiz (passed or failed).
pub fn statements(a: &Attempt, quiz_title: Option<&str>) -> Vec<Statement> {
    let quiz_iri = format!("{QUIZ_IRI}{}", a.quiz_id);
    let mut out = Vec::with_capacity(a.answers.len() + 1);
    for (seq, ans) in a.answers.iter().enumerate() {
        out.push(answered(a, seq, ans, &quiz_iri));
    }
    let (verb, word) = if a.passed {
        (PASSED, "passed")
    } else {
        (FAILED, "failed")
    };
    out.push(Statement {
        id: statement_id(a, "result"),
        actor: actor(&a.learner),
        verb: Verb {
            id: verb,
            display: en_us(word),
        },
        object: activity(
            quiz_iri,
            Some(ActivityDefinition {
                kind: ASSESSMENT,
                name: Some(quiz_title.map(en_us).unwrap_or_default()),
            }),
        ),
        result: StatementResult {
            success: a.passed,
            completion: Some(true),
            response: None,
            score: Score {
                scaled: a.score,
                raw: None,
                min: None,
                max: None,
            },
        },
        context: Context {
            registration: a.uuid.clone(),
            context_activities: None,
            extensions: Extensions::Quiz {
                quiz_hash: a.quiz_hash.clone(),
                covers_hash: a.covers_hash.clone(),
                started_at: a.started_at.clone(),
                source: a.source.clone(),
            },
        },
        timestamp: a.finished_at.clone(),
    });
    out
}

/// The statement for the `seq`th answer of an attempt.
fn answered(a: &Attempt, seq: usize, ans: &Answer, quiz_iri: &str) -> Statement {
    let scaled = if ans.max_points > 0.0 {
        ans.points / ans.max_points
    } else {
        0.0
    };
    Statement {
        id: statement_id(a, &format!("answer/{seq}")),
        actor: actor(&a.learner),
        verb: Verb {
            id: ANSWERED,
            display: en_us("answered"),
        },
        object: activity(
            format!("{quiz_iri}/question/{}", ans.question_id),
            Some(ActivityDefinition {
                kind: INTERACTION,
                name: None,
            }),
        ),
        result: StatementResult {
            success: ans.correct,
            completion: None,
            response: Some(match &ans.response {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            score: Score {
                scaled,
                raw: Some(ans.points),
                min: Some(0),
                max: Some(ans.max_points),
            },
        },
        context: Context {
            registration: a.uuid.clone(),
            context_activities: Some(ContextActivities {
                parent: vec![activity(quiz_iri.to_string(), None)],
            }),
            extensions: Extensions::Answer {
                attempt: ans.attempt,
            },
        },
        timestamp: a.finished_at.clone(),
    }
}

/// One attempt's statements while importing: (line, the passed/failed
/// statement) and (line, each answered statement).
#[derive(Default)]
struct Group(Option<(usize, Value)>, Vec<(usize, Value)>);

/// A problem in an import file, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

/// Reads statements (JSON lines, or one JSON array as the browser exports)
/// back into attempts.
pub fn parse(text: &str) -> (Vec<Attempt>, Vec<ImportProblem>) {
    let mut problems = Vec::new();
    let mut statements: Vec<(usize, Value)> = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(text) {
            Ok(list) => statements.extend(list.into_iter().map(|v| (1, v))),
            Err(e) => problems.push(ImportProblem {
                line: e.line(),
                message: format!("not a JSON array of statements: {e}"),
            }),
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => statements.push((i + 1, v)),
                Err(e) => problems.push(ImportProblem {
                    line: i + 1,
                    message: format!("not a JSON statement: {e}"),
                }),
            }
        }
    }

    // registration -> (result statement, answer statements)
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (line, st) in statements {
        let Some(reg) = st.pointer("/context/registration").and_then(Value::as_str) else {
            problems.push(ImportProblem {
                line,
                message:
                    "statement has no context.registration (the attempt it belongs to); skipped"
                        .into(),
            });
            continue;
        };
        let verb = st.pointer("/verb/id").and_then(Value::as_str).unwrap_or("");
        let entry = groups.entry(super::normalize_uuid(reg)).or_default();
        match verb {
            ANSWERED => entry.1.push((line, st)),
            PASSED | FAILED => entry.0 = Some((line, st)),
            other => problems.push(ImportProblem {
                line,
                message: format!("verb `{other}` is not one supportbook records; skipped"),
            }),
        }
    }

    let mut attempts = Vec::new();
    for (reg, Group(result, answers)) in groups {
        let Some((line, result)) = result else {
            let line = answers.first().map_or(0, |(l, _)| *l);
            problems.push(ImportProblem {
                line,
                message: format!(
                    "attempt {reg} has answers but no passed/failed statement; skipped"
                ),
            });
            continue;
        };
        let str_at = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let Some(quiz_id) = str_at(&result, "/object/id")
            .and_then(|id| id.strip_prefix(QUIZ_IRI).map(str::to_string))
        else {
            problems.push(ImportProblem { line, message: "the quiz statement's object is not a supportbook quiz (urn:supportbook:quiz:ID)".into() });
            continue;
        };
        let learner = str_at(&result, "/actor/account/name")
            .or_else(|| str_at(&result, "/actor/name"))
            .unwrap_or_else(|| "anonymous".into());
        let finished_at = str_at(&result, "/timestamp").unwrap_or_default();
        let ext = |k: &str| {
            result
                .pointer("/context/extensions")
                .and_then(|e| e.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let prefix = format!("{QUIZ_IRI}{quiz_id}/question/");
        let mut parsed_answers = Vec::new();
        for (_, st) in &answers {
            let Some(qid) = str_at(st, "/object/id")
                .and_then(|id| id.strip_prefix(&prefix).map(str::to_string))
            else {
                continue;
            };
            let response = match st.pointer("/result/response") {
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Some(v) => v.clone(),
                None => Value::Null,
            };
            parsed_answers.push(Answer {
                question_id: qid,
                response,
                correct: st
                    .pointer("/result/success")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                points: st
                    .pointer("/result/score/raw")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0),
                max_points: st
                    .pointer("/result/score/max")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0),
                attempt: st
                    .pointer("/context/extensions/urn:supportbook:attempt")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(1),
            });
        }
        attempts.push(Attempt {
            uuid: reg,
            learner,
            quiz_id,
            quiz_hash: ext("urn:supportbook:quiz-hash").unwrap_or_default(),
            covers_hash: ext("urn:supportbook:covers-hash").unwrap_or_default(),
            started_at: ext("urn:supportbook:started-at").unwrap_or_else(|| finished_at.clone()),
            finished_at,
            score: result
                .pointer("/result/score/scaled")
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
                .clamp(0.0, 1.0),
            passed: result.pointer("/verb/id").and_then(Value::as_str) == Some(PASSED),
            source: "import".into(),
            answers: parsed_answers,
        });
    }
    (attempts, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attempt() -> Attempt {
        Attempt {
            uuid: "0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10".into(),
            learner: "ana".into(),
            quiz_id: "outage".into(),
            quiz_hash: "abc".into(),
            covers_hash: "def".into(),
            started_at: "2026-11-24T10:00:00Z".into(),
            finished_at: "2026-11-24T10:05:00Z".into(),
            score: 0.5,
            passed: false,
            source: "terminal".into(),
            answers: vec![
                Answer {
                    question_id: "q1".into(),
                    response: json!(["A"]),
                    correct: true,
                    points: 1.0,
                    max_points: 1.0,
                    attempt: 1,
                },
                Answer {
                    question_id: "q2".into(),
                    response: json!("mx"),
                    correct: false,
                    points: 0.0,
                    max_points: 1.0,
                    attempt: 1,
                },
            ],
        }
    }

    #[test]
    fn export_then_import_round_trips() {
        let a = attempt();
        let lines: Vec<String> = statements(&a, Some("Outage"))
            .iter()
            .map(|st| serde_json::to_string(st).unwrap())
            .collect();
        let (back, problems) = parse(&lines.join("\n"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.len(), 1);
        let b = &back[0];
        assert_eq!(
            (
                b.uuid.as_str(),
                b.learner.as_str(),
                b.quiz_id.as_str(),
                b.quiz_hash.as_str()
            ),
            (a.uuid.as_str(), "ana", "outage", "abc")
        );
        assert_eq!(b.answers, a.answers);
        assert_eq!((b.score, b.passed), (0.5, false));
    }

    /// The exact JSON the export has always written (from the `json!`
    /// version, before the typed statements): an LRS sees the same bytes.
    #[test]
    fn statements_are_written_exactly_as_before() {
        let as_lines = |a: &Attempt, title| -> Vec<String> {
            statements(a, title)
                .iter()
                .map(|st| serde_json::to_string(st).unwrap())
                .collect()
        };
        let mut a = attempt();
        assert_eq!(
            as_lines(&a, Some("Outage \"comms\"")),
            [
                r#"{"id":"9bac11cb-d4ce-5556-bf8f-8ac9f2e5e433","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage/question/q1","definition":{"type":"http://adlnet.gov/expapi/activities/cmi.interaction"}},"result":{"success":true,"response":"[\"A\"]","score":{"scaled":1.0,"raw":1.0,"min":0,"max":1.0}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","contextActivities":{"parent":[{"objectType":"Activity","id":"urn:supportbook:quiz:outage"}]},"extensions":{"urn:supportbook:attempt":1}},"timestamp":"2026-11-24T10:05:00Z"}"#,
                r#"{"id":"bd71fe43-8a9e-5e00-8359-5124b831a300","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage/question/q2","definition":{"type":"http://adlnet.gov/expapi/activities/cmi.interaction"}},"result":{"success":false,"response":"mx","score":{"scaled":0.0,"raw":0.0,"min":0,"max":1.0}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","contextActivities":{"parent":[{"objectType":"Activity","id":"urn:supportbook:quiz:outage"}]},"extensions":{"urn:supportbook:attempt":1}},"timestamp":"2026-11-24T10:05:00Z"}"#,
                r#"{"id":"f37afac3-7b75-5f4a-bc16-07d5b59ef686","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/failed","display":{"en-US":"failed"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage","definition":{"type":"http://adlnet.gov/expapi/activities/assessment","name":{"en-US":"Outage \"comms\""}}},"result":{"success":false,"completion":true,"score":{"scaled":0.5}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","extensions":{"urn:supportbook:quiz-hash":"abc","urn:supportbook:covers-hash":"def","urn:supportbook:started-at":"2026-11-24T10:00:00Z","urn:supportbook:source":"terminal"}},"timestamp":"2026-11-24T10:05:00Z"}"#,
            ]
        );
        // Passed, no title, an answer with no points to score.
        a.passed = true;
        a.answers[1].max_points = 0.0;
        assert_eq!(
            as_lines(&a, None),
            [
                r#"{"id":"9bac11cb-d4ce-5556-bf8f-8ac9f2e5e433","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage/question/q1","definition":{"type":"http://adlnet.gov/expapi/activities/cmi.interaction"}},"result":{"success":true,"response":"[\"A\"]","score":{"scaled":1.0,"raw":1.0,"min":0,"max":1.0}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","contextActivities":{"parent":[{"objectType":"Activity","id":"urn:supportbook:quiz:outage"}]},"extensions":{"urn:supportbook:attempt":1}},"timestamp":"2026-11-24T10:05:00Z"}"#,
                r#"{"id":"bd71fe43-8a9e-5e00-8359-5124b831a300","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage/question/q2","definition":{"type":"http://adlnet.gov/expapi/activities/cmi.interaction"}},"result":{"success":false,"response":"mx","score":{"scaled":0.0,"raw":0.0,"min":0,"max":0.0}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","contextActivities":{"parent":[{"objectType":"Activity","id":"urn:supportbook:quiz:outage"}]},"extensions":{"urn:supportbook:attempt":1}},"timestamp":"2026-11-24T10:05:00Z"}"#,
                r#"{"id":"f37afac3-7b75-5f4a-bc16-07d5b59ef686","actor":{"objectType":"Agent","name":"ana","account":{"homePage":"urn:supportbook","name":"ana"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed","display":{"en-US":"passed"}},"object":{"objectType":"Activity","id":"urn:supportbook:quiz:outage","definition":{"type":"http://adlnet.gov/expapi/activities/assessment","name":{}}},"result":{"success":true,"completion":true,"score":{"scaled":0.5}},"context":{"registration":"0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10","extensions":{"urn:supportbook:quiz-hash":"abc","urn:supportbook:covers-hash":"def","urn:supportbook:started-at":"2026-11-24T10:00:00Z","urn:supportbook:source":"terminal"}},"timestamp":"2026-11-24T10:05:00Z"}"#,
            ]
        );
    }

    #[test]
    fn statement_ids_are_stable() {
        let a = attempt();
        assert_eq!(statements(&a, None), statements(&a, None));
    }

    #[test]
    fn bad_lines_are_problems_not_panics() {
        let (attempts, problems) = parse("{nope\n{\"verb\":{}}\n\n[1,2");
        assert!(attempts.is_empty());
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[0].line, 1);
    }

    const SPELLINGS: [&str; 5] = [
        "0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10",
        "0B7E2C1E-64D4-4C1F-9A55-6F0F1F3C2A10",
        "{0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10}",
        "0b7e2c1e64d44c1f9a556f0f1f3c2a10",
        "urn:uuid:0b7e2c1e-64d4-4c1f-9a55-6f0f1f3c2a10",
    ];

    #[test]
    fn one_uuid_in_five_spellings_is_one_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::results::Db::open(&dir.path().join("results.db")).unwrap();
        let stored: Vec<bool> = SPELLINGS
            .iter()
            .map(|u| {
                db.record(&Attempt {
                    uuid: (*u).into(),
                    ..attempt()
                })
                .unwrap()
            })
            .collect();
        assert_eq!(stored, [true, false, false, false, false]);
        let all = db.attempts().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].uuid, SPELLINGS[0]);
        // An import that spells the registration differently in each statement is one attempt.
        let lines: Vec<String> = statements(&attempt(), None)
            .iter()
            .zip(SPELLINGS.iter().cycle().skip(1))
            .map(|(st, u)| {
                let mut st = st.clone();
                st.context.registration = (*u).to_string();
                serde_json::to_string(&st).unwrap()
            })
            .collect();
        let (back, problems) = parse(&lines.join("\n"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].uuid, SPELLINGS[0]);
        assert!(!db.record(&back[0]).unwrap());
    }
}
