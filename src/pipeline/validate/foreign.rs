//! What other tools' front matter brings along: keys supportbook does not
//! read, and values outside its vocabularies (`audience: ITPro`).
//!
//! In: each article's [`Foreign`] list, filled by
//! [`super::article_from_raw`]. Out: one warning per foreign key and per
//! foreign value across the whole handbook, with a count and the first
//! place, instead of one per file.

use super::ARTICLE_KEYS;
use crate::core::diagnostic::{Diagnostic, did_you_mean, display_path};
use crate::core::model::{Article, Foreign};
use crate::pipeline::frontmatter::Format;

/// Words other tools use for our states, each with the state it means.
pub const STATE_ALIASES: &[(&str, &str)] = &[
    ("published", "validated"),
    ("publish", "validated"),
    ("approved", "validated"),
    ("live", "validated"),
    ("final", "validated"),
    ("wip", "draft"),
    ("in-progress", "draft"),
    ("review", "draft"),
    ("in-review", "draft"),
    ("pending", "draft"),
    ("unpublished", "draft"),
    ("retired", "archived"),
    ("outdated", "archived"),
    ("deprecated", "archived"),
    ("obsolete", "archived"),
];

/// Words other tools use for our audiences, each with the audience it means.
pub const AUDIENCE_ALIASES: &[(&str, &str)] = &[
    ("public", "customer"),
    ("external", "customer"),
    ("customers", "customer"),
    ("everyone", "customer"),
    ("end-user", "customer"),
    ("end-users", "customer"),
    ("users", "customer"),
    ("private", "internal"),
    ("staff", "internal"),
    ("agents", "internal"),
    ("employees", "internal"),
    ("team", "internal"),
];

/// How a value of a key with a fixed vocabulary reads.
#[derive(Debug, PartialEq, Eq)]
pub enum Reading {
    /// One of ours (any case): this name.
    Known(&'static str),
    /// A mistake: an error, with this help.
    Wrong(String),
    /// Another tool's value: kept, the article treated as having this one.
    Foreign(&'static str),
}

/// Reads `value` of a key whose values are `names`. The rule:
/// - one of `names`, in any case: that one;
/// - in TOML front matter (`+++`, supportbook's own format) anything else
///   is a mistake: an error, with a did-you-mean from `names` or `aliases`;
/// - in YAML front matter (how other tools' KBs arrive) a value within two
///   edits of one of `names` is a typo (an error); anything else is
///   foreign: kept, and the article treated as the alias's meaning when it
///   is one of `aliases`, else as `default`.
pub fn read_choice(
    value: &str,
    format: Format,
    names: &[&'static str],
    default: &'static str,
    aliases: &[(&'static str, &'static str)],
) -> Reading {
    let lower = value.trim().to_lowercase();
    if let Some(n) = names.iter().find(|n| **n == lower) {
        return Reading::Known(n);
    }
    let expected = names.join(", ");
    let near = names
        .iter()
        .copied()
        .find(|n| strsim::osa_distance(n, &lower) <= 2);
    let suggestion = near
        .or_else(|| did_you_mean(&lower, names.iter().copied()))
        .or_else(|| {
            let alias = did_you_mean(&lower, aliases.iter().map(|(a, _)| *a))?;
            aliases.iter().find(|(a, _)| *a == alias).map(|(_, n)| *n)
        });
    let wrong = || match suggestion {
        Some(m) => Reading::Wrong(format!("did you mean \"{m}\"? expected one of: {expected}")),
        None => Reading::Wrong(format!("expected one of: {expected}")),
    };
    match format {
        Format::Toml => wrong(),
        Format::Yaml if near.is_some() => wrong(),
        Format::Yaml => {
            let meant = aliases
                .iter()
                .find(|(a, _)| *a == lower)
                .map_or(default, |(_, n)| *n);
            Reading::Foreign(meant)
        }
    }
}

/// One warning per foreign key and per foreign value across `articles`
/// (in their order), placed at its first occurrence, with the number of
/// articles that have it.
pub fn diagnostics<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Vec<Diagnostic> {
    // (key, value) -> (first article, its Foreign, more articles)
    let mut groups: Vec<(&Article, &Foreign, Vec<&Article>)> = Vec::new();
    let mut at: std::collections::HashMap<(&str, Option<&str>), usize> =
        std::collections::HashMap::new();
    for a in articles {
        for f in &a.foreign {
            let k = (f.key.as_str(), f.value.as_ref().map(|(v, _)| v.as_str()));
            match at.get(&k).and_then(|&i| groups.get_mut(i)) {
                Some((first, _, more)) => {
                    if first.path != a.path && more.last().is_none_or(|m| m.path != a.path) {
                        more.push(a);
                    }
                }
                None => {
                    at.insert(k, groups.len());
                    groups.push((a, f, Vec::new()));
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|(first, f, more)| one(first, f, &more))
        .collect()
}

fn one(first: &Article, f: &Foreign, more: &[&Article]) -> Diagnostic {
    let n = more.len() + 1;
    let (code, message, help) = match &f.value {
        None => {
            let normalized = f.key.replace('_', "-").to_lowercase();
            let near = ARTICLE_KEYS
                .iter()
                .copied()
                .find(|k| *k == normalized)
                .or_else(|| did_you_mean(&f.key, ARTICLE_KEYS.iter().copied()));
            let message = if n == 1 {
                format!(
                    "unknown front-matter key `{}` (kept in the file, not used)",
                    f.key
                )
            } else {
                format!(
                    "unknown front-matter key `{}` in {n} articles (kept in the files, not used)",
                    f.key
                )
            };
            let help = match near {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("supportbook reads: {}", ARTICLE_KEYS.join(", ")),
            };
            ("unknown-key", message, help)
        }
        Some((value, meant)) => {
            let message = if n == 1 {
                format!(
                    "`{}` has a value supportbook does not know, \"{value}\" (kept in the file; the article is treated as {meant})",
                    f.key
                )
            } else {
                format!(
                    "`{}` has a value supportbook does not know, \"{value}\", in {n} articles (kept in the files; they are treated as {meant})",
                    f.key
                )
            };
            let names = match f.key.as_str() {
                "state" => crate::core::model::State::NAMES.join(", "),
                _ => crate::core::model::Audience::NAMES.join(", "),
            };
            (
                "foreign-value",
                message,
                format!("supportbook's values are: {names}; write one of them to choose"),
            )
        }
    };
    let mut d = Diagnostic::warning(code, &first.path, message)
        .at(&first.source, f.span.clone())
        .with_help(help);
    if let Some(second) = more.first() {
        let rest = more.len() - 1;
        d = d.with_note(if rest == 0 {
            format!("also in {}", display_path(&second.path))
        } else {
            format!("also in {} and {rest} more", display_path(&second.path))
        });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Audience, State};

    #[test]
    fn choices_in_toml_are_ours_or_wrong() {
        let read = |v| read_choice(v, Format::Toml, &State::NAMES, "validated", STATE_ALIASES);
        assert_eq!(read("draft"), Reading::Known("draft"));
        assert_eq!(read("Validated"), Reading::Known("validated"));
        assert_eq!(
            read("validatd"),
            Reading::Wrong(
                "did you mean \"validated\"? expected one of: draft, validated, archived".into()
            )
        );
        assert_eq!(
            read("publishd"),
            Reading::Wrong(
                "did you mean \"validated\"? expected one of: draft, validated, archived".into()
            )
        );
        assert_eq!(
            read("zzz"),
            Reading::Wrong("expected one of: draft, validated, archived".into())
        );
    }

    #[test]
    fn choices_in_yaml_are_foreign_unless_a_typo() {
        let read = |v| {
            read_choice(
                v,
                Format::Yaml,
                &Audience::NAMES,
                "internal",
                AUDIENCE_ALIASES,
            )
        };
        assert_eq!(read("ITPro"), Reading::Foreign("internal"));
        assert_eq!(read("Admin|ITPro|Developer"), Reading::Foreign("internal"));
        assert_eq!(read("Public"), Reading::Foreign("customer"));
        assert_eq!(read("customer"), Reading::Known("customer"));
        assert!(matches!(read("custmer"), Reading::Wrong(_)));
        let state = |v| read_choice(v, Format::Yaml, &State::NAMES, "validated", STATE_ALIASES);
        assert_eq!(state("outdated"), Reading::Foreign("archived"));
        assert_eq!(state("wibble"), Reading::Foreign("validated"));
        assert!(matches!(state("draf"), Reading::Wrong(_)));
    }
}
