//! `supportbook watch`: build, then rebuild what each change needs.

use crate::cli::WatchArgs;
use crate::core::diagnostic::plural;
use crate::core::error::Result;
use crate::engine::{Engine, Options, Outcome};
use crate::live::watch::{self, Mode};
use std::path::Path;
use std::time::Duration;

pub fn run(root: &Path, args: &WatchArgs, quiet: bool) -> Result<()> {
    let mut engine = Engine::new(
        root,
        Options {
            dest: args.dest.clone(),
            ..Options::default()
        },
    )?;
    let first = engine.full_reported();
    report(&first, quiet);
    if !quiet {
        eprintln!("watching {} for changes (Ctrl-C stops)", root.display());
    }
    watch::watch(root, mode(args), |changed| {
        let out = engine.rebuild(&changed);
        report(&out, quiet);
        true
    })
}

pub fn mode(args: &WatchArgs) -> Mode {
    if args.poll {
        Mode::Poll(Duration::from_millis(args.poll_interval.max(10)))
    } else {
        Mode::Native
    }
}

/// Prints a rebuild's diagnostics, its notices, and one line saying what
/// was redone.
pub fn report(out: &Outcome, quiet: bool) {
    if out.skipped {
        return;
    }
    eprint!("{}", out.diagnostics);
    if !quiet {
        for n in &out.notices {
            eprintln!("note: {n}");
        }
    }
    if out.errors > 0 {
        eprintln!(
            "error: {} error{}; {} (watching on)",
            out.errors,
            plural(out.errors),
            out.summary
        );
    } else if !quiet {
        eprintln!(
            "{} in {:.0} ms",
            out.summary,
            out.elapsed.as_secs_f64() * 1000.0
        );
    }
}
