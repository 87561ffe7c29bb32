//! `supportbook results report|export|import`.

use crate::cli::{ReportFormat, ResultsCommand, TextOrJson};
use crate::core::error::{Error, Result};
use crate::engine::{self, Loaded};
use crate::results::{self, Db, report, xapi};
use std::io::Write as _;
use std::path::Path;

fn write_out(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::io("write", path, e)),
        None => {
            let mut stdout = std::io::stdout().lock();
            super::stdout_written(stdout.write_all(text.as_bytes()))
        }
    }
}

pub fn run(root: &Path, cmd: &ResultsCommand, quiet: bool) -> Result<()> {
    let Loaded {
        handbook,
        mut diags,
        ..
    } = engine::load(root, crate::today())?;
    let (roster, roster_diags) = results::roster::load(&handbook.project);
    diags.extend(roster_diags);
    if diags.has_errors() {
        eprint!("{}", diags.render_human());
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
    }
    let path = results::db_path(&handbook.project);
    let mut db = Db::open(&path)?;
    match cmd {
        ResultsCommand::Report {
            learner,
            format,
            out,
        } => {
            let attempts = db.attempts()?;
            let r = report::build(&handbook, &attempts, &roster, learner.as_deref());
            let text = match format {
                ReportFormat::Text => report::to_text(&r),
                ReportFormat::Json => {
                    serde_json::to_string_pretty(&r).map_err(Error::internal)? + "\n"
                }
                ReportFormat::Html => report::to_html(
                    &r,
                    &format!(
                        "{}: quiz results",
                        handbook.project.title.as_deref().unwrap_or("Handbook")
                    ),
                ),
            };
            write_out(out.as_deref(), &text)
        }
        ResultsCommand::Due { learner, format } => {
            let attempts = db.attempts()?;
            let r = report::build(&handbook, &attempts, &roster, learner.as_deref());
            let due = report::due(&r);
            let text = match format {
                TextOrJson::Json => serde_json::to_string(&due).map_err(Error::internal)? + "\n",
                TextOrJson::Text => report::due_to_text(&due),
            };
            write_out(None, &text)
        }
        ResultsCommand::Export { out, .. } => {
            let attempts = db.attempts()?;
            let mut text = String::new();
            for a in &attempts {
                let title = handbook.quiz(&a.quiz_id).map(|q| q.title.as_str());
                for st in xapi::statements(a, title) {
                    text.push_str(&serde_json::to_string(&st).map_err(Error::internal)?);
                    text.push('\n');
                }
            }
            write_out(out.as_deref(), &text)?;
            if !quiet {
                eprintln!(
                    "exported {} attempt{}",
                    attempts.len(),
                    if attempts.len() == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
        ResultsCommand::Import { file } => {
            let text = std::fs::read_to_string(file).map_err(|e| Error::io("read", file, e))?;
            let (attempts, problems) = xapi::parse(&text);
            for p in &problems {
                eprintln!("warning: {}:{}: {}", file.display(), p.line, p.message);
            }
            let unknown = report::unknown_quizzes(&handbook, &attempts);
            if !unknown.is_empty() {
                let n: usize = unknown.iter().map(|u| u.attempts).sum();
                let ids: Vec<String> = unknown
                    .iter()
                    .map(|u| format!("`{}` ({})", u.quiz_id, u.attempts))
                    .collect();
                eprintln!(
                    "warning: {n} attempt{} {} for quizzes this handbook does not have: {}; {} kept, and listed by `supportbook results report` as unknown",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    ids.join(", "),
                    if n == 1 { "it is" } else { "they are" },
                );
            }
            let mut added = 0;
            for a in &attempts {
                if db.record(a)? {
                    added += 1;
                }
            }
            if !quiet {
                eprintln!(
                    "imported {added} new attempt{} ({} already recorded)",
                    if added == 1 { "" } else { "s" },
                    attempts.len() - added
                );
            }
            if attempts.is_empty() && !problems.is_empty() {
                return Err(Error::Refused(format!(
                    "{} has no attempts supportbook can read",
                    file.display()
                )));
            }
            Ok(())
        }
    }
}
