//! supportbook: a support team's training handbook and troubleshooting
//! knowledge base, built from Markdown and TOML on top of mdBook.
//!
//! The pipeline is the architecture: [`project`] finds the root and reads
//! book.toml, [`load`] reads files into raw documents, [`validate`] turns
//! them into checked [`model`] types or [`diagnostic`]s, [`render`] builds
//! the site. Each command in [`cmd`] wires those stages together.

pub mod cli;
pub mod core;
pub mod engine;
pub mod import;
pub mod index;
pub mod live;
pub mod pipeline;
pub mod render;
pub mod results;

use cli::{Cli, Command};
use std::ffi::OsString;
use std::process::ExitCode;

/// Today's date for review checks: `SUPPORTBOOK_TODAY` (YYYY-MM-DD) when set,
/// so tests and reproducible builds can pin it, else the system date.
pub fn today() -> jiff::civil::Date {
    std::env::var("SUPPORTBOOK_TODAY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| jiff::Zoned::now().date())
}

/// Runs the command line `args` (including the program name) and returns the
/// exit status. Everything the binary does goes through here.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::parse_args(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging();
    match dispatch(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                // The diagnostics were printed already; say how many.
                crate::core::error::Error::Invalid { .. } => eprintln!("error: stopped: {e}"),
                crate::core::error::Error::Verdict(_) => {}
                _ => eprintln!("error: {e}"),
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(cli: &Cli) -> crate::core::error::Result<()> {
    let cwd = std::env::current_dir().map_err(|e| crate::core::error::Error::io("read", ".", e))?;
    match &cli.command {
        Command::Init(args) => {
            let base = cli.root.clone().unwrap_or_else(|| cwd.clone());
            return cli::cmd::init::run(&base, args, cli.quiet);
        }
        Command::Completions { shell } => return cli::cmd::help::completions(*shell),
        Command::Man { command } => return cli::cmd::help::man(command),
        _ => {}
    }
    let root = crate::core::config::find_root(cli.root.as_deref(), &cwd)?;
    match &cli.command {
        Command::Check(args) => cli::cmd::check::run(&root, args, cli.quiet),
        Command::Build(args) => cli::cmd::build::run(&root, args, cli.quiet),
        Command::Search(args) => cli::cmd::search::run(&root, args, cli.quiet),
        Command::Quiz(c) => cli::cmd::quiz::run(&root, c, cli.quiet),
        Command::Cycle(c) => cli::cmd::cycle::run(&root, c, cli.quiet),
        Command::Review(args) => cli::cmd::review::run(&root, args),
        Command::Results(c) => cli::cmd::results::run(&root, c, cli.quiet),
        Command::Watch(args) => cli::cmd::watch::run(&root, args, cli.quiet),
        Command::Serve(args) => cli::cmd::serve::run(&root, args, cli.quiet),
        Command::Coach(args) => cli::cmd::coach::run(&root, args, cli.quiet),
        Command::Import(args) => cli::cmd::import::run(&root, &cwd, args, cli.quiet),
        Command::Init(_) | Command::Completions { .. } | Command::Man { .. } => Ok(()),
    }
}

/// Logs go to stderr, filtered by `SUPPORTBOOK_LOG` (e.g. `debug`); mdBook's
/// own info lines are hidden unless asked for.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SUPPORTBOOK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}
