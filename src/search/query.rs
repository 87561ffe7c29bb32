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
    fn negated_phrase() {
        let q = parse(r#"backup -"full restore""#);
        assert_eq!(q.words, ["backup"]);
        assert_eq!(q.excluded, ["full restore"]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "", "\"", "\"\"", "-", ":", "::", "-\"", "tag:", "\u{0}", "a\"b\"c", "--x", "\"-\"",
        ] {
            let _ = parse(s);
        }
    }
}
