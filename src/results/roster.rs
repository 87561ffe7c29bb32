//! The roster: `learners.toml` at the project root names everyone who
//! should take the handbook's quizzes, so a learner who has not taken any
//! yet still shows in `results due` and `results report`.
//!
//! In: the file's text. Out: the names (trimmed, in file order, each once)
//! and a diagnostic for every problem, placed where it is written.
//!
//! ```toml
//! learners = ["ana", "bo", "chris"]
//! ```

use crate::core::config::Project;
use crate::core::diagnostic::{Diagnostic, did_you_mean};
use std::path::Path;

/// The roster's file name, at the project root.
pub const ROSTER_FILE: &str = "learners.toml";

/// Reads the project's roster: no file is an empty roster.
pub fn load(project: &Project) -> (Vec<String>, Vec<Diagnostic>) {
    match std::fs::read_to_string(project.root.join(ROSTER_FILE)) {
        Ok(text) => parse(Path::new(ROSTER_FILE), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![Diagnostic::error(
                "unreadable-file",
                ROSTER_FILE,
                format!("cannot read the roster: {e}"),
            )],
        ),
    }
}

/// Parses a roster (pure). Every name is kept once; an unknown key, an
/// item that is not a name, a blank or repeated name is an error.
pub fn parse(path: &Path, text: &str) -> (Vec<String>, Vec<Diagnostic>) {
    use toml::de::{DeTable, DeValue};

    let mut diags = Vec::new();
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        diags.push(
            Diagnostic::error(
                "toml-syntax",
                path,
                format!("invalid TOML: {}", e.message().trim()),
            )
            .at(text, e.span().unwrap_or(0..0)),
        );
    }
    let mut names: Vec<String> = Vec::new();
    for (key, value) in table.get_ref() {
        if key.get_ref() != "learners" {
            let mut d = Diagnostic::error(
                "unknown-key",
                path,
                format!("unknown key `{}` in the roster", key.get_ref()),
            )
            .at(text, key.span());
            d = match did_you_mean(key.get_ref(), ["learners"]) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("the roster has one key: learners = [\"ana\", \"bo\"]"),
            };
            diags.push(d);
            continue;
        }
        let DeValue::Array(items) = value.get_ref() else {
            diags.push(
                Diagnostic::error("invalid-type", path, "`learners` must be a list of names")
                    .at(text, value.span())
                    .with_help("learners = [\"ana\", \"bo\"]"),
            );
            continue;
        };
        for item in items {
            let name = match item.get_ref() {
                DeValue::String(s) => s.trim().to_string(),
                _ => String::new(),
            };
            let problem = if name.is_empty() {
                Some("every learner must be a name in quotes".to_string())
            } else if names.contains(&name) {
                Some(format!("`{name}` is listed twice"))
            } else {
                None
            };
            match problem {
                Some(message) => diags
                    .push(Diagnostic::error("invalid-value", path, message).at(text, item.span())),
                None => names.push(name),
            }
        }
    }
    (names, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_in_order_and_every_problem_is_placed() {
        let (names, d) = parse(
            Path::new("learners.toml"),
            "learners = [\" ana \", \"bo\", \"ana\", 3, \"\"]\nlerners = []\n",
        );
        assert_eq!(names, ["ana", "bo"]);
        let got: Vec<String> = d
            .iter()
            .map(|d| format!("{} {}", d.place(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "learners.toml:1:28 `ana` is listed twice",
                "learners.toml:1:35 every learner must be a name in quotes",
                "learners.toml:1:38 every learner must be a name in quotes",
                "learners.toml:2:1 unknown key `lerners` in the roster",
            ]
        );
        assert_eq!(d[3].help.as_deref(), Some("did you mean `learners`?"));
        let (names, d) = parse(Path::new("learners.toml"), "learners = \"ana\"\n");
        assert!(names.is_empty());
        assert_eq!(d[0].message, "`learners` must be a list of names");
    }
}
