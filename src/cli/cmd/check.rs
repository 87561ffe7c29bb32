//! `supportbook check`: load and validate everything, report every problem.

use crate::cli::{CheckArgs, Format};
use crate::core::diagnostic::plural;
use crate::core::error::{Error, Result};
use crate::pipeline::handbook::Handbook;
use std::io::Write as _;
use std::path::Path;

/// Runs the handbook's search cases (`<kb-dir>/search-cases.toml`) against
/// the index, and returns a diagnostic for every miss.
pub fn search_cases(
    handbook: &Handbook,
    stamps: &crate::pipeline::load::Stamps,
    quiet: bool,
) -> Result<Vec<crate::core::diagnostic::Diagnostic>> {
    use crate::index::search::{Synonyms, Weights, cases};
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
    let (synonyms, syn_diags) = Synonyms::load(project);
    diags.extend(syn_diags);
    let mut notices = Vec::new();
    // A damaged index met on the way is rebuilt with a notice, and the
    // cases run again.
    let open = |n: &mut Vec<String>| {
        let report = crate::index::update(handbook, stamps, n)?;
        crate::index::open_or_rebuild(project, report.documents, n, |n| {
            crate::index::update(handbook, stamps, n).map(|_| ())
        })
    };
    let run =
        |si: &crate::index::SearchIndex| cases::evaluate(si, &list, &synonyms, Weights::default());
    let missed = |r: &cases::Report| r.cases.iter().any(|c| !c.passed());
    let report = crate::index::query(project, &mut notices, open, run, missed);
    if !quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }
    let report = report?;
    let ids = handbook.articles.iter().map(|a| a.id.as_str()).collect();
    diags.extend(cases::diagnostics(&rel, &text, &list, &report, &ids));
    Ok(diags)
}

pub fn run(root: &Path, args: &CheckArgs, quiet: bool) -> Result<()> {
    let loaded = crate::engine::load(root, crate::today())?;
    let (handbook, mut diags) = (loaded.handbook, loaded.diags);
    diags.extend(search_cases(
        &handbook,
        &loaded.stamps,
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
