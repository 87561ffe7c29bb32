//! `supportbook quiz list` and `supportbook quiz take ID`.

use super::check::load_and_validate;
use crate::cli::QuizCommand;
use crate::error::{Error, Result};
use crate::quiz::take::{self, Stop};
use crate::results::{self, Attempt, Db};
use std::io::Write as _;
use std::path::Path;

pub fn run(root: &Path, cmd: &QuizCommand, quiet: bool) -> Result<()> {
    let (handbook, _templates, diags) = load_and_validate(root, crate::today())?;
    if diags.has_errors() {
        eprint!("{}", diags.render_human());
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
    }
    match cmd {
        QuizCommand::List { json } => {
            let mut out = std::io::stdout().lock();
            let r = if *json {
                let list: Vec<_> = handbook
                    .quizzes
                    .iter()
                    .map(|q| serde_json::json!({"id": q.id, "title": q.title, "questions": q.questions.len(), "passPercent": q.pass_percent, "covers": q.covers, "path": crate::diagnostic::display_path(&q.path)}))
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(list))
            } else if handbook.quizzes.is_empty() {
                writeln!(
                    out,
                    "no quizzes yet: add TOML files under {}/",
                    handbook.project.settings.quizzes_dir
                )
            } else {
                (|| {
                    writeln!(
                        out,
                        "{:<24} {:>9} {:>5}  {:<40} covers",
                        "id", "questions", "pass", "title"
                    )?;
                    for q in &handbook.quizzes {
                        writeln!(
                            out,
                            "{:<24} {:>9} {:>4}%  {:<40} {}",
                            q.id,
                            q.questions.len(),
                            q.pass_percent,
                            q.title,
                            q.covers.join(", ")
                        )?;
                    }
                    Ok(())
                })()
            };
            super::stdout_written(r)
        }
        QuizCommand::Take { id, learner } => {
            let Some(quiz) = handbook.quiz(id) else {
                let ids: Vec<&str> = handbook.quizzes.iter().map(|q| q.id.as_str()).collect();
                let hint = crate::diagnostic::did_you_mean(id, ids.iter().copied()).map_or_else(
                    || format!("quizzes: {}", ids.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                return Err(Error::Refused(format!(
                    "no quiz with the id `{id}` ({hint})"
                )));
            };
            let learner = learner
                .clone()
                .or_else(|| std::env::var("SUPPORTBOOK_LEARNER").ok())
                .or_else(|| std::env::var("USER").ok())
                .filter(|l| !l.trim().is_empty())
                .unwrap_or_else(|| "anonymous".into());
            let started_at = results::now();
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut out = std::io::stdout().lock();
            let echo = !std::io::IsTerminal::is_terminal(&stdin);
            let finished = match take::run(quiz, &mut input, &mut out, echo) {
                Ok(f) => f,
                Err(Stop::EndOfInput) => {
                    return Err(Error::Refused(
                        "the input ended before the quiz was finished; nothing was recorded".into(),
                    ));
                }
                Err(Stop::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                Err(Stop::Io(e)) => return Err(Error::io("write", "standard output", e)),
            };
            let attempt = Attempt {
                uuid: uuid::Uuid::new_v4().to_string(),
                learner: learner.trim().to_string(),
                quiz_id: quiz.id.clone(),
                quiz_hash: quiz.hash.clone(),
                covers_hash: results::covers_hash(quiz, &handbook),
                started_at,
                finished_at: results::now(),
                score: finished.score,
                passed: finished.passed,
                source: "terminal".into(),
                answers: finished.answers,
            };
            let path = results::db_path(&handbook.project);
            Db::open(&path)?.record(&attempt)?;
            if !quiet {
                eprintln!(
                    "recorded {}'s attempt in {}",
                    attempt.learner,
                    crate::diagnostic::display_path(&crate::load::relative(
                        &handbook.project.root,
                        &path
                    ))
                );
            }
            Ok(())
        }
    }
}
