//! Stage 1, load: read the source folder into raw documents.
//!
//! Every Markdown file under the source folder becomes a [`RawDoc`] that
//! keeps its text and paths for diagnostics. Files that cannot be read as
//! text (too large, binary, not UTF-8, a symlink loop, a link out of the
//! project) become diagnostics instead; loading never stops at the first.

use crate::core::config::Project;
use crate::core::diagnostic::{Diagnostic, LineIndex};
use crate::core::error::{Error, Result};
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

/// A file's size and modification time when it was read: what the search
/// index records, so a later search can tell, with one `stat` per file and
/// no reading, whether anything changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub mtime_ns: u128,
    pub size: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Stamp {
            mtime_ns,
            size: meta.len(),
        }
    }
}

/// Stamps of the files the search index is built from (book.toml,
/// SUMMARY.md, the source folder's Markdown, the quiz files), keyed as
/// [`FileStat::key`]: the path relative to the root, `/`-separated. Taken
/// before each file is read, so an edit made while it was read shows as a
/// change next time.
pub type Stamps = std::collections::BTreeMap<String, Stamp>;

/// Everything the load stage read.
#[derive(Debug, Clone)]
pub struct RawHandbook {
    pub project: Project,
    /// `SUMMARY.md`, if present.
    pub summary: Option<RawDoc>,
    /// Every other Markdown file, sorted by path.
    pub docs: Vec<RawDoc>,
    /// Every quiz file (`quizzes/**.toml`), sorted by path.
    pub quizzes: Vec<crate::pipeline::quiz::RawQuizSource>,
    /// Every reply rules file (`rules/**.toml`), sorted by path.
    pub rules: Vec<crate::pipeline::rules::RawRulesSource>,
    /// When each input of the search index was read.
    pub stamps: Stamps,
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
            rules: Vec::new(),
            stamps: Stamps::new(),
        };
        return Ok((raw, diags));
    }
    let canonical_root = project
        .root
        .canonicalize()
        .map_err(|e| Error::io("resolve", &project.root, e))?;

    let mut stamps = Stamps::new();
    if let Ok(meta) = std::fs::metadata(project.root.join("book.toml")) {
        stamps.insert("book.toml".into(), Stamp::of(&meta));
    }
    let mut docs = Vec::new();
    for (full, rel_to_src) in
        walk_files(&src_dir, Some("md"), &src_rel, &canonical_root, &mut diags)
    {
        let path = src_rel.join(&rel_to_src);
        let (source, stamp) = read_text_stamped(&full, &path, &mut diags)?;
        stamps.insert(crate::core::diagnostic::display_path(&path), stamp);
        let Some(source) = source else {
            continue;
        };
        check_includes(&full, &path, &source, &canonical_root, &mut diags);
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
    check_site_inputs(&project, &canonical_root, &mut diags);
    let quizzes = load_toml_files(&project, &project.settings.quizzes_dir, &mut diags)?
        .into_iter()
        .filter_map(|(path, source, stamp)| {
            stamps.insert(crate::core::diagnostic::display_path(&path), stamp);
            Some(crate::pipeline::quiz::RawQuizSource {
                path,
                source: source?,
            })
        })
        .collect();
    let rules = load_toml_files(&project, &project.settings.rules_dir, &mut diags)?
        .into_iter()
        .filter_map(|(path, source, _)| {
            Some(crate::pipeline::rules::RawRulesSource {
                path,
                source: source?,
            })
        })
        .collect();
    Ok((
        RawHandbook {
            project,
            summary,
            docs,
            quizzes,
            rules,
            stamps,
        },
        diags,
    ))
}

/// mdBook's directives that read another file into a page.
const INCLUDES: &[&str] = &["{{#include", "{{#rustdoc_include", "{{#playground"];

/// A page's `{{#include FILE}}` (and `rustdoc_include`, `playground`)
/// directives that read a file outside the project: mdBook would put its
/// text into the page.
fn check_includes(
    full: &Path,
    path: &Path,
    source: &str,
    canonical_root: &Path,
    diags: &mut Vec<Diagnostic>,
) {
    if !source.contains("{{#") {
        return;
    }
    let base = full.parent().unwrap_or(Path::new(""));
    for directive in INCLUDES {
        let mut from = 0;
        while let Some(at) = source.get(from..).and_then(|s| s.find(directive)) {
            let start = from + at;
            from = start + directive.len();
            if source.get(..start).is_some_and(|s| s.ends_with('\\')) {
                continue;
            }
            let rest = source.get(from..).unwrap_or("");
            let arg = rest.trim_start();
            let arg_start = from + (rest.len() - arg.len());
            let end = arg
                .find(|c: char| c.is_whitespace() || c == '}')
                .unwrap_or(arg.len());
            let arg = arg.get(..end).unwrap_or("");
            let file = arg.split(':').next().unwrap_or("");
            if file.is_empty() {
                continue;
            }
            let target = base.join(file);
            let resolved = target.canonicalize().unwrap_or_else(|_| {
                crate::core::paths::lexical(&std::path::absolute(&target).unwrap_or(target))
            });
            if resolved.starts_with(canonical_root) {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    "include-outside",
                    path,
                    format!(
                        "`{directive}}}}}` reads a file outside the project (`{}`); its text would be published",
                        resolved.display()
                    ),
                )
                .at(source, arg_start..arg_start + file.len())
                .with_help("copy what the page needs into the project and include that"),
            );
        }
    }
}

/// Checks the other folders and files mdBook copies into the site or
/// renders pages with: the templates folder, the theme folder and the
/// `additional-css` / `additional-js` files book.toml names. A link out of
/// the project in them, or a name that points out of it, is an error.
fn check_site_inputs(project: &Project, canonical_root: &Path, diags: &mut Vec<Diagnostic>) {
    let html = project.html_output();
    let theme = project.theme_dir().to_string_lossy().into_owned();
    for folder in [project.settings.templates_dir.as_str(), theme.as_str()] {
        let dir = project.root.join(folder);
        if std::fs::symlink_metadata(&dir).is_err() {
            continue;
        }
        let resolved = dir
            .canonicalize()
            .unwrap_or_else(|_| crate::core::paths::lexical(&dir));
        if !resolved.starts_with(canonical_root) && !dir.is_symlink() {
            diags.push(outside_in_book_toml(project, folder, &resolved));
            continue;
        }
        walk_files(&dir, None, Path::new(folder), canonical_root, diags);
    }
    for key in ["additional-css", "additional-js"] {
        let names = html.get(key).and_then(toml::Value::as_array);
        for name in names.into_iter().flatten().filter_map(toml::Value::as_str) {
            let full = project.root.join(name);
            let Ok(resolved) = full.canonicalize() else {
                continue;
            };
            if resolved.starts_with(canonical_root) {
                continue;
            }
            if full.is_symlink() {
                diags.push(link_outside_diagnostic(Path::new(name), &resolved, false));
            } else {
                diags.push(outside_in_book_toml(project, name, &resolved));
            }
        }
    }
}

fn outside_in_book_toml(project: &Project, name: &str, resolved: &Path) -> Diagnostic {
    let text = &project.book_toml;
    let quoted = format!("\"{name}\"");
    let span = text
        .find(&quoted)
        .map_or(0..0, |i| i + 1..i + 1 + name.len());
    Diagnostic::error(
        "link-outside",
        "book.toml",
        format!(
            "`{name}` is outside the project (`{}`); mdBook would copy it into the site",
            resolved.display()
        ),
    )
    .at(text, span)
    .with_help("keep the files the site needs inside the project")
}

/// Reads every `.toml` file under `folder` (relative to the root), sorted by
/// path: (path relative to the root, text, stamp). A file that could not be
/// read as text (a diagnostic says why) has no text.
pub fn load_toml_files(
    project: &Project,
    folder: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<(PathBuf, Option<String>, Stamp)>> {
    let dir = project.root.join(folder);
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let canonical_root = project
        .root
        .canonicalize()
        .map_err(|e| Error::io("resolve", &project.root, e))?;
    for (full, rel) in walk_files(
        &dir,
        Some("toml"),
        Path::new(folder),
        &canonical_root,
        diags,
    ) {
        let path = Path::new(folder).join(rel);
        let (source, stamp) = read_text_stamped(&full, &path, diags)?;
        out.push((path, source, stamp));
    }
    Ok(out)
}

/// The files with extension `ext` under `dir`, in name order, as (full
/// path, path relative to `dir`); with `ext` `None`, only the links are
/// checked and nothing is returned. Hidden names are not returned (but
/// their links are checked: mdBook copies hidden files too). Links are
/// followed while they stay inside the project (`canonical_root`); a link
/// of any kind that leads out of it, a broken link and a link loop become
/// error diagnostics placed under `shown` (`dir` as the user names it), and
/// nothing under such a link is read: every file under the source folder
/// is published, whatever its extension.
fn walk_files(
    dir: &Path,
    ext: Option<&str>,
    shown: &Path,
    canonical_root: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut links_out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if !e.path_is_symlink() {
                return true;
            }
            match link_outside(e.path(), canonical_root) {
                Some(target) => {
                    links_out.push(link_outside_diagnostic(
                        &shown.join(relative(dir, e.path())),
                        &target,
                        e.file_type().is_dir(),
                    ));
                    false
                }
                None => true,
            }
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir);
                let at = shown.join(relative(dir, path));
                let broken = e.loop_ancestor().is_none()
                    && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
                    && std::fs::metadata(path).is_err();
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop: this folder links back to one of its parents".to_string()
                } else if broken {
                    let target = std::fs::read_link(path).unwrap_or_default();
                    format!(
                        "broken symbolic link: it points to `{}`, which does not exist",
                        target.display()
                    )
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    )
                };
                diags.push(
                    Diagnostic::error("unreadable", at, message).with_help(
                        "remove the link, or move the files it points to into the folder",
                    ),
                );
                continue;
            }
        };
        let Some(ext) = ext else { continue };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != ext) {
            continue;
        }
        let rel = relative(dir, entry.path());
        if rel.iter().any(is_hidden) {
            continue;
        }
        out.push((entry.into_path(), rel));
    }
    diags.extend(links_out);
    out
}

/// Where the symbolic link `path` leads when that is outside the project
/// (`canonical_root`), or `None` when it stays inside. A broken link is
/// judged by where it would lead: its target read as written, from the
/// link's folder.
pub fn link_outside(path: &Path, canonical_root: &Path) -> Option<PathBuf> {
    let target = match path.canonicalize() {
        Ok(t) => t,
        Err(_) => {
            let raw = std::fs::read_link(path).ok()?;
            let base = path
                .parent()
                .and_then(|p| p.canonicalize().ok())
                .unwrap_or_default();
            crate::core::paths::lexical(&base.join(raw))
        }
    };
    (!target.starts_with(canonical_root)).then_some(target)
}

fn link_outside_diagnostic(at: &Path, target: &Path, is_dir: bool) -> Diagnostic {
    let what = if is_dir { "folder" } else { "file" };
    Diagnostic::error(
        "link-outside",
        at,
        format!(
            "symbolic link to a {what} outside the project (`{}`): it is not read, and the site is not built while it is here",
            target.display()
        ),
    )
    .with_help(format!(
        "copy the {what} into the project instead of linking to it, or remove the link"
    ))
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
    Ok(read_text_stamped(full, path, diags)?.0)
}

/// [`read_text`], with the file's [`Stamp`] taken before it was read (also
/// for a file that could not be read as text).
pub fn read_text_stamped(
    full: &Path,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Option<String>, Stamp)> {
    let meta = std::fs::metadata(full).map_err(|e| Error::io("read", full, e))?;
    let stamp = Stamp::of(&meta);
    Ok((read_checked(full, path, &meta, diags)?, stamp))
}

/// The text of a file whose metadata was read, or a diagnostic.
fn read_checked(
    full: &Path,
    path: &Path,
    meta: &std::fs::Metadata,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<String>> {
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
    // Lone CRs are line ends before anything is placed, so a NUL byte or a
    // bad sequence is on the line every other diagnostic would count.
    let bytes = lone_cr_to_lf(std::fs::read(full).map_err(|e| Error::io("read", full, e))?);
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

/// Old Mac line endings (a `\r` not followed by `\n`) become `\n`, so a
/// file saved that way has lines like any other (front matter, line numbers
/// in diagnostics). One byte for one byte: every offset stays the same. Only
/// the copy in memory changes, never the file.
pub fn lone_cr_to_lf(mut bytes: Vec<u8>) -> Vec<u8> {
    let mut next_is_lf = false;
    for b in bytes.iter_mut().rev() {
        let is_lf = *b == b'\n';
        if *b == b'\r' && !next_is_lf {
            *b = b'\n';
        }
        next_is_lf = is_lf;
    }
    bytes
}

/// `dir/name` with `/` separators, as [`crate::core::diagnostic::display_path`] writes it.
fn join_key(dir: &str, name: &std::ffi::OsStr) -> String {
    if dir.is_empty() {
        name.to_string_lossy().into_owned()
    } else {
        format!("{dir}/{}", name.to_string_lossy())
    }
}

/// One name a folder listing turned up that [`scan`] keeps.
enum Listed {
    Folder {
        path: PathBuf,
        key: String,
    },
    File {
        entry: std::fs::DirEntry,
        key: String,
        is_link: bool,
    },
}

/// The visible sub-folders and `ext` files of `dir` (whose key is `key`),
/// without a `stat` per name (the kind comes with the listing); symbolic
/// links are followed only when they stay inside the project.
fn list_folder(dir: &Path, key: &str, ext: &str, canonical_root: &Path) -> Vec<Listed> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        if is_hidden(&name) {
            continue;
        }
        let Ok(kind) = e.file_type() else { continue };
        let mut is_dir = kind.is_dir();
        if kind.is_symlink() {
            let path = e.path();
            if !path
                .canonicalize()
                .is_ok_and(|t| t.starts_with(canonical_root))
            {
                continue;
            }
            is_dir = path.is_dir();
        }
        let key = join_key(key, &name);
        if is_dir {
            out.push(Listed::Folder {
                path: e.path(),
                key,
            });
        } else if Path::new(&name).extension().is_some_and(|x| x == ext) {
            out.push(Listed::File {
                entry: e,
                key,
                is_link: kind.is_symlink(),
            });
        }
    }
    out
}

/// Folders deeper than this are not followed (a symbolic-link loop).
const MAX_DEPTH: usize = 32;

/// The stamps of the files [`load`] records in [`RawHandbook::stamps`]
/// (book.toml, the source folder's Markdown, the quiz files), as they are
/// now, sorted by key, without reading any file: what a search compares
/// with the index's manifest to know whether the index is current.
///
/// This runs before every search, so it is built for speed: listing a
/// folder is one cheap system call per few hundred names, while each file
/// needs its own `stat`. Folders are listed breadth first, each depth in
/// parallel; the stats are spread over all cores, relative to their open
/// folder.
pub fn scan(project: &Project) -> Vec<(String, Stamp)> {
    use rayon::prelude::*;
    let Ok(canonical_root) = project.root.canonicalize() else {
        return Vec::new();
    };
    let mut found: Vec<(std::fs::DirEntry, String, bool)> = Vec::new();
    let quizzes = Path::new(&project.settings.quizzes_dir);
    for (base, ext) in [(project.src.as_path(), "md"), (quizzes, "toml")] {
        let key = crate::core::diagnostic::display_path(base);
        let mut wave = vec![(project.root.join(base), key)];
        for depth in 0..=MAX_DEPTH {
            if wave.is_empty() {
                break;
            }
            let listed: Vec<Vec<Listed>> = wave
                .par_iter()
                .map(|(dir, key)| list_folder(dir, key, ext, &canonical_root))
                .collect();
            wave = Vec::new();
            for entry in listed.into_iter().flatten() {
                match entry {
                    Listed::Folder { path, key } => {
                        if depth < MAX_DEPTH {
                            wave.push((path, key));
                        }
                    }
                    Listed::File {
                        entry,
                        key,
                        is_link,
                    } => found.push((entry, key, is_link)),
                }
            }
        }
    }
    let mut out: Vec<(String, Stamp)> = found
        .into_par_iter()
        .with_min_len(256)
        .filter_map(|(e, key, is_link)| {
            let meta = if is_link {
                std::fs::metadata(e.path())
            } else {
                e.metadata()
            };
            let meta = meta.ok().filter(std::fs::Metadata::is_file)?;
            Some((key, Stamp::of(&meta)))
        })
        .collect();
    if let Ok(meta) = std::fs::metadata(project.root.join("book.toml")) {
        out.push(("book.toml".into(), Stamp::of(&meta)));
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_carriage_returns_become_line_feeds() {
        assert_eq!(
            lone_cr_to_lf(b"a\rb\r\nc\r\rd\r".to_vec()),
            b"a\nb\r\nc\n\nd\n"
        );
    }

    #[test]
    fn a_nul_after_old_mac_line_ends_is_placed_on_its_line() {
        // Found by fuzzing: the binary-file diagnostic counted lines at
        // `\n` only, so a NUL after lone CRs was placed on line 1.
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("a.md");
        std::fs::write(&full, b"# T\rline two\rab\0c").unwrap();
        let mut diags = Vec::new();
        assert_eq!(
            read_text(&full, Path::new("a.md"), &mut diags).unwrap(),
            None
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].place(), "a.md:3:3");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn scan_stamps_what_load_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("handbook");
        let outside = tmp.path().join("outside");
        write(&root, "book.toml", "[book]\nsrc = \"content\"\n");
        write(
            &root,
            "content/SUMMARY.md",
            "# Summary\n- [Welcome](welcome.md)\n",
        );
        write(&root, "content/welcome.md", "# Welcome\n");
        write(&root, "content/training/SUMMARY.md", "nested, so kept\n");
        write(&root, "content/kb/dns/propagation.md", "12345");
        write(&root, "content/kb/dns/deep/er/nested.md", "x");
        write(&root, "content/kb/notes.txt", "not markdown");
        write(&root, "content/kb/.drafts/hidden.md", "hidden");
        write(&root, "content/kb/binary.md", "a\0b");
        write(&root, "quizzes/outage.toml", "[[questions]]\n");
        write(&root, "quizzes/notes.md", "not a quiz file");
        write(&outside, "secret.md", "outside the project");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.join("secret.md"), root.join("content/kb/leak.md"))
                .unwrap();
            std::os::unix::fs::symlink(
                root.join("content/welcome.md"),
                root.join("content/kb/alias.md"),
            )
            .unwrap();
        }
        let (project, diags) = crate::core::config::load(&root).unwrap();
        assert!(diags.is_empty(), "{diags:?}");

        let files = scan(&project);
        let keys: Vec<&str> = files.iter().map(|(k, _)| k.as_str()).collect();
        let mut expected = vec![
            "book.toml",
            "content/SUMMARY.md",
            "content/kb/binary.md",
            "content/kb/dns/deep/er/nested.md",
            "content/kb/dns/propagation.md",
            "content/training/SUMMARY.md",
            "content/welcome.md",
            "quizzes/outage.toml",
        ];
        if cfg!(unix) {
            // The link inside the project is followed; the one leading out is not.
            expected.insert(2, "content/kb/alias.md");
        }
        assert_eq!(keys, expected);
        let (_, dns) = files
            .iter()
            .find(|(k, _)| k == "content/kb/dns/propagation.md")
            .unwrap();
        assert_eq!(dns.size, 5);
        let meta = std::fs::metadata(root.join("content/kb/dns/propagation.md")).unwrap();
        assert_eq!(*dns, Stamp::of(&meta));

        // Loading records the same stamps, unreadable files included, so an
        // unchanged handbook is seen as unchanged.
        let (raw, _) = load(project).unwrap();
        let loaded: Vec<(String, Stamp)> = raw.stamps.into_iter().collect();
        assert_eq!(loaded, files);
    }

    #[test]
    fn scan_of_a_missing_source_folder_has_only_book_toml() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "book.toml", "[book]\nsrc = \"nowhere\"\n");
        let (project, _) = crate::core::config::load(tmp.path()).unwrap();
        let keys: Vec<String> = scan(&project).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["book.toml"]);
    }
}
