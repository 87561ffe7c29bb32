//! `supportbook review`: the review queue.

use super::check::load_and_validate;
use crate::cli::{ReviewArgs, TextOrJson};
use crate::error::{Error, Result};
use crate::model::Article;
use serde_json::json;
use std::io::Write as _;
use std::path::Path;

/// Overdue articles, by owner (no owner last), most overdue first (pure).
pub fn queue<'a>(articles: &'a [Article], owner: Option<&str>) -> Vec<&'a Article> {
    let mut list: Vec<&Article> = articles
        .iter()
        .filter(|a| a.needs_review())
        .filter(|a| {
            owner.is_none_or(|o| {
                a.owner
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(o))
            })
        })
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

pub fn run(root: &Path, args: &ReviewArgs) -> Result<()> {
    let (handbook, _, diags) = load_and_validate(root, crate::today())?;
    if diags.has_errors() {
        eprint!("{}", diags.render_human());
        return Err(Error::Invalid {
            errors: diags.errors(),
        });
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
                        "path": crate::diagnostic::display_path(&a.path),
                        "reviewed": a.reviewed.map(|d| d.to_string()),
                        "due": a.review.map(|r| r.due.to_string()),
                        "overdue_days": a.review.map(|r| r.overdue_days),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(items))
        }
        TextOrJson::Text if list.is_empty() => {
            writeln!(out, "no articles are past their review date")
        }
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
                    crate::diagnostic::display_path(&a.path)
                )?;
            }
            Ok(())
        })(),
    };
    super::stdout_written(r)
}
