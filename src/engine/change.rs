//! Sorting a changed path into what it changes: the pure core of every
//! rebuild (table-tested below). In: a path relative to the project root and
//! the project's folders. Out: a [`Change`].

use crate::core::config::Project;
use std::path::{Component, Path, PathBuf};

/// What a changed path is, for deciding what to redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Not an input: output, state, VCS, editor temp files, unrelated files.
    Ignored,
    /// A KB article (`<src>/<kb-dir>/**.md`).
    Article,
    /// Any other file under the source folder (chapters, SUMMARY.md, images).
    Content,
    /// A quiz file (`<quizzes-dir>/**.toml`) or a reply rules file
    /// (`<rules-dir>/**.toml`, which grades FreeText questions).
    Quiz,
    /// Our templates or mdBook's theme folder.
    Template,
    /// book.toml: everything is reloaded.
    Config,
}

/// The folders [`classify`] needs, relative to the project root.
#[derive(Debug, Clone)]
pub struct Layout {
    pub src: PathBuf,
    pub kb_dir: String,
    pub quizzes_dir: String,
    pub rules_dir: String,
    pub templates_dir: String,
    /// mdBook's build dir (`book`), never an input.
    pub build_dir: PathBuf,
}

impl Layout {
    pub fn of(project: &Project, build_dir: &Path) -> Layout {
        Layout {
            src: project.src.clone(),
            kb_dir: project.settings.kb_dir.clone(),
            quizzes_dir: project.settings.quizzes_dir.clone(),
            rules_dir: project.settings.rules_dir.clone(),
            templates_dir: project.settings.templates_dir.clone(),
            build_dir: build_dir.to_path_buf(),
        }
    }
}

/// True for the files editors write next to the one being edited (swap,
/// backup, lock and atomic-save files).
pub fn is_editor_temp(name: &str) -> bool {
    name.starts_with(".#")
        || name.starts_with(".goutputstream")
        || name.starts_with('~')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".crswap", ".part"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || (name.starts_with('#') && name.ends_with('#'))
}

/// Sorts one changed path (relative to the project root) into a [`Change`].
pub fn classify(rel: &Path, layout: &Layout) -> Change {
    let parts: Vec<&std::ffi::OsStr> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    let Some(name) = parts.last().map(|n| n.to_string_lossy()) else {
        return Change::Ignored;
    };
    if is_editor_temp(&name) {
        return Change::Ignored;
    }
    let first = parts.first().map(|f| f.to_string_lossy());
    if matches!(
        first.as_deref(),
        Some(".git" | ".supportbook" | "node_modules" | "target")
    ) || (!layout.build_dir.as_os_str().is_empty() && rel.starts_with(&layout.build_dir))
    {
        return Change::Ignored;
    }
    if parts.len() == 1 && name == "book.toml" {
        return Change::Config;
    }
    if rel.starts_with(&layout.templates_dir) || rel.starts_with("theme") {
        return Change::Template;
    }
    let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
    if rel.starts_with(&layout.quizzes_dir) || rel.starts_with(&layout.rules_dir) {
        return if ext == "toml" {
            Change::Quiz
        } else {
            Change::Ignored
        };
    }
    if rel.starts_with(&layout.src) {
        if ext == "md" && rel.starts_with(layout.src.join(&layout.kb_dir)) {
            return Change::Article;
        }
        return Change::Content;
    }
    Change::Ignored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            src: "content".into(),
            kb_dir: "kb".into(),
            quizzes_dir: "quizzes".into(),
            rules_dir: "rules".into(),
            templates_dir: "templates".into(),
            build_dir: "book".into(),
        }
    }

    #[test]
    fn classify_table() {
        use Change::*;
        let table = [
            ("book.toml", Config),
            ("content/kb/dns/timeout.md", Article),
            ("content/kb/index-notes.md", Article),
            ("content/kb/search-cases.toml", Content),
            ("content/training/01-welcome.md", Content),
            ("content/SUMMARY.md", Content),
            ("content/images/logo.png", Content),
            ("quizzes/outage.toml", Quiz),
            ("quizzes/README.md", Ignored),
            ("rules/replies.toml", Quiz),
            ("rules/README.md", Ignored),
            ("templates/article.hbs", Template),
            ("templates/supportbook.css", Template),
            ("theme/index.hbs", Template),
            ("book/kb/timeout.html", Ignored),
            ("book/index.html", Ignored),
            (".supportbook/index/meta.json", Ignored),
            (".supportbook/stage/kb/index.html", Ignored),
            (".git/index", Ignored),
            (".git/HEAD.lock", Ignored),
            ("content/kb/.timeout.md.swp", Ignored),
            ("content/kb/timeout.md~", Ignored),
            ("content/kb/.#timeout.md", Ignored),
            ("content/kb/#timeout.md#", Ignored),
            ("content/kb/4913", Ignored),
            ("content/kb/timeout.md.tmp", Ignored),
            ("content/.goutputstream-XYZ12", Ignored),
            ("README.md", Ignored),
            ("src/lib.rs", Ignored),
            ("target/debug/supportbook", Ignored),
            ("notes/book.toml", Ignored),
            ("", Ignored),
        ];
        for (path, want) in table {
            assert_eq!(classify(Path::new(path), &layout()), want, "{path}");
        }
    }

    #[test]
    fn classify_follows_settings() {
        let l = Layout {
            src: "src".into(),
            kb_dir: "articles".into(),
            quizzes_dir: "training/quizzes".into(),
            rules_dir: "training/rules".into(),
            templates_dir: "tpl".into(),
            build_dir: "site/out".into(),
        };
        assert_eq!(
            classify(Path::new("src/articles/a.md"), &l),
            Change::Article
        );
        assert_eq!(classify(Path::new("src/kb/a.md"), &l), Change::Content);
        assert_eq!(
            classify(Path::new("training/quizzes/q.toml"), &l),
            Change::Quiz
        );
        assert_eq!(
            classify(Path::new("training/rules/r.toml"), &l),
            Change::Quiz
        );
        assert_eq!(classify(Path::new("tpl/article.hbs"), &l), Change::Template);
        assert_eq!(classify(Path::new("site/out/x.html"), &l), Change::Ignored);
        assert_eq!(classify(Path::new("site/other.md"), &l), Change::Ignored);
    }
}
