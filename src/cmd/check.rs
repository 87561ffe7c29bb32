//! `supportbook check`: load and validate everything, report every problem.

use crate::cli::{CheckArgs, Format};
use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::model::Handbook;
use crate::templates::Templates;
use crate::{load, project, validate};
use jiff::civil::Date;
use std::io::Write as _;
use std::path::Path;

/// load -> validate, plus templates: the front half of every command.
pub fn load_and_validate(root: &Path, today: Date) -> Result<(Handbook, Templates, Diagnostics)> {
    let mut diags = Diagnostics::new();
    let (project, d) = project::load(root)?;
    diags.extend(d);
    let (raw, d) = load::load(project)?;
    diags.extend(d);
    let (handbook, d) = validate::validate(raw, today);
    diags.extend(d);
    let (templates, d) = Templates::load(&handbook.project)?;
    diags.extend(d);
    diags.sort();
    Ok((handbook, templates, diags))
}

pub fn run(root: &Path, args: &CheckArgs, quiet: bool) -> Result<()> {
    let (handbook, _templates, mut diags) = load_and_validate(root, crate::today())?;
    if args.strict {
        diags.make_strict();
    }
    match args.format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", diags.to_json());
        }
        Format::Human => {
            let pages = handbook.pages.iter().filter(|p| p.in_summary).count();
            eprint!("{}", diags.render_human());
            if !quiet {
                eprintln!(
                    "checked {} page{} and {} article{}: {} error{}, {} warning{}",
                    pages,
                    plural(pages),
                    handbook.articles.len(),
                    plural(handbook.articles.len()),
                    diags.errors(),
                    plural(diags.errors()),
                    diags.warnings(),
                    plural(diags.warnings()),
                );
            }
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
    }
    Ok(())
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
