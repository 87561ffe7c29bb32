//! `supportbook quiz list` and `supportbook quiz take ID`.

use crate::cli::QuizCommand;
use crate::cli::take::{self, Stop};
use crate::core::diagnostic::{Diagnostics, Severity, display_path};
use crate::core::error::{Error, Result};
use crate::engine::{self, Loaded};
use crate::pipeline::handbook::Handbook;
use crate::results::{self, Attempt, Db};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub fn run(root: &Path, cmd: &QuizCommand, quiet: bool) -> Result<()> {
    let Loaded {
        handbook, diags, ..
    } = engine::load(root, crate::today())?;
    match cmd {
        QuizCommand::List { json } => list(&handbook, &diags, *json, quiet),
        QuizCommand::Take { id, learner } => {
            if diags.has_errors() {
                eprint!("{}", diags.render_human());
                return Err(Error::Invalid {
                    errors: diags.errors(),
                });
            }
            let Some(quiz) = handbook.quiz(id) else {
                let ids: Vec<&str> = handbook.quizzes.iter().map(|q| q.id.as_str()).collect();
                let hint = crate::core::diagnostic::did_you_mean(id, ids.iter().copied())
                    .map_or_else(
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
            let style = take::Style {
                echo: !std::io::IsTerminal::is_terminal(&stdin),
                width: terminal_width(),
            };
            let reading: Vec<take::Reading> = quiz
                .covers
                .iter()
                .filter_map(|id| handbook.article(id))
                .map(|a| take::Reading {
                    title: a.title.clone(),
                    path: display_path(&a.path),
                })
                .collect();
            let finished = match take::run(quiz, &reading, &mut input, &mut out, style) {
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
                    crate::core::diagnostic::display_path(&crate::pipeline::load::relative(
                        &handbook.project.root,
                        &path
                    ))
                );
            }
            Ok(())
        }
    }
}

/// The width to wrap a quiz to: `COLUMNS` when it is set (as a number of at
/// least 20), else the terminal's width when stdout is one; `None` (no
/// wrapping) for output to a file or a pipe.
fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 20)
        .or_else(|| {
            let stdout = std::io::stdout();
            std::io::IsTerminal::is_terminal(&stdout)
                .then(|| terminal_size::terminal_size_of(&stdout))
                .flatten()
                .map(|(w, _)| usize::from(w.0))
        })
}

/// One row of `quiz list`: a quiz that validated, or a quiz file with errors.
struct Row<'a> {
    quiz: Option<&'a crate::pipeline::quiz::Quiz>,
    path: PathBuf,
    errors: usize,
}

/// `quiz list`: every quiz that could be read, and every quiz file with
/// errors, marked. Errors in quiz files are printed on stderr and make the
/// exit status 1; errors elsewhere (articles, chapters) are `check`'s
/// business and only noted.
fn list(handbook: &Handbook, diags: &Diagnostics, json: bool, quiet: bool) -> Result<()> {
    let quizzes_dir = Path::new(&handbook.project.settings.quizzes_dir);
    let is_quiz_file =
        |p: &Path| p.starts_with(quizzes_dir) && p.extension().is_some_and(|x| x == "toml");
    let mut errors: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut quiz_diags = Diagnostics::new();
    let mut other_errors = 0;
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        if is_quiz_file(&d.path) {
            *errors.entry(d.path.clone()).or_default() += 1;
            quiz_diags.push(d.clone());
        } else {
            other_errors += 1;
        }
    }
    let mut rows: Vec<Row> = handbook
        .quizzes
        .iter()
        .map(|q| Row {
            quiz: Some(q),
            path: q.path.clone(),
            errors: errors.get(&q.path).copied().unwrap_or(0),
        })
        .collect();
    for (path, n) in &errors {
        if !handbook.quizzes.iter().any(|q| &q.path == path) {
            rows.push(Row {
                quiz: None,
                path: path.clone(),
                errors: *n,
            });
        }
    }
    rows.sort_by(|a, b| a.path.cmp(&b.path));

    let mut out = std::io::stdout().lock();
    let written = if json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| match r.quiz {
                Some(q) => serde_json::json!({"id": q.id, "title": q.title, "questions": q.questions.len(), "passPercent": q.pass_percent, "covers": q.covers, "path": display_path(&r.path), "errors": r.errors}),
                None => serde_json::json!({"id": null, "title": null, "questions": null, "passPercent": null, "covers": [], "path": display_path(&r.path), "errors": r.errors}),
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(list))
    } else if rows.is_empty() {
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
            for r in &rows {
                let mark = match r.errors {
                    0 => String::new(),
                    n => format!(
                        "  [{n} error{} in {}]",
                        crate::core::diagnostic::plural(n),
                        display_path(&r.path)
                    ),
                };
                match r.quiz {
                    Some(q) => writeln!(
                        out,
                        "{:<24} {:>9} {:>4}%  {:<40} {}{mark}",
                        q.id,
                        q.questions.len(),
                        q.pass_percent,
                        q.title,
                        q.covers.join(", ")
                    )?,
                    None => writeln!(
                        out,
                        "{:<24} {:>9} {:>5}  {:<40}{mark}",
                        r.path
                            .file_stem()
                            .map_or("".into(), |s| s.to_string_lossy()),
                        "-",
                        "-",
                        "(could not be read)"
                    )?,
                }
            }
            Ok(())
        })()
    };
    super::stdout_written(written)?;
    eprint!("{}", quiz_diags.render_human());
    if other_errors > 0 && !quiet {
        eprintln!(
            "note: {other_errors} error{} in other files of the handbook; see `supportbook check`",
            crate::core::diagnostic::plural(other_errors)
        );
    }
    let broken = rows.iter().filter(|r| r.errors > 0).count();
    if broken > 0 {
        let msg = format!(
            "{broken} of {} quiz{} {} errors (listed and marked; the others are fine)",
            rows.len(),
            if rows.len() == 1 { "" } else { "zes" },
            if broken == 1 { "has" } else { "have" },
        );
        eprintln!("error: {msg}");
        return Err(Error::Verdict(msg));
    }
    Ok(())
}
