//! `supportbook search`: update the index, then query it or evaluate cases.

use crate::cli::SearchArgs;
use crate::core::config::{self, Project};
use crate::core::diagnostic::Diagnostics;
use crate::core::error::{Error, Result};
use crate::index::search::{self, Options, Results, Synonyms, Weights, cases};
use std::io::Write as _;
use std::path::Path;

/// Reads book.toml; its errors are printed and stop the command.
fn load_project(root: &Path) -> Result<Project> {
    let (project, diags) = config::load(root)?;
    let mut ds = Diagnostics::new();
    ds.extend(diags);
    if ds.has_errors() {
        eprint!("{}", ds.render_human());
        return Err(Error::Invalid {
            errors: ds.errors(),
        });
    }
    Ok(project)
}

pub fn run(root: &Path, args: &SearchArgs, quiet: bool) -> Result<()> {
    let start = std::time::Instant::now();
    let project = load_project(root)?;
    let (synonyms, diags) = Synonyms::load(&project);
    if !diags.is_empty() && !quiet {
        let mut ds = Diagnostics::new();
        ds.extend(diags);
        eprint!("{}", ds.render_human());
    }
    let cases = match &args.eval {
        Some(file) => Some(read_cases(file)?),
        None => None,
    };
    let opts = Options {
        limit: args.limit,
        products: args.product.clone(),
        tags: args.tag.clone(),
        include_archived: args.archived,
    };
    let query = args.query.join(" ");
    // Update, open and search in one go: a damaged index found on the way is
    // rebuilt (with a notice) and the search runs again.
    let mut notices = Vec::new();
    let run = |si: &crate::index::SearchIndex| {
        tracing::debug!("index current and open after {:?}", start.elapsed());
        match &cases {
            Some(cases) => {
                cases::evaluate(si, cases, &synonyms, Weights::default()).map(Answer::Cases)
            }
            None => {
                search::search(si, &query, &opts, &synonyms, Weights::default()).map(Answer::Hits)
            }
        }
    };
    // No hits, or a case that missed, may be damage that fails silently.
    let doubtful = |a: &Answer| match a {
        Answer::Hits(r) => r.total == 0,
        Answer::Cases(r) => r.cases.iter().any(|c| !c.passed()),
    };
    let answer = crate::engine::search_with(&project, &mut notices, run, doubtful);
    if !quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }
    match answer? {
        Answer::Cases(report) => print_cases(&report, args.json),
        Answer::Hits(results) => {
            for n in &results.notes {
                eprintln!("note: {n}");
            }
            let written = if args.json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer(&mut out, &results)
                    .map_err(std::io::Error::other)
                    .and_then(|()| writeln!(out))
            } else {
                // Colour only on a terminal that takes it, and not with
                // NO_COLOR; CLICOLOR_FORCE forces it.
                let mut out = anstream::stdout().lock();
                let color = out.current_choice() != anstream::ColorChoice::Never;
                print_results(&mut out, &results, color)
            };
            super::stdout_written(written)
        }
    }
}

enum Answer {
    Hits(Results),
    Cases(cases::Report),
}

/// How much of a query "no results for" echoes (a pasted log can be pages long).
const SHOWN_QUERY_CHARS: usize = 80;

/// `text` with runs of white space as one space, cut to `max` characters
/// with `…` when longer.
fn cut(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max).collect();
        s.push('…');
        s
    }
}

fn print_results(out: &mut impl std::io::Write, r: &Results, color: bool) -> std::io::Result<()> {
    use anstyle::{AnsiColor, Style};
    let (bold, hi, dim) = if color {
        (
            Style::new().bold(),
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Style::new().dimmed(),
        )
    } else {
        (Style::new(), Style::new(), Style::new())
    };
    if r.hits.is_empty() {
        writeln!(
            out,
            "no results for \"{}\"",
            cut(&r.query, SHOWN_QUERY_CHARS)
        )?;
        if let Some(s) = &r.did_you_mean {
            writeln!(out, "did you mean \"{}\"?", cut(s, SHOWN_QUERY_CHARS))?;
        }
        return Ok(());
    }
    for (i, h) in r.hits.iter().enumerate() {
        let mut badges = String::new();
        if h.state != "validated" {
            badges.push_str(&format!(" [{}]", h.state));
        }
        if h.kind != "article" {
            badges.push_str(&format!(" ({})", h.kind));
        }
        if h.problems {
            badges.push_str(" [has errors: see `supportbook check`]");
        }
        let products = if h.products.is_empty() {
            String::new()
        } else {
            format!("  {}", h.products.join(", "))
        };
        writeln!(
            out,
            "{:>2}. {bold}{}{bold:#}{badges}  {dim}{}{products}{dim:#}",
            i + 1,
            h.title,
            h.id
        )?;
        let mut snippet = String::new();
        let mut pos = 0;
        for range in &h.highlights {
            snippet.push_str(h.snippet_text.get(pos..range.start).unwrap_or(""));
            let word = h.snippet_text.get(range.clone()).unwrap_or("");
            if color {
                snippet.push_str(&format!("{hi}{word}{hi:#}"));
            } else {
                snippet.push_str(&format!("[{word}]"));
            }
            pos = range.end;
        }
        snippet.push_str(h.snippet_text.get(pos..).unwrap_or(""));
        let snippet = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
        writeln!(out, "    {snippet}")?;
    }
    if r.total > r.hits.len() {
        writeln!(
            out,
            "{dim}({} of {} results; --limit shows more){dim:#}",
            r.hits.len(),
            r.total
        )?;
    }
    Ok(())
}

/// The search cases of `--eval FILE`; problems in it are printed and stop
/// the command.
fn read_cases(file: &Path) -> Result<Vec<cases::Case>> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io("read", file, e))?;
    let (cases, diags) = cases::parse(file, &text);
    if !diags.is_empty() {
        let mut ds = Diagnostics::new();
        ds.extend(diags);
        eprint!("{}", ds.render_human());
        return Err(Error::Invalid {
            errors: ds.errors(),
        });
    }
    Ok(cases)
}

fn print_cases(report: &cases::Report, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer(&mut out, report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        (|| {
            writeln!(out, "{:>5}  {:>6}  query -> expected", "rank", "within")?;
            for c in &report.cases {
                let rank = c.rank.map_or_else(|| "-".to_string(), |r| r.to_string());
                let mark = if c.passed() { " " } else { "!" };
                writeln!(
                    out,
                    "{mark}{rank:>4}  {:>6}  {} -> {}",
                    c.within, c.query, c.expect
                )?;
            }
            writeln!(
                out,
                "{} cases: MRR@10 {:.3}, recall@1 {:.3}, recall@3 {:.3}, recall@10 {:.3}; {} within their limit",
                report.cases.len(),
                report.mrr_at_10,
                report.recall_at_1,
                report.recall_at_3,
                report.recall_at_10,
                report.cases.iter().filter(|c| c.passed()).count()
            )
        })()
    };
    super::stdout_written(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hit() -> Results {
        Results {
            query: "dns".into(),
            total: 2,
            hits: vec![search::Hit {
                id: "dns-timeout".into(),
                title: "DNS timeout".into(),
                kind: "article".into(),
                url: String::new(),
                path: String::new(),
                products: vec!["email".into()],
                tags: Vec::new(),
                state: "validated".into(),
                problems: false,
                score: 1.0,
                snippet: String::new(),
                snippet_text: "the dns server".into(),
                highlights: std::iter::once(4..7).collect(),
            }],
            notes: Vec::new(),
            did_you_mean: None,
        }
    }

    #[test]
    fn results_in_colour_and_plain() {
        let mut plain = Vec::new();
        print_results(&mut plain, &one_hit(), false).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            " 1. DNS timeout  dns-timeout  email\n    the [dns] server\n(1 of 2 results; --limit shows more)\n"
        );
        let mut colour = Vec::new();
        print_results(&mut colour, &one_hit(), true).unwrap();
        assert_eq!(
            String::from_utf8(colour).unwrap(),
            " 1. \x1b[1mDNS timeout\x1b[0m  \x1b[2mdns-timeout  email\x1b[0m\n    the \x1b[1m\x1b[33mdns\x1b[0m server\n\x1b[2m(1 of 2 results; --limit shows more)\x1b[0m\n"
        );
        // Piped (or NO_COLOR), anstream strips the codes; the caller then
        // asks for the plain form, so matched words stay visible.
        let mut stripped = anstream::StripStream::new(Vec::new());
        print_results(&mut stripped, &one_hit(), true).unwrap();
        assert_eq!(
            String::from_utf8(stripped.into_inner()).unwrap(),
            " 1. DNS timeout  dns-timeout  email\n    the dns server\n(1 of 2 results; --limit shows more)\n"
        );
    }

    #[test]
    fn a_long_query_is_cut_when_echoed() {
        assert_eq!(cut("dns  timeout", 80), "dns timeout");
        let long = "é".repeat(5000);
        let shown = cut(&long, 80);
        assert_eq!(shown.chars().count(), 81);
        assert!(shown.ends_with("é…"));
    }
}
