//! Stage 4, index: the tantivy index under `.supportbook/index`.
//!
//! In: the checked [`Handbook`] (articles, the pages SUMMARY.md lists, quizzes)
//! and the [`Stamps`] the loader took. Out: an index whose documents are
//! exactly those, and a manifest beside it. The index never reads a source
//! file itself: it is fed what validation accepted, with the ids and URLs
//! the site uses.
//!
//! The manifest records, for every input file, its stamp (size and
//! modification time when it was read) and a fingerprint of what was
//! indexed from it. An update re-indexes only documents whose fingerprint
//! changed; [`current`] tells a search, with one `stat` per file and no
//! reading, whether the index still describes the files on disk. A
//! schema-version change or an index that cannot be opened is rebuilt from
//! scratch with a one-line notice. One writer at a time (tantivy's lock); a
//! second writer waits, then says why it cannot proceed.

mod recover;
pub mod schema;
pub mod search;

pub use recover::{catch_quietly, query};

use crate::core::config::Project;
use crate::core::error::{Error, Result};
use crate::core::markdown;
use crate::core::model::{Article, Page};
use crate::core::paths::{article_out, html_url};
use crate::pipeline::frontmatter::{self, Split};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::load::{self, Stamp, Stamps};
use crate::pipeline::quiz::Quiz;
pub use schema::{Fields, SCHEMA_VERSION};
use serde::Serialize;
use std::collections::BTreeMap;
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
    pub const fn as_str(self) -> &'static str {
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
            key: crate::core::diagnostic::display_path(&a.path),
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
            url: html_url(&crate::core::diagnostic::display_path(&out)),
            path: crate::core::diagnostic::display_path(&a.path),
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
        let rel_str = crate::core::diagnostic::display_path(rel);
        Doc {
            key: crate::core::diagnostic::display_path(path),
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
            path: crate::core::diagnostic::display_path(path),
            reviewed: String::new(),
            problems: false,
            symptom_sections: Vec::new(),
        }
    }

    /// A quiz: its title, what it asks and the answers it teaches, found
    /// at `url` (the chapter that embeds it, or the Quizzes page).
    pub fn from_quiz(q: &Quiz, url: String) -> Doc {
        use crate::pipeline::quiz::Kind as Q;
        let mut body = String::new();
        let mut headings = Vec::new();
        for question in &q.questions {
            headings.push(markdown::to_plain(&question.prompt).trim().to_string());
            let mut add = |text: &str| {
                body.push_str(markdown::to_plain(text).trim());
                body.push('\n');
            };
            match &question.kind {
                Q::MultipleChoice { choices, .. } => {
                    for c in choices {
                        add(&c.text);
                    }
                }
                Q::Scenario { nodes, .. } => {
                    for n in nodes.values() {
                        add(&n.says);
                        for c in &n.choices {
                            add(&c.text);
                        }
                    }
                }
                _ => {}
            }
            if let Some(c) = &question.context {
                add(c);
            }
        }
        Doc {
            key: crate::core::diagnostic::display_path(&q.path),
            id: q.id.clone(),
            kind: Kind::Quiz,
            title: q.title.clone(),
            summary: String::new(),
            symptoms: Vec::new(),
            headings,
            body,
            products: Vec::new(),
            tags: Vec::new(),
            state: "validated".into(),
            url,
            path: crate::core::diagnostic::display_path(&q.path),
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
        // The indexed views (see `schema`): each field's text added to
        // `terms` (words and pairs) as many times as its weight, once to `raw`.
        let w = schema::FIELD_WEIGHTS;
        let mut add = |text: &str, weight: usize, raw: bool| {
            if text.is_empty() {
                return;
            }
            for _ in 0..weight {
                d.add_text(f.terms, text);
            }
            if raw {
                d.add_text(f.raw, text);
            }
        };
        add(&self.title, w.title, true);
        for s in &self.symptoms {
            add(s, w.symptoms, true);
        }
        add(&self.summary, w.summary, true);
        for h in &self.headings {
            add(h, w.headings, true);
        }
        add(&self.body, w.body, true);
        // Already in the body (and in `raw`); weighted again as symptoms.
        for s in &self.symptom_sections {
            add(s, w.symptoms, false);
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

/// One input file as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    stamp: Stamp,
    /// What was indexed from the file (see [`Source::fingerprint`]); `-`
    /// when nothing was (book.toml, SUMMARY.md, a page SUMMARY.md does not
    /// list, a file with errors that left no document).
    fingerprint: String,
}

impl Entry {
    fn indexed(&self) -> bool {
        self.fingerprint != NOT_INDEXED
    }
}

const NOT_INDEXED: &str = "-";

#[derive(Debug, Default)]
struct Manifest {
    schema_version: u32,
    files: BTreeMap<String, Entry>,
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

/// The manifest as text: a header line, then one line per input file
/// (`path mtime size fingerprint`, tab-separated, sorted by path; `%`, tab
/// and newline in paths escaped). Read on every search, so plain and fast
/// to compare.
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
        let mut out = format!("{MANIFEST_MAGIC}\t{}\n", self.schema_version);
        for (path, e) in &self.files {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                escape_path(path),
                e.stamp.mtime_ns,
                e.stamp.size,
                e.fingerprint,
            ));
        }
        out
    }

    /// When the manifest `text` lists exactly `files` (same keys, times and
    /// sizes, both in key order) for this schema, the number of indexed
    /// documents; otherwise `None`. It reads the text in place, building
    /// nothing: this is the path every search takes.
    fn describes(text: &str, files: &[(String, Stamp)]) -> Option<usize> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split('\t');
        if head.next()? != MANIFEST_MAGIC || head.next()?.parse::<u32>().ok()? != SCHEMA_VERSION {
            return None;
        }
        let mut files = files.iter();
        let mut indexed = 0;
        for line in lines {
            let (key, stamp) = files.next()?;
            let mut cols = line.split('\t');
            let k = cols.next()?;
            let same_key = if k.contains('%') {
                unescape_path(k) == *key
            } else {
                k == key
            };
            let same = same_key
                && cols.next()?.parse::<u128>().ok()? == stamp.mtime_ns
                && cols.next()?.parse::<u64>().ok()? == stamp.size;
            if !same {
                return None;
            }
            if cols.next()? != NOT_INDEXED {
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
        let mut files = BTreeMap::new();
        for line in lines {
            let mut f = line.split('\t');
            let path = unescape_path(f.next()?);
            let stamp = Stamp {
                mtime_ns: f.next()?.parse().ok()?,
                size: f.next()?.parse().ok()?,
            };
            let fingerprint = f.next()?.to_string();
            files.insert(path, Entry { stamp, fingerprint });
        }
        Some(Manifest {
            schema_version,
            files,
        })
    }
}

/// Whether the index describes the files on disk as they are now: the
/// number of documents it holds when it does, `None` when anything was
/// added, removed or touched since the last update (or there is no index).
/// One `stat` per input file, done while the manifest is read; no file is
/// opened. This is all a search does when nothing changed.
pub fn current(project: &Project) -> Option<usize> {
    let t = Instant::now();
    let (manifest_text, files) = rayon::join(
        || std::fs::read_to_string(manifest_path(project)).ok(),
        || {
            let t = Instant::now();
            let files = load::scan(project);
            tracing::debug!("stat {} files in {:?}", files.len(), t.elapsed());
            files
        },
    );
    let has_meta = index_dir(project).join("meta.json").exists();
    let documents = Manifest::describes(manifest_text.as_deref()?, &files).filter(|_| has_meta);
    tracing::debug!(
        "compared {} file stamps with the index manifest in {:?}: {}",
        files.len(),
        t.elapsed(),
        if documents.is_some() {
            "current"
        } else {
            "stale"
        }
    );
    documents
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

/// tantivy's log merge policy, with layers from 100 documents instead of
/// 10,000: a full build of a large KB leaves several segments of similar
/// size, and the small segment of one edited article must merge with other
/// small ones, not with all of them (which rewrote the whole index on an
/// edit once there were eight).
fn merge_policy() -> tantivy::indexer::LogMergePolicy {
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_min_layer_size(100);
    policy
}

/// A new, empty index in `dir`, the old manifest removed first: a rebuild
/// stopped half-way (kill -9) must not leave a manifest that describes the
/// files beside an index that does not hold them.
fn create_fresh(dir: &Path, manifest: &Path) -> Result<Index> {
    match std::fs::remove_file(manifest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("remove", manifest, e)),
    }
    create(dir)
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

/// One document the handbook gives the index, and the file it comes from.
enum Source<'h> {
    Article(&'h Article),
    Page(&'h Page),
    Quiz(&'h Quiz, String),
}

impl Source<'_> {
    /// What decides the document: an update re-indexes a file only when
    /// this changes (its text, and what other files decide about it: an id
    /// made unique by folder, a listing in SUMMARY.md, a quiz's page).
    fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        match self {
            Source::Article(a) => {
                // `a.hash` is the file's blake3, taken by validation.
                h.update(
                    format!(
                        "article\0{}\0{}\0{}\0{}",
                        a.hash, a.id, a.in_summary, a.has_errors
                    )
                    .as_bytes(),
                );
            }
            Source::Page(p) => {
                h.update(b"page\0");
                h.update(p.source.as_bytes());
            }
            Source::Quiz(q, url) => {
                h.update(b"quiz\0");
                h.update(format!("{}\0{}\0{url}", q.hash, q.id).as_bytes());
            }
        }
        let hex = h.finalize().to_hex();
        hex.as_str().get(..32).unwrap_or("").to_string()
    }

    fn key(&self) -> String {
        let path = match self {
            Source::Article(a) => &a.path,
            Source::Page(p) => &p.path,
            Source::Quiz(q, _) => &q.path,
        };
        crate::core::diagnostic::display_path(path)
    }

    fn doc(&self) -> Doc {
        match self {
            Source::Article(a) => Doc::from_article(a),
            Source::Page(p) => Doc::from_page(&p.rel, &p.path, &p.source),
            Source::Quiz(q, url) => Doc::from_quiz(q, url.clone()),
        }
    }
}

/// Every document of `handbook`, by key: its articles (those with errors
/// too, holding what could be read), the pages SUMMARY.md lists, its quizzes.
fn sources(handbook: &Handbook) -> BTreeMap<String, Source<'_>> {
    let urls = handbook.quiz_urls();
    let mut out = BTreeMap::new();
    let all = handbook
        .articles
        .iter()
        .map(|a| Source::Article(a))
        .chain(
            handbook
                .pages
                .iter()
                .filter(|p| p.in_summary)
                .map(Source::Page),
        )
        .chain(handbook.quizzes.iter().map(|q| {
            let url = urls
                .get(q.id.as_str())
                .cloned()
                .unwrap_or_else(|| html_url(crate::core::paths::QUIZZES_PAGE));
            Source::Quiz(q, url)
        }));
    for s in all {
        out.insert(s.key(), s);
    }
    out
}

/// What an update must do.
struct Plan<'s, 'h> {
    /// The manifest once it is done.
    next: Manifest,
    /// Documents to add or replace.
    changed: Vec<&'s Source<'h>>,
    /// Keys of documents whose file is gone.
    removed: Vec<String>,
}

/// Compares the handbook's documents (`sources`, read with `stamps`) with
/// the manifest of the last update (`old`): a document whose fingerprint
/// changed, or every one when `rebuild`, is to be written.
fn plan<'s, 'h>(
    sources: &'s BTreeMap<String, Source<'h>>,
    stamps: &Stamps,
    old: Option<&Manifest>,
    rebuild: bool,
) -> Plan<'s, 'h> {
    use rayon::prelude::*;
    let list: Vec<(&String, &Source<'_>)> = sources.iter().collect();
    let fingerprints: Vec<(&String, String)> = list
        .par_iter()
        .with_min_len(64)
        .map(|(k, s)| (*k, s.fingerprint()))
        .collect();
    let mut next = Manifest {
        schema_version: SCHEMA_VERSION,
        files: stamps
            .iter()
            .map(|(key, stamp)| {
                let entry = Entry {
                    stamp: *stamp,
                    fingerprint: NOT_INDEXED.into(),
                };
                (key.clone(), entry)
            })
            .collect(),
    };
    let old_files = old.map(|m| &m.files);
    let mut changed = Vec::new();
    for (key, fingerprint) in fingerprints {
        let same = !rebuild
            && old_files
                .and_then(|f| f.get(key))
                .is_some_and(|e| e.fingerprint == fingerprint);
        if !same && let Some(s) = sources.get(key) {
            changed.push(s);
        }
        next.files
            .entry(key.clone())
            .or_insert_with(|| Entry {
                stamp: Stamp::default(),
                fingerprint: String::new(),
            })
            .fingerprint = fingerprint;
    }
    let removed = match (rebuild, old_files) {
        (false, Some(files)) => files
            .iter()
            .filter(|(k, e)| e.indexed() && !sources.contains_key(*k))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    };
    Plan {
        next,
        changed,
        removed,
    }
}

/// Brings the index in line with `handbook`, whose files were read with
/// `stamps`; `notices` gets one-line messages for the user (rebuilds).
pub fn update(
    handbook: &Handbook,
    stamps: &Stamps,
    notices: &mut Vec<String>,
) -> Result<UpdateReport> {
    let project = &handbook.project;
    let dir = index_dir(project);
    let mpath = manifest_path(project);
    let mut report = UpdateReport::default();
    let manifest_text = std::fs::read_to_string(&mpath).ok();
    let old = manifest_text.as_deref().and_then(Manifest::parse);
    let has_meta = dir.join("meta.json").exists();
    let rebuild_reason = rebuild_reason(has_meta, manifest_text.is_some(), old.as_ref(), &mpath);

    let sources = sources(handbook);
    let t = Instant::now();
    let Plan {
        next,
        mut changed,
        removed,
    } = plan(&sources, stamps, old.as_ref(), rebuild_reason.is_some());
    tracing::debug!("compared {} documents in {:?}", sources.len(), t.elapsed());
    for s in &changed {
        if let Source::Article(a) = s
            && a.has_errors
        {
            notices.push(format!(
                "search index: {} has errors; indexed what could be read (`supportbook check` shows them)",
                s.key()
            ));
        }
    }
    report.documents = sources.len();
    let unchanged_manifest = old
        .as_ref()
        .is_some_and(|m| m.schema_version == next.schema_version && m.files == next.files);
    if rebuild_reason.is_none() && changed.is_empty() && removed.is_empty() && unchanged_manifest {
        return Ok(report);
    }

    let index = match rebuild_reason {
        Some(notice) => {
            notices.extend(notice);
            report.rebuilt = true;
            create_fresh(&dir, &mpath)?
        }
        None => match open(project) {
            Ok(si) => si.index,
            Err(e) => {
                notices.push(format!("{e}; rebuilding"));
                report.rebuilt = true;
                changed = sources.values().collect();
                create_fresh(&dir, &mpath)?
            }
        },
    };
    tracing::debug!("decided what to index after {:?}", t.elapsed());
    if !changed.is_empty() || !removed.is_empty() || report.rebuilt {
        let removed: Vec<&String> = removed.iter().collect();
        if let Err(e) = write_documents(&index, &changed, &removed, report.rebuilt) {
            // An index that cannot take an update (files damaged or left
            // behind) is rebuilt, once, like one that cannot be opened.
            if report.rebuilt || matches!(e, Error::Refused(_)) {
                return Err(e);
            }
            let e = e.to_string();
            let reason = e.strip_prefix("search index: ").unwrap_or(&e);
            notices.push(format!(
                "search index: could not be updated ({}), rebuilding",
                recover::one_line(reason)
            ));
            report.rebuilt = true;
            changed = sources.values().collect();
            drop(index);
            let index = create_fresh(&dir, &mpath)?;
            write_documents(&index, &changed, &[], true)?;
        }
        tracing::debug!("indexed and committed after {:?}", t.elapsed());
        report.indexed = changed.len();
        report.removed = removed.len();
    }
    // Written after the commit: if we stop in between, the next update
    // indexes those documents again (delete + add is idempotent).
    write_manifest(&mpath, &next)?;
    tracing::debug!("manifest written after {:?}", t.elapsed());
    Ok(report)
}

/// [`update`] when only the articles at `paths` (relative to the root)
/// changed since the last update and nothing else did (`watch` and `serve`
/// after an edit of one article's body): their documents and manifest lines
/// alone are redone, without looking at every other document. Anything it
/// cannot be sure of falls back to [`update`].
pub fn update_articles(
    handbook: &Handbook,
    stamps: &Stamps,
    paths: &[PathBuf],
    notices: &mut Vec<String>,
) -> Result<UpdateReport> {
    let project = &handbook.project;
    let mpath = manifest_path(project);
    let old = std::fs::read_to_string(&mpath)
        .ok()
        .and_then(|text| Manifest::parse(&text))
        .filter(|m| m.schema_version == SCHEMA_VERSION);
    let has_meta = index_dir(project).join("meta.json").exists();
    let (Some(mut manifest), true) = (old, has_meta) else {
        return update(handbook, stamps, notices);
    };
    let mut changed = Vec::new();
    for path in paths {
        let Some(a) = handbook
            .article_at(path)
            .and_then(|i| handbook.articles.get(i))
        else {
            return update(handbook, stamps, notices);
        };
        let source = Source::Article(a);
        let key = source.key();
        let (Some(stamp), Some(entry)) = (stamps.get(&key), manifest.files.get_mut(&key)) else {
            return update(handbook, stamps, notices);
        };
        entry.stamp = *stamp;
        let fingerprint = source.fingerprint();
        if entry.fingerprint != fingerprint {
            entry.fingerprint = fingerprint;
            changed.push(source);
        }
    }
    let Ok(SearchIndex { index, .. }) = open(project) else {
        return update(handbook, stamps, notices);
    };
    let changed: Vec<&Source<'_>> = changed.iter().collect();
    if !changed.is_empty()
        && let Err(e) = write_documents(&index, &changed, &[], false)
    {
        if matches!(e, Error::Refused(_)) {
            return Err(e);
        }
        // The full comparison, which rebuilds an index that cannot take it.
        drop(index);
        return update(handbook, stamps, notices);
    }
    write_manifest(&mpath, &manifest)?;
    Ok(UpdateReport {
        indexed: changed.len(),
        removed: 0,
        documents: manifest.files.values().filter(|e| e.indexed()).count(),
        rebuilt: false,
    })
}

/// Writes the manifest next to the index, atomically.
fn write_manifest(mpath: &Path, manifest: &Manifest) -> Result<()> {
    let tmp = mpath.with_extension(format!("tsv.{}.tmp", std::process::id()));
    std::fs::write(&tmp, manifest.to_text()).map_err(|e| Error::io("write", &tmp, e))?;
    std::fs::rename(&tmp, mpath).map_err(|e| Error::io("write", mpath, e))
}

/// Why the whole index must be built again, if it must: `Some(None)` for a
/// first build (no notice), `Some(Some(notice))` otherwise.
fn rebuild_reason(
    has_meta: bool,
    manifest_exists: bool,
    old: Option<&Manifest>,
    mpath: &Path,
) -> Option<Option<String>> {
    if !has_meta {
        return Some(
            old.is_some_and(|m| !m.files.is_empty())
                .then(|| "search index: missing, rebuilding".to_string()),
        );
    }
    let Some(old) = old else {
        // An index without its manifest (deleted, or cut short): which files it
        // holds is unknown, which is not a change of format.
        return Some(Some(format!(
            "search index: its manifest ({}) is {}, rebuilding",
            mpath
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            if manifest_exists {
                "unreadable"
            } else {
                "missing"
            }
        )));
    };
    (old.schema_version != SCHEMA_VERSION).then(|| {
        Some(format!(
            "search index: format changed (version {} -> {SCHEMA_VERSION}), rebuilding",
            old.schema_version
        ))
    })
}

/// The most documents added between two commits of a large update.
const QUEUED_DOCS: usize = 2048;

/// Replaces the `changed` documents, deletes the `removed` keys, commits.
fn write_documents(
    index: &Index,
    changed: &[&Source<'_>],
    removed: &[&String],
    rebuilt: bool,
) -> Result<()> {
    use rayon::prelude::*;
    let fields = Fields::from_schema(&index.schema())
        .ok_or_else(|| Error::Internal("search index: schema does not match".into()))?;
    // From here on this process holds the writer lock; a second updater waits.
    let mut w = writer(index)?;
    w.set_merge_policy(Box::new(merge_policy()));
    let internal = |e: tantivy::TantivyError| Error::Internal(format!("search index: {e}"));
    // A process killed during a commit leaves the files it wrote, which the
    // index's meta.json does not list. This commit replays the same
    // operations with the same numbers, so it would write the same file
    // names and fail ("FileAlreadyExists"): those files go first.
    w.garbage_collect_files().wait().map_err(internal)?;
    // Built in parallel in slices, with a commit every [`QUEUED_DOCS`]:
    // tantivy queues up to 10,000 documents for its threads, and a KB's
    // documents (each field's text as many times as its weight) made that
    // queue most of a large build's memory.
    let mut since_commit = 0;
    for slice in changed.chunks(512) {
        if since_commit >= QUEUED_DOCS {
            w.commit().map_err(internal)?;
            since_commit = 0;
        }
        since_commit += slice.len();
        let docs: Vec<(String, TantivyDocument)> = slice
            .par_iter()
            .map(|s| {
                let d = s.doc();
                (d.key.clone(), d.to_tantivy(&fields))
            })
            .collect();
        for (key, doc) in docs {
            if !rebuilt {
                w.delete_term(Term::from_field_text(fields.key, &key));
            }
            w.add_document(doc).map_err(internal)?;
        }
    }
    for key in removed {
        w.delete_term(Term::from_field_text(fields.key, key));
    }
    w.commit().map_err(internal)?;
    w.wait_merging_threads().map_err(internal)?;
    Ok(())
}

/// Opens the index. If it cannot be opened (damaged files), or holds a
/// different number of documents than its manifest lists (a process killed
/// between the index's commit and the manifest's write), it is removed and
/// `rebuild` is called to build it again, with a notice.
pub fn open_or_rebuild(
    project: &Project,
    expected_docs: usize,
    notices: &mut Vec<String>,
    rebuild: impl FnOnce(&mut Vec<String>) -> Result<()>,
) -> Result<SearchIndex> {
    let problem = match open(project) {
        Ok(si) => {
            let held = usize::try_from(si.reader.searcher().num_docs()).unwrap_or(usize::MAX);
            if held == expected_docs {
                return Ok(si);
            }
            format!(
                "search index: holds {held} documents but its manifest lists {expected_docs}; rebuilding"
            )
        }
        Err(e) => {
            let e = e.to_string();
            let reason = e.strip_prefix("search index: ").unwrap_or(&e);
            format!(
                "search index: damaged ({}), rebuilding",
                recover::one_line(reason)
            )
        }
    };
    notices.push(problem);
    recover::discard(project)?;
    rebuild(notices)?;
    open(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(mtime_ns: u128, size: u64) -> Stamp {
        Stamp { mtime_ns, size }
    }

    #[test]
    fn the_manifest_describes_only_exactly_the_files_it_lists() {
        let mut m = Manifest {
            schema_version: SCHEMA_VERSION,
            files: BTreeMap::new(),
        };
        m.files.insert(
            "content/kb/a.md".into(),
            Entry {
                stamp: stamp(10, 5),
                fingerprint: "abc".into(),
            },
        );
        m.files.insert(
            "content/SUMMARY.md".into(),
            Entry {
                stamp: stamp(11, 6),
                fingerprint: NOT_INDEXED.into(),
            },
        );
        let text = m.to_text();
        let files = vec![
            ("content/SUMMARY.md".to_string(), stamp(11, 6)),
            ("content/kb/a.md".to_string(), stamp(10, 5)),
        ];
        assert_eq!(Manifest::describes(&text, &files), Some(1));
        // Touched, grown, added, removed: not current.
        let mut touched = files.clone();
        touched[1].1.mtime_ns = 12;
        assert_eq!(Manifest::describes(&text, &touched), None);
        let mut grown = files.clone();
        grown[1].1.size = 6;
        assert_eq!(Manifest::describes(&text, &grown), None);
        let mut added = files.clone();
        added.push(("content/kb/b.md".into(), stamp(1, 1)));
        assert_eq!(Manifest::describes(&text, &added), None);
        assert_eq!(Manifest::describes(&text, &files[..1]), None);
        // Another schema: not current.
        let older = text.replacen(&SCHEMA_VERSION.to_string(), "0", 1);
        assert_eq!(Manifest::describes(&older, &files), None);
        // It reads back as written, tabs and newlines in names included.
        m.files.insert(
            "content/odd\tname\n%.md".into(),
            Entry {
                stamp: stamp(1, 2),
                fingerprint: "f".into(),
            },
        );
        let parsed = Manifest::parse(&m.to_text()).unwrap();
        assert_eq!(parsed.files, m.files);
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
