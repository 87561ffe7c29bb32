//! Finding the project root and reading `book.toml`.
//!
//! supportbook's own settings live in `[preprocessor.supportbook]` (mdBook
//! rejects unknown top-level tables), with kebab-case keys. An unknown key is
//! a diagnostic with a did-you-mean hint, like every other problem in a
//! user's files.

use crate::core::diagnostic::{Diagnostic, did_you_mean};
use crate::core::error::Error;
use crate::core::toml_keys::{self, Step};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The settings table `[preprocessor.supportbook]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", default)]
pub struct Settings {
    /// Folder under the source folder that holds KB articles.
    pub kb_dir: String,
    /// Folder (relative to the root) that holds quiz files.
    pub quizzes_dir: String,
    /// Folder (relative to the root) whose templates override the built-in ones.
    pub templates_dir: String,
    /// Folder (relative to the root) that holds reply rules.
    pub rules_dir: String,
    /// Days between reviews when an article has no `review-every`.
    #[serde(deserialize_with = "review_days")]
    pub review_days: u32,
    /// The H2 sections every article is expected to have.
    pub standard_sections: Vec<String>,
    /// Title of the generated knowledge-base part.
    pub kb_title: String,
    /// The git repository CI installs supportbook from (the workflow `init`
    /// writes reads it): `cargo install --locked --git URL supportbook`.
    pub tool_git: Option<String>,
    /// A tag, branch or commit of `tool_git` to install (`--rev`); without
    /// it, the repository's default branch.
    pub tool_rev: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kb_dir: "kb".into(),
            quizzes_dir: "quizzes".into(),
            templates_dir: "templates".into(),
            rules_dir: "rules".into(),
            review_days: 365,
            standard_sections: vec![
                "Symptoms".into(),
                "Cause".into(),
                "Resolution".into(),
                "What to tell the customer".into(),
            ],
            kb_title: "Knowledge base".into(),
            tool_git: None,
            tool_rev: None,
        }
    }
}

/// `review-days`: whole days from 1 to [`crate::core::model::MAX_REVIEW_DAYS`],
/// like an article's `review-every`; the error names the range and the value.
fn review_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let max = crate::core::model::MAX_REVIEW_DAYS;
    let found = match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (1..=max).contains(&n) => {
            return u32::try_from(n).map_err(serde::de::Error::custom);
        }
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => f.to_string(),
        other => format!("a {}", other.type_str()),
    };
    Err(serde::de::Error::custom(format!(
        "`review-days` must be a whole number of days from 1 to {max}, found {found}"
    )))
}

/// The keys of `[preprocessor.supportbook]` besides [`Settings`]' fields:
/// `supportbook import`'s own table (read by src/import/), then the keys
/// mdBook itself reads from any preprocessor table.
const IMPORT_KEY: &str = "import";
const MDBOOK_KEYS: &[&str] = &["command", "before", "after", "renderers", "optional"];

/// Our keys: [`Settings`]' fields as book.toml spells them, and `import`.
fn our_keys() -> impl Iterator<Item = &'static str> + Clone {
    toml_keys::fields::<Settings>()
        .iter()
        .copied()
        .chain([IMPORT_KEY])
}

/// A loaded project: its root, `book.toml` and our settings.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// The source folder, relative to the root (mdBook's `[book] src`).
    pub src: PathBuf,
    pub title: Option<String>,
    pub settings: Settings,
    /// The text of book.toml, kept for diagnostics.
    pub book_toml: String,
}

impl Project {
    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.src)
    }

    pub fn kb_dir(&self) -> PathBuf {
        self.src_dir().join(&self.settings.kb_dir)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".supportbook")
    }

    /// book.toml as mdBook reads it, from the text read once by [`load`]
    /// (so every stage sees the same file, even if it changes meanwhile).
    pub fn mdbook_config(&self) -> Result<mdbook_driver::config::Config, Error> {
        self.book_toml
            .parse::<mdbook_driver::config::Config>()
            .map_err(|e| Error::Internal(format!("book.toml: {e:#}")))
    }

    /// mdBook's `build.build-dir`, relative to the root (default `book`), or
    /// its `html/` folder when book.toml has more than one `[output.*]`
    /// table (where `mdbook build` puts the HTML then).
    pub fn build_dir(&self) -> PathBuf {
        let Ok(config) = self.mdbook_config() else {
            return "book".into();
        };
        let outputs = config
            .outputs::<toml::Value>()
            .map_or(0, |outputs| outputs.len());
        if outputs > 1 {
            config.build.build_dir.join("html")
        } else {
            config.build.build_dir
        }
    }

    /// The book title mdBook puts after each page title.
    pub fn book_title(&self) -> String {
        self.mdbook_config()
            .ok()
            .and_then(|c| c.book.title)
            .unwrap_or_default()
    }

    /// book.toml's `[output.html]` table (empty when absent or unreadable).
    pub fn html_output(&self) -> toml::Table {
        toml::from_str::<toml::Table>(&self.book_toml)
            .ok()
            .and_then(|t| t.get("output")?.get("html")?.as_table().cloned())
            .unwrap_or_default()
    }

    /// mdBook's theme folder, relative to the root (`output.html.theme`,
    /// default `theme`).
    pub fn theme_dir(&self) -> PathBuf {
        self.html_output()
            .get("theme")
            .and_then(toml::Value::as_str)
            .unwrap_or("theme")
            .into()
    }
}

/// The directory holding `book.toml`: `explicit` if given, else the nearest
/// one upward from `cwd`.
pub fn find_root(explicit: Option<&Path>, cwd: &Path) -> Result<PathBuf, Error> {
    if let Some(dir) = explicit {
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            cwd.join(dir)
        };
        if !dir.is_dir() {
            return Err(Error::NoFolder(dir));
        }
        if !dir.join("book.toml").is_file() {
            return Err(Error::NoProject {
                searched: dir,
                upward: false,
            });
        }
        return Ok(dir);
    }
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if d.join("book.toml").is_file() {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    Err(Error::NoProject {
        searched: cwd.to_path_buf(),
        upward: true,
    })
}

#[derive(Deserialize, Default)]
struct BookTomlShape {
    #[serde(default)]
    book: BookTable,
    #[serde(default)]
    preprocessor: PreprocessorTables,
}

#[derive(Deserialize, Default)]
struct BookTable {
    src: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize, Default)]
struct PreprocessorTables {
    #[serde(default)]
    supportbook: Option<Settings>,
}

/// Reads `root/book.toml`. Problems in the file are diagnostics; failing to
/// read it at all is an [`Error`].
pub fn load(root: &Path) -> Result<(Project, Vec<Diagnostic>), Error> {
    let path = root.join("book.toml");
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        action: "read",
        path: path.clone(),
        source,
    })?;
    let (project, diags) = parse(root, text);
    Ok((project, diags))
}

/// Parses the text of `book.toml` (pure; used by [`load`] and tests).
pub fn parse(root: &Path, text: String) -> (Project, Vec<Diagnostic>) {
    let rel = Path::new("book.toml");
    let mut diags = Vec::new();
    let mut project = Project {
        root: root.to_path_buf(),
        src: PathBuf::from("src"),
        title: None,
        settings: Settings::default(),
        book_toml: String::new(),
    };

    let book = match toml::de::DeTable::parse(&text) {
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "toml-syntax",
                    rel,
                    format!("invalid TOML: {}", e.message().trim()),
                )
                .at(&text, e.span().unwrap_or(0..0)),
            );
            project.book_toml = text;
            return (project, diags);
        }
        Ok(table) => table,
    };

    // serde reads the file once; the keys it skips in our table are unknown
    // (mdBook checks the rest of book.toml itself).
    let (shape, ignored) = toml_keys::from_str::<BookTomlShape>(&text);
    for path in &ignored {
        let [
            Step::Key(preprocessor),
            Step::Key(supportbook),
            Step::Key(name),
        ] = path.as_slice()
        else {
            continue;
        };
        if preprocessor != "preprocessor"
            || supportbook != "supportbook"
            || name == IMPORT_KEY
            || MDBOOK_KEYS.contains(&name.as_str())
        {
            continue;
        }
        let span = toml_keys::key_span(book.get_ref(), path).unwrap_or(0..0);
        let d = Diagnostic::error(
            "unknown-key",
            rel,
            format!("unknown key `{name}` in [preprocessor.supportbook]"),
        )
        .at(&text, span);
        let candidates = our_keys().chain(MDBOOK_KEYS.iter().copied());
        diags.push(match did_you_mean(&name.replace('_', "-"), candidates) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "known keys: {}",
                our_keys().collect::<Vec<_>>().join(", ")
            )),
        });
    }
    match shape {
        Ok(shape) => {
            if let Some(src) = shape.book.src {
                project.src = PathBuf::from(src);
            }
            project.title = shape.book.title;
            if let Some(settings) = shape.preprocessor.supportbook {
                project.settings = settings;
            }
        }
        Err(e) => {
            diags.push(
                Diagnostic::error("invalid-value", rel, e.message().trim().to_string())
                    .at(&text, e.span().unwrap_or(0..0)),
            );
            // A bad setting must not also lose `[book]`: a wrong source
            // folder would bring a second, misleading error.
            #[derive(Deserialize)]
            struct BookOnly {
                #[serde(default)]
                book: BookTable,
            }
            if let Ok(BookOnly { book }) = toml::from_str::<BookOnly>(&text) {
                if let Some(src) = book.src {
                    project.src = PathBuf::from(src);
                }
                project.title = book.title;
            }
        }
    }
    // mdBook reads the same file when it builds, more strictly (no unknown
    // top-level tables, no unknown keys in [book], [build], [rust]): what
    // it refuses is a problem here too, so `check` passing means `build`
    // can read it. Only when our own reading found nothing, not to report
    // one problem twice.
    if diags.is_empty()
        && let Err(e) = text.parse::<mdbook_driver::config::Config>()
    {
        let (message, span) = match e.downcast_ref::<toml::de::Error>() {
            Some(t) => (t.message().trim().to_string(), t.span().unwrap_or(0..0)),
            None => (e.root_cause().to_string(), 0..0),
        };
        diags.push(
            Diagnostic::error(
                "invalid-config",
                rel,
                format!("mdBook cannot read book.toml: {message}"),
            )
            .at(&text, span)
            .with_help("supportbook's own settings go under [preprocessor.supportbook]"),
        );
    }
    for (table, key, value) in [
        ("book", "src", project.src.to_string_lossy().into_owned()),
        ("supportbook", "kb-dir", project.settings.kb_dir.clone()),
        (
            "supportbook",
            "quizzes-dir",
            project.settings.quizzes_dir.clone(),
        ),
        (
            "supportbook",
            "templates-dir",
            project.settings.templates_dir.clone(),
        ),
        (
            "supportbook",
            "rules-dir",
            project.settings.rules_dir.clone(),
        ),
    ] {
        if !is_safe_relative(Path::new(&value)) {
            // Where the value is written (a default is written nowhere).
            let path: &[&str] = if table == "book" {
                &["book", key]
            } else {
                &["preprocessor", "supportbook", key]
            };
            let span = value_span(book.get_ref(), path).unwrap_or(0..0);
            diags.push(
                Diagnostic::error(
                    "unsafe-path",
                    rel,
                    format!("`{key}` must be a folder inside the project, found `{value}`"),
                )
                .at(&text, span)
                .with_help("use a relative path without `..`"),
            );
        }
    }
    check_tool_source(&project.settings, book.get_ref(), &text, &mut diags);
    project.book_toml = text;
    (project, diags)
}

/// `tool-git` and `tool-rev` must be what `cargo install --git` takes.
fn check_tool_source(
    settings: &Settings,
    book: &toml::de::DeTable<'_>,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let checks = [
        (
            "tool-git",
            settings.tool_git.as_deref(),
            git_url_problem as fn(&str) -> _,
        ),
        ("tool-rev", settings.tool_rev.as_deref(), git_rev_problem),
    ];
    for (key, value, problem) in checks {
        let Some((value, why)) = value.and_then(|v| Some((v, problem(v)?))) else {
            continue;
        };
        let span = value_span(book, &["preprocessor", "supportbook", key]).unwrap_or(0..0);
        diags.push(
            Diagnostic::error(
                "invalid-value",
                Path::new("book.toml"),
                format!("`{key}` is not usable: \"{value}\""),
            )
            .at(text, span)
            .with_help(why),
        );
    }
}

/// Why `url` cannot be a `tool-git` setting (a git URL that `cargo install
/// --git` takes, passed to it as one argument), or `None` when it can:
/// `https://`, `http://`, `ssh://`, `git://` or `file://` URLs and
/// `user@host:path`, without spaces, and never starting with `-` (it would
/// read as an option).
pub fn git_url_problem(url: &str) -> Option<&'static str> {
    const SCHEMES: [&str; 5] = ["https://", "http://", "ssh://", "git://", "file://"];
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("a git URL has no spaces");
    }
    let scp_like = url
        .split_once(':')
        .is_some_and(|(host, path)| host.contains('@') && !host.contains('/') && !path.is_empty());
    if url.starts_with('-') || !(SCHEMES.iter().any(|s| url.starts_with(s)) || scp_like) {
        return Some("expected a git URL such as https://github.com/OWNER/supportbook");
    }
    None
}

/// Why `rev` cannot be a `tool-rev` setting (a tag, branch or commit), or
/// `None` when it can.
pub fn git_rev_problem(rev: &str) -> Option<&'static str> {
    let bad = rev.is_empty()
        || rev.starts_with('-')
        || rev
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c));
    bad.then_some("expected a tag, branch or commit, such as v0.1.0")
}

/// Where the value at `path` (table names, then the key) is written.
fn value_span(table: &toml::de::DeTable<'_>, path: &[&str]) -> Option<std::ops::Range<usize>> {
    let (first, rest) = path.split_first()?;
    let value = table.get(*first)?;
    if rest.is_empty() {
        return Some(value.span());
    }
    match value.get_ref() {
        toml::de::DeValue::Table(t) => value_span(t, rest),
        _ => None,
    }
}

/// True for a relative path that stays inside its base (no `..`, no root).
pub fn is_safe_relative(path: &Path) -> bool {
    use std::path::Component;
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_table_is_absent() {
        let (p, d) = parse(
            Path::new("/r"),
            "[book]\ntitle = \"T\"\nsrc = \"content\"\n".into(),
        );
        assert!(d.is_empty());
        assert_eq!(p.src, PathBuf::from("content"));
        assert_eq!(p.settings, Settings::default());
    }

    #[test]
    fn what_mdbook_refuses_is_an_error_with_its_place() {
        // Found by fuzzing: `check` passed a book.toml with a table mdBook
        // does not know, and `build` failed with exit 2.
        let text = "[book]\ntitle = \"T\"\n[foo]\na = 1\n";
        let (_, d) = parse(Path::new("/r"), text.into());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "invalid-config");
        assert_eq!(d[0].place(), "book.toml:3:2");
        assert!(
            d[0].message
                .starts_with("mdBook cannot read book.toml: unknown field `foo`")
        );
        let text = "[book]\ntitel = \"T\"\n";
        let (_, d) = parse(Path::new("/r"), text.into());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].place(), "book.toml:2:1");
    }

    #[test]
    fn unknown_key_gets_did_you_mean() {
        let text = "[book]\n[preprocessor.supportbook]\nreview-day = 30\n";
        let (_, d) = parse(Path::new("/r"), text.into());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].place(), "book.toml:3:1");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `review-days`?"));
    }

    #[test]
    fn only_unknown_keys_of_our_table_are_reported() {
        let text = "[book]\nauthors = [\"x\"]\n\n[output.html]\nfold.enable = true\n\n\
            [preprocessor.other]\nanything = 1\n\n[preprocessor.supportbook]\n\
            command = \"mdbook-supportbook\"\nbefore = [\"links\"]\nkb_title = \"KB\"\n\
            zzz = 1\n[preprocessor.supportbook.import.zendesk]\nmap = {}\n";
        let (p, d) = parse(Path::new("/r"), text.into());
        let placed: Vec<_> = d
            .iter()
            .map(|d| (d.place(), d.help.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            placed,
            [
                (
                    "book.toml:13:1".to_string(),
                    "did you mean `kb-title`?".to_string()
                ),
                (
                    "book.toml:14:1".to_string(),
                    "known keys: kb-dir, quizzes-dir, templates-dir, rules-dir, review-days, \
                     standard-sections, kb-title, tool-git, tool-rev, import"
                        .to_string()
                ),
            ]
        );
        assert_eq!(p.settings, Settings::default());
    }

    #[test]
    fn wrong_type_is_reported_with_place() {
        let text = "[preprocessor.supportbook]\nreview-days = \"often\"\n";
        let (_, d) = parse(Path::new("/r"), text.into());
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].place().starts_with("book.toml:2:"), "{}", d[0].place());
    }

    #[test]
    fn review_days_out_of_range_names_the_range_and_keeps_the_book_table() {
        for (value, found) in [("-5", "-5"), ("100000", "100000"), ("1.5", "1.5")] {
            let text = format!(
                "[book]\nsrc = \"content\"\n[preprocessor.supportbook]\nreview-days = {value}\n"
            );
            let (p, d) = parse(Path::new("/r"), text);
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(
                d[0].message,
                format!(
                    "`review-days` must be a whole number of days from 1 to 36500, found {found}"
                )
            );
            assert_eq!(d[0].place(), "book.toml:4:15");
            assert_eq!(p.src, PathBuf::from("content"));
        }
    }

    #[test]
    fn tool_git_and_tool_rev_must_be_what_cargo_install_takes() {
        for url in [
            "https://github.com/acme/supportbook",
            "ssh://git@example.com/sb.git",
            "git@github.com:acme/supportbook.git",
            "file:///srv/git/supportbook",
        ] {
            assert_eq!(git_url_problem(url), None, "{url}");
        }
        for url in [
            "",
            "github.com/acme/sb",
            "--config=x",
            "https://a b",
            "C:\\sb",
        ] {
            assert!(git_url_problem(url).is_some(), "{url}");
        }
        assert_eq!(git_rev_problem("v0.1.0"), None);
        assert_eq!(git_rev_problem("main"), None);
        assert!(git_rev_problem("-x").is_some() && git_rev_problem("a b").is_some());
        let text =
            "[preprocessor.supportbook]\ntool-git = \"--upload-pack=x\"\ntool-rev = \"v1\"\n";
        let (p, d) = parse(Path::new("/r"), text.into());
        assert_eq!(p.settings.tool_rev.as_deref(), Some("v1"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].place(), "book.toml:2:12");
        assert_eq!(
            d[0].message,
            "`tool-git` is not usable: \"--upload-pack=x\""
        );
    }

    #[test]
    fn escaping_source_folder_is_refused() {
        let (_, d) = parse(Path::new("/r"), "[book]\nsrc = \"../elsewhere\"\n".into());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "unsafe-path");
    }

    #[test]
    fn an_unsafe_folder_is_placed_where_its_key_writes_it() {
        // The same text earlier in the file (a title) is not the place.
        let text = "[book]\ntitle = \"../kb\"\n\n[preprocessor.supportbook]\nkb-dir = \"../kb\"\n";
        let (_, d) = parse(Path::new("/r"), text.into());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "unsafe-path");
        assert!(d[0].place().starts_with("book.toml:5:"), "{}", d[0].place());
    }

    #[test]
    fn find_root_walks_upward() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("book.toml"), "").unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_root(None, &deep).unwrap(), dir.path());
        assert!(find_root(Some(&deep), dir.path()).is_err());
    }
}
