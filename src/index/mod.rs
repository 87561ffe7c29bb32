//! Stage 4, index: the tantivy index under `.supportbook/index`.
//!
//! The index is updated file by file: a manifest records each source file's
//! size, modification time and content hash, so an update reads only files
//! whose size or time changed, and re-indexes only those whose content did.
//! A schema-version change or an index that cannot be opened is rebuilt from
//! scratch with a one-line notice. One writer at a time (tantivy's lock); a
//! second writer waits, then says why it cannot proceed.

pub mod schema;

use crate::error::{Error, Result};
use crate::frontmatter::{self, Split};
use crate::load::{self, RawDoc};
use crate::markdown;
use crate::model::Article;
use crate::project::Project;
use crate::render::{article_out, html_url};
use crate::validate;
use jiff::civil::Date;
pub use schema::{Fields, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::schema::Term;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Chapter,
    Quiz,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Chapter => "chapter",
            Kind::Quiz => "quiz",
        }
    }
}

/// One searchable document, built from a checked model.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// Unique per source file: what an update deletes by.
    pub key: String,
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub summary: String,
    pub symptoms: Vec<String>,
    pub headings: Vec<String>,
    pub body: String,
    pub products: Vec<String>,
    pub tags: Vec<String>,
    pub state: String,
    pub url: String,
    pub path: String,
    pub reviewed: String,
    /// The source file has errors; the document holds what could be read.
    pub problems: bool,
    /// The text of the body's Symptoms sections (also in `body`): the
    /// customer's words and the errors they saw, weighted as `symptoms`.
    pub symptom_sections: Vec<String>,
}

impl Doc {
    pub fn from_article(a: &Article) -> Doc {
        let out = article_out(a);
        Doc {
            key: crate::diagnostic::display_path(&a.path),
            id: a.id.clone(),
            kind: Kind::Article,
            title: a.title.clone(),
            summary: a.summary.clone().unwrap_or_default(),
            symptoms: a.symptoms.clone(),
            headings: a.outline.headings.iter().map(|h| h.text.clone()).collect(),
            body: markdown_text(a.body()),
            products: a.products.iter().map(|p| markdown::slug(p)).collect(),
            tags: a.tags.iter().map(|t| markdown::slug(t)).collect(),
            state: a.state.as_str().to_string(),
            url: html_url(&crate::diagnostic::display_path(&out)),
            path: crate::diagnostic::display_path(&a.path),
            reviewed: a.reviewed.map(|d| d.to_string()).unwrap_or_default(),
            problems: a.has_errors,
            symptom_sections: symptom_sections(a.outline.headings.as_slice(), &a.source),
        }
    }

    pub fn from_page(rel: &Path, path: &Path, source: &str) -> Doc {
        let outline = markdown::outline(source);
        let stem = rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel_str = crate::diagnostic::display_path(rel);
        Doc {
            key: crate::diagnostic::display_path(path),
            id: rel_str.trim_end_matches(".md").to_string(),
            kind: Kind::Chapter,
            title: outline.h1().map_or(stem, str::to_string),
            summary: String::new(),
            symptoms: Vec::new(),
            headings: outline
                .headings
                .iter()
                .filter(|h| h.level > 1)
                .map(|h| h.text.clone())
                .collect(),
            body: plain_text(source),
            products: Vec::new(),
            tags: Vec::new(),
            state: "validated".into(),
            url: html_url(&rel_str),
            path: crate::diagnostic::display_path(path),
            reviewed: String::new(),
            problems: false,
            symptom_sections: Vec::new(),
        }
    }

    fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(f.key, &self.key);
        d.add_text(f.id, &self.id);
        d.add_text(f.kind, self.kind.as_str());
        d.add_text(f.title, &self.title);
        d.add_text(f.summary, &self.summary);
        for s in &self.symptoms {
            d.add_text(f.symptoms, s);
        }
        for h in &self.headings {
            d.add_text(f.headings, h);
        }
        d.add_text(f.body, &self.body);
        // The indexed views (see `schema`): every field in `text` and `raw`,
        // weighted stems in `terms` and `pairs`.
        let mut a = schema::analyzer();
        let one = |a: &mut tantivy::tokenizer::TextAnalyzer, s: &str| vec![schema::stems(a, s)];
        let many = |a: &mut tantivy::tokenizer::TextAnalyzer, v: &[String]| {
            v.iter().map(|s| schema::stems(a, s)).collect::<Vec<_>>()
        };
        let title = one(&mut a, &self.title);
        let mut symptoms = many(&mut a, &self.symptoms);
        symptoms.extend(many(&mut a, &self.symptom_sections));
        let summary = one(&mut a, &self.summary);
        let headings = many(&mut a, &self.headings);
        let body = one(&mut a, &self.body);
        let w = schema::FIELD_WEIGHTS;
        let (terms, pairs) = schema::weighted_views(&[
            (&title, w.title),
            (&symptoms, w.symptoms),
            (&summary, w.summary),
            (&headings, w.headings),
            (&body, w.body),
        ]);
        d.add_pre_tokenized_text(f.terms, terms);
        d.add_pre_tokenized_text(f.pairs, pairs);
        for text in std::iter::once(&self.title)
            .chain(&self.symptoms)
            .chain(std::iter::once(&self.summary))
            .chain(&self.headings)
            .chain(std::iter::once(&self.body))
        {
            d.add_text(f.text, text);
            d.add_text(f.raw, text);
        }
        if self.problems {
            d.add_text(f.problems, "1");
        }
        for p in &self.products {
            d.add_text(f.products, p);
        }
        for t in &self.tags {
            d.add_text(f.tags, t);
        }
        d.add_text(f.state, &self.state);
        d.add_text(f.url, &self.url);
        d.add_text(f.path, &self.path);
        d.add_text(f.reviewed, &self.reviewed);
        d
    }
}

/// Headings that open a section of symptoms, lowercased: the KCS name and
/// what other knowledge bases call it.
const SYMPTOM_HEADINGS: &[&str] = &[
    "symptom",
    "symptoms",
    "problem",
    "issue",
    "error",
    "errors",
    "error message",
    "error messages",
];

/// The plain text of each section of `source` whose heading is one of
/// [`SYMPTOM_HEADINGS`], up to the next heading of the same or a higher level.
fn symptom_sections(headings: &[markdown::Heading], source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        let name = h.text.trim().trim_end_matches(':').to_lowercase();
        if h.level == 0 || !SYMPTOM_HEADINGS.contains(&name.as_str()) {
            continue;
        }
        let end = headings
            .iter()
            .skip(i + 1)
            .find(|n| n.level != 0 && n.level <= h.level)
            .map_or(source.len(), |n| n.span.start);
        if let Some(text) = source.get(h.span.end..end) {
            out.push(markdown::to_plain(text));
        }
    }
    out
}

/// The text of a Markdown page without its markup (front matter skipped).
pub fn plain_text(source: &str) -> String {
    let body = match frontmatter::parse(Path::new(""), source).0 {
        Split::Found(fm) => source.get(fm.body_start..).unwrap_or(""),
        Split::None => source,
    };
    markdown_text(body)
}

/// The text of a Markdown body without its markup.
fn markdown_text(body: &str) -> String {
    markdown::to_plain(body)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct FileEntry {
    mtime_ns: u128,
    size: u64,
    hash: String,
    /// False when the file could not be turned into a document (it has errors).
    indexed: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    schema_version: u32,
    summary_hash: String,
    files: BTreeMap<String, FileEntry>,
}

/// What an update did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    pub indexed: usize,
    pub removed: usize,
    pub documents: usize,
    pub rebuilt: bool,
}

/// An open index with its field handles and a manually reloaded reader.
pub struct SearchIndex {
    pub index: Index,
    pub fields: Fields,
    pub reader: IndexReader,
}

pub fn index_dir(project: &Project) -> PathBuf {
    project.state_dir().join("index")
}

fn manifest_path(project: &Project) -> PathBuf {
    project.state_dir().join("index-manifest.tsv")
}

/// The manifest as text: a header line, then one line per file
/// (`path mtime size hash indexed`, tab-separated; `%`, tab and newline in
/// paths escaped). Read on every search, so plain and fast to parse.
const MANIFEST_MAGIC: &str = "supportbook-index-manifest";

fn escape_path(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\t', "%09")
        .replace('\n', "%0A")
}

fn unescape_path(p: &str) -> String {
    p.replace("%0A", "\n")
        .replace("%09", "\t")
        .replace("%25", "%")
}

impl Manifest {
    fn to_text(&self) -> String {
        let mut out = format!(
            "{MANIFEST_MAGIC}\t{}\t{}\n",
            self.schema_version, self.summary_hash
        );
        for (path, e) in &self.files {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                escape_path(path),
                e.mtime_ns,
                e.size,
                e.hash,
                u8::from(e.indexed)
            ));
        }
        out
    }

    /// The manifest at `path`; empty (everything is re-indexed) when it is
    /// missing or not readable.
    fn read(path: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Manifest::default();
        };
        Manifest::parse(&text).unwrap_or_default()
    }

    /// When the manifest `text` lists exactly `files` (same keys, times and
    /// sizes, both in key order) for this schema and SUMMARY.md, the number
    /// of indexed documents; otherwise `None`. It reads the text in place,
    /// building nothing: this is the path every search takes.
    fn describes(text: &str, files: &[load::FileStat], summary_hash: &str) -> Option<usize> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split('\t');
        let header_matches = head.next()? == MANIFEST_MAGIC
            && head.next()?.parse::<u32>().ok()? == SCHEMA_VERSION
            && head.next()? == summary_hash;
        if !header_matches {
            return None;
        }
        let mut files = files.iter();
        let mut indexed = 0;
        for line in lines {
            let f = files.next()?;
            let mut cols = line.split('\t');
            let key = cols.next()?;
            let same_key = if key.contains('%') {
                unescape_path(key) == f.key
            } else {
                key == f.key
            };
            let same = same_key
                && cols.next()?.parse::<u128>().ok()? == f.mtime_ns
                && cols.next()?.parse::<u64>().ok()? == f.size;
            if !same {
                return None;
            }
            let _hash = cols.next()?;
            if cols.next()? == "1" {
                indexed += 1;
            }
        }
        files.next().is_none().then_some(indexed)
    }

    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split('\t');
        if head.next()? != MANIFEST_MAGIC {
            return None;
        }
        let schema_version = head.next()?.parse().ok()?;
        let summary_hash = head.next()?.to_string();
        let mut files = BTreeMap::new();
        for line in lines {
            let mut f = line.split('\t');
            let path = unescape_path(f.next()?);
            let entry = FileEntry {
                mtime_ns: f.next()?.parse().ok()?,
                size: f.next()?.parse().ok()?,
                hash: f.next()?.to_string(),
                indexed: f.next()? == "1",
            };
            files.insert(path, entry);
        }
        Some(Manifest {
            schema_version,
            summary_hash,
            files,
        })
    }
}

/// Opens the index, or says why it cannot be used.
pub fn open(project: &Project) -> Result<SearchIndex> {
    let dir = index_dir(project);
    let index =
        Index::open_in_dir(&dir).map_err(|e| Error::Internal(format!("search index: {e}")))?;
    schema::register(&index);
    let fields = Fields::from_schema(&index.schema())
        .ok_or_else(|| Error::Internal("search index: schema does not match".into()))?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| Error::Internal(format!("search index: {e}")))?;
    let si = SearchIndex {
        index,
        fields,
        reader,
    };
    // A cheap read of every segment: truncated or missing files fail here.
    si.check_readable()?;
    Ok(si)
}

impl SearchIndex {
    fn check_readable(&self) -> Result<()> {
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let inv = segment
                .inverted_index(self.fields.key)
                .map_err(|e| Error::Internal(format!("search index: {e}")))?;
            let _ = inv.terms().num_terms();
            segment
                .get_store_reader(1)
                .map_err(|e| Error::Internal(format!("search index: {e}")))?;
        }
        Ok(())
    }
}

fn create(dir: &Path) -> Result<Index> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io("remove", dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let (schema, _) = Fields::build();
    let index = Index::create_in_dir(dir, schema)
        .map_err(|e| Error::Internal(format!("search index: {e}")))?;
    schema::register(&index);
    Ok(index)
}

/// How long a second writer waits for the first to finish.
const WRITER_WAIT: Duration = Duration::from_secs(20);

fn writer(index: &Index) -> Result<tantivy::IndexWriter> {
    let start = Instant::now();
    loop {
        match index.writer(100_000_000) {
            Ok(w) => return Ok(w),
            Err(tantivy::TantivyError::LockFailure(_, _)) if start.elapsed() < WRITER_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(tantivy::TantivyError::LockFailure(_, _)) => {
                return Err(Error::Refused(format!(
                    "the search index is being updated by another supportbook process (waited {}s); try again when it finishes",
                    WRITER_WAIT.as_secs()
                )));
            }
            Err(e) => return Err(Error::Internal(format!("search index: {e}"))),
        }
    }
}

/// Brings the index up to date with the files on disk; `notices` gets
/// one-line messages for the user (rebuilds, skipped files).
pub fn update(project: &Project, today: Date, notices: &mut Vec<String>) -> Result<UpdateReport> {
    let dir = index_dir(project);
    let mpath = manifest_path(project);
    let t = std::time::Instant::now();
    // Reading the manifest and listing the files are independent: do both at once.
    let (manifest_text, files) = rayon::join(
        || std::fs::read_to_string(&mpath).ok(),
        || load::scan(project),
    );
    tracing::debug!(
        "read the index manifest and scanned {} files in {:?}",
        files.len(),
        t.elapsed()
    );
    let mut report = UpdateReport::default();

    // Which pages SUMMARY.md lists decides URLs and what is indexed.
    let src_dir = project.src_dir();
    let summary_text = std::fs::read_to_string(src_dir.join("SUMMARY.md")).unwrap_or_default();
    let summary_hash = blake3::hash(summary_text.as_bytes()).to_hex().to_string();
    let listed = summary_listed(&summary_text);

    // Up to date? Then the index is not even opened here (the fast path of
    // every search); a damaged one is found, and rebuilt, by `open_or_rebuild`.
    let has_meta = dir.join("meta.json").exists();
    if let Some(documents) = manifest_text
        .as_deref()
        .filter(|_| has_meta)
        .and_then(|text| Manifest::describes(text, &files, &summary_hash))
    {
        report.documents = documents;
        return Ok(report);
    }
    let mut manifest = manifest_text
        .as_deref()
        .and_then(Manifest::parse)
        .unwrap_or_default();
    let rebuild_reason = if !has_meta {
        Some(
            (manifest.schema_version != 0 || !manifest.files.is_empty())
                .then(|| "search index: missing, rebuilding".to_string()),
        )
    } else if manifest.schema_version != SCHEMA_VERSION {
        Some(Some(format!(
            "search index: format changed (version {} -> {SCHEMA_VERSION}), rebuilding",
            manifest.schema_version
        )))
    } else {
        None
    };
    let force = summary_hash != manifest.summary_hash;
    let stale = |m: &Manifest| {
        force
            || files.len() != m.files.len()
            || files.iter().any(|f| {
                !m.files
                    .get(&f.key)
                    .is_some_and(|o| o.mtime_ns == f.mtime_ns && o.size == f.size)
            })
    };
    if rebuild_reason.is_none() && !stale(&manifest) {
        report.documents = manifest.files.values().filter(|e| e.indexed).count();
        return Ok(report);
    }

    let index = match rebuild_reason {
        Some(notice) => {
            notices.extend(notice);
            report.rebuilt = true;
            create(&dir)?
        }
        None => match open(project) {
            Ok(si) => si.index,
            Err(e) => {
                notices.push(format!("{e}; rebuilding"));
                report.rebuilt = true;
                create(&dir)?
            }
        },
    };
    if report.rebuilt {
        manifest = Manifest::default();
    }
    manifest.schema_version = SCHEMA_VERSION;
    manifest.summary_hash = summary_hash;
    let fields = Fields::from_schema(&index.schema())
        .ok_or_else(|| Error::Internal("search index: schema does not match".into()))?;

    // From here on this process holds the writer lock; a second updater waits.
    let mut w = writer(&index)?;
    if !report.rebuilt {
        // Another process may have brought the index up to date while we waited.
        let fresh = Manifest::read(&mpath);
        if fresh.schema_version == SCHEMA_VERSION {
            manifest.files = fresh.files;
        }
    }
    let seen: BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    // Files whose size or time changed (all of them when SUMMARY.md changed).
    let candidates: Vec<&load::FileStat> = files
        .iter()
        .filter(|f| {
            let old = manifest.files.get(&f.key);
            force || !old.is_some_and(|o| o.mtime_ns == f.mtime_ns && o.size == f.size)
        })
        .collect();
    // Read, hash and turn them into documents in parallel.
    let prepared: Vec<Prepared> = {
        use rayon::prelude::*;
        let manifest = &manifest;
        candidates
            .par_iter()
            .map(|f| {
                prepare(
                    f,
                    &src_dir,
                    manifest,
                    force,
                    &listed,
                    today,
                    project.settings.review_days,
                )
            })
            .collect()
    };
    let mut to_add: Vec<(String, Option<Doc>)> = Vec::new();
    for p in prepared {
        match p {
            Prepared::Unreadable { key } => {
                manifest.files.remove(&key);
                to_add.push((key, None));
            }
            Prepared::Unchanged {
                key,
                mtime_ns,
                size,
            } => {
                if let Some(e) = manifest.files.get_mut(&key) {
                    e.mtime_ns = mtime_ns;
                    e.size = size;
                }
            }
            Prepared::Changed {
                key,
                entry,
                doc,
                had_errors,
            } => {
                if had_errors {
                    notices.push(format!("search index: {key} has errors; indexed what could be read (`supportbook check` shows them)"));
                }
                manifest.files.insert(key.clone(), entry);
                to_add.push((key, doc.map(|d| *d)));
            }
        }
    }
    let removed: Vec<String> = manifest
        .files
        .keys()
        .filter(|k| !seen.contains(k.as_str()))
        .cloned()
        .collect();
    for k in &removed {
        manifest.files.remove(k);
    }

    if !to_add.is_empty() || !removed.is_empty() || report.rebuilt {
        for (key, doc) in &to_add {
            w.delete_term(Term::from_field_text(fields.key, key));
            if let Some(doc) = doc {
                w.add_document(doc.to_tantivy(&fields))
                    .map_err(|e| Error::Internal(format!("search index: {e}")))?;
                report.indexed += 1;
            }
        }
        for key in &removed {
            w.delete_term(Term::from_field_text(fields.key, key));
            report.removed += 1;
        }
        w.commit()
            .map_err(|e| Error::Internal(format!("search index: {e}")))?;
        w.wait_merging_threads()
            .map_err(|e| Error::Internal(format!("search index: {e}")))?;
    }
    // Written after the commit: if we stop in between, the next update
    // re-indexes those files again (delete + add is idempotent).
    let tmp = mpath.with_extension(format!("tsv.{}.tmp", std::process::id()));
    std::fs::write(&tmp, manifest.to_text()).map_err(|e| Error::io("write", &tmp, e))?;
    std::fs::rename(&tmp, &mpath).map_err(|e| Error::io("write", &mpath, e))?;
    report.documents = manifest.files.values().filter(|e| e.indexed).count();
    Ok(report)
}

/// One candidate file after reading it.
enum Prepared {
    Unreadable {
        key: String,
    },
    Unchanged {
        key: String,
        mtime_ns: u128,
        size: u64,
    },
    Changed {
        key: String,
        entry: FileEntry,
        doc: Option<Box<Doc>>,
        had_errors: bool,
    },
}

fn prepare(
    f: &load::FileStat,
    src_dir: &Path,
    manifest: &Manifest,
    force: bool,
    listed: &BTreeSet<PathBuf>,
    today: Date,
    review_days: u32,
) -> Prepared {
    let key = f.key.clone();
    let mut ignored = Vec::new();
    let Ok(Some(source)) = load::read_text(&src_dir.join(&f.rel), &f.path, &mut ignored) else {
        return Prepared::Unreadable { key };
    };
    let hash = blake3::hash(source.as_bytes()).to_hex().to_string();
    if !force && manifest.files.get(&key).is_some_and(|o| o.hash == hash) {
        return Prepared::Unchanged {
            key,
            mtime_ns: f.mtime_ns,
            size: f.size,
        };
    }
    let in_summary = listed.contains(&f.rel);
    let mut had_errors = false;
    let doc = if f.is_article {
        let raw = RawDoc {
            rel: f.rel.clone(),
            path: f.path.clone(),
            source,
            is_article: true,
        };
        let mut diags = crate::diagnostic::Diagnostics::new();
        // An article with errors is indexed with what could be read.
        let a = validate::article_from_raw(raw, in_summary, today, review_days, &mut diags);
        had_errors = a.has_errors;
        Some(Box::new(Doc::from_article(&a)))
    } else if in_summary {
        Some(Box::new(Doc::from_page(&f.rel, &f.path, &source)))
    } else {
        None
    };
    Prepared::Changed {
        had_errors,
        entry: FileEntry {
            mtime_ns: f.mtime_ns,
            size: f.size,
            hash,
            indexed: doc.is_some(),
        },
        doc,
        key,
    }
}

/// Opens the index; if it cannot be opened (damaged files), rebuilds it from
/// the files on disk with a notice, then opens it.
pub fn open_or_rebuild(
    project: &Project,
    today: Date,
    notices: &mut Vec<String>,
) -> Result<SearchIndex> {
    match open(project) {
        Ok(si) => Ok(si),
        Err(e) => {
            notices.push(format!("{e}; rebuilding"));
            let dir = index_dir(project);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| Error::io("remove", &dir, e))?;
            }
            update(project, today, notices)?;
            open(project)
        }
    }
}

/// Source paths SUMMARY.md lists (links that stay inside the source folder).
pub fn summary_listed(summary: &str) -> BTreeSet<PathBuf> {
    markdown::outline(summary)
        .links
        .iter()
        .filter(|l| !l.dest.is_empty() && !markdown::is_external(&l.dest))
        .filter_map(|l| validate::resolve(Path::new(""), l.dest.split('#').next().unwrap_or("")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(key: &str, mtime_ns: u128, size: u64) -> load::FileStat {
        let path = PathBuf::from(key);
        load::FileStat {
            rel: path.strip_prefix("content").unwrap().to_path_buf(),
            path,
            key: key.to_string(),
            is_article: true,
            mtime_ns,
            size,
        }
    }

    #[test]
    fn the_manifest_describes_only_exactly_the_files_it_lists() {
        let mut m = Manifest {
            schema_version: SCHEMA_VERSION,
            summary_hash: "s1".into(),
            files: BTreeMap::new(),
        };
        for (key, indexed) in [
            ("content/kb/a.md", true),
            ("content/kb/b\tc%.md", true),
            ("content/kb/broken.md", false),
        ] {
            let entry = FileEntry {
                mtime_ns: 1_700_000_000_123_456_789,
                size: 42,
                hash: "h".into(),
                indexed,
            };
            m.files.insert(key.to_string(), entry);
        }
        let text = m.to_text();
        let t = 1_700_000_000_123_456_789;
        let files = vec![
            stat("content/kb/a.md", t, 42),
            stat("content/kb/b\tc%.md", t, 42),
            stat("content/kb/broken.md", t, 42),
        ];
        assert_eq!(Manifest::describes(&text, &files, "s1"), Some(2));

        let mut touched = files.clone();
        touched[0].mtime_ns += 1;
        let mut resized = files.clone();
        resized[2].size = 43;
        let mut renamed = files.clone();
        renamed[1].key = "content/kb/b.md".into();
        let fewer = files[..2].to_vec();
        let mut more = files.clone();
        more.push(stat("content/kb/c.md", t, 1));
        for (what, changed) in [
            ("a newer time", &touched),
            ("a new size", &resized),
            ("a renamed file", &renamed),
            ("a removed file", &fewer),
            ("an added file", &more),
        ] {
            assert_eq!(Manifest::describes(&text, changed, "s1"), None, "{what}");
        }
        assert_eq!(Manifest::describes(&text, &files, "s2"), None, "SUMMARY.md");
        let old = text.replacen(&format!("\t{SCHEMA_VERSION}\t"), "\t0\t", 1);
        assert_eq!(Manifest::describes(&old, &files, "s1"), None, "schema");
        assert_eq!(Manifest::describes("garbage", &files, "s1"), None);
        // What `describes` accepts, the full parse reads back the same.
        let parsed = Manifest::parse(&text).unwrap();
        assert_eq!(
            parsed.files.keys().collect::<Vec<_>>(),
            m.files.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn plain_text_drops_markup_and_front_matter() {
        let t = plain_text(
            "+++\ntitle = \"x\"\n+++\n## Cause\n\nThe **server** said `550 5.7.1`.\n\n```sh\ndig MX example.com\n```\n",
        );
        assert_eq!(
            t,
            "Cause\nThe server said 550 5.7.1.\ndig MX example.com\n\n"
        );
    }
}
