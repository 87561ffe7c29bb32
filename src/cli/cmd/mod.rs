//! One file per command; each only wires stages together.

pub mod build;
pub mod check;
pub mod coach;
pub mod cycle;
pub mod help;
pub mod import;
pub mod init;
pub mod quiz;
pub mod results;
pub mod review;
pub mod search;
pub mod serve;
pub mod watch;

/// The result of writing to stdout: a closed pipe (`supportbook ... | head`)
/// is not an error; any other failure names standard output.
pub fn stdout_written(r: std::io::Result<()>) -> crate::core::error::Result<()> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::core::error::Error::io("write", "standard output", e))
        }
        _ => Ok(()),
    }
}
