//! `supportbook watch`: build, then rebuild what each change needs.

use crate::cli::WatchArgs;
use crate::error::Result;
use crate::render::site;
use crate::watch::{self, Mode, Outcome, Workspace};
use std::path::Path;
use std::time::Duration;

pub fn run(root: &Path, args: &WatchArgs, quiet: bool) -> Result<()> {
    let mut ws = Workspace::new(root, args.dest.clone(), site::Options::default())?;
    let first = ws.full();
    report(&first, quiet);
    if !quiet {
        eprintln!("watching {} for changes (Ctrl-C stops)", root.display());
    }
    watch::watch(root, mode(args), |changed| {
        let out = ws.rebuild(&changed);
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

/// Prints a rebuild's diagnostics and one line saying what was redone.
pub fn report(out: &Outcome, quiet: bool) {
    if out.skipped {
        return;
    }
    eprint!("{}", out.diagnostics);
    if out.errors > 0 {
        eprintln!(
            "error: {} error{}; {} (watching on)",
            out.errors,
            super::check::plural(out.errors),
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
