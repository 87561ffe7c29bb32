//! The generated "What's new this cycle" page.

use super::{article_out, html_url, relative_url};
use crate::core::markdown::escape_attr;
use crate::pipeline::cycle::{Item, ItemKind};
use crate::pipeline::git::ChangeKind;
use crate::pipeline::handbook::Handbook;
use std::fmt::Write as _;
use std::path::Path;

/// Site path (Markdown form) of the page.
pub const WHATS_NEW_PAGE: &str = "whats-new.md";

fn link(handbook: &Handbook, item: &Item) -> String {
    let title = escape_attr(&item.title);
    let url = match item.kind {
        ItemKind::Article => item
            .id
            .as_deref()
            .and_then(|id| handbook.article(id))
            .map(|a| html_url(&relative_url(Path::new(""), &article_out(a)))),
        ItemKind::Chapter => item
            .change
            .path
            .strip_prefix(&handbook.project.src)
            .ok()
            .filter(|rel| handbook.summary_listed.contains(*rel))
            .map(|rel| html_url(&crate::core::diagnostic::display_path(rel))),
        ItemKind::Quiz => item
            .id
            .as_ref()
            .map(|_| html_url(super::quiz::QUIZZES_PAGE)),
    };
    match url {
        Some(u) if item.change.kind != ChangeKind::Removed => {
            format!("<a href=\"{}\">{title}</a>", escape_attr(&u))
        }
        _ => title,
    }
}

fn changelog(out: &mut String, item: &Item) {
    if item.change.commits.is_empty() {
        return;
    }
    out.push_str("<ul class=\"sb-changelog\">");
    for c in &item.change.commits {
        let _ = write!(
            out,
            "<li>{} {} <code>{}</code></li>",
            escape_attr(&c.date),
            escape_attr(&c.subject),
            escape_attr(&c.short)
        );
    }
    out.push_str("</ul>");
}

fn section(
    out: &mut String,
    handbook: &Handbook,
    id: &str,
    heading: &str,
    items: &[&Item],
    with_log: bool,
) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2 id=\"{id}\"><a class=\"header\" href=\"#{id}\">{heading}</a></h2>\n<ul class=\"sb-whats-new\">"
    );
    for item in items {
        let _ = write!(out, "<li>{}", link(handbook, item));
        if let Some(old) = &item.change.old_path {
            let _ = write!(
                out,
                " <span class=\"sb-count\">(renamed from {})</span>",
                escape_attr(&crate::core::diagnostic::display_path(old))
            );
        }
        if item.kind == ItemKind::Quiz && item.change.kind != ChangeKind::Added && item.id.is_some()
        {
            // Who passed it is machine-local (the results database): the
            // static page says what to run, so every machine builds the same
            // bytes from the same commit.
            out.push_str("<br>Passes from before this change are stale: <code>supportbook results due</code> lists who must retake it.");
        }
        if with_log {
            changelog(out, item);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// The page's HTML; `None` outside a git repository.
pub fn page(handbook: &Handbook) -> Option<String> {
    let w = handbook.history.as_ref()?.whats_new.as_ref()?;
    let mut out = String::from(
        "<h1 id=\"whats-new-this-cycle\"><a class=\"header\" href=\"#whats-new-this-cycle\">What’s new this cycle</a></h1>\n",
    );
    let Some(c) = &w.since else {
        out.push_str("<p>No training cycle has been started yet. When the team starts one (<code>supportbook cycle start NAME</code>), this page lists every article, quiz and chapter added, changed or retired since, with the commits that changed them.</p>\n");
        return Some(out);
    };
    let _ = writeln!(
        out,
        "<p class=\"sb-lead\">Changes since the cycle <strong>{}</strong> ({}{}).</p>",
        escape_attr(&c.name),
        escape_attr(&c.date),
        if c.message.is_empty() {
            String::new()
        } else {
            format!(": {}", escape_attr(&c.message))
        }
    );
    if w.items.is_empty() {
        out.push_str("<p>Nothing has changed since.</p>\n");
        return Some(out);
    }
    let pick = |kind: ItemKind, changes: &[ChangeKind]| -> Vec<&Item> {
        w.items
            .iter()
            .filter(|i| i.kind == kind && changes.contains(&i.change.kind))
            .collect()
    };
    section(
        &mut out,
        handbook,
        "new-articles",
        "New articles",
        &pick(ItemKind::Article, &[ChangeKind::Added]),
        false,
    );
    section(
        &mut out,
        handbook,
        "changed-articles",
        "Changed articles",
        &pick(
            ItemKind::Article,
            &[ChangeKind::Changed, ChangeKind::Renamed],
        ),
        true,
    );
    section(
        &mut out,
        handbook,
        "retired-articles",
        "Retired articles",
        &pick(ItemKind::Article, &[ChangeKind::Removed]),
        false,
    );
    section(
        &mut out,
        handbook,
        "new-quizzes",
        "New quizzes",
        &pick(ItemKind::Quiz, &[ChangeKind::Added]),
        false,
    );
    section(
        &mut out,
        handbook,
        "changed-quizzes",
        "Changed quizzes",
        &pick(ItemKind::Quiz, &[ChangeKind::Changed, ChangeKind::Renamed]),
        true,
    );
    section(
        &mut out,
        handbook,
        "retired-quizzes",
        "Retired quizzes",
        &pick(ItemKind::Quiz, &[ChangeKind::Removed]),
        false,
    );
    section(
        &mut out,
        handbook,
        "training-track",
        "Training track",
        &pick(
            ItemKind::Chapter,
            &[
                ChangeKind::Added,
                ChangeKind::Changed,
                ChangeKind::Renamed,
                ChangeKind::Removed,
            ],
        ),
        true,
    );
    Some(out)
}
