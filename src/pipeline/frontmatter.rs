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

fn parse_toml(
    path: &Path,
    source: &str,
    text: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    use toml::de::{DeTable, DeValue};

    let (table, errors) = DeTable::parse_recoverable(text);
    let placer = crate::core::diagnostic::Placer::new(source);
    for e in &errors {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim();
        let mut d = placer.place(
            Diagnostic::error(
                "toml-syntax",
                path,
                format!("invalid TOML in front matter: {message}"),
            ),
            shift(span.clone(), base),
        );
        if message.contains("date") || message.contains("time") {
            let key = text
                .get(..span.start)
                .and_then(|before| before.lines().last())
                .and_then(|line| line.split('=').next())
                .map_or("reviewed", str::trim);
            d = d.with_help(format!(
                "dates are written YYYY-MM-DD, without quotes: {key} = 2026-03-01"
            ));
        }
        diags.push(d);
    }
    if !errors.is_empty() {
        return Vec::new();
    }

    fn convert(v: &DeValue<'_>, span: Range<usize>, base: usize) -> Value {
        match v {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map_or(Value::Float(f64::NAN), Value::Integer),
            DeValue::Float(f) => {
                Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
            }
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::Datetime(d.to_string()),
            DeValue::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| {
                        let s = shift(item.span(), base);
                        (convert(item.get_ref(), s.clone(), base), s)
                    })
                    .collect(),
            ),
            DeValue::Table(_) => {
                let _ = span;
                Value::Table
            }
        }
    }

    let mut entries: Vec<Entry> = table
        .get_ref()
        .iter()
        .map(|(k, v)| {
            let value_span = shift(v.span(), base);
            Entry {
                key: k.get_ref().to_string(),
                key_span: shift(k.span(), base),
                value: convert(v.get_ref(), value_span.clone(), base),
                value_span,
            }
        })
        .collect();
    // The table is keyed by name; keep the order of the file instead.
    entries.sort_by_key(|e| e.key_span.start);
    entries
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

fn parse_yaml(
    path: &Path,
    source: &str,
    text: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    match serde_saphyr::from_str::<YamlMap>(text) {
        Ok(map) => map
            .0
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
            .collect(),
        Err(e) => {
            let span = e
                .location()
                .map_or(base..base, |loc| yaml_span(text, &loc, base));
            let message = e.to_string();
            let mut message = message.lines().next().unwrap_or("").trim();
            message = message.strip_prefix("error: ").unwrap_or(message);
            // The location is printed below, relative to the file; drop the
            // parser's own (relative to the front matter).
            if message.starts_with("line ") {
                message = message.split_once(": ").map_or(message, |(_, m)| m);
            }
            diags.push(
                Diagnostic::error(
                    "yaml-syntax",
                    path,
                    format!("invalid YAML in front matter: {message}"),
                )
                .at(source, span),
            );
            Vec::new()
        }
    }
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
