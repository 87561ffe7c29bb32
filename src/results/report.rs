//! Reports on recorded attempts: each learner's status per quiz, and item
//! analysis per question (right on the first try, which wrong choices
//! attract people, which nobody picks).

use super::Attempt;
use crate::core::markdown::{escape_attr, to_plain};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::quiz::{Kind, Quiz};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Passed,
    Failed,
    /// Passed, but the quiz or an article it covers changed since.
    Stale,
    NotTaken,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Stale => "stale",
            Status::NotTaken => "not taken",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QuizStatus {
    pub quiz_id: String,
    pub title: String,
    pub status: Status,
    pub score: Option<f64>,
    pub finished_at: Option<String>,
    /// Why a pass is stale.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearnerReport {
    pub learner: String,
    pub quizzes: Vec<QuizStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceStats {
    pub text: String,
    pub picks: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionReport {
    pub quiz_id: String,
    pub question_id: String,
    pub kind: String,
    /// Learners whose first attempt at the quiz answered this question.
    pub first_tries: usize,
    pub right_first_time: usize,
    /// Wrong choices and how often they were picked on a first try.
    pub wrong_choices: Vec<ChoiceStats>,
    /// Wrong choices nobody picked (candidates for a better distractor).
    pub never_picked: Vec<String>,
    /// Most people miss this question (under half right the first time).
    pub mostly_missed: bool,
}

/// Recorded attempts at a quiz this handbook does not have (imported from
/// another handbook, or a quiz since removed or renamed): kept, not graded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownQuiz {
    pub quiz_id: String,
    pub attempts: usize,
    pub learners: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub learners: Vec<LearnerReport>,
    pub questions: Vec<QuestionReport>,
    pub unknown_quizzes: Vec<UnknownQuiz>,
}

/// The attempts at quizzes `handbook` does not have, by quiz id.
pub fn unknown_quizzes<'a>(
    handbook: &Handbook,
    attempts: impl IntoIterator<Item = &'a Attempt>,
) -> Vec<UnknownQuiz> {
    let mut by_quiz: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for a in attempts {
        if handbook.quiz(&a.quiz_id).is_none() {
            let e = by_quiz.entry(a.quiz_id.as_str()).or_default();
            e.0 += 1;
            e.1.insert(a.learner.as_str());
        }
    }
    by_quiz
        .into_iter()
        .map(|(id, (n, learners))| UnknownQuiz {
            quiz_id: id.to_string(),
            attempts: n,
            learners: learners.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

fn unknown_line(u: &UnknownQuiz) -> String {
    format!(
        "{}: {} attempt{} by {}",
        u.quiz_id,
        u.attempts,
        if u.attempts == 1 { "" } else { "s" },
        u.learners.join(", ")
    )
}

/// The status of `quiz` for one learner's attempts at it (oldest first).
pub fn status(quiz: &Quiz, attempts: &[&Attempt], handbook: &Handbook) -> QuizStatus {
    let latest = attempts.last();
    let (status, reason) = match latest {
        None => (Status::NotTaken, None),
        Some(a) if !a.passed => (Status::Failed, None),
        Some(a) if a.quiz_hash != quiz.hash => (
            Status::Stale,
            Some("the quiz changed since it was passed".to_string()),
        ),
        Some(a)
            if !a.covers_hash.is_empty() && a.covers_hash != super::covers_hash(quiz, handbook) =>
        {
            (
                Status::Stale,
                Some("an article the quiz covers changed since it was passed".to_string()),
            )
        }
        Some(_) => (Status::Passed, None),
    };
    QuizStatus {
        quiz_id: quiz.id.clone(),
        title: quiz.title.clone(),
        status,
        score: latest.map(|a| a.score),
        finished_at: latest.map(|a| a.finished_at.clone()),
        reason,
    }
}

/// How many first tries a question needs before the report flags it (or one
/// of its choices).
pub const MIN_FOR_FLAGS: usize = 3;

/// The report on `attempts`, for every learner who has one or is on the
/// `roster` (see [`super::roster`]), or only for `learner`.
pub fn build(
    handbook: &Handbook,
    attempts: &[Attempt],
    roster: &[String],
    learner: Option<&str>,
) -> Report {
    let mut learners: BTreeSet<&str> = attempts.iter().map(|a| a.learner.as_str()).collect();
    learners.extend(roster.iter().map(String::as_str));
    if let Some(l) = learner {
        learners.retain(|x| *x == l);
        learners.insert(l);
    }
    let learner_reports = learners
        .iter()
        .map(|l| LearnerReport {
            learner: (*l).to_string(),
            quizzes: handbook
                .quizzes
                .iter()
                .map(|q| {
                    let mine: Vec<&Attempt> = attempts
                        .iter()
                        .filter(|a| a.learner == *l && a.quiz_id == q.id)
                        .collect();
                    status(q, &mine, handbook)
                })
                .collect(),
        })
        .collect();

    // Item analysis over each learner's first attempt at each quiz.
    let mut firsts: BTreeMap<(&str, &str), &Attempt> = BTreeMap::new();
    for a in attempts
        .iter()
        .filter(|a| learner.is_none_or(|l| a.learner == l))
    {
        firsts
            .entry((a.learner.as_str(), a.quiz_id.as_str()))
            .or_insert(a);
    }
    let mut questions = Vec::new();
    for quiz in &handbook.quizzes {
        for q in &quiz.questions {
            let answers: Vec<&super::Answer> = firsts
                .values()
                .filter(|a| a.quiz_id == quiz.id)
                .filter_map(|a| {
                    a.answers
                        .iter()
                        .find(|x| x.question_id == q.id && x.attempt == 1)
                })
                .collect();
            let right = answers.iter().filter(|a| a.correct).count();
            // Too few first tries say nothing about a choice or a question.
            let enough = answers.len() >= MIN_FOR_FLAGS;
            let mut wrong_choices = Vec::new();
            let mut never_picked = Vec::new();
            if let Kind::MultipleChoice { choices, .. } = &q.kind {
                for c in choices.iter().filter(|c| !c.correct) {
                    let picks = answers
                        .iter()
                        .filter(|a| {
                            a.response.as_array().is_some_and(|r| {
                                r.iter().any(|v| v.as_str() == Some(c.text.as_str()))
                            })
                        })
                        .count();
                    if picks == 0 && enough {
                        never_picked.push(c.text.clone());
                    }
                    wrong_choices.push(ChoiceStats {
                        text: c.text.clone(),
                        picks,
                    });
                }
                wrong_choices.sort_by_key(|c| std::cmp::Reverse(c.picks));
            }
            questions.push(QuestionReport {
                quiz_id: quiz.id.clone(),
                question_id: q.id.clone(),
                kind: q.kind.name().to_string(),
                first_tries: answers.len(),
                right_first_time: right,
                mostly_missed: enough && right * 2 < answers.len(),
                wrong_choices,
                never_picked,
            });
        }
    }
    let unknown = unknown_quizzes(
        handbook,
        attempts
            .iter()
            .filter(|a| learner.is_none_or(|l| a.learner == l)),
    );
    Report {
        learners: learner_reports,
        questions,
        unknown_quizzes: unknown,
    }
}

/// One quiz one learner must take or retake, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Due {
    pub learner: String,
    pub quiz_id: String,
    pub title: String,
    pub status: Status,
    pub why: String,
    /// When the last attempt finished (`None`: never taken).
    pub last_attempt: Option<String>,
}

/// Every quiz each learner of `r` has not passed, or whose pass went
/// stale: never taken ("not taken yet"), failed, or changed since.
pub fn due(r: &Report) -> Vec<Due> {
    let mut out = Vec::new();
    for l in &r.learners {
        for q in &l.quizzes {
            let why = match q.status {
                Status::Passed => continue,
                Status::Stale => q
                    .reason
                    .clone()
                    .unwrap_or_else(|| "changed since it was passed".into()),
                Status::Failed => format!(
                    "not passed yet (last score {:.0}%)",
                    (q.score.unwrap_or(0.0) * 100.0 + 1e-9).floor()
                ),
                Status::NotTaken => "not taken yet".to_string(),
            };
            out.push(Due {
                learner: l.learner.clone(),
                quiz_id: q.quiz_id.clone(),
                title: q.title.clone(),
                status: q.status,
                why,
                last_attempt: q.finished_at.clone(),
            });
        }
    }
    out
}

/// The due list as text: one line per learner and quiz.
pub fn due_to_text(due: &[Due]) -> String {
    if due.is_empty() {
        return "nobody has a quiz to take or retake\n".to_string();
    }
    due.iter()
        .map(|d| format!("{:<16} {:<28} {}\n", d.learner, d.quiz_id, d.why))
        .collect()
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

fn short(text: &str) -> String {
    let plain = to_plain(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if plain.chars().count() > 70 {
        format!("{}…", plain.chars().take(69).collect::<String>())
    } else {
        plain
    }
}

pub fn to_text(r: &Report) -> String {
    let mut out = String::new();
    if r.learners.is_empty() {
        out.push_str("No attempts recorded yet. Take a quiz with `supportbook quiz take ID`, or in the served site.\n");
        return out;
    }
    out.push_str("Learners\n");
    for l in &r.learners {
        let _ = writeln!(out, "  {}", l.learner);
        for q in &l.quizzes {
            let score = q.score.map_or(String::new(), |s| {
                format!("{:>4.0}%", (s * 100.0 + 1e-9).floor())
            });
            let when = q
                .finished_at
                .as_deref()
                .map_or("", |w| w.get(..10).unwrap_or(w));
            let reason = q
                .reason
                .as_deref()
                .map_or(String::new(), |r| format!("  ({r})"));
            let _ = writeln!(
                out,
                "    {:<28} {:<9} {:>5}  {}{}",
                q.quiz_id,
                q.status.as_str(),
                score,
                when,
                reason
            );
        }
    }
    out.push_str("\nQuestions (first tries)\n");
    for q in r.questions.iter().filter(|q| q.first_tries > 0) {
        let flag = if q.mostly_missed { "!" } else { " " };
        let _ = writeln!(
            out,
            " {flag} {:<28} {:>3}/{:<3} right first time ({}){}",
            q.question_id,
            q.right_first_time,
            q.first_tries,
            percent(q.right_first_time, q.first_tries),
            if q.mostly_missed {
                "  most people miss this"
            } else {
                ""
            }
        );
        for c in q.wrong_choices.iter().filter(|c| c.picks > 0) {
            let _ = writeln!(out, "      picked {}x: {}", c.picks, short(&c.text));
        }
        for c in &q.never_picked {
            let _ = writeln!(out, "      nobody picks: {}", short(c));
        }
    }
    if !r.unknown_quizzes.is_empty() {
        out.push_str(
            "\nUnknown quizzes (attempts kept, but this handbook has no quiz with the id)\n",
        );
        for u in &r.unknown_quizzes {
            let _ = writeln!(out, "  {}", unknown_line(u));
        }
    }
    out
}

/// A self-contained HTML page with SVG charts (no external scripts or styles).
pub fn to_html(r: &Report, title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\nbody{{font-family:system-ui,sans-serif;max-width:76em;margin:2em auto;padding:0 1em;color:#222}}p,ul{{max-width:60em}}\ntable{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}\n.table-scroll{{max-width:100%;overflow-x:auto;margin:1em 0}}.table-scroll table{{margin:0}}\n.learners thead th{{vertical-align:bottom;min-width:5em;max-width:9em;font-weight:600;font-size:.9em}}.learners td{{white-space:nowrap;font-size:.9em}}\n.learners th:first-child{{position:sticky;left:0;z-index:1;background:#fff;box-shadow:inset 1px 0 #ccc,inset -1px 0 #ccc}}.learners tbody th{{min-width:6em;max-width:14em;overflow-wrap:break-word}}\n.passed{{background:#e3f4e3}}.failed{{background:#fbe3e3}}.stale{{background:#fff3d6}}.not-taken{{color:#777}}\n.flag{{color:#b00;font-weight:600}}svg text{{font-size:12px;font-family:system-ui,sans-serif}}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n",
        t = escape_attr(title)
    );
    out.push_str("<h2>Learners</h2>\n");
    if r.learners.is_empty() {
        out.push_str("<p>No attempts recorded yet.</p>\n");
    } else {
        // A column per quiz, headed by its title (which wraps; the id is
        // its tooltip); when the columns are still wider than the page, the
        // table scrolls inside its own box, learners' names kept in view.
        let quizzes: Vec<(&str, &str)> = r
            .learners
            .first()
            .map(|l| {
                l.quizzes
                    .iter()
                    .map(|q| (q.quiz_id.as_str(), q.title.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        out.push_str("<div class=\"table-scroll\" role=\"region\" aria-label=\"Learners by quiz\" tabindex=\"0\">\n<table class=\"learners\">\n<thead><tr><th>Learner</th>");
        for (id, title) in &quizzes {
            let _ = write!(
                out,
                "<th scope=\"col\" title=\"{}\">{}</th>",
                escape_attr(id),
                escape_attr(title)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for l in &r.learners {
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th>",
                escape_attr(&l.learner)
            );
            for q in &l.quizzes {
                let class = match q.status {
                    Status::Passed => "passed",
                    Status::Failed => "failed",
                    Status::Stale => "stale",
                    Status::NotTaken => "not-taken",
                };
                let score = q.score.map_or(String::new(), |s| {
                    format!(" {:.0}%", (s * 100.0 + 1e-9).floor())
                });
                let title_attr = q
                    .reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(" title=\"{}\"", escape_attr(r)));
                let _ = write!(
                    out,
                    "<td class=\"{class}\"{title_attr}>{}{score}</td>",
                    q.status.as_str()
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }

    out.push_str("<h2>Questions</h2>\n<p>Share of learners who got each question right on their first try. Red bars: most people miss it.</p>\n");
    let mut by_quiz: BTreeMap<&str, Vec<&QuestionReport>> = BTreeMap::new();
    for q in r.questions.iter().filter(|q| q.first_tries > 0) {
        by_quiz.entry(q.quiz_id.as_str()).or_default().push(q);
    }
    for (quiz, qs) in by_quiz {
        let _ = writeln!(out, "<h3>{}</h3>", escape_attr(quiz));
        let row = 22;
        let height = qs.len() * row + 10;
        let _ = writeln!(
            out,
            "<svg role=\"img\" aria-label=\"first-try success per question in {}\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\">",
            escape_attr(quiz)
        );
        for (i, q) in qs.iter().enumerate() {
            let y = i * row + 5;
            let share = if q.first_tries == 0 {
                0.0
            } else {
                q.right_first_time as f64 / q.first_tries as f64
            };
            let w = (share * 360.0).round();
            let color = if q.mostly_missed {
                "#c0392b"
            } else {
                "#2e8b57"
            };
            let _ = writeln!(
                out,
                "<text x=\"0\" y=\"{}\">{}</text><rect x=\"230\" y=\"{y}\" width=\"360\" height=\"16\" fill=\"#eee\"/><rect x=\"230\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"{color}\"/><text x=\"598\" y=\"{}\">{}</text>",
                y + 12,
                escape_attr(&q.question_id),
                y + 12,
                percent(q.right_first_time, q.first_tries)
            );
        }
        out.push_str("</svg>\n<ul>\n");
        for q in qs {
            let picks: Vec<String> = q
                .wrong_choices
                .iter()
                .filter(|c| c.picks > 0)
                .map(|c| format!("{}× “{}”", c.picks, escape_attr(&short(&c.text))))
                .collect();
            let never: Vec<String> = q
                .never_picked
                .iter()
                .map(|c| format!("“{}”", escape_attr(&short(c))))
                .collect();
            if picks.is_empty() && never.is_empty() && !q.mostly_missed {
                continue;
            }
            let _ = write!(out, "<li><code>{}</code>", escape_attr(&q.question_id));
            if q.mostly_missed {
                out.push_str(" <span class=\"flag\">most people miss this</span>");
            }
            if !picks.is_empty() {
                let _ = write!(out, "<br>wrong choices picked: {}", picks.join("; "));
            }
            if !never.is_empty() {
                let _ = write!(out, "<br>nobody picks: {}", never.join("; "));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if !r.unknown_quizzes.is_empty() {
        out.push_str("<h2>Unknown quizzes</h2>\n<p>Attempts kept, but this handbook has no quiz with the id.</p>\n<ul>\n");
        for u in &r.unknown_quizzes {
            let _ = writeln!(out, "<li>{}</li>", escape_attr(&unknown_line(u)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
