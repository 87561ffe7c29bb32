//! `supportbook coach`: check a draft reply against the reply rules.

use crate::cli::{CoachArgs, Format};
use crate::core::config;
use crate::core::diagnostic::{Diagnostic, Diagnostics, LineIndex};
use crate::core::error::{Error, Result};
use crate::pipeline::rules::{self, Context, Finding, Level, Rule};
use std::io::{Read as _, Write as _};
use std::path::Path;

/// Reads and checks the project's reply rules; broken rules are reported
/// and stop the command.
pub fn load_rules(root: &Path) -> Result<Vec<Rule>> {
    let (project, diags) = config::load(root)?;
    let mut ds = Diagnostics::new();
    ds.extend(diags);
    let mut found = Vec::new();
    let sources =
        crate::pipeline::load::load_toml_files(&project, &project.settings.rules_dir, &mut found)?
            .into_iter()
            .filter_map(|(path, source, _)| {
                Some(rules::RawRulesSource {
                    path,
                    source: source?,
                })
            })
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
            crate::core::diagnostic::plural(apply.len())
        );
        if findings.is_empty() {
            eprintln!("{name}: no problems ({applied})");
        } else {
            eprintln!(
                "{name}: {errors} error{}, {warnings} warning{} ({applied}){}",
                crate::core::diagnostic::plural(errors),
                crate::core::diagnostic::plural(warnings),
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
            crate::core::diagnostic::plural(errors)
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
        .map(|r| crate::core::diagnostic::display_path(&r.path))
        .unwrap_or_default();
    d.with_note(format!("rule `{}` in {from}", f.rule))
}

/// The most a draft may be, from a file or from stdin.
pub const MAX_DRAFT_BYTES: u64 = crate::pipeline::load::MAX_FILE_BYTES;

/// The draft and the name to show for it: a file, or stdin for `-` or none.
fn read_draft(file: Option<&Path>) -> Result<(String, String)> {
    match file {
        Some(p) if p != Path::new("-") => {
            let f = std::fs::File::open(p).map_err(|e| Error::io("read", p, e))?;
            Ok((
                p.display().to_string(),
                read_limited(f, p, MAX_DRAFT_BYTES)?,
            ))
        }
        _ => {
            let name = Path::new("<stdin>");
            let text = read_limited(std::io::stdin().lock(), name, MAX_DRAFT_BYTES)?;
            Ok(("<stdin>".into(), text))
        }
    }
}

/// Reads all of `r` as UTF-8 text, but never more than `limit` bytes: it
/// stops after `limit + 1` and refuses the draft rather than checking only
/// part of it (so UTF-8 is never cut either).
fn read_limited(r: impl std::io::Read, name: &Path, limit: u64) -> Result<String> {
    let mut bytes = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", name, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Refused(format!(
            "{} is more than {} MB; coach checks a whole draft of at most that size, never a part \
             of one (a reply is never that long: check the message itself)",
            name.display(),
            limit / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::Refused(format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            name.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(r: Result<String>) -> String {
        match r {
            Err(e @ Error::Refused(_)) => e.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_draft_over_the_limit_is_refused_not_cut() {
        let limit = 2 * 1024 * 1024;
        let mut text = "é".repeat(limit / 2);
        text.push_str(" premium plan");
        let msg = refusal(read_limited(
            text.as_bytes(),
            Path::new("<stdin>"),
            limit as u64,
        ));
        assert!(msg.contains("<stdin> is more than 2 MB"), "{msg}");
        // Exactly at the limit, with a multi-byte character at the edge: read whole.
        let at_limit = "é".repeat(limit / 2);
        assert_eq!(
            read_limited(at_limit.as_bytes(), Path::new("d"), limit as u64)
                .ok()
                .map(|s| s.len()),
            Some(limit)
        );
    }

    #[test]
    fn an_endless_source_is_read_only_to_the_limit() {
        let msg = refusal(read_limited(
            std::io::repeat(0),
            Path::new("/dev/zero"),
            1024 * 1024,
        ));
        assert!(msg.contains("/dev/zero is more than 1 MB"), "{msg}");
        let msg = refusal(read_limited(&b"ok \xff"[..], Path::new("d.txt"), 100));
        assert!(msg.contains("not UTF-8"), "{msg}");
    }
}
