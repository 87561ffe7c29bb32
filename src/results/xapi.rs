//! xAPI 1.0.3 statements: the export every learning record store reads, and
//! the import that merges another machine's results (or a trainee's
//! "export my results" file from the browser).
//!
//! One attempt is one `context.registration`: a statement per answer (verb
//! answered) and one for the quiz (passed or failed). Importing groups
//! statements by registration and skips attempts already recorded.

use super::{Answer, Attempt};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
pub const FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
const QUIZ_IRI: &str = "urn:supportbook:quiz:";

fn actor(learner: &str) -> Value {
    json!({"objectType": "Agent", "name": learner, "account": {"homePage": "urn:supportbook", "name": learner}})
}

/// A stable statement id, so exporting twice gives the same statements.
fn statement_id(attempt: &Attempt, part: &str) -> String {
    let ns = uuid::Uuid::parse_str(&attempt.uuid).unwrap_or(uuid::Uuid::NAMESPACE_URL);
    uuid::Uuid::new_v5(&ns, part.as_bytes()).to_string()
}

/// The statements for one attempt.
pub fn statements(a: &Attempt, quiz_title: Option<&str>) -> Vec<Value> {
    let quiz_iri = format!("{QUIZ_IRI}{}", a.quiz_id);
    let mut out = Vec::with_capacity(a.answers.len() + 1);
    for (seq, ans) in a.answers.iter().enumerate() {
        let scaled = if ans.max_points > 0.0 {
            ans.points / ans.max_points
        } else {
            0.0
        };
        out.push(json!({
            "id": statement_id(a, &format!("answer/{seq}")),
            "actor": actor(&a.learner),
            "verb": {"id": ANSWERED, "display": {"en-US": "answered"}},
            "object": {
                "objectType": "Activity",
                "id": format!("{quiz_iri}/question/{}", ans.question_id),
                "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"},
            },
            "result": {
                "success": ans.correct,
                "response": match &ans.response { Value::String(s) => s.clone(), other => other.to_string() },
                "score": {"scaled": scaled, "raw": ans.points, "min": 0, "max": ans.max_points},
            },
            "context": {
                "registration": a.uuid,
                "contextActivities": {"parent": [{"objectType": "Activity", "id": quiz_iri}]},
                "extensions": {"urn:supportbook:attempt": ans.attempt},
            },
            "timestamp": a.finished_at,
        }));
    }
    let mut name = serde_json::Map::new();
    if let Some(t) = quiz_title {
        name.insert("en-US".into(), json!(t));
    }
    out.push(json!({
        "id": statement_id(a, "result"),
        "actor": actor(&a.learner),
        "verb": if a.passed { json!({"id": PASSED, "display": {"en-US": "passed"}}) } else { json!({"id": FAILED, "display": {"en-US": "failed"}}) },
        "object": {
            "objectType": "Activity",
            "id": quiz_iri,
            "definition": {"type": "http://adlnet.gov/expapi/activities/assessment", "name": name},
        },
        "result": {"success": a.passed, "completion": true, "score": {"scaled": a.score}},
        "context": {
            "registration": a.uuid,
            "extensions": {
                "urn:supportbook:quiz-hash": a.quiz_hash,
                "urn:supportbook:covers-hash": a.covers_hash,
                "urn:supportbook:started-at": a.started_at,
                "urn:supportbook:source": a.source,
            },
        },
        "timestamp": a.finished_at,
    }));
    out
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
        // An attempt is grouped only by the statements that make it up: a
        // statement skipped here must not leave an empty attempt behind.
        match st.pointer("/verb/id").and_then(Value::as_str) {
            Some(ANSWERED) => {
                let reg = super::normalize_uuid(reg);
                groups.entry(reg).or_default().1.push((line, st));
            }
            Some(PASSED | FAILED) => {
                let reg = super::normalize_uuid(reg);
                groups.entry(reg).or_default().0 = Some((line, st));
            }
            Some(other) => problems.push(ImportProblem {
                line,
                message: format!("verb `{other}` is not one supportbook records; skipped"),
            }),
            None => problems.push(ImportProblem {
                line,
                message: "statement has no verb.id; skipped".into(),
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
    fn a_skipped_statement_leaves_no_empty_attempt() {
        // Found by fuzzing: a statement with an unknown verb (or none)
        // opened an attempt with no statements, reported at line 0 as
        // "has answers but no passed/failed statement".
        let text = concat!(
            r#"{"verb":{"id":"http://example.com/other"},"context":{"registration":"r1"}}"#,
            "\n",
            r#"{"aerb":{},"context":{"registration":"r2"}}"#,
            "\n",
        );
        let (attempts, problems) = parse(text);
        assert!(attempts.is_empty());
        assert_eq!(
            problems,
            [
                ImportProblem {
                    line: 1,
                    message:
                        "verb `http://example.com/other` is not one supportbook records; skipped"
                            .into()
                },
                ImportProblem {
                    line: 2,
                    message: "statement has no verb.id; skipped".into()
                },
            ]
        );
    }

    #[test]
    fn export_then_import_round_trips() {
        let a = attempt();
        let lines: Vec<String> = statements(&a, Some("Outage"))
            .iter()
            .map(Value::to_string)
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
                st["context"]["registration"] = json!(u);
                st.to_string()
            })
            .collect();
        let (back, problems) = parse(&lines.join("\n"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].uuid, SPELLINGS[0]);
        assert!(!db.record(&back[0]).unwrap());
    }
}
