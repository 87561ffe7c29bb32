//! Unknown keys in a TOML file, found by serde itself.
//!
//! In: a file's text and the raw type that mirrors it. Out: the value (or
//! serde's error) and the path of every key serde skipped, which is every
//! key the type does not have ([`from_str`], through `serde_ignored`). Each
//! path leads to its key in the file ([`key_span`]), and [`fields`] lists the
//! keys a struct takes, for the did-you-mean: the structs are the only list
//! of known keys.

use crate::core::diagnostic::{Diagnostic, did_you_mean};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key of a table.
    Key(String),
    /// An element of an array (an array of tables too).
    Index(usize),
}

/// `T` from `source`, and the path of every key of the file that `T` did
/// not take, in the order serde met them (toml's table order, which need not
/// be the file's). When deserializing fails, the keys met before the
/// failure are still returned.
pub fn from_str<T: DeserializeOwned>(source: &str) -> (Result<T, toml::de::Error>, Vec<Vec<Step>>) {
    let mut ignored = Vec::new();
    let value = toml::de::Deserializer::parse(source)
        .and_then(|de| serde_ignored::deserialize(de, |path| ignored.push(steps(&path))));
    (value, ignored)
}

/// The keys toml gives a `Spanned<T>` while it is deserialized: no key of
/// the file.
const SPANNED_KEYS: &str = "$__serde_spanned_private_";

fn steps(path: &serde_ignored::Path<'_>) -> Vec<Step> {
    use serde_ignored::Path;
    let (Path::Seq { parent, .. }
    | Path::Map { parent, .. }
    | Path::Some { parent }
    | Path::NewtypeStruct { parent }
    | Path::NewtypeVariant { parent }) = path
    else {
        return Vec::new();
    };
    let mut out = steps(parent);
    match path {
        Path::Seq { index, .. } => out.push(Step::Index(*index)),
        Path::Map { key, .. } if !key.starts_with(SPANNED_KEYS) => out.push(Step::Key(key.clone())),
        _ => {}
    }
    out
}

/// Where the last key of `path` is written in `table`; `None` when the
/// path does not end with a key that is there.
pub fn key_span(table: &DeTable<'_>, path: &[Step]) -> Option<Range<usize>> {
    let (Step::Key(last), parents) = path.split_last()? else {
        return None;
    };
    let mut here = table;
    let mut parents = parents.iter().peekable();
    while let Some(step) = parents.next() {
        let Step::Key(key) = step else { return None };
        let mut value = here.get(key.as_str())?.get_ref();
        // Array elements, until the next key.
        while let Some(Step::Index(i)) = parents.peek() {
            value = match value {
                DeValue::Array(items) => items.get(*i)?.get_ref(),
                _ => return None,
            };
            parents.next();
        }
        here = match value {
            DeValue::Table(t) => t,
            _ => return None,
        };
    }
    here.get_key_value(last.as_str()).map(|(k, _)| k.span())
}

/// Each ignored key as an `unknown-key` error in `file`, in file order,
/// with a did-you-mean from the keys its table takes, or else the list of
/// them. `keys_at` gives those keys for the shape of the table's path
/// (see [`shape`]; usually [`fields`] of the struct found there).
pub fn unknown_key_errors(
    file: &Path,
    source: &str,
    ignored: &[Vec<Step>],
    keys_at: impl Fn(&[&str]) -> &'static [&'static str],
) -> Vec<Diagnostic> {
    if ignored.is_empty() {
        return Vec::new();
    }
    let Ok(table) = DeTable::parse(source) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, Diagnostic)> = Vec::new();
    for path in ignored {
        let Some(Step::Key(name)) = path.last() else {
            continue;
        };
        let shape = shape(path);
        let keys = shape
            .split_last()
            .map_or(&[][..], |(_, table)| keys_at(table));
        let span = key_span(table.get_ref(), path).unwrap_or(0..0);
        let d = Diagnostic::error("unknown-key", file, format!("unknown key `{name}`"))
            .at(source, span.clone());
        let d = match did_you_mean(name, keys.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("expected one of: {}", keys.join(", "))),
        };
        found.push((span.start, d));
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, d)| d).collect()
}

/// The dotted form of a path for messages (`questions.0.prompt`).
pub fn dotted(path: &[Step]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.clone(),
            Step::Index(i) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

/// The path with every array index written `*`, for matching a path to the
/// struct found there (`["questions", "*", "prompt"]`).
pub fn shape(path: &[Step]) -> Vec<&str> {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => k.as_str(),
            Step::Index(_) => "*",
        })
        .collect()
}

/// The keys struct `T` takes, as serde names them (renames applied), in the
/// order of its fields; empty for a type that is not a struct. Asks `T`'s
/// `Deserialize` with a deserializer that only records the field list.
pub fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Probe<'a>(&'a mut &'static [&'static str]);

    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("only the fields were asked for"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    let mut found: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut found));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use toml::Spanned;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        #[serde(rename = "type")]
        _kind: Option<String>,
        _pass_percent: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    struct File {
        #[serde(default)]
        _items: Vec<Spanned<Item>>,
        _meta: Option<Item>,
    }

    #[test]
    fn fields_are_serde_names() {
        assert_eq!(fields::<Item>(), ["type", "passPercent"]);
        assert!(fields::<String>().is_empty());
    }

    #[test]
    fn ignored_keys_are_found_with_their_place() {
        let source = "top = 1\n[_meta]\ntype = \"x\"\ntyp = \"y\"\n\n[[_items]]\n\n[[_items]]\nsub.passPercnt = 5\n";
        let (value, ignored) = from_str::<File>(source);
        assert!(value.is_ok(), "{value:?}");
        let table = DeTable::parse(source).unwrap();
        let mut placed: Vec<(String, Option<&str>)> = ignored
            .iter()
            .map(|p| (dotted(p), key_span(table.get_ref(), p).map(|r| &source[r])))
            .collect();
        // serde meets keys in toml's table order, not always the file's.
        placed.sort_by_key(|(_, key)| key.map(|k| k.as_ptr()));
        assert_eq!(
            placed,
            [
                ("top".to_string(), Some("top")),
                ("_meta.typ".to_string(), Some("typ")),
                ("_items.1.sub".to_string(), Some("sub")),
            ]
        );
        let sub = ignored.iter().find(|p| p.len() == 3).unwrap();
        assert_eq!(shape(sub), ["_items", "*", "sub"]);
    }

    #[test]
    fn keys_met_before_an_error_are_kept() {
        let (value, ignored) = from_str::<File>("__a = 1\n[_meta]\npassPercent = \"x\"\n");
        assert!(value.is_err());
        assert_eq!(ignored, [vec![Step::Key("__a".into())]]);
    }
}
