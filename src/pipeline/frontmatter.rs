//! Front matter: the metadata block at the top of a KB article.
//!
//! TOML between `+++` lines is the native form; YAML between `---` lines is
//! read too, so an existing KB can be dropped in. Both are turned into the
//! same list of [`Entry`]s, each with byte spans into the whole file, so the
//! validator reports problems in either format the same way.

use crate::core::diagnostic::Diagnostic;
use std::ops::Range;
use std::path::Path;

/// Which syntax a front-matter block was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

/// A value from front matter, reduced to what the article model needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// A TOML date or date-time literal, as written.
    Datetime(String),
    /// Array elements with their own spans (for YAML, the array's span).
    Array(Vec<(Value, Range<usize>)>),
    Table,
    Null,
}

impl Value {
    /// The type's name as a user would call it in a message.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "a list",
            Value::Table => "a table",
            Value::Null => "null",
        }
    }
}

/// One top-level key of the front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Value,
    pub value_span: Range<usize>,
}

/// A parsed front-matter block.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatter {
    pub format: Format,
    pub entries: Vec<Entry>,
    /// Byte offset where the Markdown body starts (after the closing fence).
    pub body_start: usize,
    /// Span of the opening fence line, for diagnostics about the block itself.
    pub open_span: Range<usize>,
}

/// The result of splitting a Markdown file.
#[derive(Debug)]
pub enum Split {
    /// No front matter: the whole file is the body.
    None,
    /// A block was found and parsed; parse problems are in the diagnostics.
    Found(FrontMatter),
}

/// Finds and parses the front matter of `source`. Diagnostics name `path`.
pub fn parse(path: &Path, source: &str) -> (Split, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = source.get(start..).unwrap_or("");
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i);
    let first = rest.get(..first_line_end).unwrap_or("").trim_end();
    let (fence, format) = match first {
        "+++" => ("+++", Format::Toml),
        "---" => ("---", Format::Yaml),
        _ => return (Split::None, diags),
    };
    let open_span = start..start + first.len();
    let content_start = (start + first_line_end + 1).min(source.len());

    // Find the closing fence: a line that is exactly the fence.
    let mut offset = content_start;
    let mut close = None;
    for line in source
        .get(content_start..)
        .unwrap_or("")
        .split_inclusive('\n')
    {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((content_end, body_start)) = close else {
        let (what, hint) = match format {
            Format::Toml => ("TOML", "+++"),
            Format::Yaml => ("YAML", "---"),
        };
        diags.push(
            Diagnostic::error(
                "unclosed-front-matter",
                path,
                format!("{what} front matter opened with `{fence}` is never closed"),
            )
            .at(source, open_span.clone())
            .with_help(format!(
                "add a line with only `{hint}` after the last front-matter key"
            )),
        );
        let fm = FrontMatter {
            format,
            entries: Vec::new(),
            body_start: source.len(),
            open_span,
        };
        return (Split::Found(fm), diags);
    };

    let text = source.get(content_start..content_end).unwrap_or("");
    let entries = match format {
        Format::Toml => parse_toml(path, source, text, content_start, &mut diags),
        Format::Yaml => parse_yaml(path, source, text, content_start, &mut diags),
    };
    let fm = FrontMatter {
        format,
        entries,
        body_start,
        open_span,
    };
    (Split::Found(fm), diags)
}

fn shift(span: Range<usize>, by: usize) -> Range<usize> {
    span.start + by..span.end + by
}

/// Reads TOML front matter, reporting every syntax error and keeping every
/// entry the parser could still read (see [`readable`]): one bad line does
/// not hide the other keys' problems.
fn parse_toml(
    path: &Path,
    source: &str,
    text: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    use toml::de::DeTable;

    let (table, errors) = DeTable::parse_recoverable(text);
    let error_spans: Vec<Range<usize>> = errors.iter().filter_map(|e| e.span()).collect();
    let placer = crate::core::diagnostic::Placer::new(source);
    for e in &errors {
        diags.push(toml_error(path, &placer, text, base, e));
    }
    let mut entries: Vec<Entry> = table
        .get_ref()
        .iter()
        .filter_map(|(k, v)| {
            let value = readable(v.get_ref(), v.span(), &error_spans, base)?;
            Some(Entry {
                key: k.get_ref().to_string(),
                key_span: shift(k.span(), base),
                value,
                value_span: shift(v.span(), base),
            })
        })
        .collect();
    // The table is keyed by name; keep the order of the file instead.
    entries.sort_by_key(|e| e.key_span.start);
    entries
}

/// One TOML syntax error as a diagnostic, with the date format as help when
/// the error is about a date.
fn toml_error(
    path: &Path,
    placer: &crate::core::diagnostic::Placer<'_>,
    text: &str,
    base: usize,
    e: &toml::de::Error,
) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim();
    let d = Diagnostic::error(
        "toml-syntax",
        path,
        format!("invalid TOML in front matter: {message}"),
    )
    .placed(placer, shift(span.clone(), base));
    if !(message.contains("date") || message.contains("time")) {
        return d;
    }
    let key = text
        .get(..span.start)
        .and_then(|before| before.lines().last())
        .and_then(|line| line.split('=').next())
        .map_or("reviewed", str::trim);
    d.with_help(format!(
        "dates are written YYYY-MM-DD, without quotes: {key} = 2026-03-01"
    ))
}

/// The value the TOML parser recovered at `span` (relative to the front
/// matter), as far as it can be trusted, or `None`. A value no syntax error
/// touches is read as written. One that an error touches is kept only when
/// it is text the parser could still read (`id = dns-propagation` without
/// quotes, a string whose closing quote is missing); a recovered date,
/// number or empty string is a guess, and using it would only add follow-on
/// errors. In a list, each item is judged alone.
fn readable(
    v: &toml::de::DeValue<'_>,
    span: Range<usize>,
    errors: &[Range<usize>],
    base: usize,
) -> Option<Value> {
    use toml::de::DeValue;

    let touched = errors
        .iter()
        .any(|e| e.start <= span.end && span.start <= e.end);
    Some(match v {
        DeValue::String(s) if touched && s.trim().is_empty() => return None,
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .filter_map(|item| {
                    let value = readable(item.get_ref(), item.span(), errors, base)?;
                    Some((value, shift(item.span(), base)))
                })
                .collect(),
        ),
        _ if touched => return None,
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map_or(Value::Float(f64::NAN), Value::Integer),
        DeValue::Float(f) => Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Table(_) => Value::Table,
    })
}

/// A YAML mapping kept in source order, with spans on keys and values.
struct YamlMap(
    Vec<(
        serde_saphyr::Spanned<String>,
        serde_saphyr::Spanned<serde_json::Value>,
    )>,
);

impl<'de> serde::Deserialize<'de> for YamlMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = YamlMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of keys to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<YamlMap, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(YamlMap(out))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<YamlMap, E> {
                Ok(YamlMap(Vec::new()))
            }
        }
        d.deserialize_map(V)
    }
}

fn yaml_span(text: &str, loc: &serde_saphyr::Location, base: usize) -> Range<usize> {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(off), Some(len)) => {
            let off = usize::try_from(off).unwrap_or(0);
            let len = usize::try_from(len).unwrap_or(0);
            base + off..base + off + len
        }
        _ => {
            // Fall back to line and column (both 1-based).
            let line = usize::try_from(loc.line()).unwrap_or(1).max(1);
            let col = usize::try_from(loc.column()).unwrap_or(1).max(1);
            let line_start: usize = text
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum();
            let off = base + line_start + col - 1;
            off..off + 1
        }
    }
}

/// How many times a YAML block is read again after a syntax error, each time
/// without the line the error was on.
const YAML_RETRIES: usize = 20;

/// Reads YAML front matter. A syntax error is reported (the first one: after
/// it, the parser's view of the block is a guess), and the block is read
/// again without that line, so the keys on the other lines are still read and
/// checked.
fn parse_yaml(
    path: &Path,
    source: &str,
    text: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    let mut text = text.to_string();
    for attempt in 0..YAML_RETRIES {
        if text.trim().is_empty() {
            return Vec::new();
        }
        match serde_saphyr::from_str::<YamlMap>(&text) {
            Ok(map) => return yaml_entries(map, &text, base),
            Err(e) => {
                let span = e
                    .location()
                    .map_or(base..base, |loc| yaml_span(&text, &loc, base));
                if attempt == 0 {
                    diags.push(yaml_error(path, source, span.clone(), &e));
                }
                if !blank_line(&mut text, span.start.saturating_sub(base)) {
                    return Vec::new();
                }
            }
        }
    }
    Vec::new()
}

/// The entries of a YAML mapping, with spans into the file.
fn yaml_entries(map: YamlMap, text: &str, base: usize) -> Vec<Entry> {
    map.0
        .into_iter()
        .map(|(k, v)| {
            let value_span = yaml_span(text, &v.referenced, base);
            let value = match v.value {
                serde_json::Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .map(|i| (json_to_value(i), value_span.clone()))
                        .collect(),
                ),
                other => json_to_value(other),
            };
            Entry {
                key: k.value,
                key_span: yaml_span(text, &k.referenced, base),
                value,
                value_span,
            }
        })
        .collect()
}

/// A YAML syntax error as a diagnostic, without the parser's own line
/// number (relative to the front matter; the place printed is the file's).
fn yaml_error(
    path: &Path,
    source: &str,
    span: Range<usize>,
    e: &serde_saphyr::Error,
) -> Diagnostic {
    let message = e.to_string();
    let mut message = message.lines().next().unwrap_or("").trim();
    message = message.strip_prefix("error: ").unwrap_or(message);
    if message.starts_with("line ") {
        message = message.split_once(": ").map_or(message, |(_, m)| m);
    }
    Diagnostic::error(
        "yaml-syntax",
        path,
        format!("invalid YAML in front matter: {message}"),
    )
    .at(source, span)
}

/// Replaces the line of `text` that holds byte `at` with spaces (so every
/// other byte keeps its offset). False when there was nothing left to blank.
fn blank_line(text: &mut String, at: usize) -> bool {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    let newline = |b: &u8| *b == b'\n';
    let start = bytes
        .get(..at)
        .and_then(|b| b.iter().rposition(newline))
        .map_or(0, |i| i + 1);
    let end = bytes
        .get(at..)
        .and_then(|b| b.iter().position(newline))
        .map_or(bytes.len(), |i| at + i);
    let Some(line) = text.get(start..end) else {
        return false;
    };
    if line.trim().is_empty() {
        return false;
    }
    let blank = " ".repeat(line.len());
    text.replace_range(start..end, &blank);
    true
}

fn json_to_value(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| (json_to_value(i), 0..0))
                .collect(),
        ),
        serde_json::Value::Object(_) => Value::Table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(src: &str) -> (Option<FrontMatter>, Vec<Diagnostic>) {
        let (s, d) = parse(Path::new("a.md"), src);
        match s {
            Split::None => (None, d),
            Split::Found(fm) => (Some(fm), d),
        }
    }

    #[test]
    fn no_front_matter() {
        let (fm, d) = split("# Hello\n");
        assert!(fm.is_none() && d.is_empty());
    }

    #[test]
    fn toml_entries_have_spans_into_the_file() {
        let src = "+++\ntitle = \"DNS\"\ntags = [\"a\", \"b\"]\n+++\nbody\n";
        let (fm, d) = split(src);
        assert!(d.is_empty(), "{d:?}");
        let fm = fm.unwrap();
        assert_eq!(&src[fm.body_start..], "body\n");
        assert_eq!(fm.entries[0].key, "title");
        assert_eq!(&src[fm.entries[0].key_span.clone()], "title");
        assert_eq!(&src[fm.entries[0].value_span.clone()], "\"DNS\"");
        let Value::Array(items) = &fm.entries[1].value else {
            panic!()
        };
        assert_eq!(&src[items[1].1.clone()], "\"b\"");
    }

    #[test]
    fn unclosed_toml_is_reported_at_the_opening_fence() {
        let (_, d) = split("+++\ntitle = \"x\"\n\nbody");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "unclosed-front-matter");
        assert_eq!(d[0].place(), "a.md:1:1");
    }

    #[test]
    fn invalid_date_is_a_syntax_error_with_place() {
        let src = "+++\nreviewed = 2026-13-45\n+++\n";
        let (_, d) = split(src);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "toml-syntax");
        assert!(d[0].place().starts_with("a.md:2:"), "{}", d[0].place());
    }

    #[test]
    fn toml_syntax_errors_keep_the_entries_that_could_be_read() {
        let src = "+++\nid = dns-glue\nreviewed = 2026-13-45\nsummary = \ntags = [\"a\", 2026-99-01]\nstate = \"validatd\"\n+++\n";
        let (fm, d) = split(src);
        let codes: Vec<_> = d.iter().map(|d| (d.code, d.place())).collect();
        assert_eq!(codes.len(), 4, "{codes:?}");
        assert!(codes.iter().all(|(c, _)| *c == "toml-syntax"), "{codes:?}");
        let entries: Vec<(String, Value)> = fm
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect();
        // The unquoted id is read as the text it is; the bad date and the
        // empty summary are guesses and left out; the list keeps its good item.
        assert_eq!(
            entries,
            [
                ("id".to_string(), Value::String("dns-glue".into())),
                (
                    "tags".to_string(),
                    Value::Array(vec![(Value::String("a".into()), 59..62)])
                ),
                ("state".to_string(), Value::String("validatd".into())),
            ]
        );
    }

    #[test]
    fn a_yaml_syntax_error_is_reported_once_and_the_other_lines_read() {
        let src = "---\ntitle: \"unclosed\nstate: validatd\nowner: Priya\n---\n";
        let (fm, d) = split(src);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].code, d[0].place()),
            ("yaml-syntax", "a.md:2:8".into())
        );
        let keys: Vec<String> = fm.unwrap().entries.into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["state", "owner"]);
        let mut text = "a: 1\nbé: [\nc: 3".to_string();
        assert!(blank_line(&mut text, 7));
        assert_eq!(text, "a: 1\n      \nc: 3");
        assert!(!blank_line(&mut text, 7));
    }

    #[test]
    fn yaml_front_matter_is_read() {
        let src = "---\ntitle: Mail bounces\ntags: [mx, spf]\nreviewed: 2026-01-02\n---\nbody\n";
        let (fm, d) = split(src);
        assert!(d.is_empty(), "{d:?}");
        let fm = fm.unwrap();
        assert_eq!(fm.format, Format::Yaml);
        assert_eq!(fm.entries[0].value, Value::String("Mail bounces".into()));
        assert_eq!(&src[fm.entries[0].key_span.clone()], "title");
        assert!(matches!(&fm.entries[1].value, Value::Array(a) if a.len() == 2));
        assert_eq!(fm.entries[2].value, Value::String("2026-01-02".into()));
    }

    #[test]
    fn broken_yaml_is_a_diagnostic() {
        let (_, d) = split("---\ntitle: [unclosed\n---\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "yaml-syntax");
    }
}
