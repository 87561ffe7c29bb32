//! Searching an index that may be damaged.
//!
//! In: the project and what to do with its open index. Out: the answer, or
//! the answer after a rebuild. tantivy trusts its files: bytes damaged on
//! disk (a bad sector, a copy cut short, an editor opening the wrong file)
//! can make it return an error deep in a search, or panic. Both are caught
//! here; the index is rebuilt from the files on disk with a one-line notice
//! and the search runs again, so a damaged index costs one rebuild, never an
//! answer.

use super::{SearchIndex, index_dir, manifest_path};
use crate::core::config::Project;
use crate::core::error::{Error, Result};
use std::cell::Cell;

/// Opens the index with `open` (which brings it up to date first) and runs
/// `f` on it. When any of that fails inside tantivy (an internal error or a
/// panic), or when the answer is `doubtful` (no hits: damaged bytes can also
/// make terms silently unfindable) and the index files fail their checksums,
/// the index and its manifest are removed with the notice "search index:
/// damaged (...), rebuilding", `open` builds it again and `f` runs once
/// more. Errors that are not about the index (a refused request, I/O on the
/// project's own files) are returned as they are.
pub fn query<T>(
    project: &Project,
    notices: &mut Vec<String>,
    open: impl Fn(&mut Vec<String>) -> Result<SearchIndex>,
    f: impl Fn(&SearchIndex) -> Result<T>,
    doubtful: impl Fn(&T) -> bool,
) -> Result<T> {
    let first = catch_quietly(|| {
        let si = open(notices)?;
        let answer = f(&si)?;
        // Checksums read every file of the index: only when the answer
        // gives a reason to doubt it.
        if doubtful(&answer) {
            let damaged = si
                .index
                .validate_checksum()
                .map_err(|e| Error::Internal(e.to_string()))?;
            if !damaged.is_empty() {
                let mut names: Vec<String> =
                    damaged.iter().map(|p| p.display().to_string()).collect();
                names.sort();
                return Err(Error::Internal(format!(
                    "checksum mismatch in {}",
                    names.join(", ")
                )));
            }
        }
        Ok(answer)
    });
    let reason = match first {
        Ok(Ok(answer)) => return Ok(answer),
        Ok(Err(Error::Internal(msg))) => msg,
        Ok(Err(e)) => return Err(e),
        Err(panic) => panic,
    };
    let reason = reason
        .strip_prefix("search index: ")
        .or_else(|| reason.strip_prefix("search: "))
        .unwrap_or(&reason);
    notices.push(format!(
        "search index: damaged ({}), rebuilding",
        one_line(reason)
    ));
    discard(project)?;
    let again = catch_quietly(|| {
        let si = open(notices)?;
        f(&si)
    });
    match again {
        Ok(answer) => answer,
        Err(panic) => Err(Error::Internal(format!(
            "search index: still failing after a rebuild: {}",
            one_line(&panic)
        ))),
    }
}

/// Removes the index and its manifest, so the next update builds it anew.
pub(super) fn discard(project: &Project) -> Result<()> {
    let manifest = manifest_path(project);
    match std::fs::remove_file(&manifest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("remove", &manifest, e)),
    }
    let dir = index_dir(project);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io("remove", &dir, e))?;
    }
    Ok(())
}

/// `text` on one line, at most 160 characters (tantivy's messages can span
/// lines and quote whole structures).
pub fn one_line(text: &str) -> String {
    const MAX: usize = 160;
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        return flat;
    }
    let mut cut: String = flat.chars().take(MAX).collect();
    cut.push('…');
    cut
}

thread_local! {
    /// Set while this thread runs code whose panics are caught and reported
    /// another way.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err(message)`. The panic's own message
/// is not printed: a hook, installed once, stays silent on a thread while
/// it runs in here and passes every other panic to the hook it replaced.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        format!("a panic in tantivy: {text}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        let r: std::result::Result<(), String> = catch_quietly(|| panic!("bad block {}", 7));
        assert_eq!(r, Err("a panic in tantivy: bad block 7".to_string()));
        assert_eq!(catch_quietly(|| 5), Ok(5));
    }

    #[test]
    fn messages_become_one_short_line() {
        assert_eq!(one_line("a\n  b\tc"), "a b c");
        assert_eq!(one_line(&"x ".repeat(200)).chars().count(), 161);
    }
}
