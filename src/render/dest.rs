//! Where a site may be built: the destination folder, resolved.
//!
//! In: the project and a destination path as the user gave it. Out: the
//! destination with `.`, `..` and every symbolic link on the way worked out
//! (what the build then writes to and keys its manifest by), or a refusal
//! when writing there could overwrite the project's own files.

use crate::core::config::Project;
use crate::core::error::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// `path` made absolute (from the current folder), each `..` taken back one
/// real folder and each symbolic link on the way followed, as the file
/// system would when writing there. The part that does not exist yet is
/// worked out by name. A broken link on the way is an error: writing through
/// it would create whatever it names.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                let is_link = std::fs::symlink_metadata(&out).is_ok_and(|m| m.is_symlink());
                if is_link {
                    out = out.canonicalize().map_err(|_| {
                        Error::Refused(format!(
                            "refusing to build into {}: {} is a broken symbolic link",
                            path.display(),
                            out.display()
                        ))
                    })?;
                }
            }
        }
    }
    Ok(out)
}

/// The folders a build must never write into, as (name shown, resolved path).
fn protected(project: &Project, root: &Path) -> Vec<(String, PathBuf)> {
    let s = &project.settings;
    let mut names: Vec<PathBuf> = vec![
        project.src.clone(),
        s.quizzes_dir.clone().into(),
        s.templates_dir.clone().into(),
        s.rules_dir.clone().into(),
        project.theme_dir(),
        ".git".into(),
        ".supportbook".into(),
    ];
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let full = root.join(&n);
            let resolved = resolve(&full).unwrap_or(full);
            (crate::core::diagnostic::display_path(&n), resolved)
        })
        .collect()
}

/// Resolves `dest` and refuses it when a build there could overwrite the
/// project: it is the project folder or a folder above it, it is inside (or
/// contains) the source folder, quizzes, templates, rules, the theme, `.git`
/// or `.supportbook`, or a symbolic link already inside it leads into the
/// project (a build would write through it). Returns the resolved path.
pub fn check_dest(project: &Project, dest: &Path) -> Result<PathBuf> {
    let refuse = |why: String| {
        Err(Error::Refused(format!(
            "refusing to build into {}: {why}",
            dest.display()
        )))
    };
    let root = resolve(&project.root)?;
    let d = resolve(dest)?;
    if root.starts_with(&d) {
        return refuse(if d == root {
            "that is the project folder itself, whose files would be overwritten".into()
        } else {
            "it contains the project, whose files would be overwritten".into()
        });
    }
    for (name, p) in protected(project, &root) {
        if d == p {
            return refuse(format!(
                "that is the project's {name}/ folder; supportbook never writes there"
            ));
        }
        if d.starts_with(&p) {
            return refuse(format!(
                "it is inside the project's {name}/ folder; supportbook never writes there"
            ));
        }
        if p.starts_with(&d) {
            return refuse(format!("it contains {name}/, which would be overwritten"));
        }
    }
    if let Some((link, target)) = link_into_project(&d, &root) {
        let shown = |p: &Path| {
            p.strip_prefix(&root)
                .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
        };
        return refuse(format!(
            "{} is a symbolic link to {}, inside the project; a build would write through it (remove the link)",
            shown(&link),
            shown(&target)
        ));
    }
    Ok(d)
}

/// The first symbolic link under `dest` (not followed) that leads into the
/// project (outside `dest` itself) or to a folder that contains it.
fn link_into_project(dest: &Path, root: &Path) -> Option<(PathBuf, PathBuf)> {
    if !dest.is_dir() {
        return None;
    }
    let walker = walkdir::WalkDir::new(dest).follow_links(false).min_depth(1);
    for entry in walker.into_iter().filter_map(std::result::Result::ok) {
        if !entry.path_is_symlink() {
            continue;
        }
        let Ok(target) = entry.path().canonicalize() else {
            continue;
        };
        let into_project = target.starts_with(root) && !target.starts_with(dest);
        if into_project || root.starts_with(&target) {
            return Some((entry.into_path(), target));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_works_out_dots_links_and_missing_parts() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("p/content")).unwrap();
        assert_eq!(
            resolve(&base.join("p/nonexist/../content")).unwrap(),
            base.join("p/content")
        );
        assert_eq!(
            resolve(&base.join("p/a/b/../../content/x")).unwrap(),
            base.join("p/content/x")
        );
        #[cfg(unix)]
        {
            std::fs::create_dir_all(base.join("elsewhere/deep")).unwrap();
            std::os::unix::fs::symlink(base.join("elsewhere/deep"), base.join("p/link")).unwrap();
            // `..` after a link goes up from where the link leads, as the OS does.
            assert_eq!(
                resolve(&base.join("p/link/../x")).unwrap(),
                base.join("elsewhere/x")
            );
            std::os::unix::fs::symlink(base.join("gone"), base.join("p/broken")).unwrap();
            assert!(resolve(&base.join("p/broken/site")).is_err());
        }
    }
}
