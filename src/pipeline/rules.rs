//! Reply rules: deterministic checks of a reply an agent wrote.
//!
//! Rules live in `rules/*.toml` (the `rules-dir` setting), in the spirit of
//! Vale's rule types. Each `[[rule]]` has an `id`, a `type`, a `message`, a
//! `level` (error or warning) and, optionally, `when` the context makes it
//! apply (the customer's mood, the topic, the channel):
//!
//! - `avoid`: none of `phrases` may appear (no upselling in a support reply);
//! - `require`: at least one of `phrases` must appear (an acknowledgement
//!   when the customer is upset; in an outage update, when the next update
//!   comes);
//! - `swap`: `swap = { "phrase" = "plainer words" }` suggests replacements;
//! - `sentence-length`: no sentence longer than `max` words.
//!
//! Phrases match whole words, ignoring case and the punctuation and spaces
//! between words; a final `*` matches any ending (`upgrad*`). The same
//! checks grade FreeText questions and power `supportbook coach`. Parsing
//! and checking are pure; this file does no I/O.

use crate::core::diagnostic::{Diagnostic, did_you_mean};
use crate::core::toml_keys;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One rules file as read from disk.
#[derive(Debug, Clone)]
pub struct RawRulesSource {
    /// Relative to the root (`rules/replies.toml`).
    pub path: PathBuf,
    pub source: String,
}

/// How much a broken rule matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The reply must not be sent as it is; a FreeText answer fails.
    Error,
    /// Worth fixing; a FreeText answer still passes.
    Warning,
}

/// A checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub level: Level,
    pub message: String,
    pub when: When,
    pub check: Check,
    /// The file it came from.
    pub path: PathBuf,
}

/// When a rule applies: every list given must contain the context's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    pub mood: Vec<String>,
    pub topic: Vec<String>,
    pub channel: Vec<String>,
}

/// What a rule checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Avoid { phrases: Vec<String> },
    Require { phrases: Vec<String> },
    Swap { swap: Vec<(String, String)> },
    SentenceLength { max: usize },
}

/// The situation a reply answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub mood: Option<String>,
    pub topics: Vec<String>,
    pub channel: Option<String>,
}

/// One broken rule in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub message: String,
    /// Where in the reply (bytes); none when something is missing.
    pub span: Option<Range<usize>>,
    pub help: Option<String>,
}

impl When {
    pub fn applies(&self, ctx: &Context) -> bool {
        let one = |allowed: &[String], value: Option<&str>| {
            allowed.is_empty()
                || value.is_some_and(|v| allowed.iter().any(|a| a.eq_ignore_ascii_case(v)))
        };
        one(&self.mood, ctx.mood.as_deref())
            && one(&self.channel, ctx.channel.as_deref())
            && (self.topic.is_empty()
                || ctx
                    .topics
                    .iter()
                    .any(|t| self.topic.iter().any(|a| a.eq_ignore_ascii_case(t))))
    }
}

/// The rules that apply in `ctx`.
pub fn applicable<'a>(rules: &'a [Rule], ctx: &Context) -> Vec<&'a Rule> {
    rules.iter().filter(|r| r.when.applies(ctx)).collect()
}

/// Checks `reply` against `rules` (see [`applicable`]); findings in the
/// order of the reply, missing things last.
pub fn check_reply(rules: &[&Rule], reply: &str) -> Vec<Finding> {
    let words = words(reply);
    let mut out = Vec::new();
    for rule in rules {
        let finding = |span: Option<Range<usize>>, help: Option<String>| Finding {
            rule: rule.id.clone(),
            level: rule.level,
            message: rule.message.clone(),
            span,
            help,
        };
        match &rule.check {
            Check::Avoid { phrases } => {
                for p in phrases {
                    for span in find_phrase(&words, p) {
                        let found = quoted(reply, &span);
                        out.push(finding(Some(span), Some(format!("remove \"{found}\""))));
                    }
                }
            }
            Check::Require { phrases } => {
                if !phrases.iter().any(|p| !find_phrase(&words, p).is_empty()) {
                    let examples: Vec<String> = phrases
                        .iter()
                        .take(4)
                        .map(|p| format!("\"{}\"", p.trim_end_matches('*')))
                        .collect();
                    out.push(finding(
                        None,
                        Some(format!("for example: {}", examples.join(", "))),
                    ));
                }
            }
            Check::Swap { swap } => {
                for (from, to) in swap {
                    for span in find_phrase(&words, from) {
                        let found = quoted(reply, &span);
                        out.push(finding(
                            Some(span),
                            Some(format!("write \"{to}\" instead of \"{found}\"")),
                        ));
                    }
                }
            }
            Check::SentenceLength { max } => {
                for s in sentences(reply) {
                    let n = words_in(&words, s.clone());
                    if n > *max {
                        out.push(finding(
                            Some(s),
                            Some(format!(
                                "this sentence has {n} words; split it (at most {max})"
                            )),
                        ));
                    }
                }
            }
        }
    }
    out.sort_by_key(|f| f.span.as_ref().map_or(usize::MAX, |s| s.start));
    out
}

/// The text at `span`, for a help line: at most 80 characters, `…` where cut.
fn quoted(reply: &str, span: &Range<usize>) -> String {
    const MAX: usize = 80;
    let text = reply.get(span.clone()).unwrap_or("");
    let mut out: String = text.chars().take(MAX).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// A word of the reply: its byte range and lowercase text.
struct Word {
    span: Range<usize>,
    lower: String,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '\u{2019}'
}

fn words(text: &str) -> Vec<Word> {
    const QUOTES: [char; 2] = ['\'', '\u{2019}'];
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, is_word_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                // Quotes around a word are not part of it; inside ("don't") they are.
                let raw = text.get(s..i).unwrap_or("");
                let rest = raw.trim_start_matches(QUOTES);
                let lead = raw.len() - rest.len();
                let w = rest.trim_end_matches(QUOTES);
                if !w.is_empty() {
                    out.push(Word {
                        span: s + lead..s + lead + w.len(),
                        lower: w.to_lowercase().replace('\u{2019}', "'"),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Every place `phrase` occurs in the reply, as byte ranges, left to right
/// and not overlapping. A final `*` makes the last word a prefix.
///
/// Word sequences are matched with Knuth-Morris-Pratt, so a long phrase
/// against a long reply costs their sum, not their product.
fn find_phrase(words: &[Word], phrase: &str) -> Vec<Range<usize>> {
    let (body, prefix) = match phrase.trim().strip_suffix('*') {
        Some(b) => (b, true),
        None => (phrase.trim(), false),
    };
    let want: Vec<String> = self::words(body).into_iter().map(|w| w.lower).collect();
    // With a prefix, the last word is checked on its own after the others match.
    let (exact, last_prefix) = match (prefix, want.split_last()) {
        (true, Some((last, rest))) => (rest, Some(last.as_str())),
        (false, Some(_)) => (want.as_slice(), None),
        (_, None) => return Vec::new(),
    };
    let prefix_at =
        |i: usize| last_prefix.is_none_or(|p| words.get(i).is_some_and(|w| w.lower.starts_with(p)));
    let span = |from: usize, to: usize| -> Option<Range<usize>> {
        Some(words.get(from)?.span.start..words.get(to)?.span.end)
    };
    let mut out = Vec::new();
    if exact.is_empty() {
        // A single word with `*`.
        for i in 0..words.len() {
            if prefix_at(i) {
                out.extend(span(i, i));
            }
        }
        return out;
    }
    // fail[k]: the length of the longest proper prefix of exact[..=k] that is also its suffix.
    let mut fail = vec![0usize; exact.len()];
    let mut k = 0;
    for i in 1..exact.len() {
        while k > 0 && exact.get(i) != exact.get(k) {
            k = fail.get(k - 1).copied().unwrap_or(0);
        }
        if exact.get(i) == exact.get(k) {
            k += 1;
        }
        if let Some(f) = fail.get_mut(i) {
            *f = k;
        }
    }
    let mut matched = 0;
    let mut i = 0;
    while i < words.len() {
        let w = words.get(i).map(|w| w.lower.as_str());
        while matched > 0 && exact.get(matched).map(String::as_str) != w {
            matched = fail.get(matched - 1).copied().unwrap_or(0);
        }
        if exact.get(matched).map(String::as_str) == w {
            matched += 1;
        }
        if matched == exact.len() {
            let first = i + 1 - matched;
            let last = if last_prefix.is_some() { i + 1 } else { i };
            if prefix_at(last) {
                out.extend(span(first, last));
                // Not overlapping: start afresh after this match.
                matched = 0;
                i = last + 1;
                continue;
            }
            matched = fail.get(matched - 1).copied().unwrap_or(0);
        }
        i += 1;
    }
    out
}

/// Sentences as byte ranges: text between `.`, `!` or `?` followed by a
/// space, and line breaks (a greeting or a list item is its own sentence).
fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\n' => Some(i),
            '.' | '!' | '?' => match chars.peek() {
                None => Some(i + 1),
                Some((_, n)) if n.is_whitespace() => Some(i + 1),
                _ => None,
            },
            _ => None,
        };
        if let Some(end) = end {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(s) = text.get(range.clone()) else {
        return;
    };
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if !trimmed.is_empty() {
        out.push(range.start + lead..range.start + lead + trimmed.len());
    }
}

/// How many words lie inside `range`: words are in order and do not
/// overlap, so two binary searches tell (one scan per sentence would make a
/// reply of many short sentences quadratic).
fn words_in(words: &[Word], range: Range<usize>) -> usize {
    let from = words.partition_point(|w| w.span.start < range.start);
    let to = words.partition_point(|w| w.span.end <= range.end);
    to.saturating_sub(from)
}

// ------------------------------------------------------------------ the file format

#[derive(Debug, Deserialize)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
struct RawRule {
    id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    level: Option<Spanned<String>>,
    message: Option<String>,
    phrases: Option<Spanned<Vec<String>>>,
    swap: Option<Spanned<BTreeMap<String, String>>>,
    max: Option<Spanned<i64>>,
    when: Option<RawWhen>,
}

#[derive(Debug, Deserialize)]
struct RawWhen {
    #[serde(default)]
    mood: Vec<String>,
    #[serde(default)]
    topic: Vec<String>,
    #[serde(default)]
    channel: Vec<String>,
}

const TYPES: &[&str] = &["avoid", "require", "swap", "sentence-length"];
/// Checks every rules file; rules with problems are left out, each problem
/// becomes a diagnostic. Rule ids are unique across files.
pub fn validate(sources: &[RawRulesSource], diags: &mut Vec<Diagnostic>) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut first: BTreeMap<String, (PathBuf, usize)> = BTreeMap::new();
    for src in sources {
        let placer = crate::core::diagnostic::Placer::new(&src.source);
        for (rule, span) in validate_file(&src.path, &src.source, diags) {
            if let Some((path, line)) = first.get(&rule.id) {
                diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        &src.path,
                        format!("a rule with id `{}` already exists", rule.id),
                    )
                    .placed(&placer, span)
                    .with_note(format!(
                        "first defined in {}:{line}",
                        crate::core::diagnostic::display_path(path)
                    ))
                    .with_help("give each rule its own id"),
                );
                continue;
            }
            let line = src
                .source
                .get(..span.start)
                .map_or(1, |s| s.matches('\n').count() + 1);
            first.insert(rule.id.clone(), (src.path.clone(), line));
            rules.push(rule);
        }
    }
    rules
}

fn validate_file(
    path: &Path,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Rule, Range<usize>)> {
    let before = diags.len();
    let (file, ignored) = toml_keys::from_str::<RawFile>(source);
    diags.extend(toml_keys::unknown_key_errors(
        path,
        source,
        &ignored,
        |table| match table {
            [] => toml_keys::fields::<RawFile>(),
            ["rule", "*"] => toml_keys::fields::<RawRule>(),
            ["rule", "*", "when"] => toml_keys::fields::<RawWhen>(),
            _ => &[],
        },
    ));
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            if diags.len() == before {
                diags.push(
                    Diagnostic::error("invalid-toml", path, e.message().trim().to_string())
                        .at(source, e.span().unwrap_or(0..0)),
                );
            }
            return Vec::new();
        }
    };
    if diags.len() > before {
        return Vec::new();
    }
    let placer = crate::core::diagnostic::Placer::new(source);
    file.rule
        .into_iter()
        .filter_map(|raw| rule_from_raw(path, &placer, raw, diags))
        .collect()
}

/// One rule of a rules file, checked: its id, type, level, message and
/// what it checks; `None` (with a diagnostic) when any of them is wrong.
fn rule_from_raw(
    path: &Path,
    placer: &crate::core::diagnostic::Placer<'_>,
    raw: Spanned<RawRule>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Rule, Range<usize>)> {
    let rule_span = raw.span();
    let raw = raw.into_inner();
    let err = |span: Range<usize>, msg: String, help: &str| {
        Diagnostic::error("invalid-rule", path, msg)
            .placed(placer, span)
            .with_help(help.to_string())
    };
    let Some(id) = raw.id.clone() else {
        diags.push(err(
            rule_span.start..rule_span.start + 1,
            "this rule has no `id`".into(),
            "add `id = \"no-upsell\"` (letters, digits and dashes)",
        ));
        return None;
    };
    let id_ok = !id.get_ref().is_empty()
        && id
            .get_ref()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !id_ok {
        diags.push(err(
            id.span(),
            format!("rule id `{}` is not a plain name", id.get_ref()),
            "use letters, digits and dashes, e.g. `no-upsell`",
        ));
        return None;
    }
    let Some(kind) = raw.kind.clone() else {
        diags.push(err(
            id.span(),
            format!("rule `{}` has no `type`", id.get_ref()),
            &format!("add `type = ...`, one of: {}", TYPES.join(", ")),
        ));
        return None;
    };
    let level = match raw.level.as_ref().map(|l| l.get_ref().as_str()) {
        None | Some("error") => Level::Error,
        Some("warning") => Level::Warning,
        Some(other) => {
            let span = raw.level.as_ref().map_or(0..0, Spanned::span);
            diags.push(err(
                span,
                format!("unknown level `{other}`"),
                "use `error` (the reply must not be sent) or `warning`",
            ));
            return None;
        }
    };
    let check = check_of(&kind, &raw, &err, diags);
    let check = check?;
    let Some(message) = raw.message.filter(|m| !m.trim().is_empty()) else {
        diags.push(err(
            id.span(),
            format!("rule `{}` has no `message`", id.get_ref()),
            "add `message = \"...\"`: what is wrong and why, in a sentence the agent will read",
        ));
        return None;
    };
    let when = raw.when.map_or_else(When::default, |w| When {
        mood: w.mood,
        topic: w.topic,
        channel: w.channel,
    });
    Some((
        Rule {
            id: id.get_ref().clone(),
            level,
            message: message.trim().to_string(),
            when,
            check,
            path: path.to_path_buf(),
        },
        id.span(),
    ))
}

/// What a rule of type `kind` checks, from its `phrases`, `swap` or `max`;
/// `None` (with a diagnostic) when that is missing or wrong.
fn check_of(
    kind: &Spanned<String>,
    raw: &RawRule,
    err: &dyn Fn(Range<usize>, String, &str) -> Diagnostic,
    diags: &mut Vec<Diagnostic>,
) -> Option<Check> {
    let phrases = |diags: &mut Vec<Diagnostic>| -> Option<Vec<String>> {
        let Some(p) = &raw.phrases else {
            diags.push(err(
                kind.span(),
                format!("a `{}` rule needs `phrases`", kind.get_ref()),
                "add `phrases = [\"upgrade*\", \"premium plan\"]`",
            ));
            return None;
        };
        let empty = p.get_ref().is_empty()
            || p.get_ref()
                .iter()
                .any(|s| words(s.trim_end_matches('*')).is_empty());
        if empty {
            diags.push(err(
                p.span(),
                "every phrase needs at least one word, and the list at least one phrase".into(),
                "remove the empty phrase",
            ));
            return None;
        }
        Some(p.get_ref().clone())
    };
    match kind.get_ref().as_str() {
        "avoid" => phrases(diags).map(|phrases| Check::Avoid { phrases }),
        "require" => phrases(diags).map(|phrases| Check::Require { phrases }),
        "swap" => match &raw.swap {
            Some(s)
                if !s.get_ref().is_empty()
                    && s.get_ref()
                        .keys()
                        .all(|k| !words(k.trim_end_matches('*')).is_empty()) =>
            {
                Some(Check::Swap {
                    swap: s
                        .get_ref()
                        .iter()
                        .map(|(a, b)| (a.clone(), b.clone()))
                        .collect(),
                })
            }
            Some(s) => {
                diags.push(err(
                    s.span(),
                    "`swap` needs at least one phrase, each with at least one word".into(),
                    "write `swap = { \"utilize\" = \"use\" }`",
                ));
                None
            }
            None => {
                diags.push(err(
                    kind.span(),
                    "a `swap` rule needs `swap`".into(),
                    "add `swap = { \"per our policy\" = \"because\" }`",
                ));
                None
            }
        },
        "sentence-length" => match &raw.max {
            Some(m) if *m.get_ref() >= 1 => usize::try_from(*m.get_ref())
                .ok()
                .map(|max| Check::SentenceLength { max }),
            Some(m) => {
                diags.push(err(
                    m.span(),
                    format!("`max` must be at least 1, not {}", m.get_ref()),
                    "a sentence of 25 to 30 words is already long",
                ));
                None
            }
            None => {
                diags.push(err(
                    kind.span(),
                    "a `sentence-length` rule needs `max`".into(),
                    "add `max = 30`",
                ));
                None
            }
        },
        other => {
            let help = match did_you_mean(other, TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("expected one of: {}", TYPES.join(", ")),
            };
            diags.push(err(
                kind.span(),
                format!("unknown rule type `{other}`"),
                &help,
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(toml: &str) -> (Vec<Rule>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let src = RawRulesSource {
            path: "rules/replies.toml".into(),
            source: toml.to_string(),
        };
        let r = validate(&[src], &mut diags);
        (r, diags)
    }

    /// Each diagnostic as `place: message (help)`.
    fn placed(diags: &[Diagnostic]) -> Vec<String> {
        diags
            .iter()
            .map(|d| {
                let help = d.help.clone().unwrap_or_default();
                format!("{}: {} ({help})", d.place(), d.message)
            })
            .collect()
    }

    /// The matches the obvious way: every window of words, left to right,
    /// skipping past each match.
    fn naive(words: &[Word], phrase: &str) -> Vec<Range<usize>> {
        let (body, prefix) = match phrase.trim().strip_suffix('*') {
            Some(b) => (b, true),
            None => (phrase.trim(), false),
        };
        let want: Vec<String> = super::words(body).into_iter().map(|w| w.lower).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while !want.is_empty() && i + want.len() <= words.len() {
            let ok = want.iter().enumerate().all(|(k, p)| {
                let w = &words[i + k].lower;
                if prefix && k == want.len() - 1 {
                    w.starts_with(p.as_str())
                } else {
                    w == p
                }
            });
            if ok {
                out.push(words[i].span.start..words[i + want.len() - 1].span.end);
                i += want.len();
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn phrase_matching_agrees_with_the_naive_scan() {
        // Every reply and phrase over a two-word alphabet, up to 7 and 4 words.
        let vocab = ["ab", "abc"];
        let seqs = |max: usize| -> Vec<String> {
            let mut all = vec![String::new()];
            let mut out = Vec::new();
            for _ in 0..max {
                all = all
                    .iter()
                    .flat_map(|s| vocab.iter().map(move |v| format!("{s} {v}")))
                    .collect();
                out.extend(all.iter().cloned());
            }
            out
        };
        let replies = seqs(7);
        let phrases = seqs(4);
        for r in &replies {
            let ws = words(r);
            for p in &phrases {
                for p in [p.clone(), format!("{p}*")] {
                    assert_eq!(find_phrase(&ws, &p), naive(&ws, &p), "{p:?} in {r:?}");
                }
            }
        }
    }

    #[test]
    fn a_long_phrase_against_a_long_reply_is_bounded() {
        let phrase = vec!["ok"; 5_000].join(" ");
        let reply = "ok ".repeat(12_000);
        let toml = format!(
            "[[rule]]\nid = \"x\"\ntype = \"avoid\"\nmessage = \"m\"\nphrases = [\"{phrase}\"]\n"
        );
        let (rules, _) = rules(&toml);
        let found = check_reply(&applicable(&rules, &Context::default()), &reply);
        // Two matches that do not overlap, not 7,001 that do; the help quotes a bounded part.
        assert_eq!(found.len(), 2);
        let help = found[0].help.clone().unwrap_or_default();
        assert!(
            help.chars().count() < 100 && help.ends_with("…\""),
            "{help}"
        );
    }

    #[test]
    fn many_short_sentences_are_counted_one_by_one() {
        let reply = "Ok. ".repeat(250_000);
        let ws = words(&reply);
        let ss = sentences(&reply);
        assert_eq!(ss.len(), 250_000);
        assert!(ss.iter().all(|s| words_in(&ws, s.clone()) == 1));
        let toml = "[[rule]]\nid = \"s\"\ntype = \"sentence-length\"\nmessage = \"m\"\nmax = 1\n";
        assert!(findings(toml, &Context::default(), &reply).is_empty());
        let long = format!("{reply}One two three.");
        assert_eq!(findings(toml, &Context::default(), &long).len(), 1);
    }

    fn findings(toml: &str, ctx: &Context, reply: &str) -> Vec<(String, Option<String>)> {
        let (rules, diags) = rules(toml);
        assert!(diags.is_empty(), "{diags:?}");
        let apply = applicable(&rules, ctx);
        check_reply(&apply, reply)
            .into_iter()
            .map(|f| {
                (
                    f.rule,
                    f.span.and_then(|s| reply.get(s)).map(str::to_string),
                )
            })
            .collect()
    }

    const AVOID: &str = r#"
[[rule]]
id = "no-upsell"
type = "avoid"
message = "A support reply never sells."
phrases = ["upgrad*", "premium plan", "special offer"]
"#;

    #[test]
    fn avoid_finds_whole_words_ignoring_case_and_spacing() {
        let got = findings(
            AVOID,
            &Context::default(),
            "Sorry! Upgrading fixes it, or our Premium\n plan. An upgradeable... no: downgrade is fine.",
        );
        assert_eq!(
            got,
            [
                ("no-upsell".to_string(), Some("Upgrading".to_string())),
                ("no-upsell".to_string(), Some("Premium\n plan".to_string())),
                ("no-upsell".to_string(), Some("upgradeable".to_string())),
            ]
        );
        assert!(
            findings(
                AVOID,
                &Context::default(),
                "The special offers page is down."
            )
            .is_empty()
        );
    }

    #[test]
    fn require_applies_only_in_its_context() {
        let toml = r#"
[[rule]]
id = "acknowledge"
type = "require"
level = "warning"
message = "The customer is upset: acknowledge it first."
phrases = ["sorry", "I understand", "frustrat*"]
when = { mood = ["angry", "upset"] }
"#;
        let angry = Context {
            mood: Some("Angry".into()),
            ..Context::default()
        };
        assert_eq!(
            findings(toml, &angry, "Please clear your cache."),
            [("acknowledge".to_string(), None)]
        );
        assert!(findings(toml, &angry, "I know how frustrating this is.").is_empty());
        assert!(findings(toml, &Context::default(), "Please clear your cache.").is_empty());
    }

    #[test]
    fn swap_and_sentence_length() {
        let toml = r#"
[[rule]]
id = "plain"
type = "swap"
level = "warning"
message = "Plain words."
swap = { "utilize" = "use", "per our policy" = "because" }

[[rule]]
id = "short"
type = "sentence-length"
level = "warning"
message = "Long sentences are hard to follow."
max = 6
"#;
        let got = findings(
            toml,
            &Context::default(),
            "Hi Sam,\nPer our policy we utilize backups. One two three four five six seven.",
        );
        assert_eq!(
            got,
            [
                ("plain".to_string(), Some("Per our policy".to_string())),
                ("plain".to_string(), Some("utilize".to_string())),
                (
                    "short".to_string(),
                    Some("One two three four five six seven.".to_string())
                ),
            ]
        );
    }

    #[test]
    fn bad_rules_are_reported_with_their_place() {
        let (r, diags) = rules(
            r#"
[[rule]]
id = "a"
type = "avoyd"
message = "x"
phrases = ["x"]

[[rule]]
id = "b"
type = "avoid"
mesage = "typo"
"#,
        );
        assert!(r.is_empty());
        assert_eq!(
            placed(&diags),
            ["rules/replies.toml:11:1: unknown key `mesage` (did you mean `message`?)"]
        );
        let (_, diags) = rules(
            "[[rule]]\nid = \"a\"\ntype = \"avoyd\"\nmessage = \"x\"\nphrases = [\"x\"]\n\n[[rule]]\nid = \"a\"\ntype = \"require\"\nmessage = \"x\"\nphrases = []\n\n[[rule]]\nid = \"c\"\ntype = \"sentence-length\"\nmessage = \"x\"\nmax = 0\n",
        );
        assert_eq!(
            placed(&diags),
            [
                "rules/replies.toml:3:8: unknown rule type `avoyd` (did you mean `avoid`?)",
                "rules/replies.toml:11:11: every phrase needs at least one word, and the list at least one phrase (remove the empty phrase)",
                "rules/replies.toml:17:7: `max` must be at least 1, not 0 (a sentence of 25 to 30 words is already long)",
            ]
        );
    }

    #[test]
    fn unknown_keys_in_when_and_at_the_top() {
        let (r, diags) = rules(
            "titel = \"x\"\n\n[[rule]]\nid = \"a\"\ntype = \"avoid\"\nmessage = \"x\"\nphrases = [\"x\"]\nwhen = { moood = [\"angry\"] }\n",
        );
        assert!(r.is_empty());
        assert_eq!(
            placed(&diags),
            [
                "rules/replies.toml:1:1: unknown key `titel` (expected one of: rule)",
                "rules/replies.toml:8:10: unknown key `moood` (did you mean `mood`?)",
            ]
        );
    }

    #[test]
    fn a_reply_that_is_not_text_does_not_panic() {
        let (rules, _) = rules(AVOID);
        let apply: Vec<&Rule> = rules.iter().collect();
        for reply in [
            "",
            "\u{0}\u{1}\u{ffff}",
            "’’’",
            "upgrad",
            "é".repeat(10_000).as_str(),
        ] {
            let _ = check_reply(&apply, reply);
        }
        assert_eq!(check_reply(&apply, "’Upgrade’ now").len(), 1);
    }

    #[test]
    fn duplicate_ids_across_files() {
        let mut diags = Vec::new();
        let a = RawRulesSource {
            path: "rules/a.toml".into(),
            source: AVOID.into(),
        };
        let b = RawRulesSource {
            path: "rules/b.toml".into(),
            source: AVOID.into(),
        };
        let r = validate(&[a, b], &mut diags);
        assert_eq!(r.len(), 1);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].place(), "rules/b.toml:3:6");
        assert_eq!(diags[0].notes, ["first defined in rules/a.toml:3"]);
    }
}
