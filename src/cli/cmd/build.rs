//! `supportbook build`: options in, [`Engine::full`], the summary out.

use crate::cli::BuildArgs;
use crate::core::diagnostic::plural;
use crate::core::error::{Error, Result};
use crate::engine::{Engine, Options};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::Path;
use std::time::{Duration, Instant};

pub fn run(root: &Path, args: &BuildArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let mut engine = Engine::new(
        root,
        Options {
            dest: args.dest.clone(),
            strict: args.strict,
            ..Options::default()
        },
    )?;

    // A progress bar on a terminal, shown once the build has taken a second.
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} article pages")
            .map_err(Error::internal)?
            .progress_chars("=> "),
    );
    bar.set_prefix("rendering");
    let show = !quiet && std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if show && bar.is_hidden() && start.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let out = engine.full(&progress);
    bar.finish_and_clear();
    let out = out?;

    eprint!("{}", out.diagnostics);
    if !quiet {
        for n in &out.notices {
            eprintln!("note: {n}");
        }
    }
    if out.errors > 0 {
        return Err(Error::Invalid { errors: out.errors });
    }
    if let (false, Some(report)) = (quiet, &out.site) {
        let articles = engine.handbook().map_or(0, |h| h.articles.len());
        let pages = report.mdbook_pages + report.article_pages;
        eprintln!(
            "built {pages} page{} ({articles} article{}) with {} warning{} in {:.2}s into {} ({} article page{} written, {} unchanged; {} search document{} updated)",
            plural(pages),
            plural(articles),
            out.warnings,
            plural(out.warnings),
            start.elapsed().as_secs_f64(),
            report.dest.display(),
            report.article_pages_written,
            plural(report.article_pages_written),
            report.article_pages - report.article_pages_written,
            out.indexed,
            plural(out.indexed),
        );
    }
    Ok(())
}
