//! Stage 5, watch: file events in, batches of changed paths out.
//!
//! [`watch`] connects notify (native events, or polling with `--poll`) to a
//! debounce; what each batch needs redone is the [`crate::engine`]'s call.

use crate::core::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How `watch` finds out about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The OS's file events (inotify, FSEvents, ...).
    Native,
    /// Polling every `interval` (network and container file systems).
    Poll(Duration),
}

/// Quiet time that ends a burst of events (an editor's save is several).
pub const DEBOUNCE: Duration = Duration::from_millis(60);
/// A burst never delays a rebuild longer than this.
pub const MAX_DELAY: Duration = Duration::from_millis(500);

/// Watches `root` and calls `on_batch` with each debounced set of changed
/// paths (relative to the root), forever, or until `on_batch` returns false.
pub fn watch(
    root: &Path,
    mode: Mode,
    mut on_batch: impl FnMut(BTreeSet<PathBuf>) -> bool,
) -> Result<()> {
    use notify::RecursiveMode;
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let root = root
        .canonicalize()
        .map_err(|e| Error::io("read", root, e))?;
    let mut watcher: Box<dyn notify::Watcher> = match mode {
        Mode::Native => Box::new(notify::recommended_watcher(tx).map_err(watch_error)?),
        Mode::Poll(interval) => Box::new(
            notify::PollWatcher::new(
                tx,
                notify::Config::default()
                    .with_poll_interval(interval)
                    .with_compare_contents(false),
            )
            .map_err(watch_error)?,
        ),
    };
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(watch_error)?;
    loop {
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        let mut batch = BTreeSet::new();
        let add = |ev: notify::Result<notify::Event>, batch: &mut BTreeSet<PathBuf>| match ev {
            Ok(ev) if !ev.kind.is_access() => {
                for p in ev.paths {
                    let rel = p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p);
                    batch.insert(rel);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("watch: {e}"),
        };
        add(first, &mut batch);
        let started = Instant::now();
        while started.elapsed() < MAX_DELAY {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(ev) => add(ev, &mut batch),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        if !on_batch(batch) {
            return Ok(());
        }
    }
}

fn watch_error(e: notify::Error) -> Error {
    Error::Internal(format!("watching files: {e}"))
}
