//! `supportbook completions SHELL` and `supportbook man [COMMAND]`: generated
//! from the same clap definitions as `--help`, so they never disagree.

use crate::cli::Cli;
use crate::core::error::{Error, Result};
use clap::CommandFactory as _;
use std::io::Write as _;

/// A completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "supportbook", &mut buf);
    super::stdout_written(std::io::stdout().lock().write_all(&buf))
}

/// The man page of supportbook, or of one of its commands, as roff.
pub fn man(path: &[String]) -> Result<()> {
    let mut buf = Vec::new();
    page(path, &mut buf)?;
    super::stdout_written(std::io::stdout().lock().write_all(&buf))
}

/// Renders the page for the command at `path` (empty: supportbook itself)
/// into `out`. Pure apart from `out`.
pub fn page(path: &[String], out: &mut Vec<u8>) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut name = "supportbook".to_string();
    for part in path {
        let names: Vec<String> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .map(|c| c.get_name().to_string())
            .collect();
        let Some(sub) = cmd.find_subcommand(part).cloned() else {
            let hint =
                crate::core::diagnostic::did_you_mean(part, names.iter().map(String::as_str))
                    .map_or_else(
                        || format!("commands: {}", names.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
            return Err(Error::Refused(format!(
                "`{name}` has no command `{part}` ({hint})"
            )));
        };
        name = format!("{name} {}", sub.get_name());
        // The page's name and footer: `supportbook-quiz-take 0.1.0`.
        cmd = sub
            .name(name.replace(' ', "-"))
            .version(env!("CARGO_PKG_VERSION"));
    }
    clap_mangen::Man::new(cmd)
        .render(out)
        .map_err(|e| Error::io("write", "the man page", e))
}
