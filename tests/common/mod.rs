//! Test helpers: a fixture handbook copied into a temp dir, and the real
//! `supportbook` binary run on it with a clean environment.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The date every test runs on (articles' review dates are relative to it).
pub const TODAY: &str = "2026-11-24";

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Fixture {
    /// A copy of `tests/fixtures/<name>`.
    pub fn new(name: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_dir(&src, dir.path());
        Fixture { dir }
    }

    /// A copy of this repository's own handbook (book.toml, content/, templates/, quizzes/, rules/).
    pub fn handbook() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(repo.join("book.toml"), dir.path().join("book.toml")).unwrap();
        for sub in ["content", "templates", "quizzes", "rules", "assets"] {
            if repo.join(sub).is_dir() {
                copy_dir(&repo.join(sub), &dir.path().join(sub));
            }
        }
        Fixture { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap();
    }

    /// Runs `supportbook ARGS` in the fixture's root.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.root(), args)
    }

    /// Every file under content/ with its bytes, to prove nothing was written.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in walkdir(&self.path(rel)) {
            out.insert(e.clone(), std::fs::read(&e).unwrap_or_default());
        }
        out
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            out.extend(walkdir(&e.path()));
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    out
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// Runs the `supportbook` binary in `cwd` with the variables that change its
/// behaviour cleared (and the date pinned).
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let out = command(env!("CARGO_BIN_EXE_supportbook"), cwd)
        .args(args)
        .output()
        .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `supportbook ARGS` with `input` on stdin.
pub fn run_with_input(fx: &Fixture, args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread that ignores a closed pipe: the command may stop
    // reading early (a size limit), and a large input must not deadlock
    // against its output.
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    let input = input.as_ref().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn command(exe: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("SUPPORTBOOK_")
            || k.starts_with("MDBOOK_")
            || k == "RUST_LOG"
            || k == "COLUMNS"
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("SUPPORTBOOK_TODAY", TODAY);
    cmd
}

/// The `<main>` of an HTML page.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main>").expect("page has <main>") + "<main>".len();
    let end = html.rfind("</main>").expect("page has </main>");
    &html[start..end]
}

/// Parses stdout as JSON, with the output in the panic message when it is not.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr))
}

/// A `supportbook serve --port 0` child on 127.0.0.1, killed on drop.
pub struct Server {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Every stderr line so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the server in `root` and waits (at most 120 s) for its
    /// "serving http://ADDR/" line.
    pub fn start(root: &Path, extra: &[&str]) -> Server {
        use std::io::BufRead as _;
        let mut child = command(env!("CARGO_BIN_EXE_supportbook"), root)
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(url) = line.strip_prefix("serving http://") {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
                log2.lock().unwrap().push(line);
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            log,
        };
        match rx.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(addr) => server.addr = addr,
            Err(_) => panic!(
                "server did not start:\n{}",
                server.log.lock().unwrap().join("\n")
            ),
        }
        server
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// One HTTP/1.1 request, `Connection: close`; (status, body).
    pub fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        http(&self.addr, method, path, body)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, None)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 request (the path is sent exactly as given); (status, body).
pub fn http(addr: &str, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let body = body.unwrap_or(b"");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let (headers, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let chunked = headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    (
        status,
        if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        },
    )
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(rest.get(..n).unwrap_or(rest));
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// The dev corpus (`../shared/corpora/officedocs-dev`, beside the
/// repository), or `None` after printing a SKIPPED line when it is missing.
/// In CI (`CI` set) a missing corpus fails the test.
pub fn dev_corpus() -> Option<PathBuf> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/officedocs-dev");
    if corpus.join("kb").is_dir() {
        return Some(corpus);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the dev corpus is missing at {} (required in CI)",
        corpus.display()
    );
    println!("SKIPPED: no dev corpus at {}", corpus.display());
    None
}

/// (id, url) of every hit of `supportbook search --json ARGS`, in order.
pub fn hits(fx: &Fixture, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = fx.run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    json(&out)["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_string(),
                h["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every file under `dir` (symbolic links not followed), keyed by its path
/// relative to `dir`, with its bytes: to compare two sites or trees whole.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// Runs git in `dir` with a fixed identity and date and no user or system
/// configuration; panics when it fails; returns its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Trainer")
        .env("GIT_AUTHOR_EMAIL", "trainer@example.com")
        .env("GIT_COMMITTER_NAME", "Trainer")
        .env("GIT_COMMITTER_EMAIL", "trainer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-02T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-02T10:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
