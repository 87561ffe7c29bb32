//! Stage 5, watch: file events in, batches of changed paths out.
//!
//! [`watch`] connects notify (native events, or polling with `--poll`),
//! without access events, to notify-debouncer-mini; what each batch needs
//! redone is the [`crate::engine`]'s call.

use crate::core::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How `watch` finds out about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The OS's file events (inotify, FSEvents, ...).
    Native,
    /// Polling every `interval` (network and container file systems).
    Poll(Duration),
}

/// How long a changed path must go without another event before it is
/// passed on (an editor's save is several events); a path that keeps
/// changing is passed on this often (notify-debouncer-mini's timeout).
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// Watches `root` and calls `on_batch` with each debounced set of changed
/// paths (relative to the root), forever, or until `on_batch` returns false.
/// Batches that arrive while `on_batch` runs are handed over as one.
pub fn watch(
    root: &Path,
    mode: Mode,
    on_batch: impl FnMut(BTreeSet<PathBuf>) -> bool,
) -> Result<()> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io("read", root, e))?;
    let config = notify_debouncer_mini::Config::default()
        .with_timeout(DEBOUNCE)
        .with_batch_mode(true);
    match mode {
        Mode::Native => watch_with::<notify::RecommendedWatcher>(&root, config, on_batch),
        Mode::Poll(interval) => watch_with::<notify::PollWatcher>(
            &root,
            config.with_notify_config(
                notify::Config::default()
                    .with_poll_interval(interval)
                    .with_compare_contents(false),
            ),
            on_batch,
        ),
    }
}

fn watch_with<W: notify::Watcher>(
    root: &Path,
    config: notify_debouncer_mini::Config,
    mut on_batch: impl FnMut(BTreeSet<PathBuf>) -> bool,
) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    // Dropping the debouncer stops it and its watcher.
    let mut debouncer = notify_debouncer_mini::new_debouncer_opt::<_, Changes<W>>(config, tx)
        .map_err(watch_error)?;
    debouncer
        .watcher()
        .watch(root, notify::RecursiveMode::Recursive)
        .map_err(watch_error)?;
    while let Ok(first) = rx.recv() {
        let mut batch = BTreeSet::new();
        for result in std::iter::once(first).chain(rx.try_iter()) {
            match result {
                Ok(events) => batch.extend(events.into_iter().map(|ev| {
                    ev.path
                        .strip_prefix(root)
                        .map(Path::to_path_buf)
                        .unwrap_or(ev.path)
                })),
                Err(e) => tracing::warn!("watch: {e}"),
            }
        }
        if !batch.is_empty() && !on_batch(batch) {
            return Ok(());
        }
    }
    Ok(())
}

/// A notify watcher whose events reach the debouncer without the access
/// events (a file opened, or closed after reading): every build reads every
/// input, so they would start the next build.
struct Changes<W>(W);

/// The event handler of [`Changes`].
struct NoAccess<H>(H);

impl<H: notify::EventHandler> notify::EventHandler for NoAccess<H> {
    fn handle_event(&mut self, event: notify::Result<notify::Event>) {
        if !matches!(&event, Ok(ev) if ev.kind.is_access()) {
            self.0.handle_event(event);
        }
    }
}

impl<W: notify::Watcher> notify::Watcher for Changes<W> {
    fn new<H: notify::EventHandler>(handler: H, config: notify::Config) -> notify::Result<Self> {
        W::new(NoAccess(handler), config).map(Changes)
    }

    fn watch(&mut self, path: &Path, mode: notify::RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn kind() -> notify::WatcherKind {
        W::kind()
    }
}

fn watch_error(e: notify::Error) -> Error {
    Error::Internal(format!("watching files: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first batch after reading `a.md` many times, then writing
    /// `b.md`: reads are no change, and one write is one batch.
    fn first_batch(mode: Mode) -> BTreeSet<PathBuf> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.md"), "a").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let watched = root.clone();
        std::thread::spawn(move || {
            watch(&watched, mode, |batch| {
                let _ = tx.send(batch);
                false
            })
        });
        // Give the watcher (and a poller's first scan) time to start.
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..20 {
            std::fs::read_to_string(root.join("a.md")).unwrap();
        }
        std::thread::sleep(DEBOUNCE * 4);
        std::fs::write(root.join("b.md"), "b").unwrap();
        rx.recv_timeout(Duration::from_secs(10))
            .expect("no batch within 10 s")
    }

    #[test]
    fn a_write_is_one_batch_and_reads_are_none() {
        let want: BTreeSet<PathBuf> = [PathBuf::from("b.md")].into();
        assert_eq!(first_batch(Mode::Native), want);
        // The poller also sees the folder's modification time change ("",
        // which `classify` ignores).
        let polled = first_batch(Mode::Poll(Duration::from_millis(50)));
        assert!(polled.contains(Path::new("b.md")), "{polled:?}");
        assert!(!polled.contains(Path::new("a.md")), "{polled:?}");
    }
}
