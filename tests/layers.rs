//! The layers of `src/` import only downward (README, **Layout**): a module
//! of one layer names no module of a higher one, outside its tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// Each top-level module of the library and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("core", 1),
    ("pipeline", 2),
    ("render", 3),
    ("index", 3),
    ("results", 3),
    ("import", 3),
    ("engine", 4),
    ("live", 5),
    ("cli", 5),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut checked = 0;
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let Some(own) = layer(top.trim_end_matches(".rs")) else {
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(f).unwrap();
        // A module's unit tests may reach anywhere.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if let Some(theirs) = layer(&name)
                && theirs > own
            {
                let line = code[..at].lines().count();
                upward.push(format!(
                    "src/{}:{line}: layer {own} names `crate::{name}` (layer {theirs})",
                    rel.display()
                ));
            }
        }
    }
    assert!(checked > 50, "only {checked} files looked at");
    assert!(upward.is_empty(), "{}", upward.join("\n"));
}
