//! One build at a time per project.
//!
//! In: the project's state folder. Out: a guard holding an exclusive lock on
//! `.supportbook/build.lock` until it is dropped. Everything a build writes
//! (the staging folder, the site, its manifest, the search index) is
//! written under it, so builds started together (two terminals, a `build`
//! beside a running `serve`) take turns instead of sharing the staging
//! folder. The operating system releases the lock when the process ends,
//! however it ends, so a killed build never leaves a stale lock behind.

use crate::core::error::{Error, Result};
use std::io::{Seek as _, Write as _};
use std::path::Path;

/// Holds the build lock; dropping it lets the next build go on.
#[derive(Debug)]
pub struct BuildLock {
    _file: std::fs::File,
}

/// Takes the build lock of the project whose state folder is `state_dir`,
/// waiting for another build that holds it (with a note on stderr unless
/// `quiet`).
pub fn acquire(state_dir: &Path, quiet: bool) -> Result<BuildLock> {
    std::fs::create_dir_all(state_dir).map_err(|e| Error::io("create", state_dir, e))?;
    let path = state_dir.join("build.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io("open", &path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            if !quiet {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                match holder.trim() {
                    "" => eprintln!("note: waiting for another build..."),
                    pid => eprintln!("note: waiting for another build (pid {pid})..."),
                }
            }
            file.lock().map_err(|e| Error::io("lock", &path, e))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
    }
    // Say who holds it, for the next one to wait.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(BuildLock { _file: file })
}
