//! Importing an existing knowledge base into the handbook.
//!
//! In: a source (a Markdown tree, or a Zendesk Guide article export in
//! JSON), the destination folder inside the KB folder and the import record
//! of the previous run. Out: a [`Plan`] of files with their bytes, reconciled
//! against the record and the files on disk into an [`Outcome`] (what is
//! added, changed, left alone, and what the team edited since), which
//! [`apply`] writes, all or nothing.
//!
//! The record (`imports/NAME.tsv` at the project root, meant to be
//! committed) holds the content hash of every file the import wrote, so a
//! file whose bytes differ from it was edited by the team and is never
//! overwritten.

pub mod markdown;
pub mod zendesk;

use crate::core::error::{Error, Result};
use crate::core::paths::lexical;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// One file an import would write, relative to the destination folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Relative to `--into`, `/`-separated, without `..`.
    pub rel: String,
    pub bytes: Vec<u8>,
    /// Where it came from: a path in the source tree, or `zendesk:ID`.
    pub origin: String,
}

/// Everything an import would write, and notes about what it could not map.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<Planned>,
    /// One line each, e.g. "a.md: front matter could not be read (kept as is): ...".
    pub notes: Vec<String>,
}

/// The hash the record keeps for a file's bytes.
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

// ---------------------------------------------------------------------------
// The record of what the last import wrote

/// One line of the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub hash: String,
    pub origin: String,
}

/// What the last import into one folder wrote: path (relative to the folder)
/// to the hash of the bytes written and their origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub entries: BTreeMap<String, RecordEntry>,
}

const RECORD_HEADER: &str = "# supportbook import record: the files `supportbook import` wrote and the hash of each.\n# Commit it: the next import updates only files whose hash still matches, and never\n# overwrites a file edited since. Columns: path (relative to the folder), blake3, origin.\n";

impl Record {
    /// Parses the record's text; a malformed line is an error naming it.
    pub fn parse(text: &str) -> std::result::Result<Record, String> {
        let mut entries = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(path), Some(hash), origin) = (cols.next(), cols.next(), cols.next()) else {
                return Err(format!(
                    "line {}: expected `path<TAB>hash<TAB>origin`",
                    n + 1
                ));
            };
            let path = unescape(path);
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("line {}: `{hash}` is not a blake3 hash", n + 1));
            }
            if !is_safe_rel(&path) {
                return Err(format!(
                    "line {}: `{path}` is not a path inside the folder",
                    n + 1
                ));
            }
            entries.insert(
                path,
                RecordEntry {
                    hash: hash.to_ascii_lowercase(),
                    origin: unescape(origin.unwrap_or("")),
                },
            );
        }
        Ok(Record { entries })
    }

    /// The record as text, one line per file in path order.
    pub fn render(&self) -> String {
        let mut out = String::from(RECORD_HEADER);
        for (path, e) in &self.entries {
            out.push_str(&escape(path));
            out.push('\t');
            out.push_str(&e.hash);
            out.push('\t');
            out.push_str(&escape(&e.origin));
            out.push('\n');
        }
        out
    }

    /// The path this record gave to `origin` (so a renamed source keeps its file).
    pub fn path_of(&self, origin: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(_, e)| e.origin == origin)
            .map(|(p, _)| p.as_str())
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// True for a relative `/`-separated path with only normal components.
pub fn is_safe_rel(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

// ---------------------------------------------------------------------------
// Reconciling a plan with the record and the disk

/// What is at a planned file's place on disk now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnDisk {
    Missing,
    /// A regular file with this hash.
    File(String),
    /// A folder, a symbolic link or anything else that is not a plain file.
    Other,
}

/// Why a file cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// Written by the last import, edited since.
    Edited,
    /// There before, not written by an import, different from what the import brings.
    NotImported,
    /// Not a plain file (a folder or a symbolic link).
    NotAFile,
}

/// The decision for every file, by kind. Paths are relative to `--into`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
    /// In the record, deleted here since: left deleted.
    pub deleted_here: Vec<String>,
    /// In the record, no longer in the source: left in place.
    pub gone_upstream: Vec<String>,
    /// Files that stop the import.
    pub blocked: Vec<(String, Blocked)>,
    /// The record to write once the files are written.
    pub record: Record,
}

/// Decides, for every planned file, what to do (pure: `disk` says what is on
/// disk at a relative path).
pub fn reconcile(plan: &[Planned], old: &Record, disk: impl Fn(&str) -> OnDisk) -> Outcome {
    let mut out = Outcome::default();
    let mut planned = BTreeSet::new();
    for file in plan {
        planned.insert(file.rel.as_str());
        let new_hash = hash(&file.bytes);
        let entry = RecordEntry {
            hash: new_hash.clone(),
            origin: file.origin.clone(),
        };
        let recorded = old.entries.get(&file.rel);
        match disk(&file.rel) {
            OnDisk::Missing => {
                if let Some(r) = recorded {
                    // The team deleted it: that is an edit too.
                    out.deleted_here.push(file.rel.clone());
                    out.record.entries.insert(file.rel.clone(), r.clone());
                    continue;
                }
                out.added.push(file.rel.clone());
            }
            OnDisk::Other => {
                out.blocked.push((file.rel.clone(), Blocked::NotAFile));
                continue;
            }
            OnDisk::File(h) if h == new_hash => out.unchanged.push(file.rel.clone()),
            OnDisk::File(h) => match recorded {
                Some(r) if r.hash == h => out.changed.push(file.rel.clone()),
                Some(_) => {
                    out.blocked.push((file.rel.clone(), Blocked::Edited));
                    continue;
                }
                None => {
                    out.blocked.push((file.rel.clone(), Blocked::NotImported));
                    continue;
                }
            },
        }
        out.record.entries.insert(file.rel.clone(), entry);
    }
    for (rel, e) in &old.entries {
        if !planned.contains(rel.as_str()) {
            out.gone_upstream.push(rel.clone());
            out.record.entries.insert(rel.clone(), e.clone());
        }
    }
    out
}

/// What is at `into/rel` now. A symbolic link anywhere below `into` counts
/// as [`OnDisk::Other`], so nothing is ever written through one.
pub fn on_disk(into: &Path, rel: &str) -> OnDisk {
    let mut path = into.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        match path.symlink_metadata() {
            Err(_) => return OnDisk::Missing,
            Ok(m) if m.file_type().is_symlink() => return OnDisk::Other,
            Ok(m) if i < last && !m.is_dir() => return OnDisk::Other,
            Ok(m) if i == last && !m.is_file() => return OnDisk::Other,
            Ok(_) => {}
        }
    }
    match std::fs::read(&path) {
        Ok(bytes) => OnDisk::File(hash(&bytes)),
        Err(_) => OnDisk::Other,
    }
}

/// Writes the added and changed files under `into`, then the record (when
/// `write_record`: it changed). Each
/// file goes to a temporary name beside it first and is renamed into place,
/// so an interrupted import leaves whole files. `progress(done, total)`.
pub fn apply(
    plan: &[Planned],
    outcome: &Outcome,
    into: &Path,
    record_path: &Path,
    progress: &dyn Fn(usize, usize),
    write_record: bool,
) -> Result<()> {
    let write: BTreeSet<&str> = outcome
        .added
        .iter()
        .chain(&outcome.changed)
        .map(String::as_str)
        .collect();
    let total = write.len();
    let mut done = 0;
    for file in plan.iter().filter(|f| write.contains(f.rel.as_str())) {
        let path = into.join(&file.rel);
        write_file(&path, &file.bytes)?;
        done += 1;
        progress(done, total);
    }
    if write_record {
        write_file(record_path, outcome.record.render().as_bytes())?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.import-tmp"));
    // A leftover of an interrupted import (or a link planted there) goes
    // first; create_new never follows a link.
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| Error::io("create", &tmp, e))?;
    std::io::Write::write_all(&mut f, bytes).map_err(|e| Error::io("write", &tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("replace", path, e)
    })
}

// ---------------------------------------------------------------------------
// Where an import may write

/// The deepest existing ancestor of `path` (itself included), resolved
/// through symbolic links, with the rest of the path appended.
fn resolve_existing(path: &Path) -> PathBuf {
    let mut base = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (base.file_name().map(|n| n.to_os_string()), base.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                base = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Checks that `into` (absolute) lies strictly inside `kb_dir`, both as
/// written and once symbolic links are followed. Returns `into` normalized
/// and its path relative to the KB folder. Messages show paths relative to
/// `root`.
pub fn check_into(into: &Path, kb_dir: &Path, root: &Path) -> Result<(PathBuf, PathBuf)> {
    let kb = lexical(kb_dir);
    let target = lexical(into);
    let root = lexical(root);
    let shown = |p: &Path| match p.strip_prefix(&root) {
        Ok(rel) => crate::core::diagnostic::display_path(rel),
        Err(_) => p.display().to_string(),
    };
    let refuse = |why: &str| {
        Error::Refused(format!(
            "--into {} {why}; imports go into a folder inside the KB folder {} (e.g. {}/NAME)",
            shown(&target),
            shown(&kb),
            shown(&kb),
        ))
    };
    let rel = match target.strip_prefix(&kb) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        Ok(_) => return Err(refuse("is the KB folder itself")),
        Err(_) => return Err(refuse("is outside the KB folder")),
    };
    let real_kb = resolve_existing(&kb);
    let real_target = resolve_existing(&target);
    if !real_target.starts_with(&real_kb) || real_target == real_kb {
        return Err(refuse(&format!(
            "leads outside the KB folder through a symbolic link (to {})",
            real_target.display()
        )));
    }
    Ok((target, rel))
}

/// The record's path for a destination folder: `imports/` at the project
/// root, named after the folder's path inside the KB folder (`a/b` becomes
/// `a--b.tsv`).
pub fn record_path(root: &Path, into_rel_to_kb: &Path) -> PathBuf {
    let name: Vec<String> = into_rel_to_kb
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    root.join("imports")
        .join(format!("{}.tsv", name.join("--")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(rel: &str, text: &str) -> Planned {
        Planned {
            rel: rel.into(),
            bytes: text.as_bytes().to_vec(),
            origin: rel.into(),
        }
    }

    #[test]
    fn record_round_trips_odd_names() {
        let mut r = Record::default();
        r.entries.insert(
            "a\tb/it's.md".into(),
            RecordEntry {
                hash: hash(b"x"),
                origin: "zendesk:1".into(),
            },
        );
        assert_eq!(Record::parse(&r.render()).unwrap(), r);
    }

    #[test]
    fn record_refuses_paths_out_of_the_folder() {
        let line = format!("../x.md\t{}\tx\n", hash(b""));
        assert!(
            Record::parse(&line)
                .unwrap_err()
                .contains("not a path inside")
        );
    }

    #[test]
    fn reconcile_sorts_every_case() {
        let plan = vec![
            planned("new.md", "new"),
            planned("same.md", "same"),
            planned("up.md", "upstream v2"),
            planned("edited.md", "upstream v2"),
            planned("deleted.md", "x"),
            planned("theirs.md", "ours"),
        ];
        let mut old = Record::default();
        for (rel, text) in [
            ("same.md", "same"),
            ("up.md", "upstream v1"),
            ("edited.md", "upstream v1"),
            ("deleted.md", "x"),
            ("gone.md", "g"),
        ] {
            old.entries.insert(
                rel.into(),
                RecordEntry {
                    hash: hash(text.as_bytes()),
                    origin: rel.into(),
                },
            );
        }
        let out = reconcile(&plan, &old, |rel| match rel {
            "same.md" => OnDisk::File(hash(b"same")),
            "up.md" => OnDisk::File(hash(b"upstream v1")),
            "edited.md" => OnDisk::File(hash(b"team edit")),
            "theirs.md" => OnDisk::File(hash(b"theirs")),
            _ => OnDisk::Missing,
        });
        assert_eq!(out.added, ["new.md"]);
        assert_eq!(out.unchanged, ["same.md"]);
        assert_eq!(out.changed, ["up.md"]);
        assert_eq!(out.deleted_here, ["deleted.md"]);
        assert_eq!(out.gone_upstream, ["gone.md"]);
        assert_eq!(
            out.blocked,
            [
                ("edited.md".to_string(), Blocked::Edited),
                ("theirs.md".to_string(), Blocked::NotImported)
            ]
        );
    }

    #[test]
    fn into_must_stay_inside_the_kb_folder() {
        let kb = Path::new("/p/content/kb");
        let check = |p: &str| check_into(Path::new(p), kb, Path::new("/p"));
        assert!(check("/p/content/kb/zd").is_ok());
        assert!(check("/p/content/kb/a/../zd").is_ok());
        assert_eq!(
            check("/p/content/kb/../x").unwrap_err().to_string(),
            "--into content/x is outside the KB folder; imports go into a folder inside the KB folder content/kb (e.g. content/kb/NAME)"
        );
        assert!(check("/p/content/kb").is_err());
        assert!(check("/etc").is_err());
        assert!(check("/p/content/kbx").is_err());
    }

    #[test]
    fn into_through_a_symlink_out_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        let out = dir.path().join("outside");
        std::fs::create_dir_all(&kb).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::os::unix::fs::symlink(&out, kb.join("link")).unwrap();
        let err = check_into(&kb.join("link/sub"), &kb, dir.path()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn on_disk_never_looks_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/a.md"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        assert_eq!(on_disk(dir.path(), "real/a.md"), OnDisk::File(hash(b"x")));
        assert_eq!(on_disk(dir.path(), "link/a.md"), OnDisk::Other);
        assert_eq!(on_disk(dir.path(), "real/b.md"), OnDisk::Missing);
        assert_eq!(on_disk(dir.path(), "real"), OnDisk::Other);
    }
}
