//! `supportbook import SRC`: a Markdown tree or a Zendesk export into a
//! folder of the KB, idempotent, never over a file the team edited.

use crate::cli::{ImportArgs, ImportFrom};
use crate::core::diagnostic::Diagnostics;
use crate::core::error::{Error, Result};
use crate::import::{self, Blocked, Outcome, Record, markdown, zendesk};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Names are listed without --verbose when there are at most this many.
const FEW: usize = 20;

pub fn run(root: &Path, cwd: &Path, args: &ImportArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let (project, book_diags) = crate::core::config::load(root)?;
    let mut book_errors = Diagnostics::new();
    book_errors.extend(
        book_diags
            .into_iter()
            .filter(|d| d.severity == crate::core::diagnostic::Severity::Error),
    );
    if book_errors.has_errors() {
        eprint!("{}", book_errors.render_human());
        return Err(Error::Invalid {
            errors: book_errors.errors(),
        });
    }

    let src = cwd.join(&args.src);
    let meta = std::fs::metadata(&src).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Refused(format!(
                "cannot import {}: no such file or folder",
                args.src.display()
            ))
        } else {
            Error::io("read", &src, e)
        }
    })?;
    let from = match args.from {
        Some(f) => f,
        None => sniff(&src, meta.is_dir())?,
    };
    if from == ImportFrom::Markdown && !meta.is_dir() {
        return Err(Error::Refused(format!(
            "cannot import {} as Markdown: it is a file; pass the folder that holds the articles{}",
            args.src.display(),
            if has_ext(&src, "json") {
                " (or --from zendesk for a Zendesk export)"
            } else {
                ""
            }
        )));
    }

    let (into, into_rel_kb) = destination(root, cwd, &project, args, &src, meta.is_dir())?;
    let record_path = import::record_path(root, &into_rel_kb);
    let (old_text, old) = read_record(root, &record_path)?;

    // A progress bar on a terminal, shown once the import has taken a second.
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} files")
            .map_err(Error::internal)?
            .progress_chars("=> "),
    );
    let show = !quiet && std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if show && bar.is_hidden() && start.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };

    bar.set_prefix("reading");
    let plan = read_source(from, &src, cwd, args, &project, &old, &progress);
    bar.finish_and_clear();
    let plan = match plan? {
        Ok(plan) => plan,
        Err(diags) => {
            eprint!("{}", diags.render_human());
            return Err(Error::Invalid {
                errors: diags.errors(),
            });
        }
    };

    let outcome = import::reconcile(&plan.files, &old, |rel| import::on_disk(&into, rel));
    let into_shown = shown(&into, root);
    let name_of = |rel: &str| format!("{into_shown}/{rel}");

    if !quiet {
        print_notes(&plan.notes, args.verbose);
    }
    if !outcome.blocked.is_empty() {
        print_blocked(&outcome, &name_of);
        let n = outcome.blocked.len();
        return Err(Error::Refused(format!(
            "{n} file{} in {into_shown} would be overwritten (listed above); nothing was written",
            plural(n)
        )));
    }

    let new_text = outcome.record.render();
    let record_changes = old_text.as_deref() != Some(new_text.as_str());
    if !args.dry_run {
        bar.set_prefix("writing");
        import::apply(
            &plan.files,
            &outcome,
            &into,
            &record_path,
            &progress,
            record_changes,
        )?;
        bar.finish_and_clear();
    }

    print_names(&outcome, args.verbose, &name_of)?;
    if !quiet {
        let record = shown(&record_path, root);
        let what = match from {
            ImportFrom::Markdown => "Markdown",
            ImportFrom::Zendesk => "Zendesk export",
        };
        let verb = if args.dry_run {
            "dry run, nothing written"
        } else if outcome.added.is_empty() && outcome.changed.is_empty() {
            "nothing to update"
        } else {
            "record in"
        };
        let tail = if args.dry_run || verb == "nothing to update" {
            verb.to_string()
        } else {
            format!("{verb} {record}")
        };
        eprintln!(
            "import of {what} {} into {into_shown}: {} in {:.2}s ({tail})",
            args.src.display(),
            summary(&outcome, args.dry_run),
            start.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

/// Where the imported files go (inside the KB folder, never out of it, and
/// never overlapping the folder imported from): (the folder, the same
/// relative to the KB folder).
fn destination(
    root: &Path,
    cwd: &Path,
    project: &crate::core::config::Project,
    args: &ImportArgs,
    src: &Path,
    is_dir: bool,
) -> Result<(PathBuf, PathBuf)> {
    let kb_dir = project.kb_dir();
    let into = match &args.into {
        Some(dir) => cwd.join(dir),
        None => kb_dir.join(source_name(src, is_dir)?),
    };
    let (into, into_rel_kb) = import::check_into(&into, &kb_dir, root)?;
    if let (Ok(real_src), Some(real_into)) = (src.canonicalize(), real_path(&into)) {
        let src_dir = if is_dir {
            real_src.clone()
        } else {
            real_src
                .parent()
                .map_or(real_src.clone(), Path::to_path_buf)
        };
        if is_dir && (real_into.starts_with(&src_dir) || src_dir.starts_with(&real_into)) {
            return Err(Error::Refused(format!(
                "cannot import {} into {}: the two folders overlap",
                args.src.display(),
                shown(&into, root)
            )));
        }
    }
    Ok((into, into_rel_kb))
}

/// The import record of an earlier import into the same folder, as text and
/// parsed (empty when there was none). A record that is a symbolic link, or
/// under one, is refused.
fn read_record(root: &Path, record_path: &Path) -> Result<(Option<String>, Record)> {
    for p in [root.join("imports"), record_path.to_path_buf()] {
        if p.symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(Error::Refused(format!(
                "{} is a symbolic link; the import record is only written to a plain file",
                shown(&p, root)
            )));
        }
    }
    let old_text = match std::fs::read_to_string(record_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", record_path, e)),
    };
    let old = match &old_text {
        Some(t) => Record::parse(t).map_err(|why| {
            Error::Refused(format!(
                "the import record {} is damaged: {why}; fix or remove that line (a file the record does not list is only replaced when it is identical)",
                shown(record_path, root)
            ))
        })?,
        None => Record::default(),
    };
    Ok((old_text, old))
}

/// Reads what is imported, Markdown or a Zendesk export, into the files to
/// write (nothing written yet), or the problems in the export.
fn read_source(
    from: ImportFrom,
    src: &Path,
    cwd: &Path,
    args: &ImportArgs,
    project: &crate::core::config::Project,
    old: &Record,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Result<import::Plan, Diagnostics>> {
    match from {
        ImportFrom::Markdown => {
            let mapping = markdown::Mapping::from_book_toml(&project.book_toml)?;
            markdown::plan(src, &mapping, progress).map(Ok)
        }
        ImportFrom::Zendesk => {
            let files = zendesk::export_files(src)?;
            if files.is_empty() {
                return Err(Error::Refused(format!(
                    "cannot import {} from Zendesk: the folder has no .json files",
                    args.src.display()
                )));
            }
            let (export, diags) = zendesk::read(&files, cwd)?;
            if !diags.is_empty() {
                let mut all = Diagnostics::new();
                all.extend(diags);
                return Ok(Err(all));
            }
            if export.articles.is_none() {
                return Err(Error::Refused(format!(
                    "{} has no `articles` array: expected the Help Center API's List Articles response ({{\"articles\": [...]}})",
                    args.src.display()
                )));
            }
            Ok(Ok(zendesk::plan(&export, old, progress)))
        }
    }
}

/// Markdown for a folder with `.md` files, or without any `.json` file;
/// Zendesk for a `.json` file or a folder of `.json` files.
fn sniff(src: &Path, is_dir: bool) -> Result<ImportFrom> {
    if !is_dir {
        if has_ext(src, "json") {
            return Ok(ImportFrom::Zendesk);
        }
        let hint = if has_ext(src, "md") {
            "a single Markdown file: copy it into the KB folder, or import its folder"
        } else {
            "neither a folder of Markdown files nor a Zendesk export (.json)"
        };
        return Err(Error::Refused(format!(
            "cannot import {}: it is {hint}",
            src.display()
        )));
    }
    let rd = std::fs::read_dir(src).map_err(|e| Error::io("read", src, e))?;
    let (mut md, mut json) = (false, false);
    for entry in rd.flatten() {
        let p = entry.path();
        md |= has_ext(&p, "md") || p.is_dir();
        json |= has_ext(&p, "json");
    }
    Ok(if json && !md {
        ImportFrom::Zendesk
    } else {
        ImportFrom::Markdown
    })
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|x| x.eq_ignore_ascii_case(ext))
}

/// The default folder name: the source folder's name, or the export file's stem.
fn source_name(src: &Path, is_dir: bool) -> Result<String> {
    let real = src.canonicalize().map_err(|e| Error::io("read", src, e))?;
    let name = if is_dir {
        real.file_name()
    } else {
        real.file_stem()
    };
    name.map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .ok_or_else(|| {
            Error::Refused(format!(
                "cannot name the folder to import {} into; pass --into",
                src.display()
            ))
        })
}

/// `path` resolved through links as far as it exists.
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut base = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = base.canonicalize() {
            return Some(rest.iter().rev().fold(real, |p, n| p.join(n)));
        }
        rest.push(base.file_name()?.to_os_string());
        base = base.parent()?.to_path_buf();
    }
}

fn shown(path: &Path, root: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => crate::core::diagnostic::display_path(rel),
        Err(_) => path.display().to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn summary(o: &Outcome, dry_run: bool) -> String {
    let (add, change) = if dry_run {
        ("would add", "would change")
    } else {
        ("added", "changed")
    };
    let mut parts = vec![
        format!("{} {add}", o.added.len()),
        format!("{} {change}", o.changed.len()),
        format!("{} unchanged", o.unchanged.len()),
    ];
    if !o.deleted_here.is_empty() {
        parts.push(format!(
            "{} left deleted (removed here since the last import)",
            o.deleted_here.len()
        ));
    }
    if !o.gone_upstream.is_empty() {
        parts.push(format!(
            "{} left in place (no longer in the source)",
            o.gone_upstream.len()
        ));
    }
    parts.join(", ")
}

fn print_notes(notes: &[String], verbose: bool) {
    let limit = if verbose { usize::MAX } else { 10 };
    for n in notes.iter().take(limit) {
        eprintln!("note: {n}");
    }
    if notes.len() > limit {
        eprintln!(
            "note: ... and {} more (--verbose shows all)",
            notes.len() - limit
        );
    }
}

fn print_blocked(o: &Outcome, name_of: &dyn Fn(&str) -> String) {
    for (rel, why) in &o.blocked {
        let why = match why {
            Blocked::Edited => "edited since the last import",
            Blocked::NotImported => "not written by an import, and different from the source",
            Blocked::NotAFile => "not a plain file (a folder or a symbolic link)",
        };
        eprintln!("error: {}: {why}", name_of(rel));
    }
    eprintln!(
        "help: keep your edits by moving the file away (or delete it to take the source's version), then import again"
    );
}

/// One line per file on stdout: `added PATH`, `changed PATH`, and with
/// --verbose (or when there are few) the files left alone.
fn print_names(o: &Outcome, verbose: bool, name_of: &dyn Fn(&str) -> String) -> Result<()> {
    let listed = o.added.len() + o.changed.len() + o.deleted_here.len() + o.gone_upstream.len();
    if !verbose && listed > FEW {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let mut lines = String::new();
    for (word, names) in [
        ("added", &o.added),
        ("changed", &o.changed),
        ("deleted-here", &o.deleted_here),
        ("gone-upstream", &o.gone_upstream),
    ] {
        let mut names: Vec<&String> = names.iter().collect();
        names.sort();
        for n in names {
            lines.push_str(&format!("{word:<13} {}\n", name_of(n)));
        }
    }
    if verbose {
        let mut unchanged: Vec<&String> = o.unchanged.iter().collect();
        unchanged.sort();
        for n in unchanged {
            lines.push_str(&format!("{:<13} {}\n", "unchanged", name_of(n)));
        }
    }
    super::stdout_written(out.write_all(lines.as_bytes()))
}
