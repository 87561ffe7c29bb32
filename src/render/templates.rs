//! Handlebars templates: built-in ones are embedded from `templates/` at
//! compile time; a project's own `templates/` overrides them file by file.

use crate::core::config::Project;
use crate::core::diagnostic::Diagnostic;
use crate::core::error::{Error, Result};
use handlebars::Handlebars;
use std::path::Path;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("article.hbs", include_str!("../../templates/article.hbs")),
    ("kb-index.hbs", include_str!("../../templates/kb-index.hbs")),
    ("kb-list.hbs", include_str!("../../templates/kb-list.hbs")),
];

/// The stylesheet added to every page (also overridable).
pub const BUILTIN_CSS: &str = include_str!("../../templates/supportbook.css");

/// The browser quiz widget (plain JS and CSS, no dependencies).
pub const QUIZ_JS: &str = include_str!("../../assets/quiz.js");
pub const QUIZ_CSS: &str = include_str!("../../assets/quiz.css");
/// The served site's search box (injected by `serve`, never written to disk).
pub const SEARCH_JS: &str = include_str!("../../assets/search.js");

/// The registered templates and a hash of their text (so a template change
/// re-renders every page that uses it).
pub struct Templates {
    pub hb: Handlebars<'static>,
    pub hash: String,
    pub css: String,
}

impl Templates {
    /// Registers the built-in templates, each replaced by the project's file
    /// of the same name when there is one. Syntax errors are diagnostics.
    pub fn load(project: &Project) -> Result<(Templates, Vec<Diagnostic>)> {
        let dir = project.root.join(&project.settings.templates_dir);
        let mut hb = Handlebars::new();
        hb.set_strict_mode(false);
        let mut hasher = blake3::Hasher::new();
        let mut diags = Vec::new();
        for (name, builtin) in BUILTIN {
            let (text, path) = read_override(&dir, name, project)?;
            let text = text.unwrap_or_else(|| (*builtin).to_string());
            hasher.update(name.as_bytes());
            hasher.update(text.as_bytes());
            let key = name.trim_end_matches(".hbs");
            if let Err(e) = hb.register_template_string(key, &text) {
                let reason = e.reason().to_string();
                let mut d = Diagnostic::error(
                    "template-syntax",
                    &path,
                    format!("invalid template: {reason}"),
                );
                if let Some((line, col)) = e.pos() {
                    let offset: usize = text
                        .split_inclusive('\n')
                        .take(line.saturating_sub(1))
                        .map(str::len)
                        .sum();
                    let offset = offset + col.saturating_sub(1);
                    d = d.at(&text, offset..offset + 1);
                }
                diags.push(d);
                // Keep the built-in one so later stages can still run.
                let _ = hb.register_template_string(key, *builtin);
            }
        }
        let (css, _) = read_override(&dir, "supportbook.css", project)?;
        let css = css.unwrap_or_else(|| BUILTIN_CSS.to_string());
        hasher.update(css.as_bytes());
        Ok((
            Templates {
                hb,
                hash: hasher.finalize().to_hex().to_string(),
                css,
            },
            diags,
        ))
    }

    pub fn render(&self, name: &str, data: &serde_json::Value) -> Result<String> {
        self.hb
            .render(name, data)
            .map_err(|e| Error::Refused(format!("template {name}.hbs failed: {e}")))
    }
}

fn read_override(
    dir: &Path,
    name: &str,
    project: &Project,
) -> Result<(Option<String>, std::path::PathBuf)> {
    let full = dir.join(name);
    let rel = Path::new(&project.settings.templates_dir).join(name);
    if !full.is_file() {
        return Ok((None, Path::new("templates").join(name)));
    }
    let text = std::fs::read_to_string(&full).map_err(|e| Error::io("read", &full, e))?;
    Ok((Some(text), rel))
}
