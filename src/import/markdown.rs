//! Importing a tree of Markdown files (MS Docs, Jekyll, Hugo, Docusaurus).
//!
//! In: the source folder and the key mapping table. Out: a [`Plan`] with one
//! file per `.md` file (same relative path, same name) plus the files the
//! articles link to (images, attachments) that lie inside the source folder.
//! Front matter (YAML or TOML) is rewritten as TOML between `+++` lines with
//! its keys mapped; the body after it is kept byte for byte. A file without
//! front matter, or whose front matter cannot be read, is copied unchanged.

use super::{Plan, Planned};
use crate::core::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// Source key to our key, applied in this order of precedence: book.toml's
/// `[preprocessor.supportbook.import.map]` entries replace these.
pub const DEFAULT_MAP: &[(&str, &str)] = &[
    ("description", "summary"),
    ("ms.date", "reviewed"),
    ("date", "reviewed"),
    ("last_update.date", "reviewed"),
    ("lastmod", "reviewed"),
    ("author", "owner"),
    ("ms.author", "owner"),
    ("keywords", "tags"),
    ("appliesto", "products"),
];

/// The keys supportbook reads as lists (a string value is split at commas).
const LIST_KEYS: &[&str] = &["symptoms", "products", "tags", "related"];

/// The front-matter key mapping table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// (source key, our key), defaults first, then book.toml's entries.
    pairs: Vec<(String, String)>,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            pairs: DEFAULT_MAP
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }
}

impl Mapping {
    /// The defaults with `[preprocessor.supportbook.import.map]` from the
    /// text of book.toml laid over them. A value that is not a string is an
    /// error naming the key.
    pub fn from_book_toml(text: &str) -> Result<Mapping> {
        let mut mapping = Mapping::default();
        let Ok(table) = text.parse::<toml::Table>() else {
            // book.toml's syntax is `check`'s to report; use the defaults.
            return Ok(mapping);
        };
        let import = table
            .get("preprocessor")
            .and_then(|p| p.get("supportbook"))
            .and_then(|s| s.get("import"));
        let Some(import) = import else {
            return Ok(mapping);
        };
        let bad = |what: String| {
            Error::Refused(format!(
                "book.toml: [preprocessor.supportbook.import] {what}; expected e.g. map = {{ \"ms.service\" = \"products\" }}"
            ))
        };
        let Some(import) = import.as_table() else {
            return Err(bad("is not a table".into()));
        };
        for (key, value) in import {
            if key != "map" {
                return Err(bad(format!("has an unknown key `{key}` (only `map`)")));
            }
            let Some(map) = value.as_table() else {
                return Err(bad("`map` is not a table".into()));
            };
            for (from, to) in map {
                let Some(to) = to.as_str() else {
                    return Err(bad(format!("`map.\"{from}\"` is not a string")));
                };
                mapping.pairs.retain(|(f, _)| f != from);
                mapping.pairs.push((from.clone(), to.to_string()));
            }
        }
        Ok(mapping)
    }

    /// Our key for a source key, when it is mapped to another name.
    pub fn target(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(from, to)| from == key && to != key)
            .map(|(_, to)| to.as_str())
    }
}

/// A front-matter value on its way to TOML (YAML nulls are dropped).
type Entries = Vec<(String, toml::Value)>;

/// Converts one Markdown file. Returns the new text and, when the front
/// matter was left as it was, why.
pub fn convert(source: &str, mapping: &Mapping) -> (String, Option<String>) {
    let Some(block) = split(source) else {
        return (source.to_string(), None);
    };
    let entries = match block.format {
        Fence::Yaml => parse_yaml(block.text),
        Fence::Toml => parse_toml(block.text),
    };
    let entries = match entries {
        Ok(e) => e,
        Err(why) => return (source.to_string(), Some(why)),
    };
    let mapped = map_entries(entries, mapping);
    let mut out = String::from("+++\n");
    for (key, value) in &mapped {
        out.push_str(&toml_key(key));
        out.push_str(" = ");
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out.push_str("+++\n");
    out.push_str(block.body);
    (out, None)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fence {
    Yaml,
    Toml,
}

struct Block<'a> {
    format: Fence,
    /// Between the fences.
    text: &'a str,
    /// Everything after the closing fence line.
    body: &'a str,
}

/// Finds a front-matter block at the start of `source` (after a BOM).
fn split(source: &str) -> Option<Block<'_>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (first, rest) = source.split_once('\n')?;
    let (fence, format) = match first.trim_end() {
        "---" => ("---", Fence::Yaml),
        "+++" => ("+++", Fence::Toml),
        _ => return None,
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            return Some(Block {
                format,
                text: rest.get(..offset)?,
                body: rest.get(offset + line.len()..)?,
            });
        }
        offset += line.len();
    }
    None
}

/// A YAML mapping in source order.
struct OrderedMap(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for OrderedMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OrderedMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of keys to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<OrderedMap, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(OrderedMap(out))
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<OrderedMap, E> {
                Ok(OrderedMap(Vec::new()))
            }
        }
        d.deserialize_map(V)
    }
}

fn parse_yaml(text: &str) -> std::result::Result<Entries, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let map = serde_saphyr::from_str::<OrderedMap>(text).map_err(|e| {
        let msg = e.to_string();
        format!("invalid YAML: {}", msg.lines().next().unwrap_or("").trim())
    })?;
    Ok(map
        .0
        .into_iter()
        .filter_map(|(k, v)| json_to_toml(v).map(|v| (k, v)))
        .collect())
}

fn parse_toml(text: &str) -> std::result::Result<Entries, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("invalid TOML: {}", e.message().trim()))?;
    // The table is sorted by key; put the keys back in the file's order.
    let mut order: Vec<(usize, String)> = table
        .keys()
        .map(|k| (key_position(text, k), k.clone()))
        .collect();
    order.sort();
    let mut table = table;
    Ok(order
        .into_iter()
        .filter_map(|(_, k)| table.remove(&k).map(|v| (k, v)))
        .collect())
}

/// Where a top-level key first appears at the start of a line (for ordering
/// only; keys not found sort last).
fn key_position(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_start().trim_start_matches('[').trim_start();
        let l = l.trim_start_matches('"');
        if l.starts_with(key) {
            return offset;
        }
        offset += line.len();
    }
    usize::MAX
}

fn json_to_toml(v: serde_json::Value) -> Option<toml::Value> {
    use serde_json::Value as J;
    Some(match v {
        J::Null => return None,
        J::Bool(b) => toml::Value::Boolean(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => toml::Value::String(s),
        J::Array(items) => toml::Value::Array(items.into_iter().filter_map(json_to_toml).collect()),
        J::Object(map) => toml::Value::Table(
            map.into_iter()
                .filter_map(|(k, v)| json_to_toml(v).map(|v| (k, v)))
                .collect(),
        ),
    })
}

/// Renames mapped keys and converts their values (dates to YYYY-MM-DD, lists
/// from strings). A source key whose target is already present (written in
/// the file, or claimed by an earlier key) stays as it is, and so does one
/// whose value cannot be converted.
pub fn map_entries(entries: Entries, mapping: &Mapping) -> Entries {
    let mut taken: BTreeSet<String> = entries
        .iter()
        .filter(|(k, _)| mapping.target(k).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match mapping.target(&key) {
            Some(target) if !taken.contains(target) => match convert_value(target, &value) {
                Some(v) => {
                    taken.insert(target.to_string());
                    out.push((target.to_string(), v));
                }
                None => out.push((key, value)),
            },
            _ => out.push((key, value)),
        }
    }
    out
}

fn convert_value(target: &str, value: &toml::Value) -> Option<toml::Value> {
    use toml::Value as T;
    match target {
        "reviewed" => {
            let text = match value {
                T::String(s) => s.clone(),
                T::Datetime(d) => d.to_string(),
                _ => return None,
            };
            let date = parse_date(&text)?;
            let toml_date = toml::value::Date {
                year: u16::try_from(date.year()).ok()?,
                month: u8::try_from(date.month()).ok()?,
                day: u8::try_from(date.day()).ok()?,
            };
            Some(T::Datetime(toml::value::Datetime {
                date: Some(toml_date),
                time: None,
                offset: None,
            }))
        }
        t if LIST_KEYS.contains(&t) => match value {
            T::String(s) => Some(T::Array(
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| T::String(s.to_string()))
                    .collect(),
            )),
            T::Array(items) => Some(T::Array(
                items
                    .iter()
                    .filter_map(|i| match i {
                        T::String(s) => Some(T::String(s.clone())),
                        T::Integer(_) | T::Float(_) | T::Boolean(_) => {
                            Some(T::String(i.to_string()))
                        }
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        },
        "title" | "summary" | "owner" | "audience" | "state" | "id" => match value {
            T::String(_) => Some(value.clone()),
            T::Array(items) => {
                let parts: Vec<&str> = items.iter().filter_map(T::as_str).collect();
                (parts.len() == items.len() && !parts.is_empty())
                    .then(|| T::String(parts.join(", ")))
            }
            _ => None,
        },
        _ => Some(value.clone()),
    }
}

/// Reads the dates real KBs write: `2024-08-21`, `2024-08-21T10:00:00Z`,
/// `2024/08/21`, and `08/21/2024` (month first, as MS Docs writes them).
pub fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let t = text.trim();
    let head = t.get(..10).unwrap_or(t);
    if let Ok(d) = head.parse::<jiff::civil::Date>()
        && (t.len() == 10 || t.get(10..11).is_some_and(|c| c == "T" || c == " "))
    {
        return Some(d);
    }
    let parts: Vec<&str> = t.split('/').map(str::trim).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| {
        s.parse::<i16>()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
    };
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.len() == 4 {
        (num(c)?, num(a)?, num(b)?)
    } else {
        return None;
    };
    jiff::civil::Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A key as TOML writes it: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

// ---------------------------------------------------------------------------
// The tree

/// Plans the import of the Markdown tree at `src`. Hidden files and folders
/// and symbolic links are skipped (with a note for links).
pub fn plan(src: &Path, mapping: &Mapping, progress: &dyn Fn(usize, usize)) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut pages: Vec<(PathBuf, String)> = Vec::new();
    let walker = walkdir::WalkDir::new(src)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(src).to_path_buf();
            Error::io(
                "read",
                path,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("file system loop")),
            )
        })?;
        let is_md = entry.path().extension().is_some_and(|x| x == "md");
        if entry.file_type().is_symlink() {
            if is_md {
                plan.notes.push(format!(
                    "{}: a symbolic link, skipped",
                    display_rel(entry.path(), src)
                ));
            }
            continue;
        }
        if !entry.file_type().is_file() || !is_md {
            continue;
        }
        let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
        let Some(rel) = rel_string(rel) else {
            plan.notes.push(format!(
                "{}: name is not UTF-8, skipped",
                entry.path().display()
            ));
            continue;
        };
        pages.push((entry.path().to_path_buf(), rel));
    }

    let total = pages.len();
    let mut assets: BTreeSet<String> = BTreeSet::new();
    let real_src = src.canonicalize().map_err(|e| Error::io("read", src, e))?;
    for (n, (path, rel)) in pages.iter().enumerate() {
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            plan.notes.push(format!("{rel}: not UTF-8, copied as is"));
            plan.files.push(Planned {
                rel: rel.clone(),
                bytes,
                origin: rel.clone(),
            });
            continue;
        };
        let (converted, why) = convert(&text, mapping);
        if let Some(why) = why {
            plan.notes
                .push(format!("{rel}: front matter kept as is ({why})"));
        }
        for link in linked_files(&text) {
            if let Some(asset) = resolve_asset(src, &real_src, rel, &link) {
                assets.insert(asset);
            }
        }
        plan.files.push(Planned {
            rel: rel.clone(),
            bytes: converted.into_bytes(),
            origin: rel.clone(),
        });
        progress(n + 1, total);
    }
    for rel in assets {
        let path = src.join(&rel);
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        plan.files.push(Planned {
            origin: rel.clone(),
            rel,
            bytes,
        });
    }
    Ok(plan)
}

fn display_rel(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A relative path as `/`-separated UTF-8, or None.
fn rel_string(rel: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    parts.map(|p| p.join("/")).filter(|s| !s.is_empty())
}

/// The destinations of links and images in a Markdown text that may be
/// local files: no scheme, not absolute, not only an anchor.
pub fn linked_files(text: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut out = Vec::new();
    for event in Parser::new(text) {
        let dest = match event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        let dest = dest.split(['#', '?']).next().unwrap_or("");
        if dest.is_empty()
            || dest.starts_with('/')
            || dest.contains(':')
            || dest.ends_with(".md")
            || dest.ends_with('/')
        {
            continue;
        }
        out.push(percent_decode(dest));
    }
    out
}

/// `%XX` escapes decoded; a bad escape stays as it is, and a result that
/// is not UTF-8 gives `s` back unchanged.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map_or_else(|_| s.to_string(), std::borrow::Cow::into_owned)
}

/// The source-relative path of a file an article at `page_rel` links to, if
/// it is a regular file inside the source folder (symbolic links followed
/// only when they stay inside).
fn resolve_asset(src: &Path, real_src: &Path, page_rel: &str, link: &str) -> Option<String> {
    let dir = Path::new(page_rel).parent().unwrap_or(Path::new(""));
    let joined = crate::core::paths::lexical(&dir.join(link));
    let rel = rel_string(&joined)?;
    if !super::is_safe_rel(&rel) {
        return None;
    }
    let path = src.join(&rel);
    let meta = path.symlink_metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let real = path.canonicalize().ok()?;
    real.starts_with(real_src).then_some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_docs_front_matter_is_mapped_and_body_kept() {
        let src = "---\ntitle: Can't sign in\nauthor: cloud-writer\nms.author: meerak\naudience: ITPro\nms.custom: \n  - CSSTroubleshoot\nappliesto: \n  - Skype for Business Online\nms.date: 08/21/2024\nsearch.appverid: \n---\n\n# Can't sign in\r\n\nBody *kept*.\n";
        let (out, why) = convert(src, &Mapping::default());
        assert_eq!(why, None);
        assert_eq!(
            out,
            "+++\ntitle = \"Can't sign in\"\nowner = \"cloud-writer\"\n\"ms.author\" = \"meerak\"\naudience = \"ITPro\"\n\"ms.custom\" = [\"CSSTroubleshoot\"]\nproducts = [\"Skype for Business Online\"]\nreviewed = 2024-08-21\n+++\n\n# Can't sign in\r\n\nBody *kept*.\n"
        );
    }

    #[test]
    fn a_key_already_present_wins_over_a_mapped_one() {
        let src = "---\ndescription: from description\nsummary: written here\n---\nx";
        let (out, _) = convert(src, &Mapping::default());
        assert!(out.contains("description = \"from description\"\nsummary = \"written here\""));
    }

    #[test]
    fn book_toml_overrides_and_extends_the_map() {
        let text = "[preprocessor.supportbook.import.map]\n\"ms.service\" = \"products\"\nauthor = \"author\"\n";
        let m = Mapping::from_book_toml(text).unwrap();
        assert_eq!(m.target("ms.service"), Some("products"));
        assert_eq!(m.target("author"), None);
        assert_eq!(m.target("ms.date"), Some("reviewed"));
        let bad = "[preprocessor.supportbook.import.map]\nx = 1\n";
        assert!(Mapping::from_book_toml(bad).is_err());
    }

    #[test]
    fn toml_front_matter_keeps_its_order_and_keywords_split() {
        let src = "+++\ntitle = \"T\"\nkeywords = \"dns, mx\"\n[extra]\na = 1\n+++\nbody";
        let (out, _) = convert(src, &Mapping::default());
        assert_eq!(
            out,
            "+++\ntitle = \"T\"\ntags = [\"dns\", \"mx\"]\nextra = { a = 1 }\n+++\nbody"
        );
    }

    #[test]
    fn no_front_matter_or_broken_front_matter_copies_as_is() {
        assert_eq!(
            convert("# Hi\n", &Mapping::default()),
            ("# Hi\n".into(), None)
        );
        let broken = "---\ntitle: [unclosed\n---\nbody";
        let (out, why) = convert(broken, &Mapping::default());
        assert_eq!(out, broken);
        assert!(why.unwrap().starts_with("invalid YAML"));
    }

    #[test]
    fn unreadable_dates_stay_under_their_key() {
        let (out, _) = convert("---\nms.date: someday\n---\n", &Mapping::default());
        assert!(out.contains("\"ms.date\" = \"someday\""), "{out}");
    }

    #[test]
    fn dates() {
        for (s, want) in [
            ("08/21/2024", "2024-08-21"),
            ("8/1/2024", "2024-08-01"),
            ("2024-05-01T10:00:00Z", "2024-05-01"),
            ("2024/05/01", "2024-05-01"),
            ("2024-05-01", "2024-05-01"),
        ] {
            assert_eq!(parse_date(s).unwrap().to_string(), want, "{s}");
        }
        for s in ["13/45/2024", "2024-05-01x", "", "1/2/3"] {
            assert!(parse_date(s).is_none(), "{s}");
        }
    }

    #[test]
    fn local_links_only() {
        let links = linked_files(
            "![a](media/a%20b.png) [b](other.md) [c](https://x/y.png) [d](#top) [e](../f.pdf#p=2) ![g](/abs.png)",
        );
        assert_eq!(links, ["media/a b.png", "../f.pdf"]);
    }
}
