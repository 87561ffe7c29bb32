//! Failures that are not problems in the user's files: I/O, a missing
//! project, mdBook failing. Problems in files are [`crate::core::diagnostic`]s.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no book.toml in {}{}: this is not a handbook (start one here with `supportbook init`, or point at one with `--root FOLDER`)",
        .searched.display(),
        if *.upward { " or any folder above it" } else { "" }
    )]
    NoProject { searched: PathBuf, upward: bool },

    /// `--root` names a folder that is not there.
    #[error("no such folder: {}", .0.display())]
    NoFolder(PathBuf),

    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The handbook has errors; they were already printed as diagnostics.
    #[error("{errors} error{} in the handbook", if *.errors == 1 { "" } else { "s" })]
    Invalid { errors: usize },

    /// The command did its job and its answer is "no" (a draft reply that
    /// breaks rules); the findings and a summary were already printed.
    #[error("{0}")]
    Verdict(String),

    /// The user asked for something that cannot be done as asked.
    #[error("{0}")]
    Refused(String),

    /// mdBook or another component failed.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// Exit status: 1 for problems in the user's files or requests, 2 for
    /// I/O and internal failures.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid { .. } | Error::Verdict(_) | Error::Refused(_) => 1,
            Error::NoProject { .. }
            | Error::NoFolder(_)
            | Error::Io { .. }
            | Error::Internal(_) => 2,
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(format!("{e:#}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
