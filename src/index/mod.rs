//! Stage 4, index: the tantivy index under `.supportbook/index`.
//!
//! The index is updated file by file: a manifest records each source file's
//! size, modification time and content hash, so an update reads only files
//! whose size or time changed, and re-indexes only those whose content did.
//! Articles get the ids `check` and `build` give them (unique by folder,
//! [`validate::unique_ids`]): the manifest records each article's id, so an
//! article whose id another file's change moved is read and re-indexed too.
//! A schema-version change or an index that cannot be opened is rebuilt from
//! scratch with a one-line notice. One writer at a time (tantivy's lock); a
//! second writer waits, then says why it cannot proceed.

mod recover;
pub mod schema;

pub use recover::{catch_quietly, query};

use crate::error::{Error, Result};
use crate::frontmatter::{self, Split};
use crate::load::{self, RawDoc};
use crate::markdown;
use crate::model::{Article, IdSource};
use crate::project::Project;
use crate::render::{article_out, html_url};
use crate::validate;
use jiff::civil::Date;
pub use schema::{Fields, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct FileEntry {
    mtime_ns: u128,
    size: u64,
    hash: String,
    /// False when the file could not be turned into a document (it has errors).
    indexed: bool,
    /// For an article, the id it is indexed with; `None` when the manifest
    /// was written before ids were recorded (the file is read again).
    id: Option<IndexedId>,
}

/// The id an article is indexed with, as the manifest records it: enough,
/// with the file's path, to give every article its id (see [`article_ids`])
/// without reading the files that did not change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct IndexedId {
    /// The id is the article's `id` key (else it comes from the file name).
    from_key: bool,
    /// The id, when it is not the one the file name gives
    /// ([`validate::id_from_stem`]): a key that says otherwise, or a name
    /// made unique by its folder.
    id: Option<String>,
}

impl IndexedId {
    /// The manifest column: `id` or nothing from the file name, `=id` or
    /// `=` from the `id` key (ids never hold `=`, tabs or newlines).
    fn to_column(&self) -> String {
        let id = self.id.as_deref().unwrap_or("");
        if self.from_key {
            format!("={id}")
        } else {
            id.to_string()
        }
    }

    fn from_column(col: &str) -> IndexedId {
        let (from_key, id) = match col.strip_prefix('=') {
            Some(rest) => (true, rest),
            None => (false, col),
        };
        IndexedId {
            from_key,
            id: (!id.is_empty()).then(|| id.to_string()),
        }
    }

    /// The id itself, given the one the file name gives.
    fn resolve<'a>(&'a self, from_name: &'a str) -> &'a str {
        self.id.as_deref().unwrap_or(from_name)
    }
}

/// One article file as [`article_ids`] sees it.
#[derive(Debug, Clone)]
struct IdInput<'a> {
    /// Relative to the source folder.
    rel: &'a Path,
    /// The id its file name gives ([`validate::id_from_stem`]).
    from_name: Cow<'a, str>,
    origin: validate::Origin,
    /// The `id` key, when it is not `from_name`.
    key: Option<&'a str>,
}

impl<'a> IdInput<'a> {
    /// A file whose id comes from its name (`kb/Can't sign in.md` -> `can-t-sign-in`).
    fn new(rel: &'a Path) -> IdInput<'a> {
        let stem = rel
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let (from_name, origin) = if validate::is_valid_id(&stem) {
            (stem, validate::Origin::FileName)
        } else {
            let id = validate::id_from_stem(&stem);
            (Cow::Owned(id), validate::Origin::Normalised)
        };
        IdInput {
            rel,
            from_name,
            origin,
            key: None,
        }
    }

    /// The same file with an `id` key; `None`: the key is the name's id.
    fn keyed(mut self, key: Option<&'a str>) -> IdInput<'a> {
        self.origin = validate::Origin::Key;
        self.key = key.filter(|k| *k != self.from_name);
        self
    }

    fn claim(&self) -> validate::Claim<'_> {
        validate::Claim {
            id: self.key.unwrap_or(&self.from_name),
            origin: self.origin,
            rel: self.rel,
        }
    }
}

/// The id every article gets, by the rule `check` and `build` follow
/// ([`validate::unique_ids`]); most are the id they claim, borrowed.
fn article_ids<'a>(articles: &'a [IdInput<'a>], kb_dir: &Path) -> Vec<Cow<'a, str>> {
    let claims: Vec<validate::Claim<'_>> = articles.iter().map(IdInput::claim).collect();
    let mut ids: Vec<Cow<'a, str>> = articles
        .iter()
        .map(|a| Cow::Borrowed(a.key.unwrap_or(&a.from_name)))
        .collect();
    for (i, id) in validate::unique_ids(&claims, kb_dir) {
        if let Some(slot) = ids.get_mut(i) {
            *slot = Cow::Owned(id);
        }
    }
    ids
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
            // An id not known here is only a page's (articles are read again).
            let id = e.id.as_ref().map(IndexedId::to_column).unwrap_or_default();
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{id}\n",
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
            // A manifest without ids is from an older version: update it.
            let _id = cols.next()?;
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
                id: f.next().map(IndexedId::from_column),
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
    let parsed = manifest_text.as_deref().and_then(Manifest::parse);
    let manifest_readable = parsed.is_some();
    let mut manifest = parsed.unwrap_or_default();
    let rebuild_reason = if !has_meta {
        Some(
            (manifest.schema_version != 0 || !manifest.files.is_empty())
                .then(|| "search index: missing, rebuilding".to_string()),
        )
    } else if !manifest_readable {
        // An index without its manifest (deleted, or cut short): which files it
        // holds is unknown, which is not a change of format.
        Some(Some(format!(
            "search index: its manifest ({}) is {}, rebuilding",
            mpath
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            if manifest_text.is_some() {
                "unreadable"
            } else {
                "missing"
            }
        )))
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
                    .is_some_and(|o| o.mtime_ns == f.mtime_ns && o.size == f.size && o.id.is_some())
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
            create_fresh(&dir, &mpath)?
        }
        None => match open(project) {
            Ok(si) => si.index,
            Err(e) => {
                notices.push(format!("{e}; rebuilding"));
                report.rebuilt = true;
                create_fresh(&dir, &mpath)?
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
    w.set_merge_policy(Box::new(merge_policy()));
    if !report.rebuilt {
        // Another process may have brought the index up to date while we waited.
        let fresh = Manifest::read(&mpath);
        if fresh.schema_version == SCHEMA_VERSION {
            manifest.files = fresh.files;
        }
    }
    let seen: BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    // Files whose size or time changed (all of them when SUMMARY.md changed),
    // and those the manifest has no id for.
    let candidates: Vec<&load::FileStat> = files
        .iter()
        .filter(|f| {
            let old = manifest.files.get(&f.key);
            force
                || !old
                    .is_some_and(|o| o.mtime_ns == f.mtime_ns && o.size == f.size && o.id.is_some())
        })
        .collect();
    let reader = Reader {
        src_dir: &src_dir,
        listed: &listed,
        today,
        review_days: project.settings.review_days,
    };
    let mut batch = Batch::default();
    for p in reader.prepare_all(&candidates, &manifest, force) {
        batch.take(p, &mut manifest, notices);
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
    let kb_dir = Path::new(&project.settings.kb_dir);
    settle_ids(&files, kb_dir, &reader, &mut manifest, &mut batch, notices);
    let to_add = batch.to_add;

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

/// Gives every article the id `check` and `build` give it, which can depend
/// on other files (two `setup.md` in two folders, see
/// [`validate::unique_ids`]), and turns the articles read into documents.
/// An article not read in this update whose id is not the one the index
/// holds is read again; with no collisions, none is. The ids of the files
/// not read come from the manifest.
fn settle_ids(
    files: &[load::FileStat],
    kb_dir: &Path,
    reader: &Reader<'_>,
    manifest: &mut Manifest,
    batch: &mut Batch,
    notices: &mut Vec<String>,
) {
    let articles: Vec<&load::FileStat> = files
        .iter()
        .filter(|f| f.is_article && manifest.files.contains_key(&f.key))
        .collect();
    // The ids of the articles read now, and of those to read again.
    let mut settled: Vec<(&load::FileStat, String)> = Vec::new();
    let mut moved: Vec<&load::FileStat> = Vec::new();
    {
        let recorded = |f: &load::FileStat| manifest.files.get(&f.key).and_then(|e| e.id.as_ref());
        let inputs: Vec<IdInput<'_>> = articles
            .iter()
            .map(|f| {
                let input = IdInput::new(&f.rel);
                match batch.read.get(&f.key) {
                    Some(a) if a.id_source == IdSource::Key => input.keyed(Some(&a.id)),
                    Some(_) => input,
                    None => match recorded(f) {
                        Some(r) if r.from_key => input.keyed(r.id.as_deref()),
                        _ => input,
                    },
                }
            })
            .collect();
        let ids = article_ids(&inputs, kb_dir);
        for ((f, input), id) in articles.iter().zip(&inputs).zip(ids) {
            if !batch.read.contains_key(&f.key) {
                // What the index holds (unknown: read it again).
                let holds = recorded(f).map(|r| r.resolve(&input.from_name));
                if holds == Some(id.as_ref()) {
                    continue;
                }
                moved.push(f);
            }
            settled.push((f, id.into_owned()));
        }
    }
    if !moved.is_empty() {
        tracing::debug!("search index: {} articles change id", moved.len());
        for p in reader.prepare_all(&moved, manifest, true) {
            batch.take(p, manifest, notices);
        }
    }
    for (f, id) in settled {
        let Some(mut a) = batch.read.remove(&f.key) else {
            continue;
        };
        let from_name = IdInput::new(&f.rel).from_name;
        if let Some(e) = manifest.files.get_mut(&f.key) {
            e.id = Some(IndexedId {
                from_key: a.id_source == IdSource::Key,
                id: (id != from_name).then(|| id.clone()),
            });
        }
        a.id = id;
        batch
            .to_add
            .push((f.key.clone(), Some(Doc::from_article(&a))));
    }
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
        content: Content,
    },
}

/// What a changed file becomes.
enum Content {
    /// Indexed once its id is decided (ids can depend on other files).
    Article(Box<Article>),
    Page(Box<Doc>),
    /// Not indexed (a page SUMMARY.md does not list).
    None,
}

/// What an update writes.
#[derive(Default)]
struct Batch {
    /// Documents to replace, by key (`None`: only delete).
    to_add: Vec<(String, Option<Doc>)>,
    /// Articles read, by key, waiting for their ids ([`settle_ids`]).
    read: BTreeMap<String, Article>,
}

impl Batch {
    /// Records one file read: in the manifest, and to be written.
    fn take(&mut self, p: Prepared, manifest: &mut Manifest, notices: &mut Vec<String>) {
        match p {
            Prepared::Unreadable { key } => {
                manifest.files.remove(&key);
                self.to_add.push((key, None));
            }
            Prepared::Unchanged {
                key,
                mtime_ns,
                size,
            } => {
                if let Some(e) = manifest.files.get_mut(&key) {
                    e.mtime_ns = mtime_ns;
                    e.size = size;
                    // Only a page's id can be unknown here (articles are read again).
                    e.id.get_or_insert_default();
                }
            }
            Prepared::Changed {
                key,
                entry,
                content,
            } => {
                manifest.files.insert(key.clone(), entry);
                match content {
                    Content::Article(a) => {
                        if a.has_errors {
                            notices.push(format!("search index: {key} has errors; indexed what could be read (`supportbook check` shows them)"));
                        }
                        self.read.insert(key, *a);
                    }
                    Content::Page(doc) => self.to_add.push((key, Some(*doc))),
                    Content::None => self.to_add.push((key, None)),
                }
            }
        }
    }
}

/// What reading a file needs besides the file.
struct Reader<'a> {
    src_dir: &'a Path,
    /// The files SUMMARY.md lists.
    listed: &'a BTreeSet<PathBuf>,
    today: Date,
    review_days: u32,
}

impl Reader<'_> {
    /// [`Reader::prepare`] for each file, in parallel.
    fn prepare_all(
        &self,
        files: &[&load::FileStat],
        manifest: &Manifest,
        force: bool,
    ) -> Vec<Prepared> {
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|f| self.prepare(f, manifest, force))
            .collect()
    }

    /// Reads and hashes one file; `force` (or an article the manifest has no
    /// id for) reads it as changed even when its content is not.
    fn prepare(&self, f: &load::FileStat, manifest: &Manifest, force: bool) -> Prepared {
        let key = f.key.clone();
        let mut ignored = Vec::new();
        let Ok(Some(source)) = load::read_text(&self.src_dir.join(&f.rel), &f.path, &mut ignored)
        else {
            return Prepared::Unreadable { key };
        };
        let hash = blake3::hash(source.as_bytes()).to_hex().to_string();
        let old = manifest.files.get(&key);
        let id_known = !f.is_article || old.is_some_and(|o| o.id.is_some());
        if !force && id_known && old.is_some_and(|o| o.hash == hash) {
            return Prepared::Unchanged {
                key,
                mtime_ns: f.mtime_ns,
                size: f.size,
            };
        }
        let in_summary = self.listed.contains(&f.rel);
        let content = if f.is_article {
            let raw = RawDoc {
                rel: f.rel.clone(),
                path: f.path.clone(),
                source,
                is_article: true,
            };
            let mut diags = crate::diagnostic::Diagnostics::new();
            // An article with errors is indexed with what could be read.
            let a = validate::article_from_raw(
                raw,
                in_summary,
                self.today,
                self.review_days,
                &mut diags,
            );
            Content::Article(Box::new(a))
        } else if in_summary {
            Content::Page(Box::new(Doc::from_page(&f.rel, &f.path, &source)))
        } else {
            Content::None
        };
        Prepared::Changed {
            entry: FileEntry {
                mtime_ns: f.mtime_ns,
                size: f.size,
                hash,
                indexed: !matches!(content, Content::None),
                // An article's is set once ids are decided (`settle_ids`).
                id: Some(IndexedId::default()),
            },
            content,
            key,
        }
    }
}

/// Opens the index; if it cannot be opened (damaged files), rebuilds it from
/// the files on disk with a notice, then opens it.
pub fn open_or_rebuild(
    project: &Project,
    today: Date,
    expected_docs: usize,
    notices: &mut Vec<String>,
) -> Result<SearchIndex> {
    let problem = match open(project) {
        Ok(si) => {
            // The manifest and the index must agree (they can part if a
            // process was killed between the index's commit and the
            // manifest's write): otherwise searches would miss articles
            // until their files change.
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
    update(project, today, notices)?;
    open(project)
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
                id: Some(IndexedId::default()),
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
    fn article_ids_are_the_sites() {
        let ids = |files: &[(&str, Option<&str>)]| {
            let inputs: Vec<IdInput<'_>> = files
                .iter()
                .map(|(p, k)| match k {
                    Some(k) => IdInput::new(Path::new(p)).keyed(Some(k)),
                    None => IdInput::new(Path::new(p)),
                })
                .collect();
            article_ids(&inputs, Path::new("kb"))
                .into_iter()
                .map(Cow::into_owned)
                .collect::<Vec<_>>()
        };
        // No collisions: names and keys as they are.
        assert_eq!(
            ids(&[
                ("kb/dns/a.md", None),
                ("kb/b.md", Some("x")),
                ("kb/Can't.md", None)
            ]),
            ["a", "x", "can-t"]
        );
        // One name in two folders: both get their folder.
        assert_eq!(
            ids(&[
                ("kb/sharepoint/setup.md", None),
                ("kb/teams/setup.md", None)
            ]),
            ["sharepoint-setup", "teams-setup"]
        );
        // A key claims the id a name gives: the name moves.
        assert_eq!(
            ids(&[("kb/a/setup.md", None), ("kb/b/other.md", Some("setup"))]),
            ["a-setup", "setup"]
        );
        // Names that only normalise to an id lose to the name as it is.
        assert_eq!(
            ids(&[("kb/x/foo-bar.md", None), ("kb/y/foo.bar.md", None)]),
            ["foo-bar", "y-foo-bar"]
        );
        // One folder: numbered; the overview's id is never an article's.
        assert_eq!(
            ids(&[("kb/x/Foo Bar.md", None), ("kb/x/foo.bar.md", None)]),
            ["x-foo-bar", "x-foo-bar-2"]
        );
        assert_eq!(ids(&[("kb/index.md", None)]), ["index-2"]);
        // A folder-made id taken by a file name: numbered.
        assert_eq!(
            ids(&[
                ("kb/sharepoint/setup.md", None),
                ("kb/sharepoint-setup.md", None),
                ("kb/teams/setup.md", None),
            ]),
            ["sharepoint-setup-2", "sharepoint-setup", "teams-setup"]
        );
    }

    #[test]
    fn ids_in_the_manifest_read_back() {
        for (col, from_key, id) in [
            ("", false, None),
            ("teams-setup", false, Some("teams-setup")),
            ("=", true, None),
            ("=dns-propagation", true, Some("dns-propagation")),
        ] {
            let r = IndexedId::from_column(col);
            assert_eq!((r.from_key, r.id.as_deref()), (from_key, id), "{col:?}");
            assert_eq!(r.to_column(), col);
            assert_eq!(r.resolve("setup"), id.unwrap_or("setup"));
        }
        // A manifest written before ids were recorded: not up to date, and
        // its articles' ids are unknown (so they are read again).
        let t = 1_700_000_000_123_456_789;
        let old =
            format!("{MANIFEST_MAGIC}\t{SCHEMA_VERSION}\ts1\ncontent/kb/a.md\t{t}\t42\th\t1\n");
        let files = vec![stat("content/kb/a.md", t, 42)];
        assert_eq!(Manifest::describes(&old, &files, "s1"), None);
        let parsed = Manifest::parse(&old).unwrap();
        assert_eq!(parsed.files["content/kb/a.md"].id, None);
        assert_eq!(
            Manifest::describes(&parsed.to_text(), &files, "s1"),
            Some(1)
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
