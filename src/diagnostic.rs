//! Diagnostics: problems found in a user's files, each with its place.
//!
//! A [`Diagnostic`] is data. Stages collect them across every file, then the
//! command sorts and prints them together, rustc-style:
//!
//! ```text
//! error: unknown state "publishd"
//!   --> content/kb/dns/foo.md:9:9
//!    |
//!  9 | state = "publishd"
//!    |         ^^^^^^^^^^
//!    = help: did you mean "published"?
//! ```

use serde::Serialize;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops `check` with exit 1 and stops a build.
    Error,
    /// Reported, but the build goes on (unless `--strict`).
    Warning,
}

/// A 1-based line and column (in characters) inside a file, with the text of
/// that line kept for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// The whole source line the location is on (without its newline).
    pub line_text: String,
    /// How many characters the caret underline covers (at least 1).
    pub width: usize,
}

/// One problem in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable name, e.g. `unknown-key`.
    pub code: &'static str,
    /// Path relative to the project root, `/`-separated.
    pub path: PathBuf,
    pub location: Option<Location>,
    pub message: String,
    pub help: Option<String>,
    /// Extra lines such as "first defined here".
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path: path.into(),
            location: None,
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(
        code: &'static str,
        path: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    /// Places the diagnostic at a byte range of `source`.
    pub fn at(mut self, source: &str, span: Range<usize>) -> Self {
        self.location = Some(LineIndex::new(source).location(source, span));
        self
    }

    /// Places the diagnostic at an already computed location.
    pub fn at_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// `path:line:col` (or just `path` when there is no location).
    pub fn place(&self) -> String {
        let path = display_path(&self.path);
        match &self.location {
            Some(loc) => format!("{path}:{}:{}", loc.line, loc.column),
            None => path,
        }
    }

    fn sort_key(&self) -> (PathBuf, usize, usize, Severity) {
        let (line, col) = self
            .location
            .as_ref()
            .map_or((0, 0), |l| (l.line, l.column));
        (self.path.clone(), line, col, self.severity)
    }
}

/// Turns byte offsets into 1-based line and column numbers.
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 0-based line that contains byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    pub fn location(&self, source: &str, span: Range<usize>) -> Location {
        let start = clamp_to_char_boundary(source, span.start.min(source.len()));
        let end = clamp_to_char_boundary(source, span.end.clamp(start, source.len()));
        let line = self.line_of(start);
        let line_start = self.starts.get(line).copied().unwrap_or(0);
        let line_end = source
            .get(line_start..)
            .and_then(|rest| rest.find('\n'))
            .map_or(source.len(), |i| line_start + i);
        let line_text = source
            .get(line_start..line_end)
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        let column = source
            .get(line_start..start)
            .map_or(0, |s| s.chars().count())
            + 1;
        let width = source
            .get(start..end.min(line_end))
            .map_or(1, |s| s.chars().count())
            .max(1);
        Location {
            line: line + 1,
            column,
            line_text,
            width,
        }
    }
}

fn clamp_to_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A path as printed in diagnostics: `/`-separated on every platform.
/// An absolute path keeps its one leading `/` (`/tmp/draft.txt`, not `//tmp/...`).
pub fn display_path(path: &Path) -> String {
    use std::path::Component;
    let mut out = String::new();
    for c in path.components() {
        match c {
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// All the problems found by one run, in the order they are printed.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// `--strict`: every warning becomes an error.
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Sorts by path, then line, then column; removes exact duplicates.
    pub fn sort(&mut self) {
        self.items.sort_by_key(Diagnostic::sort_key);
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// The human form of every diagnostic, each followed by a blank line.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            render_one(&mut out, d);
            out.push('\n');
        }
        out
    }

    /// The documented JSON form (see README.md, "check --format json").
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<_> = self
            .items
            .iter()
            .map(|d| {
                serde_json::json!({
                    "severity": d.severity,
                    "code": d.code,
                    "path": display_path(&d.path),
                    "line": d.location.as_ref().map(|l| l.line),
                    "column": d.location.as_ref().map(|l| l.column),
                    "message": d.message,
                    "help": d.help,
                    "notes": d.notes,
                })
            })
            .collect();
        serde_json::json!({
            "errors": self.errors(),
            "warnings": self.warnings(),
            "diagnostics": items,
        })
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

fn render_one(out: &mut String, d: &Diagnostic) {
    let label = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{label}: {}", d.message);
    match &d.location {
        Some(loc) => {
            let gutter = loc.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {}", d.place());
            let _ = writeln!(out, "{pad} |");
            // Control characters (a stray ESC in a binary-ish file) are shown
            // escaped, never sent raw to the terminal; the caret follows.
            let _ = writeln!(out, "{} | {}", loc.line, escape_controls(&loc.line_text));
            let before: String = loc
                .line_text
                .chars()
                .take(loc.column.saturating_sub(1))
                .collect();
            let indent: String = escape_controls(&before)
                .chars()
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let under: String = loc
                .line_text
                .chars()
                .skip(loc.column.saturating_sub(1))
                .take(loc.width)
                .collect();
            let width = escape_controls(&under).chars().count().max(loc.width);
            let _ = writeln!(out, "{pad} | {indent}{}", "^".repeat(width));
            for note in &d.notes {
                let _ = writeln!(out, "{pad} = note: {note}");
            }
            if let Some(help) = &d.help {
                let _ = writeln!(out, "{pad} = help: {help}");
            }
        }
        None => {
            let _ = writeln!(out, " --> {}", d.place());
            for note in &d.notes {
                let _ = writeln!(out, "  = note: {note}");
            }
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  = help: {help}");
            }
        }
    }
}

/// `line` with every control character but tab written as an escape
/// (`\u{1b}`), so a source line never moves the cursor or recolours the
/// terminal it is printed on.
pub fn escape_controls(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c.is_control() && c != '\t' {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word_lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_finds_line_and_column() {
        let src = "a = 1\nstate = \"publishd\"\n";
        let loc = LineIndex::new(src).location(src, 14..24);
        assert_eq!((loc.line, loc.column, loc.width), (2, 9, 10));
        assert_eq!(loc.line_text, "state = \"publishd\"");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "é = \"x\"";
        let loc = LineIndex::new(src).location(src, 5..8);
        assert_eq!(loc.column, 5);
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let src = "abc";
        let loc = LineIndex::new(src).location(src, 10..20);
        assert_eq!(loc.line, 1);
        let loc = LineIndex::new("").location("", 0..0);
        assert_eq!((loc.line, loc.column), (1, 1));
    }

    #[test]
    fn renders_rustc_style() {
        let src = "x = 1\nstate = \"publishd\"\n";
        let d = Diagnostic::error(
            "invalid-value",
            "content/kb/a.md",
            "unknown state \"publishd\"",
        )
        .at(src, 14..24)
        .with_help("did you mean \"validated\"?");
        let mut ds = Diagnostics::new();
        ds.push(d);
        assert_eq!(
            ds.render_human(),
            "error: unknown state \"publishd\"\n --> content/kb/a.md:2:9\n  |\n2 | state = \"publishd\"\n  |         ^^^^^^^^^^\n  = help: did you mean \"validated\"?\n\n"
        );
    }

    #[test]
    fn display_path_joins_with_one_slash() {
        assert_eq!(display_path(Path::new("/tmp/draft.txt")), "/tmp/draft.txt");
        assert_eq!(display_path(Path::new("/")), "/");
        assert_eq!(
            display_path(Path::new("content/kb/a.md")),
            "content/kb/a.md"
        );
        assert_eq!(display_path(Path::new("./a/../b.md")), "./a/../b.md");
        assert_eq!(display_path(Path::new("")), "");
    }

    #[test]
    fn control_characters_in_a_source_line_are_escaped() {
        let source = "title = \"x\u{1b}[31mred\u{7}\"\n";
        let d = Diagnostic::error("x", "a.md", "bad").at(source, 18..19);
        let mut out = String::new();
        render_one(&mut out, &d);
        assert_eq!(
            out,
            format!(
                "error: bad\n --> a.md:1:19\n  |\n1 | title = \"x\\u{{1b}}[31mred\\u{{7}}\"\n  | {}^^^^^\n",
                " ".repeat(23)
            )
        );
        assert!(!out.contains('\u{1b}'));
        assert_eq!(escape_controls("plain\ttab"), "plain\ttab");
    }

    #[test]
    fn did_you_mean_suggests_close_words_only() {
        assert_eq!(did_you_mean("tittle", ["title", "tags"]), Some("title"));
        assert_eq!(did_you_mean("zzz", ["title", "tags"]), None);
    }
}
