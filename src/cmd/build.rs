//! `supportbook build`: check, then render the site.

use super::check::{load_and_validate, plural};
use crate::cli::BuildArgs;
use crate::error::{Error, Result};
use crate::render::site;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(root: &Path, args: &BuildArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    // The destination is judged first, before any check prints a warning.
    let (project, _) = crate::project::load(root)?;
    let dest = match &args.dest {
        Some(d) => d.clone(),
        None => root.join(mdbook_build_dir(root)),
    };
    let dest = site::check_dest(&project, &dest)?;
    let _lock = crate::build_lock::acquire(&project.state_dir(), quiet)?;
    let (handbook, templates, mut diags) = load_and_validate(root, crate::today())?;
    if args.strict {
        diags.make_strict();
    }
    eprint!("{}", diags.render_human());
    if diags.has_errors() {
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
    }
    // Page dates and the what's-new page come from git; outside a repository
    // or in a shallow clone the build goes on with a one-line notice.
    let mut handbook = handbook;
    let mut notices = Vec::new();
    // (A plain mdBook book, with no articles or quizzes, is left exactly as mdBook builds it.)
    if !handbook.articles.is_empty() || !handbook.quizzes.is_empty() {
        handbook.history = Some(crate::cycle::history(&handbook, &mut notices));
    }
    if !quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }
    let articles = handbook.articles.len();

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
    let handbook = Arc::new(handbook);
    let report = site::build(handbook.clone(), Arc::new(templates), &dest, &progress)?;
    bar.finish_and_clear();
    // Keep the search index in step with what was built.
    let mut notices = Vec::new();
    let indexed = crate::index::update(&handbook.project, handbook.today, &mut notices)?;
    if !quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }

    if !quiet {
        let pages = report.mdbook_pages + report.article_pages;
        let warnings = diags.warnings();
        eprintln!(
            "built {pages} page{} ({articles} article{}) with {warnings} warning{} in {:.2}s into {} ({} article page{} written, {} unchanged; {} search document{} updated)",
            plural(pages),
            plural(articles),
            plural(warnings),
            start.elapsed().as_secs_f64(),
            report.dest.display(),
            report.article_pages_written,
            plural(report.article_pages_written),
            report.article_pages - report.article_pages_written,
            indexed.indexed + indexed.removed,
            plural(indexed.indexed + indexed.removed),
        );
    }
    Ok(())
}

/// Where `mdbook build` puts the HTML: `build.build-dir` (default `book`),
/// or its `html/` folder when book.toml has more than one `[output.*]` table.
fn mdbook_build_dir(root: &Path) -> std::path::PathBuf {
    let Ok(config) = mdbook_driver::config::Config::from_disk(root.join("book.toml")) else {
        return "book".into();
    };
    let outputs = config
        .outputs::<toml::Value>()
        .map_or(0, |outputs| outputs.len());
    if outputs > 1 {
        config.build.build_dir.join("html")
    } else {
        config.build.build_dir
    }
}
