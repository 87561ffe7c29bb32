//! Stage 1, load: read the source folder into raw documents.
//!
//! Every Markdown file under the source folder becomes a [`RawDoc`] that
//! keeps its text and paths for diagnostics. Files that cannot be read as
//! text (too large, binary, not UTF-8, a symlink loop, a link out of the
//! project) become diagnostics instead; loading never stops at the first.

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::error::{Error, Result};
use crate::project::Project;
use std::path::{Path, PathBuf};

/// Markdown files larger than this are refused (a handbook page is never
/// this big; a generated dump or a misplaced binary is).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// One Markdown file as read from disk.
#[derive(Debug, Clone)]
pub struct RawDoc {
    /// Path relative to the source folder (`kb/dns/foo.md`).
    pub rel: PathBuf,
    /// Path relative to the project root, for diagnostics (`content/kb/dns/foo.md`).
    pub path: PathBuf,
    pub source: String,
    /// True when the file lives under the KB folder.
    pub is_article: bool,
}

/// Everything the load stage read.
#[derive(Debug, Clone)]
pub struct RawHandbook {
    pub project: Project,
    /// `SUMMARY.md`, if present.
    pub summary: Option<RawDoc>,
    /// Every other Markdown file, sorted by path.
    pub docs: Vec<RawDoc>,
    /// Every quiz file (`quizzes/**.toml`), sorted by path.
    pub quizzes: Vec<crate::quiz::RawQuizSource>,
}

/// Reads every Markdown file under the project's source folder.
pub fn load(project: Project) -> Result<(RawHandbook, Vec<Diagnostic>)> {
    let mut diags = Vec::new();
    let src_dir = project.src_dir();
    let src_rel = project.src.clone();
    let kb_rel = PathBuf::from(&project.settings.kb_dir);
    if !src_dir.is_dir() {
        diags.push(
            Diagnostic::error(
                "missing-source",
                "book.toml",
                format!("the source folder `{}` does not exist", src_rel.display()),
            )
            .with_help("create it with a SUMMARY.md, or set `src` under [book] in book.toml"),
        );
        let raw = RawHandbook {
            project,
            summary: None,
            docs: Vec::new(),
            quizzes: Vec::new(),
        };
        return Ok((raw, diags));
    }
    let canonical_root = project
        .root
        .canonicalize()
        .map_err(|e| Error::io("resolve", &project.root, e))?;

    let mut docs = Vec::new();
    let walker = walkdir::WalkDir::new(&src_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().unwrap_or(&src_dir);
                let rel = relative(&project.root, at);
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop: this folder links back to one of its parents".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    )
                };
                diags.push(
                    Diagnostic::error("unreadable", rel, message).with_help(
                        "remove the link, or move the files it points to into the folder",
                    ),
                );
                continue;
            }
        };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let full = entry.path();
        let rel_to_src = relative(&src_dir, full);
        let path = src_rel.join(&rel_to_src);
        if entry.path_is_symlink() {
            let inside = full
                .canonicalize()
                .is_ok_and(|target| target.starts_with(&canonical_root));
            if !inside {
                diags.push(
                    Diagnostic::error(
                        "link-outside",
                        &path,
                        "symbolic link points outside the project; it was not read",
                    )
                    .with_help("copy the file into the project instead of linking to it"),
                );
                continue;
            }
        }
        let Some(source) = read_text(full, &path, &mut diags)? else {
            continue;
        };
        if rel_to_src == Path::new("SUMMARY.md") {
            docs.push(RawDoc {
                rel: rel_to_src,
                path,
                source,
                is_article: false,
            });
            continue;
        }
        docs.push(RawDoc {
            is_article: rel_to_src.starts_with(&kb_rel),
            rel: rel_to_src,
            path,
            source,
        });
    }

    let summary_pos = docs.iter().position(|d| d.rel == Path::new("SUMMARY.md"));
    let summary = summary_pos.map(|i| docs.remove(i));
    if summary.is_none() {
        diags.push(
            Diagnostic::error(
                "missing-summary",
                src_rel.join("SUMMARY.md"),
                "the handbook has no SUMMARY.md",
            )
            .with_help("create it with a `# Summary` heading and one `- [Title](page.md)` line per chapter (`supportbook init` writes one)"),
        );
    }
    docs.sort_by(|a, b| a.rel.cmp(&b.rel));
    let quizzes = load_quizzes(&project, &mut diags)?;
    Ok((
        RawHandbook {
            project,
            summary,
            docs,
            quizzes,
        },
        diags,
    ))
}

/// Reads every `.toml` file under the quizzes folder.
fn load_quizzes(
    project: &Project,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<crate::quiz::RawQuizSource>> {
    let dir = project.root.join(&project.settings.quizzes_dir);
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let walker = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = relative(&project.root, e.path().unwrap_or(&dir));
                diags.push(Diagnostic::error(
                    "unreadable",
                    rel,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let path = relative(&project.root, entry.path());
        if let Some(source) = read_text(entry.path(), &path, diags)? {
            out.push(crate::quiz::RawQuizSource { path, source });
        }
    }
    Ok(out)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|s| s.starts_with('.'))
}

/// `path` relative to `base`, or `path` itself when it is not below `base`.
pub fn relative(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// Reads a file as UTF-8 text, turning size, binary content and encoding
/// problems into diagnostics (`Ok(None)`).
pub fn read_text(full: &Path, path: &Path, diags: &mut Vec<Diagnostic>) -> Result<Option<String>> {
    let meta = std::fs::metadata(full).map_err(|e| Error::io("read", full, e))?;
    if meta.len() > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::error(
                "file-too-large",
                path,
                format!(
                    "file is {:.1} MB; the limit for a page is {} MB",
                    meta.len() as f64 / 1_000_000.0,
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .with_help(
                "split it into several pages, or move generated data out of the source folder",
            ),
        );
        return Ok(None);
    }
    let bytes = std::fs::read(full).map_err(|e| Error::io("read", full, e))?;
    if let Some(nul) = bytes.iter().take(8192).position(|&b| b == 0) {
        let prefix = String::from_utf8_lossy(bytes.get(..nul).unwrap_or(&[]));
        diags.push(
            Diagnostic::error(
                "binary-file",
                path,
                "file looks binary (it contains a NUL byte)",
            )
            .at(&prefix, prefix.len()..prefix.len())
            .with_help("only Markdown text belongs in the source folder; rename or remove it"),
        );
        return Ok(None);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Some(s)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix =
                String::from_utf8_lossy(e.as_bytes().get(..valid).unwrap_or(&[])).into_owned();
            let rest = String::from_utf8_lossy(e.as_bytes().get(valid..).unwrap_or(&[]));
            let line_rest: String = rest.chars().take_while(|&c| c != '\n').collect();
            let text = format!("{prefix}{line_rest}");
            let loc = LineIndex::new(&text).location(&text, valid..valid + 1);
            diags.push(
                Diagnostic::error("invalid-utf8", path, "file is not valid UTF-8")
                    .at_location(loc)
                    .with_help("save the file as UTF-8"),
            );
            Ok(None)
        }
    }
}

/// A Markdown file's place and stat, without reading it.
#[derive(Debug, Clone)]
pub struct FileStat {
    pub rel: PathBuf,
    pub path: PathBuf,
    pub is_article: bool,
    pub mtime_ns: u128,
    pub size: u64,
}

/// Lists the Markdown files under the source folder (SUMMARY.md excluded)
/// with their size and modification time: what the index's incremental
/// update compares. One `stat` per file, folders in parallel; unreadable
/// entries are skipped (`check` reports them).
pub fn scan(project: &Project) -> Vec<FileStat> {
    let src_dir = project.src_dir();
    let Ok(canonical_root) = project.root.canonicalize() else {
        return Vec::new();
    };
    let ctx = ScanCtx {
        src_dir: &src_dir,
        src_rel: &project.src,
        kb_rel: Path::new(&project.settings.kb_dir),
        root: &canonical_root,
    };
    let mut out = scan_dir(&src_dir, 0, &ctx);
    out.retain(|f| f.rel != Path::new("SUMMARY.md"));
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

struct ScanCtx<'a> {
    src_dir: &'a Path,
    src_rel: &'a Path,
    kb_rel: &'a Path,
    root: &'a Path,
}

/// Folders deeper than this are not followed (a symbolic-link loop).
const MAX_DEPTH: usize = 32;

fn scan_dir(dir: &Path, depth: usize, ctx: &ScanCtx<'_>) -> Vec<FileStat> {
    use rayon::prelude::*;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for e in entries.flatten() {
        if is_hidden(&e.file_name()) {
            continue;
        }
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        let meta = if kind.is_symlink() {
            // Followed only when it stays inside the project.
            if !path.canonicalize().is_ok_and(|t| t.starts_with(ctx.root)) {
                continue;
            }
            std::fs::metadata(&path)
        } else if kind.is_dir() {
            if depth < MAX_DEPTH {
                dirs.push(path);
            }
            continue;
        } else {
            e.metadata()
        };
        let Ok(meta) = meta else { continue };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                dirs.push(path);
            }
            continue;
        }
        if !meta.is_file() || path.extension().is_none_or(|x| x != "md") {
            continue;
        }
        let rel = relative(ctx.src_dir, &path);
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        files.push(FileStat {
            is_article: rel.starts_with(ctx.kb_rel),
            path: ctx.src_rel.join(&rel),
            rel,
            mtime_ns,
            size: meta.len(),
        });
    }
    let nested: Vec<FileStat> = dirs
        .par_iter()
        .flat_map_iter(|d| scan_dir(d, depth + 1, ctx))
        .collect();
    files.extend(nested);
    files
}
