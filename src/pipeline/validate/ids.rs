//! Article ids made from file names: normalised into valid ids, and made
//! unique by folder when two files give the same one.
//!
//! In: the articles as [`super::article_from_raw`] read them, each with the
//! id from its `id` key or its file name. Out: every id unique, and two
//! warnings at most for a whole handbook (normalised names, collisions).

use crate::core::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::core::model::{Article, IdSource};
use std::collections::BTreeSet;
use std::path::Path;

/// The id of the KB overview page: no article may have it.
pub const RESERVED_ID: &str = "index";

/// How many files a collected warning names before "and N more".
const LISTED: usize = 10;

/// The article id a file stem gives: the stem itself when it is a valid id,
/// else lowercased, with every run of characters other than ASCII letters,
/// digits and `_` turned into one `-`, trimmed of `-` and `_` at both ends
/// (`setup-error-if-.net-framework-4.6-is-installed` ->
/// `setup-error-if-net-framework-4-6-is-installed`, `Can't sign in` ->
/// `can-t-sign-in`). A stem with none of those characters gives `article`.
///
/// Search cases name articles by file stem; this maps them to ids.
pub fn id_from_stem(stem: &str) -> String {
    if super::is_valid_id(stem) {
        return stem.to_string();
    }
    let mut out = String::with_capacity(stem.len());
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '_');
    if trimmed.is_empty() {
        "article".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Where the id an article claims comes from, as [`unique_ids`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `id` key: kept as it is.
    Key,
    /// The file name, a valid id as it is.
    FileName,
    /// The file name, normalised into a valid id.
    Normalised,
}

impl From<&IdSource> for Origin {
    fn from(s: &IdSource) -> Origin {
        match s {
            IdSource::Key => Origin::Key,
            IdSource::FileName => Origin::FileName,
            IdSource::Normalised(_) => Origin::Normalised,
        }
    }
}

/// The id one article claims before ids are made unique.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// From the `id` key, or [`id_from_stem`] of the file stem.
    pub id: &'a str,
    pub origin: Origin,
    /// The path relative to the source folder (`kb/sharepoint/setup.md`).
    pub rel: &'a Path,
}

/// Makes ids that come from file names unique: an id from an `id` key
/// keeps it (two such are a `duplicate-id` error, reported elsewhere); the
/// others that share an id with anything (another article, the overview
/// page) get their folder names in front, nearest folder first, as many as
/// it takes (`kb/sharepoint/setup.md` -> `sharepoint-setup`), and `-2`,
/// `-3`... when two are in the same folder. Reports every changed id in one
/// warning, and every normalised file name in another.
pub fn assign(articles: &mut [Article], kb_dir: &Path, diags: &mut Diagnostics) {
    report_normalised(articles, diags);
    let claims: Vec<Claim<'_>> = articles
        .iter()
        .map(|a| Claim {
            id: &a.id,
            origin: Origin::from(&a.id_source),
            rel: &a.rel,
        })
        .collect();
    let mut changed = unique_ids(&claims, kb_dir);
    if changed.is_empty() {
        return;
    }
    changed.sort_by(|a, b| {
        let path = |i: usize| articles.get(i).map(|a| a.path.clone());
        path(a.0).cmp(&path(b.0))
    });
    let mut notes = Vec::new();
    for (i, new_id) in &changed {
        if let Some(a) = articles.get_mut(*i) {
            if notes.len() < LISTED {
                notes.push(format!(
                    "{}: `{}` -> `{new_id}`",
                    display_path(&a.path),
                    a.id
                ));
            }
            a.id = new_id.clone();
        }
    }
    if changed.len() > LISTED {
        notes.push(format!("and {} more", changed.len() - LISTED));
    }
    let Some(first) = changed.first().and_then(|(i, _)| articles.get(*i)) else {
        return;
    };
    let n = changed.len();
    let mut d = Diagnostic::warning(
        "id-collision",
        &first.path,
        format!(
            "{n} article{} would share an id made from {} file name{}; {} its folder in front",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its" } else { "their" },
            if n == 1 { "" } else { "s" },
            if n == 1 { "it gets" } else { "each gets" },
        ),
    )
    .with_help("to choose the ids yourself, give the articles an `id` in their front matter");
    for note in notes {
        d = d.with_note(note);
    }
    diags.push(d);
}

/// The rule behind [`assign`], on claims alone: which claims (by index)
/// get another id, and which. Pure, so the search index gives articles the
/// ids the site gives them without reading every file.
pub fn unique_ids(claims: &[Claim<'_>], kb_dir: &Path) -> Vec<(usize, String)> {
    // Claims in id order, each id's claims in their own order: the groups.
    let mut order: Vec<usize> = (0..claims.len()).collect();
    let id_of = |i: usize| claims.get(i).map_or("", |c| c.id);
    order.sort_by(|&a, &b| id_of(a).cmp(id_of(b)));
    let claimed = |c: &str| order.binary_search_by(|&i| id_of(i).cmp(c)).is_ok();
    let origin = |i: usize| claims.get(i).map(|c| c.origin);
    // Ids given out here; with the claimed ones and the reserved id, the taken ones.
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut changed: Vec<(usize, String)> = Vec::new();
    for members in order.chunk_by(|&a, &b| id_of(a) == id_of(b)) {
        let Some(&first) = members.first() else {
            continue;
        };
        let id = id_of(first);
        if members.len() == 1 && id != RESERVED_ID {
            continue;
        }
        let from_key = members
            .iter()
            .filter(|&&i| origin(i) == Some(Origin::Key))
            .count();
        let mut from_name: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| origin(i).is_some_and(|o| o != Origin::Key))
            .collect();
        let clash = from_key > 0 || from_name.len() > 1 || id == RESERVED_ID;
        // A file whose name is the id as it is keeps it against names that
        // only normalise to it (`foo-bar.md` against `foo.bar.md`).
        let as_is: Vec<usize> = from_name
            .iter()
            .copied()
            .filter(|&i| origin(i) == Some(Origin::FileName))
            .collect();
        if from_key == 0 && id != RESERVED_ID && as_is.len() == 1 {
            from_name.retain(|i| !as_is.contains(i));
        }
        if from_name.is_empty() || !clash {
            continue;
        }
        let taken = |c: &str| c == RESERVED_ID || claimed(c) || added.contains(c);
        let folders: Vec<Vec<String>> = from_name
            .iter()
            .map(|&i| {
                claims
                    .get(i)
                    .map(|c| folder_slugs(c.rel, kb_dir))
                    .unwrap_or_default()
            })
            .collect();
        let deepest = folders.iter().map(Vec::len).max().unwrap_or(0);
        let mut chosen: Vec<String> = Vec::new();
        for depth in 1..=deepest.max(1) {
            chosen = folders.iter().map(|f| with_folders(id, f, depth)).collect();
            let distinct: BTreeSet<&String> = chosen.iter().collect();
            if distinct.len() == chosen.len() && chosen.iter().all(|c| !taken(c)) {
                break;
            }
        }
        // Same folder (or no folder): number what still clashes.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for c in &mut chosen {
            if (seen.contains(c.as_str()) || taken(c))
                && let Some(free) = (2u32..)
                    .map(|n| format!("{c}-{n}"))
                    .find(|x| !seen.contains(x) && !taken(x))
            {
                *c = free;
            }
            seen.insert(c.clone());
        }
        for (&i, new_id) in from_name.iter().zip(chosen) {
            added.insert(new_id.clone());
            changed.push((i, new_id));
        }
    }
    changed
}

/// One warning for every file name that was not a valid id as it is.
fn report_normalised(articles: &[Article], diags: &mut Diagnostics) {
    let normalised: Vec<(&Article, &str)> = articles
        .iter()
        .filter_map(|a| match &a.id_source {
            IdSource::Normalised(stem) => Some((a, stem.as_str())),
            _ => None,
        })
        .collect();
    let Some((first, _)) = normalised.first() else {
        return;
    };
    let n = normalised.len();
    let mut d = Diagnostic::warning(
        "id-normalised",
        &first.path,
        if n == 1 {
            "a file name is not a valid article id; the article's id is made from it".to_string()
        } else {
            format!("{n} file names are not valid article ids; each article's id is made from its name")
        },
    )
    .with_help("ids are lowercase letters, digits, `-` and `_`; rename the file or give it an `id` to choose the id yourself");
    for (a, stem) in normalised.iter().take(LISTED) {
        d = d.with_note(format!("{}: `{stem}` -> `{}`", display_path(&a.path), a.id));
    }
    if n > LISTED {
        d = d.with_note(format!("and {} more", n - LISTED));
    }
    diags.push(d);
}

/// The folders between the KB folder and the file, nearest first, as ids.
fn folder_slugs(rel: &Path, kb_dir: &Path) -> Vec<String> {
    let inside = rel.strip_prefix(kb_dir).unwrap_or(rel);
    let mut out: Vec<String> = inside
        .parent()
        .map(|p| {
            p.components()
                .map(|c| id_from_stem(&c.as_os_str().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    out.reverse();
    out
}

/// `id` with the `depth` nearest folders in front (outermost first).
fn with_folders(id: &str, folders: &[String], depth: usize) -> String {
    let mut parts: Vec<&str> = folders.iter().take(depth).map(String::as_str).collect();
    parts.reverse();
    parts.push(id);
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_become_valid_ids() {
        for (stem, id) in [
            ("ssl-expired_2", "ssl-expired_2"),
            ("a--b", "a--b"),
            (
                "setup-error-if-.net-framework-4.6-is-installed",
                "setup-error-if-net-framework-4-6-is-installed",
            ),
            (
                "documents-not-displayed-in-web-browser-when-using-tls-1.2",
                "documents-not-displayed-in-web-browser-when-using-tls-1-2",
            ),
            ("Can't sign in", "can-t-sign-in"),
            ("cannot-find-any-clip art", "cannot-find-any-clip-art"),
            ("  --Weird..Name--  ", "weird-name"),
            ("_private", "private"),
            ("Straße", "stra-e"),
            ("...", "article"),
            ("", "article"),
        ] {
            assert_eq!(id_from_stem(stem), id, "{stem:?}");
            assert!(super::super::is_valid_id(&id_from_stem(stem)), "{stem:?}");
        }
    }

    #[test]
    fn folders_nearest_first() {
        let f = folder_slugs(Path::new("kb/office/Share Point/x.md"), Path::new("kb"));
        assert_eq!(f, ["share-point", "office"]);
        assert_eq!(with_folders("x", &f, 1), "share-point-x");
        assert_eq!(with_folders("x", &f, 2), "office-share-point-x");
        assert_eq!(with_folders("x", &f, 5), "office-share-point-x");
        assert_eq!(with_folders("x", &[], 1), "x");
    }
}
