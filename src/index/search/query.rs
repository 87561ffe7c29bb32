//! Parsing what an agent types into a structured query (pure, no index).
//!
//! Plain words, `"quoted phrases"`, `-word` / `-"phrase"` to exclude, and
//! filters `product:`, `tag:`, `kind:`, `state:`. Nothing is an error: a
//! malformed part falls back to plain words with a note saying so.

/// The filters a query can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Product,
    Tag,
    Kind,
    State,
}

impl FilterField {
    pub const NAMES: [&'static str; 4] = ["product", "tag", "kind", "state"];

    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "product" | "products" => Some(FilterField::Product),
            "tag" | "tags" => Some(FilterField::Tag),
            "kind" => Some(FilterField::Kind),
            "state" => Some(FilterField::State),
            _ => None,
        }
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Words to match (any of them; more matches rank higher).
    pub words: Vec<String>,
    /// Phrases that must appear, words in order.
    pub phrases: Vec<String>,
    /// Words or phrases that must not appear.
    pub excluded: Vec<String>,
    pub filters: Vec<(FilterField, String)>,
    /// What was not understood and how it was read instead.
    pub notes: Vec<String>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty() && self.filters.is_empty()
    }

    pub fn filter_values(&self, field: FilterField) -> impl Iterator<Item = &str> {
        self.filters
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// The most words a query is searched with (a quoted phrase counts each of
/// its words); the rest is dropped with a note.
pub const MAX_QUERY_WORDS: usize = 64;
/// The most characters a query is searched with.
pub const MAX_QUERY_CHARS: usize = 1024;

/// Cuts `input` to at most [`MAX_QUERY_WORDS`] words and
/// [`MAX_QUERY_CHARS`] characters, at a word boundary where there is one,
/// so a pasted log file costs what a long query costs. Returns what to
/// search and, when something was dropped, a note saying what. A phrase
/// cut in the middle is closed. Pure and linear in the input.
pub fn bound(input: &str) -> (std::borrow::Cow<'_, str>, Option<String>) {
    use std::borrow::Cow;
    // Where the character limit falls, backed up to the start of the word
    // it cuts (unless that word is the whole prefix).
    let mut end = input
        .char_indices()
        .nth(MAX_QUERY_CHARS)
        .map_or(input.len(), |(at, _)| at);
    if end < input.len()
        && !input
            .get(end..)
            .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        && let Some(space) = input
            .get(..end)
            .and_then(|head| head.rfind(char::is_whitespace))
    {
        end = space;
    }
    // Where the word limit falls within that.
    let head = input.get(..end).unwrap_or(input);
    if let Some((at, _)) = head
        .char_indices()
        .filter(|&(at, c)| !c.is_whitespace() && (at == 0 || starts_word(head, at)))
        .nth(MAX_QUERY_WORDS)
    {
        end = at;
    }
    if end >= input.len() {
        return (Cow::Borrowed(input), None);
    }
    let kept = input.get(..end).unwrap_or("").trim_end();
    let dropped = input.get(end..).unwrap_or("").trim();
    let mut preview: String = dropped.chars().take(40).collect();
    if preview.len() < dropped.len() {
        preview.push_str("...");
    }
    let note = format!(
        "query too long ({} words, {} characters): searched the first {} words and {} characters, dropped the rest (\"{}\")",
        input.split_whitespace().count(),
        input.chars().count(),
        MAX_QUERY_WORDS,
        MAX_QUERY_CHARS,
        preview.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    // A phrase cut in the middle is closed where it was cut (when the whole
    // query's quotes balance; otherwise `parse` drops them anyway).
    let quotes = |s: &str| s.matches('"').count();
    if quotes(kept) % 2 == 1 && quotes(input) % 2 == 0 {
        return (Cow::Owned(format!("{kept}\"")), Some(note));
    }
    (Cow::Borrowed(kept), Some(note))
}

/// Whether the character at byte `at` of `s` follows whitespace.
fn starts_word(s: &str, at: usize) -> bool {
    s.get(..at)
        .and_then(|before| before.chars().next_back())
        .is_some_and(char::is_whitespace)
}

/// Parses a query string. Never fails.
pub fn parse(input: &str) -> Query {
    let mut q = Query::default();
    let quotes = input.matches('"').count();
    let text = if quotes % 2 == 1 {
        q.notes
            .push("unbalanced quote: searched the words without it".into());
        input.replace('"', " ")
    } else {
        input.to_string()
    };

    let mut chars = text.chars().peekable();
    let mut token = String::new();
    let mut negate = false;
    let flush = |token: &mut String, negate: &mut bool, q: &mut Query| {
        let t = std::mem::take(token);
        let neg = std::mem::replace(negate, false);
        if t.is_empty() {
            if neg {
                q.notes.push("a lone `-` was ignored".into());
            }
            return;
        }
        if neg {
            q.excluded.push(t);
            return;
        }
        if let Some((field, value)) = t.split_once(':')
            && let Some(f) = FilterField::parse(field)
        {
            if value.is_empty() {
                q.notes.push(format!(
                    "`{field}:` needs a value, e.g. `{field}:email`; ignored"
                ));
            } else {
                q.filters.push((f, value.to_lowercase()));
            }
            return;
        }
        q.words.push(t);
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A phrase: up to the matching quote (balanced, checked above).
                let mut phrase = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    phrase.push(c);
                }
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                let neg = std::mem::replace(&mut negate, false) || token == "-";
                token.clear();
                if phrase.is_empty() {
                    continue;
                }
                if neg {
                    q.excluded.push(phrase);
                } else {
                    q.phrases.push(phrase);
                }
            }
            '-' if token.is_empty() && !negate => negate = true,
            c if c.is_whitespace() => flush(&mut token, &mut negate, &mut q),
            c => token.push(c),
        }
    }
    flush(&mut token, &mut negate, &mut q);
    q
}

/// How many words make a query read as pasted text.
const PASTED_WORDS: usize = 8;

/// Characters that people do not type into a search box but logs, command
/// lines and scripts are full of.
const PASTED_MARKS: &[char] = &['|', '<', '>', '{', '}', '$', '=', ';', '\\'];

/// Reads a query that looks pasted (a log line, an error dialog, a command
/// line) as plain words: its `-words` are words, not exclusions, and its
/// quotes are not phrases that must appear. In `Set-Mailbox -Identity
/// "x"`, `-Identity` is a parameter, not a request to drop every article
/// that says "identity". A query looks pasted when it has 8 words or more,
/// holds a character of [`PASTED_MARKS`], or excludes a capitalised word (a
/// PowerShell parameter; people type `-database`). Returns a note saying so
/// when something was read differently.
pub fn read_as_pasted(q: &mut Query, input: &str) -> Option<String> {
    if q.excluded.is_empty() && q.phrases.is_empty() {
        return None;
    }
    let words = q.words.len()
        + q.excluded.len()
        + q.phrases
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum::<usize>();
    let pasted = words >= PASTED_WORDS
        || input.contains(PASTED_MARKS)
        || q.excluded
            .iter()
            .any(|x| x.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    if !pasted {
        return None;
    }
    let mut changed = Vec::new();
    for x in std::mem::take(&mut q.excluded) {
        changed.push(format!("-{x}"));
        q.words.extend(x.split_whitespace().map(str::to_string));
    }
    for p in std::mem::take(&mut q.phrases) {
        changed.push(format!("\"{p}\""));
        q.words.extend(p.split_whitespace().map(str::to_string));
    }
    let mut shown: Vec<String> = changed.iter().take(3).cloned().collect();
    if changed.len() > 3 {
        shown.push(format!("and {} more", changed.len() - 3));
    }
    Some(format!(
        "read as pasted text: {} searched as plain words (exclusions and phrases work in short queries)",
        shown.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_exclusions_filters() {
        let q = parse(r#"mail "relaying denied" -spam product:Email tag:smtp"#);
        assert_eq!(q.words, ["mail"]);
        assert_eq!(q.phrases, ["relaying denied"]);
        assert_eq!(q.excluded, ["spam"]);
        assert_eq!(
            q.filters,
            [
                (FilterField::Product, "email".into()),
                (FilterField::Tag, "smtp".into())
            ]
        );
        assert!(q.notes.is_empty());
    }

    #[test]
    fn error_strings_stay_words() {
        let q = parse("550 5.7.1 Relaying denied");
        assert_eq!(q.words, ["550", "5.7.1", "Relaying", "denied"]);
        let q = parse("NET::ERR_CERT_DATE_INVALID");
        assert_eq!(q.words, ["NET::ERR_CERT_DATE_INVALID"]);
        let q = parse("re-install wp-admin");
        assert_eq!(q.words, ["re-install", "wp-admin"]);
    }

    #[test]
    fn malformed_input_falls_back_with_a_note() {
        let q = parse(r#"ssl "expired"#);
        assert_eq!(q.words, ["ssl", "expired"]);
        assert_eq!(q.notes.len(), 1);
        let q = parse("product: - -");
        assert!(q.is_empty());
        assert_eq!(q.notes.len(), 3);
        let q = parse("weird:thing");
        assert_eq!(q.words, ["weird:thing"]);
    }

    #[test]
    fn pasted_commands_and_logs_are_plain_words() {
        // A PowerShell line: capitalised parameters.
        let input = "Get-CalendarProcessing -Identity room1 | select AutomateProcessing";
        let mut q = parse(input);
        assert_eq!(q.excluded, ["Identity"]);
        let note = read_as_pasted(&mut q, input).unwrap();
        assert!(q.excluded.is_empty());
        assert!(q.words.contains(&"Identity".to_string()), "{:?}", q.words);
        assert!(
            note.contains("`-Identity`") || note.contains("-Identity"),
            "{note}"
        );
        // A long error message with quotes: the quotes are not required.
        let input = r#"The operation couldn't be performed because object "Ex02" couldn't be found on the server"#;
        let mut q = parse(input);
        assert_eq!(q.phrases, ["Ex02"]);
        assert!(read_as_pasted(&mut q, input).is_some());
        assert!(q.phrases.is_empty() && q.words.contains(&"Ex02".to_string()));
        // What people type keeps its meaning.
        for input in [
            "backup restore -database",
            r#"mail "relaying denied" -spam"#,
            r#"backup -"full restore""#,
        ] {
            let mut q = parse(input);
            let before = q.clone();
            assert_eq!(read_as_pasted(&mut q, input), None, "{input}");
            assert_eq!(q, before);
        }
    }

    #[test]
    fn negated_phrase() {
        let q = parse(r#"backup -"full restore""#);
        assert_eq!(q.words, ["backup"]);
        assert_eq!(q.excluded, ["full restore"]);
    }

    #[test]
    fn short_queries_are_not_bounded() {
        for s in ["", "dns timeout", "  a  ", &"x".repeat(MAX_QUERY_CHARS)] {
            let (q, note) = bound(s);
            assert_eq!(q, s);
            assert_eq!(note, None);
        }
        let words = vec!["w"; MAX_QUERY_WORDS].join(" ");
        assert_eq!(bound(&words), (words.as_str().into(), None));
    }

    #[test]
    fn too_many_words_are_dropped_with_a_note() {
        let words: Vec<String> = (0..7000).map(|i| format!("w{i}")).collect();
        let input = words.join(" ");
        let (q, note) = bound(&input);
        assert_eq!(q, words[..MAX_QUERY_WORDS].join(" "));
        let note = note.unwrap();
        assert!(note.starts_with("query too long (7000 words, "), "{note}");
        assert!(note.contains("(\"w64 w65 "), "{note}");
        assert!(note.ends_with("...\")"), "{note}");
    }

    #[test]
    fn too_many_characters_are_cut_at_a_word() {
        let word = "abcdefghijklmnopqrs"; // 19 characters and a space: 20 each
        let input = vec![word; 60].join(" ");
        let (q, note) = bound(&input);
        assert!(q.chars().count() <= MAX_QUERY_CHARS);
        assert!(q.split(' ').all(|w| w == word), "{q}");
        assert!(note.is_some());
        // One word longer than the limit is cut inside.
        let long = "é".repeat(3000);
        let (q, _) = bound(&long);
        assert_eq!(q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn a_phrase_cut_in_the_middle_is_closed() {
        let input = format!("a \"{}\" z", vec!["p"; 100].join(" "));
        let (q, note) = bound(&input);
        assert!(note.is_some());
        assert_eq!(q.split_whitespace().count(), MAX_QUERY_WORDS);
        assert!(q.ends_with("p\""), "{q}");
        let parsed = parse(&q);
        assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
        assert_eq!(parsed.phrases.len(), 1);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "", "\"", "\"\"", "-", ":", "::", "-\"", "tag:", "\u{0}", "a\"b\"c", "--x", "\"-\"",
        ] {
            let _ = parse(s);
            let _ = bound(s);
        }
    }
}
