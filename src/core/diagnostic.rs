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
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
    /// The source line the location is on (without its newline); for a line
    /// longer than [`LONG_LINE`] characters, a window of it around the
    /// location, with `…` where it was cut.
    pub line_text: String,
    /// How many characters of `line_text` come before the caret.
    pub caret_at: usize,
    /// How many characters the caret underline covers (at least 1; at most
    /// what `line_text` shows).
    pub width: usize,
}

/// Lines up to this many bytes are shown whole in a diagnostic; longer ones
/// as a window of [`CONTEXT`] characters either side of the location, so
/// printing a diagnostic costs the same on a 120 KB line as on a short one.
pub const LONG_LINE: usize = 160;
/// Characters shown either side of the location on a long line (and at most
/// this many underlined).
pub const CONTEXT: usize = 60;
/// Human output shows this many diagnostics of one kind in one file, then
/// says how many more there are (JSON output keeps them all).
pub const SHOWN_PER_KIND: usize = 10;
/// Human output shows the diagnostics of one kind in this many files, then
/// says how many more there are in how many more files.
pub const SHOWN_FILES_PER_KIND: usize = 5;

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

    /// Places the diagnostic at a byte range of `source`. This indexes the
    /// whole source: a caller that places many diagnostics in one file builds
    /// one [`LineIndex`] and uses [`Diagnostic::at_index`].
    pub fn at(mut self, source: &str, span: Range<usize>) -> Self {
        self.location = Some(LineIndex::new(source).location(source, span));
        self
    }

    /// Places the diagnostic at a byte range of `source`, with an index of
    /// `source` already built.
    pub fn at_index(mut self, index: &LineIndex, source: &str, span: Range<usize>) -> Self {
        self.location = Some(index.location(source, span));
        self
    }

    /// Places the diagnostic at a byte range of the source `placer` holds
    /// (one index for all the diagnostics of a file).
    pub fn placed(self, placer: &Placer<'_>, span: Range<usize>) -> Self {
        placer.place(self, span)
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

/// Places diagnostics in one source, building its [`LineIndex`] once, the
/// first time one is placed: [`Diagnostic::at`] indexes the whole source for
/// every call, which made a file with thousands of problems quadratic.
pub struct Placer<'a> {
    source: &'a str,
    index: std::cell::OnceCell<LineIndex>,
}

impl<'a> Placer<'a> {
    pub fn new(source: &'a str) -> Self {
        Placer {
            source,
            index: std::cell::OnceCell::new(),
        }
    }

    /// `d` placed at a byte range of the source.
    pub fn place(&self, d: Diagnostic, span: Range<usize>) -> Diagnostic {
        let index = self.index.get_or_init(|| LineIndex::new(self.source));
        d.at_index(index, self.source, span)
    }
}

/// Turns byte offsets into 1-based line and column numbers.
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
    /// Characters before each [`BLOCK`]-byte boundary, built the first time a
    /// column far into a long line is asked for.
    chars_before_block: std::cell::OnceCell<Vec<usize>>,
}

/// Column numbers far into a long line count characters from the nearest
/// block boundary instead of from the line's start.
const BLOCK: usize = 4096;

/// Characters (UTF-8 lead bytes) in `bytes`.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            chars_before_block: std::cell::OnceCell::new(),
        }
    }

    /// The 0-based line that contains byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// Characters in `source[..offset]` (`offset` on a char boundary).
    fn chars_before(&self, source: &str, offset: usize) -> usize {
        let bytes = source.as_bytes();
        let blocks = self.chars_before_block.get_or_init(|| {
            let mut acc = 0;
            let mut out = vec![0];
            for chunk in bytes.chunks(BLOCK) {
                acc += count_chars(chunk);
                out.push(acc);
            }
            out
        });
        let block = offset / BLOCK;
        blocks.get(block).copied().unwrap_or(0)
            + count_chars(bytes.get(block * BLOCK..offset).unwrap_or(&[]))
    }

    pub fn location(&self, source: &str, span: Range<usize>) -> Location {
        let start = clamp_to_char_boundary(source, span.start.min(source.len()));
        let end = clamp_to_char_boundary(source, span.end.clamp(start, source.len()));
        let line = self.line_of(start);
        let line_start = self.starts.get(line).copied().unwrap_or(0);
        let line_end = self
            .starts
            .get(line + 1)
            .map_or(source.len(), |next| next.saturating_sub(1))
            .max(start);
        let whole = source
            .get(line_start..line_end)
            .unwrap_or("")
            .trim_end_matches('\r');
        let before = source.get(line_start..start).unwrap_or("");
        let column = if before.len() <= BLOCK {
            before.chars().count()
        } else {
            self.chars_before(source, start) - self.chars_before(source, line_start)
        } + 1;
        if whole.len() <= LONG_LINE {
            let width = source
                .get(start..end.min(line_end))
                .map_or(1, |s| s.chars().count())
                .max(1);
            return Location {
                line: line + 1,
                column,
                line_text: whole.to_string(),
                caret_at: column - 1,
                width,
            };
        }
        // A long line: CONTEXT characters either side, the underline capped.
        let shown_before: String = {
            let mut tail: Vec<char> = before.chars().rev().take(CONTEXT + 1).collect();
            let cut = tail.len() > CONTEXT;
            tail.truncate(CONTEXT);
            let mut s: String = if cut { "…".into() } else { String::new() };
            s.extend(tail.into_iter().rev());
            s
        };
        let after = source
            .get(start..line_end)
            .unwrap_or("")
            .trim_end_matches('\r');
        let span_chars = source
            .get(start..end.min(line_end))
            .map_or(0, |s| s.chars().take(CONTEXT + 1).count());
        let width = span_chars.clamp(1, CONTEXT);
        let take = width + CONTEXT;
        let mut shown_after: String = after.chars().take(take).collect();
        if after.chars().nth(take).is_some() {
            shown_after.push('…');
        }
        let caret_at = shown_before.chars().count();
        Location {
            line: line + 1,
            column,
            line_text: shown_before + &shown_after,
            caret_at,
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
    /// Repeated diagnostics are grouped (see [`Grouping`]): of one kind
    /// (code and severity) in one file, the first [`SHOWN_PER_KIND`] are
    /// shown; of one kind across files, those in the first
    /// [`SHOWN_FILES_PER_KIND`] files; each cut ends with a line saying how
    /// many more there are. The JSON form keeps them all.
    pub fn render_human(&self) -> String {
        let mut grouping = Grouping::new(&self.items);
        let mut out = String::new();
        for d in &self.items {
            let Some(after) = grouping.show(d) else {
                continue;
            };
            render_one(&mut out, d);
            for line in after {
                let _ = writeln!(out, "{line}");
            }
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

/// Diagnostics of one kind: the same code and severity.
type Kind = (&'static str, Severity);

fn kind_of(d: &Diagnostic) -> Kind {
    (d.code, d.severity)
}

/// Decides which diagnostics the human output shows, in print order, and
/// the "... and N more" lines that follow a cut. A kind in one file shows
/// its first [`SHOWN_PER_KIND`]; a kind across files shows those of its
/// first [`SHOWN_FILES_PER_KIND`] files, so 100,000 articles missing a
/// section print five warnings and one line.
struct Grouping<'a> {
    /// Per kind and file: how many there are, and the file's place among
    /// the kind's files.
    in_file: HashMap<(Kind, &'a Path), (usize, usize)>,
    /// Per kind: the files that have it, in print order.
    files: HashMap<Kind, Vec<&'a Path>>,
    /// Per kind and file: how many were looked at so far.
    seen: HashMap<(Kind, &'a Path), usize>,
}

impl<'a> Grouping<'a> {
    fn new(items: &'a [Diagnostic]) -> Self {
        let mut in_file: HashMap<(Kind, &Path), (usize, usize)> = HashMap::new();
        let mut files: HashMap<Kind, Vec<&Path>> = HashMap::new();
        for d in items {
            let (n, rank) = in_file.entry((kind_of(d), &d.path)).or_default();
            if *n == 0 {
                let list = files.entry(kind_of(d)).or_default();
                *rank = list.len();
                list.push(&d.path);
            }
            *n += 1;
        }
        Grouping {
            in_file,
            files,
            seen: HashMap::new(),
        }
    }

    /// `None` when `d` is not shown; else the lines to print after it (a
    /// cut in its file, a cut across files).
    fn show(&mut self, d: &'a Diagnostic) -> Option<Vec<String>> {
        let kind = kind_of(d);
        let (all, rank) = self
            .in_file
            .get(&(kind, d.path.as_path()))
            .copied()
            .unwrap_or_default();
        if rank >= SHOWN_FILES_PER_KIND {
            return None;
        }
        let files = self.files.get(&kind).map_or(&[][..], Vec::as_slice);
        let n = self.seen.entry((kind, &d.path)).or_default();
        *n += 1;
        if *n > SHOWN_PER_KIND {
            return None;
        }
        let mut after = Vec::new();
        if *n == SHOWN_PER_KIND && all > SHOWN_PER_KIND {
            let more = all - SHOWN_PER_KIND;
            after.push(format!(
                "... and {} more `{}` {}{} in {} (`--format json` lists them all)",
                thousands(more),
                d.code,
                severity_label(d.severity),
                if more == 1 { "" } else { "s" },
                display_path(&d.path),
            ));
        }
        let last_in_file = *n == all.min(SHOWN_PER_KIND);
        if last_in_file && rank + 1 == SHOWN_FILES_PER_KIND && files.len() > rank + 1 {
            let rest = files.get(rank + 1..).unwrap_or(&[]);
            let more: usize = rest
                .iter()
                .map(|p| self.in_file.get(&(kind, *p)).map_or(0, |(n, _)| *n))
                .sum();
            after.push(more_across_files(kind, more, rest.len()));
        }
        Some(after)
    }
}

/// The line after the last shown diagnostic of a kind found in many files:
/// "... and 99,995 more articles missing a standard section".
fn more_across_files((code, severity): Kind, more: usize, files: usize) -> String {
    let what = match code {
        "missing-section" => "articles missing a standard section".to_string(),
        "review-overdue" => "articles past their review date".to_string(),
        "broken-link" => "links to files that do not exist".to_string(),
        "broken-anchor" => "links to headings that do not exist".to_string(),
        _ => format!(
            "`{code}` {}{}",
            severity_label(severity),
            if more == 1 { "" } else { "s" }
        ),
    };
    let one_per_file = matches!(code, "missing-section" | "review-overdue");
    let place = if one_per_file && more == files {
        String::new()
    } else {
        format!(
            " in {} more file{}",
            thousands(files),
            if files == 1 { "" } else { "s" }
        )
    };
    format!(
        "... and {} more {what}{place} (`--format json` lists them all)",
        thousands(more)
    )
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `99995` as `99,995`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
            let before: String = loc.line_text.chars().take(loc.caret_at).collect();
            let indent: String = escape_controls(&before)
                .chars()
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let under: String = loc
                .line_text
                .chars()
                .skip(loc.caret_at)
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

/// `"s"` unless `n` is 1: `format!("{n} file{}", plural(n))`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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
    fn a_long_line_is_shown_as_a_window_around_the_caret() {
        let src = format!(
            "# T\n{}[x](#nope) tail{}\n",
            "é".repeat(100_000),
            "z".repeat(100_000)
        );
        let start = 4 + "é".len() * 100_000 + 4;
        let loc = LineIndex::new(&src).location(&src, start..start + 5);
        assert_eq!((loc.line, loc.column, loc.width), (2, 100_005, 5));
        assert_eq!(loc.caret_at, CONTEXT + 1);
        assert!(loc.line_text.starts_with('…') && loc.line_text.ends_with('…'));
        assert_eq!(loc.line_text.chars().count(), 1 + CONTEXT + 5 + CONTEXT + 1);
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::warning("broken-anchor", "a.md", "m").at(&src, start..start + 5));
        let out = ds.render_human();
        assert!(out.len() < 1000, "{out}");
        assert!(
            out.contains(&format!("{}^^^^^\n", " ".repeat(CONTEXT + 1))),
            "{out}"
        );
    }

    #[test]
    fn columns_far_into_a_line_count_characters() {
        let src = format!("a\n{}x", "ü".repeat(9_000));
        let at = src.len() - 1;
        let loc = LineIndex::new(&src).location(&src, at..at + 1);
        assert_eq!((loc.line, loc.column), (2, 9_001));
    }

    #[test]
    fn repeated_diagnostics_are_grouped_in_human_output_only() {
        let line = "[l](#n) ".repeat(20_000);
        let index = LineIndex::new(&line);
        let mut ds = Diagnostics::new();
        for i in 0..20_000 {
            let at = i * 8 + 4;
            ds.push(
                Diagnostic::warning("broken-anchor", "content/a.md", format!("no #n{i}")).at_index(
                    &index,
                    &line,
                    at..at + 2,
                ),
            );
        }
        ds.push(Diagnostic::error("duplicate-id", "content/a.md", "dup"));
        ds.push(Diagnostic::warning(
            "broken-anchor",
            "content/b.md",
            "other file",
        ));
        let out = ds.render_human();
        assert!(out.len() < 5_000, "{} bytes", out.len());
        assert_eq!(out.matches("warning: no #n").count(), SHOWN_PER_KIND);
        assert!(out.contains(
            "... and 19,990 more `broken-anchor` warnings in content/a.md (`--format json` lists them all)"
        ));
        assert!(out.contains("error: dup") && out.contains("warning: other file"));
        let json = ds.to_json();
        assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(20_002));
    }

    #[test]
    fn one_kind_across_many_files_is_grouped_after_the_first_files() {
        let mut ds = Diagnostics::new();
        for i in 0..100_000 {
            ds.push(Diagnostic::warning(
                "missing-section",
                format!("content/kb/a{i:06}.md"),
                "article has no \"What to tell the customer\" section",
            ));
            if i < 7 {
                ds.push(Diagnostic::error(
                    "broken-link",
                    format!("content/kb/a{i:06}.md"),
                    "gone",
                ));
            }
        }
        ds.push(Diagnostic::warning(
            "broken-anchor",
            "content/z.md",
            "alone",
        ));
        ds.sort();
        let out = ds.render_human();
        assert_eq!(out.matches("warning: article has no").count(), 5);
        assert_eq!(out.matches("error: gone").count(), 5);
        assert!(out.contains("warning: alone"));
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("...")).collect();
        assert_eq!(
            lines,
            [
                "... and 2 more links to files that do not exist in 2 more files (`--format json` lists them all)",
                "... and 99,995 more articles missing a standard section (`--format json` lists them all)",
            ]
        );
        // Each cut comes right after the last one shown of its kind.
        assert!(
            out.contains("--> content/kb/a000004.md\n... and 99,995"),
            "{}",
            &out[..2000]
        );
        assert_eq!(
            ds.to_json()["diagnostics"].as_array().map(Vec::len),
            Some(100_008)
        );
    }

    #[test]
    fn a_cut_in_a_file_and_across_files_both_show() {
        let mut ds = Diagnostics::new();
        for f in 0..6 {
            for i in 0..12 {
                ds.push(Diagnostic::warning(
                    "derived-id",
                    format!("q{f}.toml"),
                    format!("{i}"),
                ));
            }
        }
        let out = ds.render_human();
        assert_eq!(out.matches("warning: ").count(), 50);
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("...")).collect();
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert_eq!(
            lines.last().copied(),
            Some(
                "... and 12 more `derived-id` warnings in 1 more file (`--format json` lists them all)"
            )
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
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
