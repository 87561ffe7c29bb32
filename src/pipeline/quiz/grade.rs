//! Grading a response to a question (pure).

use super::{Kind, Question};
use serde::Serialize;

/// What a trainee answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Indices into the question's choices.
    Choices(Vec<usize>),
    Text(String),
    Tracing {
        does_compile: bool,
        stdout: Option<String>,
    },
    /// Indices into the correct order, in the order the trainee put them.
    Order(Vec<usize>),
    /// (node id, choice index) for each step of a scenario.
    Path(Vec<(String, usize)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Grade {
    pub correct: bool,
    pub points: f64,
    pub max_points: f64,
}

impl Grade {
    fn binary(correct: bool) -> Grade {
        Grade {
            correct,
            points: if correct { 1.0 } else { 0.0 },
            max_points: 1.0,
        }
    }

    /// This question's share of the quiz score, 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.max_points > 0.0 {
            (self.points / self.max_points).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Short answers compare case-insensitively, ignoring surrounding spaces and
/// one final full stop (the browser widget does the same).
pub fn normalize(s: &str) -> String {
    let s = s.trim().to_lowercase();
    s.strip_suffix('.').unwrap_or(&s).trim().to_string()
}

/// Program output compares exactly, but for blank lines and trailing spaces
/// at either end (the browser widget does the same).
fn normalize_output(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    lines.get(start..end).unwrap_or(&[]).join("\n")
}

pub fn grade(q: &Question, r: &Response) -> Grade {
    match (&q.kind, r) {
        (Kind::MultipleChoice { choices, .. }, Response::Choices(picked)) => {
            let mut picked: Vec<usize> = picked
                .iter()
                .copied()
                .filter(|i| *i < choices.len())
                .collect();
            picked.sort_unstable();
            picked.dedup();
            let correct = super::correct_indices(choices);
            Grade::binary(picked == correct)
        }
        (Kind::ShortAnswer { answers, .. }, Response::Text(t)) => {
            let t = normalize(t);
            Grade::binary(!t.is_empty() && answers.iter().any(|a| normalize(a) == t))
        }
        (
            Kind::Tracing {
                does_compile,
                stdout,
                ..
            },
            Response::Tracing {
                does_compile: dc,
                stdout: out,
            },
        ) => {
            let output_ok = !does_compile
                || normalize_output(stdout.as_deref().unwrap_or(""))
                    == normalize_output(out.as_deref().unwrap_or(""));
            Grade::binary(dc == does_compile && output_ok)
        }
        (Kind::Ordering { items }, Response::Order(order)) => {
            // Each item used once; items with the same text may swap places.
            let mut used = vec![false; items.len()];
            let permutation = order.len() == items.len()
                && order
                    .iter()
                    .all(|&i| used.get_mut(i).is_some_and(|u| !std::mem::replace(u, true)));
            Grade::binary(
                permutation
                    && order
                        .iter()
                        .enumerate()
                        .all(|(pos, &i)| items.get(i) == items.get(pos)),
            )
        }
        (
            Kind::Scenario {
                start,
                nodes,
                max_points,
                ..
            },
            Response::Path(steps),
        ) => {
            // Follow the path as the conversation allows; stop at the first step that does not fit.
            let mut at = start.clone();
            let mut points: i64 = 0;
            for (node, choice) in steps {
                if *node != at {
                    break;
                }
                let Some(c) = nodes.get(&at).and_then(|n| n.choices.get(*choice)) else {
                    break;
                };
                points = points.saturating_add(c.points);
                at = c.next.clone();
            }
            let max = *max_points as f64;
            Grade {
                correct: points >= *max_points,
                points: points as f64,
                max_points: max,
            }
        }
        _ => Grade {
            correct: false,
            points: 0.0,
            max_points: 1.0,
        },
    }
}

/// The response as recorded (the JSON the browser widget also sends).
pub fn response_json(q: &Question, r: &Response) -> serde_json::Value {
    use serde_json::json;
    match (&q.kind, r) {
        (Kind::MultipleChoice { choices, .. }, Response::Choices(p)) => json!(
            p.iter()
                .filter_map(|i| choices.get(*i))
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
        ),
        (Kind::Ordering { items }, Response::Order(o)) => json!(
            o.iter()
                .filter_map(|i| items.get(*i))
                .cloned()
                .collect::<Vec<_>>()
        ),
        (_, Response::Text(t)) => json!(t),
        (
            _,
            Response::Tracing {
                does_compile,
                stdout,
            },
        ) => json!({"doesCompile": does_compile, "stdout": stdout}),
        (_, Response::Path(steps)) => json!(
            steps
                .iter()
                .map(|(n, c)| format!("{n}:{c}"))
                .collect::<Vec<_>>()
        ),
        (_, Response::Choices(p)) | (_, Response::Order(p)) => json!(p),
    }
}

/// Whether a score passes a pass mark (the browser widget uses the same rule).
pub fn passes(score: f64, pass_percent: u32) -> bool {
    score * 100.0 + 1e-9 >= f64::from(pass_percent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::quiz::{Choice, Node, NodeChoice};
    use std::collections::BTreeMap;

    fn q(kind: Kind) -> Question {
        Question {
            id: "q".into(),
            prompt: "p".into(),
            context: None,
            multipart: None,
            kind,
        }
    }

    fn mc(correct: &[bool]) -> Question {
        q(Kind::MultipleChoice {
            choices: correct
                .iter()
                .enumerate()
                .map(|(i, c)| Choice {
                    text: format!("c{i}"),
                    correct: *c,
                    feedback: None,
                })
                .collect(),
            multiple: correct.iter().filter(|c| **c).count() > 1,
            sort_answers: false,
            answer_index: None,
        })
    }

    #[test]
    fn multiple_choice_needs_exactly_the_correct_set() {
        let one = mc(&[true, false, false]);
        assert!(grade(&one, &Response::Choices(vec![0])).correct);
        assert!(!grade(&one, &Response::Choices(vec![1])).correct);
        assert!(!grade(&one, &Response::Choices(vec![0, 1])).correct);
        let many = mc(&[true, true, false]);
        assert!(grade(&many, &Response::Choices(vec![1, 0])).correct);
        assert!(!grade(&many, &Response::Choices(vec![0])).correct);
        assert!(!grade(&many, &Response::Choices(vec![9])).correct);
    }

    #[test]
    fn short_answers_ignore_case_space_and_full_stop() {
        let s = q(Kind::ShortAnswer {
            answers: vec!["MX".into(), "mail exchanger".into()],
            long: false,
        });
        assert!(grade(&s, &Response::Text("  mx. ".into())).correct);
        assert!(grade(&s, &Response::Text(" Mail Exchanger".into())).correct);
        assert!(!grade(&s, &Response::Text("".into())).correct);
        assert!(!grade(&s, &Response::Text("A".into())).correct);
    }

    #[test]
    fn tracing_checks_compile_and_output() {
        let t = q(Kind::Tracing {
            program: "x".into(),
            does_compile: true,
            stdout: Some("hi".into()),
        });
        assert!(
            grade(
                &t,
                &Response::Tracing {
                    does_compile: true,
                    stdout: Some("hi".into())
                }
            )
            .correct
        );
        assert!(
            !grade(
                &t,
                &Response::Tracing {
                    does_compile: true,
                    stdout: Some("ho".into())
                }
            )
            .correct
        );
        let t = q(Kind::Tracing {
            program: "x".into(),
            does_compile: false,
            stdout: None,
        });
        assert!(
            grade(
                &t,
                &Response::Tracing {
                    does_compile: false,
                    stdout: None
                }
            )
            .correct
        );
    }

    #[test]
    fn ordering_must_match() {
        let o = q(Kind::Ordering {
            items: vec!["a".into(), "b".into(), "c".into()],
        });
        assert!(grade(&o, &Response::Order(vec![0, 1, 2])).correct);
        assert!(!grade(&o, &Response::Order(vec![1, 0, 2])).correct);
        assert!(!grade(&o, &Response::Order(vec![0, 1])).correct);
        assert!(!grade(&o, &Response::Order(vec![0, 1, 7])).correct);
        // Items with the same text may swap places (the widget's rule), but
        // each item is used once.
        let twins = q(Kind::Ordering {
            items: vec!["a".into(), "b".into(), "b".into()],
        });
        assert!(grade(&twins, &Response::Order(vec![0, 2, 1])).correct);
        assert!(!grade(&twins, &Response::Order(vec![0, 1, 1])).correct);
        assert!(!grade(&twins, &Response::Order(vec![1, 0, 2])).correct);
    }

    #[test]
    fn scenario_scores_points_along_the_path() {
        let choice = |text: &str, points, next: &str| NodeChoice {
            text: text.into(),
            points,
            feedback: None,
            next: next.into(),
        };
        let node = |choices| Node {
            channel: None,
            mood: None,
            says: "x".into(),
            choices,
            outcome: None,
        };
        let end = Node {
            channel: None,
            mood: None,
            says: "bye".into(),
            choices: vec![],
            outcome: Some("good".into()),
        };
        let mut nodes = BTreeMap::new();
        nodes.insert(
            "a".to_string(),
            node(vec![choice("good", 2, "b"), choice("bad", 0, "end")]),
        );
        nodes.insert("b".to_string(), node(vec![choice("good", 1, "end")]));
        nodes.insert("end".to_string(), end);
        let s = q(Kind::Scenario {
            start: "a".into(),
            order: vec![],
            nodes,
            max_points: 3,
        });
        let best = grade(&s, &Response::Path(vec![("a".into(), 0), ("b".into(), 0)]));
        assert!(best.correct);
        assert_eq!((best.points, best.max_points), (3.0, 3.0));
        let worst = grade(&s, &Response::Path(vec![("a".into(), 1)]));
        assert!(!worst.correct);
        assert_eq!(worst.fraction(), 0.0);
        // A path that does not follow the conversation stops counting.
        let odd = grade(&s, &Response::Path(vec![("b".into(), 0)]));
        assert_eq!(odd.points, 0.0);
    }
}
