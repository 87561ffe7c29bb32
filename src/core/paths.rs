//! Paths in the source tree and in the site: where a link leads, where each
//! checked item is published, and the URL a browser follows. In: source-
//! relative paths and checked articles. Out: paths and URLs. Pure.

use crate::core::markdown::{self, slug};
use crate::core::model::Article;
use std::path::{Component, Path, PathBuf};

/// Site path (Markdown form) of the generated Quizzes page.
pub const QUIZZES_PAGE: &str = "quizzes.md";

/// Resolves `link` (a `/`-separated relative path) against `dir`, both inside
/// the source folder. `None` when it climbs out of the source folder or is
/// absolute.
pub fn resolve(dir: &Path, link: &str) -> Option<PathBuf> {
    if link.starts_with('/') || link.starts_with('\\') {
        return None;
    }
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for c in dir.join(link).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_os_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// The link a page in `from_dir` must write to reach `to` (both relative to
/// the source folder), `/`-separated: `relative_link("kb/network",
/// "kb/printing/p.md")` is `../printing/p.md`. The inverse of [`resolve`].
pub fn relative_link(from_dir: &Path, to: &Path) -> String {
    let from: Vec<_> = from_dir
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let to_parts: Vec<_> = to
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.len().saturating_sub(common);
    let mut parts: Vec<String> = vec!["..".to_string(); ups];
    parts.extend(
        to_parts
            .iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The output path of an article: its own path when SUMMARY.md lists it,
/// else `kb/<id>.md`.
pub fn article_out(a: &Article) -> PathBuf {
    if a.in_summary {
        a.rel.clone()
    } else {
        PathBuf::from(format!("kb/{}.md", a.id))
    }
}

pub fn product_out(name: &str) -> PathBuf {
    PathBuf::from(format!("kb/products/{}.md", slug(name)))
}

pub fn tag_out(name: &str) -> PathBuf {
    PathBuf::from(format!("kb/tags/{}.md", slug(name)))
}

/// A relative URL from a folder to a site path, `/`-separated, with `.md`
/// turned into `.html` when `html` is set.
pub fn relative_url(from_dir: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from_dir
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    let to_c: Vec<Component<'_>> = to
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), from.len().saturating_sub(common)).collect();
    parts.extend(
        to_c.iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `a/b.md` as the URL a browser follows: `a/b.html`.
pub fn html_url(md: &str) -> String {
    markdown::md_to_html_link(md).unwrap_or_else(|| md.to_string())
}

/// `path` with `.` and `..` worked out by name, without the file system (a
/// `..` above the start is kept).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
