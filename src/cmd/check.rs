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

/// Runs the handbook's search cases (`<kb-dir>/search-cases.toml`) against
/// the index, and returns a diagnostic for every miss.
pub fn search_cases(
    handbook: &Handbook,
    quiet: bool,
) -> Result<Vec<crate::diagnostic::Diagnostic>> {
    use crate::search::{Synonyms, Weights, cases};
    let project = &handbook.project;
    let full = project.kb_dir().join("search-cases.toml");
    let Ok(text) = std::fs::read_to_string(&full) else {
        return Ok(Vec::new());
    };
    let rel = project
        .src
        .join(&project.settings.kb_dir)
        .join("search-cases.toml");
    let (list, mut diags) = cases::parse(&rel, &text);
    let mut notices = Vec::new();
    let report = crate::index::update(project, handbook.today, &mut notices)?;
    let si =
        crate::index::open_or_rebuild(project, handbook.today, report.documents, &mut notices)?;
    if !quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }
    let (synonyms, syn_diags) = Synonyms::load(project);
    diags.extend(syn_diags);
    let report = cases::evaluate(&si, &list, &synonyms, Weights::default())?;
    let ids = handbook.articles.iter().map(|a| a.id.as_str()).collect();
    diags.extend(cases::diagnostics(&rel, &text, &list, &report, &ids));
    Ok(diags)
}

pub fn run(root: &Path, args: &CheckArgs, quiet: bool) -> Result<()> {
    let (handbook, _templates, mut diags) = load_and_validate(root, crate::today())?;
    diags.extend(search_cases(
        &handbook,
        quiet || args.format == Format::Json,
    )?);
    diags.extend(crate::results::roster::load(&handbook.project).1);
    diags.sort();
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
