//! `supportbook coach`: check a draft reply against the reply rules.

use crate::cli::{CoachArgs, Format};
use crate::diagnostic::{Diagnostic, Diagnostics, LineIndex};
use crate::error::{Error, Result};
use crate::project;
use crate::rules::{self, Context, Finding, Level, Rule};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// Reads and checks the project's reply rules; broken rules are reported
/// and stop the command.
pub fn load_rules(root: &Path) -> Result<Vec<Rule>> {
    let (project, diags) = project::load(root)?;
    let mut ds = Diagnostics::new();
    ds.extend(diags);
    let mut found = Vec::new();
    let sources = crate::load::load_toml_files(&project, &project.settings.rules_dir, &mut found)?
        .into_iter()
        .map(|(path, source)| rules::RawRulesSource { path, source })
        .collect::<Vec<_>>();
    let rules = rules::validate(&sources, &mut found);
    ds.extend(found);
    if sources.is_empty() {
        ds.push(
            Diagnostic::error(
                "no-rules",
                &project.settings.rules_dir,
                format!(
                    "no reply rules: `{}` has no .toml files",
                    project.settings.rules_dir
                ),
            )
            .with_help(
                "write rules in rules/replies.toml (README.md, \"Reply rules\", shows the format)",
            ),
        );
    }
    if ds.has_errors() {
        ds.sort();
        eprint!("{}", ds.render_human());
        return Err(Error::Invalid {
            errors: ds.errors(),
        });
    }
    Ok(rules)
}

pub fn run(root: &Path, args: &CoachArgs, quiet: bool) -> Result<()> {
    let rules = load_rules(root)?;
    let (name, draft) = read_draft(args.file.as_deref())?;
    let ctx = Context {
        mood: args.mood.clone(),
        topics: args.topic.clone(),
        channel: args.channel.clone(),
    };
    let apply = rules::applicable(&rules, &ctx);
    let findings = rules::check_reply(&apply, &draft);
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;

    let mut out = std::io::stdout().lock();
    let written = match args.format {
        Format::Json => {
            let lines = LineIndex::new(&draft);
            let items: Vec<serde_json::Value> = findings
                .iter()
                .map(|f| {
                    let loc = f.span.clone().map(|s| lines.location(&draft, s));
                    serde_json::json!({
                        "rule": f.rule,
                        "level": f.level,
                        "message": f.message,
                        "line": loc.as_ref().map(|l| l.line),
                        "column": loc.as_ref().map(|l| l.column),
                        "text": f.span.clone().and_then(|s| draft.get(s)),
                        "help": f.help,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "path": name,
                "rules": apply.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                "errors": errors,
                "warnings": warnings,
                "findings": items,
            });
            writeln!(out, "{doc}")
        }
        Format::Human => {
            let mut ds = Diagnostics::new();
            for f in &findings {
                ds.push(diagnostic(&name, &draft, f, &apply));
            }
            write!(out, "{}", ds.render_human())
        }
    };
    super::stdout_written(written)?;
    if !quiet && args.format == Format::Human {
        let applied = format!(
            "{} rule{} applied",
            apply.len(),
            super::check::plural(apply.len())
        );
        if findings.is_empty() {
            eprintln!("{name}: no problems ({applied})");
        } else {
            eprintln!(
                "{name}: {errors} error{}, {warnings} warning{} ({applied}){}",
                super::check::plural(errors),
                super::check::plural(warnings),
                if errors > 0 {
                    "; fix the errors before you send it"
                } else {
                    ""
                }
            );
        }
    }
    if errors > 0 {
        return Err(Error::Verdict(format!(
            "the draft breaks {errors} rule{} at level error",
            super::check::plural(errors)
        )));
    }
    Ok(())
}

fn diagnostic(name: &str, draft: &str, f: &Finding, rules: &[&Rule]) -> Diagnostic {
    let mut d = match f.level {
        Level::Error => Diagnostic::error("reply-rule", name, &f.message),
        Level::Warning => Diagnostic::warning("reply-rule", name, &f.message),
    };
    if let Some(span) = f.span.clone() {
        d = d.at(draft, span);
    }
    if let Some(help) = &f.help {
        d = d.with_help(help);
    }
    let from = rules
        .iter()
        .find(|r| r.id == f.rule)
        .map(|r| crate::diagnostic::display_path(&r.path))
        .unwrap_or_default();
    d.with_note(format!("rule `{}` in {from}", f.rule))
}

/// The draft and the name to show for it: a file, or stdin for `-` or none.
fn read_draft(file: Option<&Path>) -> Result<(String, String)> {
    match file {
        Some(p) if p != Path::new("-") => {
            let text = std::fs::read(p).map_err(|e| Error::io("read", p, e))?;
            if text.len() > crate::load::MAX_FILE_BYTES as usize {
                return Err(Error::Refused(format!(
                    "{} is {} bytes; a reply is never that long",
                    p.display(),
                    text.len()
                )));
            }
            let text = String::from_utf8(text)
                .map_err(|_| Error::Refused(format!("{} is not UTF-8 text", p.display())))?;
            Ok((p.display().to_string(), text))
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .take(crate::load::MAX_FILE_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| Error::io("read", PathBuf::from("<stdin>"), e))?;
            Ok(("<stdin>".into(), text))
        }
    }
}
