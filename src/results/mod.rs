//! Quiz results: an embedded SQLite database at `.supportbook/results.db`.
//!
//! One transaction per attempt; a schema version (`PRAGMA user_version`) with
//! migrations; WAL and a busy timeout so several writers (terminals, the
//! served site) can record at once.

pub mod posted;
pub mod report;
pub mod roster;
pub mod xapi;

use crate::core::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One answer within an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question_id: String,
    /// The response as JSON (chosen texts, a string, ...).
    pub response: serde_json::Value,
    pub correct: bool,
    pub points: f64,
    pub max_points: f64,
    /// 1 for the first try at this question in the attempt, 2 for a retry, ...
    pub attempt: u32,
}

/// The one spelling of a UUID that is stored: lower-case, hyphenated, no
/// braces or `urn:uuid:`. `{0B7E...}`, `0b7e...` without dashes and
/// `urn:uuid:0b7e-...` name the same attempt, so they must be one row. Text
/// that is not a UUID (an LRS may use any registration) is kept as written,
/// without surrounding spaces.
pub fn normalize_uuid(s: &str) -> String {
    let s = s.trim();
    match uuid::Uuid::try_parse(s) {
        Ok(u) => u.hyphenated().to_string(),
        Err(_) => s.to_string(),
    }
}

/// A finished attempt at a quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Unique id (a UUID): importing the same attempt twice adds nothing.
    pub uuid: String,
    pub learner: String,
    pub quiz_id: String,
    /// The quiz's hash when it was taken: a changed quiz makes a pass stale.
    pub quiz_hash: String,
    /// A hash of the articles the quiz covered when it was taken.
    pub covers_hash: String,
    pub started_at: String,
    pub finished_at: String,
    /// 0 to 1.
    pub score: f64,
    pub passed: bool,
    /// terminal | browser | import
    pub source: String,
    pub answers: Vec<Answer>,
}

/// The database's schema version; [`MIGRATIONS`] brings older files up to it.
pub const SCHEMA_VERSION: i64 = 1;

const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        learner TEXT NOT NULL,
        quiz_id TEXT NOT NULL,
        quiz_hash TEXT NOT NULL,
        covers_hash TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        score REAL NOT NULL,
        passed INTEGER NOT NULL,
        source TEXT NOT NULL
    );
    CREATE TABLE answers (
        attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        response TEXT NOT NULL,
        correct INTEGER NOT NULL,
        points REAL NOT NULL,
        max_points REAL NOT NULL,
        try INTEGER NOT NULL,
        PRIMARY KEY (attempt_id, seq)
    );
    CREATE INDEX attempts_by_learner ON attempts (learner, quiz_id, finished_at);
    CREATE INDEX answers_by_question ON answers (question_id);",
];

pub struct Db {
    conn: Connection,
    path: PathBuf,
}

pub fn db_path(project: &crate::core::config::Project) -> PathBuf {
    project.state_dir().join("results.db")
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Internal(format!("results database {}: {e}", path.display()))
}

impl Db {
    /// Opens (creating if needed) and migrates the database.
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        let conn = Connection::open(path).map_err(sql(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sql(path))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql(path))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql(path))?;
        let mut db = Db {
            conn,
            path: path.to_path_buf(),
        };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(&path))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql(&path))?;
        if version > SCHEMA_VERSION {
            return Err(Error::Refused(format!(
                "{} was written by a newer supportbook (schema {version}; this one knows {SCHEMA_VERSION})",
                path.display()
            )));
        }
        for (i, step) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(step).map_err(sql(&path))?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(i + 1).unwrap_or(SCHEMA_VERSION),
            )
            .map_err(sql(&path))?;
        }
        tx.commit().map_err(sql(&path))
    }

    /// Records an attempt in one transaction. Returns false when an attempt
    /// with the same uuid is already there (nothing is written).
    pub fn record(&mut self, a: &Attempt) -> Result<bool> {
        let path = self.path.clone();
        let uuid = normalize_uuid(&a.uuid);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(&path))?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM attempts WHERE uuid = ?1", [&uuid], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql(&path))?;
        if exists.is_some() {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO attempts (uuid, learner, quiz_id, quiz_hash, covers_hash, started_at, finished_at, score, passed, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![uuid, a.learner, a.quiz_id, a.quiz_hash, a.covers_hash, a.started_at, a.finished_at, a.score, a.passed, a.source],
        )
        .map_err(sql(&path))?;
        let id = tx.last_insert_rowid();
        for (seq, ans) in a.answers.iter().enumerate() {
            tx.execute(
                "INSERT INTO answers (attempt_id, seq, question_id, response, correct, points, max_points, try)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id, i64::try_from(seq).unwrap_or(i64::MAX), ans.question_id, ans.response.to_string(), ans.correct, ans.points, ans.max_points, ans.attempt],
            )
            .map_err(sql(&path))?;
        }
        tx.commit().map_err(sql(&path))?;
        Ok(true)
    }

    /// Every attempt, oldest first.
    pub fn attempts(&self) -> Result<Vec<Attempt>> {
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, uuid, learner, quiz_id, quiz_hash, covers_hash, started_at, finished_at, score, passed, source
                 FROM attempts ORDER BY finished_at, id",
            )
            .map_err(sql(path))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Attempt {
                        uuid: r.get(1)?,
                        learner: r.get(2)?,
                        quiz_id: r.get(3)?,
                        quiz_hash: r.get(4)?,
                        covers_hash: r.get(5)?,
                        started_at: r.get(6)?,
                        finished_at: r.get(7)?,
                        score: r.get(8)?,
                        passed: r.get(9)?,
                        source: r.get(10)?,
                        answers: Vec::new(),
                    },
                ))
            })
            .map_err(sql(path))?;
        let mut out = Vec::new();
        let mut answers = self
            .conn
            .prepare("SELECT question_id, response, correct, points, max_points, try FROM answers WHERE attempt_id = ?1 ORDER BY seq")
            .map_err(sql(path))?;
        for row in rows {
            let (id, mut a) = row.map_err(sql(path))?;
            a.answers = answers
                .query_map([id], |r| {
                    let response: String = r.get(1)?;
                    Ok(Answer {
                        question_id: r.get(0)?,
                        response: serde_json::from_str(&response)
                            .unwrap_or(serde_json::Value::String(response)),
                        correct: r.get(2)?,
                        points: r.get(3)?,
                        max_points: r.get(4)?,
                        attempt: r.get(5)?,
                    })
                })
                .map_err(sql(path))?
                .collect::<std::result::Result<_, _>>()
                .map_err(sql(path))?;
            out.push(a);
        }
        Ok(out)
    }
}

/// A hash of the covered articles' contents: a pass goes stale when it changes.
pub fn covers_hash(
    quiz: &crate::pipeline::quiz::Quiz,
    handbook: &crate::pipeline::handbook::Handbook,
) -> String {
    let mut h = blake3::Hasher::new();
    for id in &quiz.covers {
        h.update(id.as_bytes());
        h.update(&[0]);
        if let Some(a) = handbook.article(id) {
            h.update(a.hash.as_bytes());
        }
        h.update(&[0]);
    }
    h.finalize().to_hex().chars().take(16).collect()
}

/// Now, as an RFC 3339 timestamp in UTC.
pub fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}
