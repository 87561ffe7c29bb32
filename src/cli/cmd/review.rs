//! `supportbook review`: the review queue.

use crate::cli::{ReviewArgs, TextOrJson};
use crate::core::error::{Error, Result};
use crate::core::model::Article;
use crate::engine::{self, Loaded};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

/// Overdue articles, by owner (no owner last), most overdue first (pure).
pub fn queue<'a>(articles: &'a [Arc<Article>], owner: Option<&str>) -> Vec<&'a Article> {
    let mut list: Vec<&Article> = articles
        .iter()
        .map(|a| &**a)
        .filter(|a| a.needs_review())
        .filter(|a| owner.is_none_or(|o| a.owner.as_deref().is_some_and(|x| same_owner(x, o))))
        .collect();
    list.sort_by(|a, b| {
        let key = |x: &Article| {
            (
                x.owner.is_none(),
                x.owner.clone().unwrap_or_default().to_lowercase(),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| {
                b.review
                    .map(|r| r.overdue_days)
                    .cmp(&a.review.map(|r| r.overdue_days))
            })
            .then_with(|| a.id.cmp(&b.id))
    });
    list
}

/// Owners are compared ignoring case (`tomás` is `Tomás`).
fn same_owner(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// For an `--owner` that owns no article at all: what to say, with a
/// did-you-mean over the owners the handbook has (pure).
pub fn unknown_owner(articles: &[Arc<Article>], owner: &str) -> Option<String> {
    let owners: BTreeSet<&str> = articles.iter().filter_map(|a| a.owner.as_deref()).collect();
    if owners.iter().any(|o| same_owner(o, owner)) {
        return None;
    }
    let lower: BTreeMap<String, &str> = owners.iter().map(|o| (o.to_lowercase(), *o)).collect();
    let hint = match crate::core::diagnostic::did_you_mean(
        &owner.to_lowercase(),
        lower.keys().map(String::as_str),
    ) {
        Some(l) => format!(" (did you mean `{}`?)", lower.get(l).copied().unwrap_or(l)),
        None if owners.is_empty() => " (no article has an `owner`)".to_string(),
        None if owners.len() <= 20 => format!(
            " (owners: {})",
            owners.iter().copied().collect::<Vec<_>>().join(", ")
        ),
        None => String::new(),
    };
    Some(format!("no articles are owned by `{owner}`{hint}"))
}

pub fn run(root: &Path, args: &ReviewArgs) -> Result<()> {
    let Loaded {
        handbook, diags, ..
    } = engine::load(root, crate::today())?;
    if diags.has_errors() {
        eprint!("{}", diags.render_human());
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
    }
    if let Some(msg) = args
        .owner
        .as_deref()
        .and_then(|o| unknown_owner(&handbook.articles, o))
    {
        return Err(Error::Refused(msg));
    }
    let list = queue(&handbook.articles, args.owner.as_deref());
    let mut out = std::io::stdout().lock();
    let r = match args.format {
        TextOrJson::Json => {
            let items: Vec<_> = list
                .iter()
                .map(|a| {
                    json!({
                        "id": a.id, "title": a.title, "owner": a.owner,
                        "path": crate::core::diagnostic::display_path(&a.path),
                        "reviewed": a.reviewed.map(|d| d.to_string()),
                        "due": a.review.map(|r| r.due.to_string()),
                        "overdue_days": a.review.map(|r| r.overdue_days),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(items))
        }
        TextOrJson::Text if list.is_empty() => match args.owner.as_deref() {
            Some(o) => writeln!(out, "no articles owned by {o} are past their review date"),
            None => writeln!(out, "no articles are past their review date"),
        },
        TextOrJson::Text => (|| {
            let mut current: Option<Option<&str>> = None;
            for a in &list {
                let owner = a.owner.as_deref();
                if current != Some(owner) {
                    writeln!(out, "{}", owner.unwrap_or("(no owner)"))?;
                    current = Some(owner);
                }
                let (due, days) = a
                    .review
                    .map_or((String::new(), 0), |r| (r.due.to_string(), r.overdue_days));
                writeln!(
                    out,
                    "  {:>4} days overdue  {:<36} due {due}  {}",
                    days,
                    a.id,
                    crate::core::diagnostic::display_path(&a.path)
                )?;
            }
            Ok(())
        })(),
    };
    super::stdout_written(r)
}
