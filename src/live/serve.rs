//! Stage 6, serve: the built site over HTTP, rebuilt as files change.
//!
//! Routes (each answers only the methods it needs; anything else is 405):
//! - `GET /__livereload`: websocket; sends "reload" after each rebuild
//!   (mdBook's endpoint and message, so the stock theme reloads);
//! - `GET /api/search?q=&limit=&product=&tag=`: the JSON of
//!   `supportbook search --json`;
//! - `POST /api/attempts`: a quiz attempt from the browser widget, stored in
//!   the results database;
//! - `GET /__supportbook/search.js`: the search box that uses the API;
//! - `GET|HEAD` anything else: a file of the site, resolved by
//!   [`resolve_site_path`] (no `..`, no encoded slashes, no absolute paths,
//!   no directory listings).
//!
//! HTML responses get, at serve time, the search script and, while the last
//! rebuild failed, an overlay listing its diagnostics.
//!
//! Every request first passes [`guard`], which [`Guard`] configures:
//! - the `Host` header must name this server ([`Guard::host_allowed`]):
//!   otherwise 421, so a DNS-rebinding page cannot read the site or the API;
//! - a request that changes something (any method but GET, HEAD, OPTIONS),
//!   a websocket upgrade and every `/api/` request must come from the
//!   site's own origin when it carries an `Origin` (or `Sec-Fetch-Site`)
//!   header, which browsers always send on such requests: otherwise 403.
//!   Without either header the client is not a browser (curl, a script) and
//!   is let through; it could send any headers anyway.
//!
//! `POST /api/attempts` also requires `Content-Type: application/json`
//! (415), which a cross-site HTML form cannot send, and takes at most
//! [`MAX_ATTEMPT_BYTES`] (413) within the request timeout (408). Errors of
//! `/api/` routes are JSON `{"error": "..."}`.
//!
//! [`listen`] is the accept loop: hyper with a timer, so a client that does
//! not finish sending a request's head within the request timeout is
//! disconnected, and idle keep-alive connections are closed after it.

use crate::core::error::{Error, Result};
use crate::index::search::{self, Options, Synonyms, Weights};
use crate::pipeline::handbook::Handbook;
use crate::results::Db;
use crate::results::posted::{AttemptError, attempt_from_body};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::borrow::Cow;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// The largest attempt body accepted (413 above).
pub const MAX_ATTEMPT_BYTES: usize = 256 * 1024;
/// The most results one search returns.
pub const MAX_LIMIT: usize = 100;
/// How long a client may take to send a request's head, and then its body,
/// unless `--request-timeout` says otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a request reads that a rebuild changes, from one rebuild:
/// the site's handbook, its search index, the synonyms, and what is wrong.
/// Swapped whole ([`Live::publish`]), so a request sees the handbook and the
/// index of the same rebuild, never one of each.
#[derive(Default)]
pub struct Snapshot {
    pub handbook: Option<Arc<Handbook>>,
    pub search: Option<Arc<crate::index::SearchIndex>>,
    pub synonyms: Arc<Synonyms>,
    /// Diagnostics of the last rebuild when it failed (the site, handbook
    /// and index stay those of the last good one).
    pub errors: Option<String>,
}

/// What the server shares with the watcher.
pub struct Live {
    /// The site folder (canonical).
    pub site: PathBuf,
    snapshot: RwLock<Arc<Snapshot>>,
    pub db_path: PathBuf,
    pub db: Mutex<Option<Db>>,
    pub reload: broadcast::Sender<()>,
    /// Flips to true when the server stops: open websockets close, so a
    /// graceful shutdown does not wait for every browser tab.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Searches run at most one per core at a time; the rest queue here
    /// rather than all competing for the CPU.
    pub searches: tokio::sync::Semaphore,
}

impl Live {
    pub fn new(site: PathBuf, db_path: PathBuf) -> Arc<Live> {
        let (reload, _) = broadcast::channel(16);
        Arc::new(Live {
            site,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            db_path,
            db: Mutex::new(None),
            reload,
            stopping: tokio::sync::watch::Sender::new(false),
            searches: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
        })
    }

    /// The current snapshot (held by the caller for as long as it needs;
    /// a rebuild publishing meanwhile does not change it).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `next` what every later request sees.
    pub fn publish(&self, next: Snapshot) {
        let next = Arc::new(next);
        match self.snapshot.write() {
            Ok(mut s) => *s = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    /// Closes the live-reload websockets.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Tells every open page to reload.
    pub fn reload(&self) {
        let _ = self.reload.send(());
    }
}

/// The application for a server on 127.0.0.1 (see [`app_with`]).
pub fn app(live: Arc<Live>) -> Router {
    app_with(live, Guard::loopback())
}

/// The application: every route, behind [`guard`].
pub fn app_with(live: Arc<Live>, guard_config: Guard) -> Router {
    let guard_config = Arc::new(guard_config);
    Router::new()
        .route("/__livereload", get(livereload))
        .route("/__supportbook/search.js", get(search_js))
        .route("/api/search", get(api_search))
        .route("/api/attempts", post(api_attempts))
        .fallback(static_file)
        .with_state(live)
        .layer(middleware::from_fn_with_state(guard_config.clone(), guard))
        .layer(Extension(guard_config))
}

/// Who the server answers: the names a `Host` header may carry, and how
/// long a request may take to arrive.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The address the server listens on.
    bound: IpAddr,
    /// Names given with `--allowed-host`, lowercase.
    names: Vec<String>,
    /// For a request's head, then for its body.
    pub request_timeout: Duration,
}

impl Guard {
    /// A server on 127.0.0.1 with the default timeout and no other names.
    pub fn loopback() -> Guard {
        Guard {
            bound: IpAddr::from([127, 0, 0, 1]),
            names: Vec::new(),
            request_timeout: REQUEST_TIMEOUT,
        }
    }

    /// A server on `bound` that also answers to `names` (host names or IP
    /// addresses, without a port). Refuses a name that is not one.
    pub fn new(
        bound: IpAddr,
        names: &[String],
        request_timeout: Duration,
    ) -> std::result::Result<Guard, String> {
        let mut checked = Vec::new();
        for name in names {
            let lower = name.trim().to_ascii_lowercase();
            let unbracketed = lower.trim_start_matches('[').trim_end_matches(']');
            let valid = unbracketed.parse::<IpAddr>().is_ok()
                || (!lower.is_empty()
                    && lower.len() <= 253
                    && lower
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
            if !valid {
                return Err(format!(
                    "--allowed-host {name:?} is not a host name or an IP address \
                     (give it without a scheme or a port, e.g. --allowed-host handbook.example.com)"
                ));
            }
            checked.push(unbracketed.to_string());
        }
        Ok(Guard {
            bound,
            names: checked,
            request_timeout,
        })
    }

    /// Pure: whether a `Host` header value (`name`, `name:port`, `[v6]:port`)
    /// names this server. Accepted: `localhost` and loopback addresses, the
    /// address listened on, any IP address when listening on all of them
    /// (0.0.0.0 or ::), and the `--allowed-host` names. The port is not
    /// compared: only the browser's own request can carry a browser's Host,
    /// and a tunnel (`ssh -L 8080:localhost:3000`) changes it; what a DNS
    /// rebinding attack changes is the name.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.to_ascii_lowercase();
        if name == "localhost" || self.names.contains(&name) {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip == self.bound || self.bound.is_unspecified(),
            Err(_) => false,
        }
    }
}

/// The name of a `Host` value without its port and brackets; `None` when
/// it is malformed (empty, a port that is not a number, text after `]`).
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        (
            name,
            if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':')?)
            },
        )
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty()
        || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some(name)
}

/// Pure: whether `origin` (an `Origin` header) is the origin of a page
/// served from `host` (the request's `Host`): `http://` or `https://` (a
/// proxy in front may add TLS) and the same host and port.
pub fn same_origin(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// The checks every request passes before its route; see the module doc.
async fn guard(State(config): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let refuse = |status: StatusCode, msg: String| {
        tracing::debug!("refused {} {}: {msg}", req.method(), req.uri().path());
        if api {
            json_error(status, msg)
        } else {
            text(status, format!("{msg}\n"))
        }
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
    let Some(host) = host.filter(|h| config.host_allowed(h)) else {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer to that host name; \
             visit it as localhost or by its address, or start it with --allowed-host NAME"
                .into(),
        );
    };
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let upgrade = req.headers().contains_key(header::UPGRADE);
    if changes || upgrade || api {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .map(|o| o.to_str().unwrap_or(""));
        let site = req
            .headers()
            .get("sec-fetch-site")
            .map(|s| s.to_str().unwrap_or(""));
        let foreign = match (origin, site) {
            (Some(origin), _) => !same_origin(origin, &host),
            // A browser that sent no Origin still says where it came from.
            (None, Some(site)) => site != "same-origin" && site != "none",
            (None, None) => false,
        };
        if foreign {
            return refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "cross-origin request refused: only pages of this site (http://{host}) may do this"
                ),
            );
        }
    }
    next.run(req).await
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for
/// the open requests. Like `axum::serve`, with hyper's header read timeout
/// set: a client gets `request_timeout` to send each request's head (and an
/// idle keep-alive connection is closed after it). Websocket upgrades work.
pub async fn listen(
    listener: tokio::net::TcpListener,
    app: Router,
    request_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Every connection task holds a receiver; all dropped = all done.
    let (done_tx, done_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on
                    // (what axum::serve does).
                    tracing::debug!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(request_timeout);
            let conn = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!("connection from {peer}: {e}");
                        }
                        break;
                    }
                    _ = stop.changed() => conn.as_mut().graceful_shutdown(),
                }
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    done_tx.closed().await;
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// `..`, `.`, an encoded slash or backslash, a NUL, a drive or an
    /// absolute path: 400.
    Refused,
}

/// Turns a request path (`/kb/a%20b.html`) into a path under the site,
/// relative, with every segment percent-decoded and checked. A path ending
/// in `/` gets `index.html`. Pure: it does not look at the disk.
pub fn resolve_site_path(path: &str) -> std::result::Result<PathBuf, PathError> {
    let trimmed = path.strip_prefix('/').ok_or(PathError::Refused)?;
    let mut out = PathBuf::new();
    let segments: Vec<&str> = trimmed.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            if i == last {
                break;
            }
            // `//` in the middle of a path.
            return Err(PathError::Refused);
        }
        let decoded = percent_decode(seg).ok_or(PathError::Refused)?;
        if decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0', ':'])
            || decoded.chars().any(char::is_control)
        {
            return Err(PathError::Refused);
        }
        out.push(&*decoded);
    }
    if path.ends_with('/') {
        out.push("index.html");
    }
    Ok(out)
}

/// Decodes `%XX` escapes; `None` for a `%` not followed by two hex digits
/// or for bytes that are not UTF-8. `percent_encoding` itself passes a bad
/// escape through as text and leaves the UTF-8 check to the caller; both
/// are refused here, so `%zz` or `%c0%ae` cannot reach a path check as
/// something else.
pub fn percent_decode(s: &str) -> Option<Cow<'_, str>> {
    let bytes = s.as_bytes();
    let well_formed = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'%')
        .all(|(i, _)| {
            bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        });
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(s).decode_utf8().ok()
}

/// The `Content-Type` of a file of the site, from its extension
/// (`mime_guess`); text and scripts are UTF-8, as mdBook writes them.
/// Unknown extensions are `application/octet-stream`. Pure.
pub fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if mime.type_() == mime_guess::mime::TEXT || mime.subtype() == "javascript" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    }
}

fn text(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}

fn json_error(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": msg.into() })),
    )
        .into_response()
}

async fn static_file(State(live): State<Arc<Live>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Ok(rel) = resolve_site_path(uri.path()) else {
        return text(StatusCode::BAD_REQUEST, "bad path\n");
    };
    let mut full = live.site.join(&rel);
    if full.is_dir() {
        full.push("index.html");
    }
    // Symlinks must not lead out of the site either.
    let Ok(canonical) = tokio::fs::canonicalize(&full).await else {
        return not_found(&live).await;
    };
    if !canonical.starts_with(&live.site) || !canonical.is_file() {
        return not_found(&live).await;
    }
    let Ok(bytes) = tokio::fs::read(&canonical).await else {
        return not_found(&live).await;
    };
    let ct = content_type(&canonical);
    let body = if ct.starts_with("text/html") {
        Bytes::from(decorate(&live, &String::from_utf8_lossy(&bytes)))
    } else {
        Bytes::from(bytes)
    };
    let mut r = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    });
    if let Ok(ct) = HeaderValue::from_str(&ct) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn not_found(live: &Live) -> Response {
    let page = live.site.join("404.html");
    match tokio::fs::read_to_string(&page).await {
        Ok(html) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            decorate(live, &html),
        )
            .into_response(),
        // No site yet (the first build failed): the overlay still says why.
        Err(_) if live.snapshot().errors.is_some() => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            decorate(live, "<!DOCTYPE html><html><body></body></html>"),
        )
            .into_response(),
        Err(_) => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Adds the search script and, while the last rebuild failed, the overlay.
fn decorate(live: &Live, html: &str) -> String {
    inject(html, live.snapshot().errors.as_deref())
}

/// The id of the overlay element (tests look for it).
pub const OVERLAY_ID: &str = "supportbook-error-overlay";

/// The most of the diagnostics' text the overlay shows (every page carries
/// it); the rest is one line pointing at `supportbook check`.
pub const MAX_OVERLAY_BYTES: usize = 64 * 1024;

/// The live-reload client, added to every page as it is served (never
/// written into the built site, so a page opened from `file://` does not try
/// a websocket): reloads the page when `/__livereload` says "reload".
pub const LIVE_RELOAD_SCRIPT: &str = "<script>(function () {\
  var ws = new WebSocket((location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/__livereload');\
  ws.onmessage = function (event) { if (event.data === 'reload') { ws.close(); location.reload(); } };\
  window.addEventListener('beforeunload', function () { ws.close(); });\
})();</script>\n";

/// Pure: `html` with the search and live-reload scripts, and the error
/// overlay when `errors` is given, inserted before `</body>` (or at the
/// end).
pub fn inject(html: &str, errors: Option<&str>) -> String {
    let mut extra = String::from("<script src=\"/__supportbook/search.js\"></script>\n");
    extra.push_str(LIVE_RELOAD_SCRIPT);
    if let Some(errors) = errors {
        let mut errors = std::borrow::Cow::Borrowed(errors);
        if errors.len() > MAX_OVERLAY_BYTES {
            let mut cut = MAX_OVERLAY_BYTES;
            while !errors.is_char_boundary(cut) {
                cut -= 1;
            }
            let rest = errors.len() - cut;
            errors = format!(
                "{}\n... and {rest} more bytes of diagnostics: run `supportbook check` to see them all\n",
                errors.get(..cut).unwrap_or("")
            )
            .into();
        }
        extra.push_str(&format!(
            "<div id=\"{OVERLAY_ID}\" role=\"alert\" style=\"position:fixed;inset:0;z-index:10000;\
             background:rgba(20,0,0,.92);color:#fff;overflow:auto;padding:2em;font:14px/1.4 monospace\">\
             <h2 style=\"color:#ff8080;margin-top:0\">The last rebuild failed; this is the last good site.</h2>\
             <p>Fix the file and save: the page reloads.</p><pre style=\"white-space:pre-wrap\">{}</pre></div>\n",
            crate::core::markdown::escape_attr(&anstream::adapter::strip_str(&errors).to_string())
        ));
    }
    match html.rfind("</body>") {
        Some(at) => {
            let mut out = String::with_capacity(html.len() + extra.len());
            out.push_str(html.get(..at).unwrap_or(""));
            out.push_str(&extra);
            out.push_str(html.get(at..).unwrap_or(""));
            out
        }
        None => format!("{html}{extra}"),
    }
}

async fn livereload(State(live): State<Arc<Live>>, ws: WebSocketUpgrade) -> Response {
    let rx = live.reload.subscribe();
    let stopping = live.stopping.subscribe();
    ws.on_upgrade(move |socket| reload_loop(socket, rx, stopping))
}

async fn reload_loop(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<()>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stopping.borrow() {
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        tokio::select! {
            _ = stopping.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            msg = rx.recv() => match msg {
                Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    if socket.send(Message::Text("reload".into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn search_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::render::templates::SEARCH_JS,
    )
        .into_response()
}

/// The query string of `/api/search`, parsed: `q`, `limit`, and repeatable
/// `product` and `tag` (`+` is a space; names are decoded too). A bad
/// escape or bytes that are not UTF-8 are refused, where
/// `form_urlencoded` alone would keep the escape as text or put U+FFFD in
/// its place. Pure.
pub fn parse_search_query(raw: &str) -> std::result::Result<(String, Options), String> {
    for pair in raw.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(k).is_none() {
            return Err(format!("bad escape in the parameter name {k:?}"));
        }
        if percent_decode(v).is_none() {
            return Err(format!("bad escape in the value of {k}"));
        }
    }
    let mut q = String::new();
    let mut opts = Options::default();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        match &*k {
            "q" => q = v.into_owned(),
            "limit" => {
                opts.limit = match v.parse::<usize>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "limit must be a number from 1 to {MAX_LIMIT}, not {v:?}"
                        ));
                    }
                };
            }
            "product" if !v.is_empty() => opts.products.push(v.into_owned()),
            "tag" if !v.is_empty() => opts.tags.push(v.into_owned()),
            "archived" => opts.include_archived = v == "1" || v == "true",
            _ => {}
        }
    }
    Ok((q, opts))
}

async fn api_search(State(live): State<Arc<Live>>, RawQuery(raw): RawQuery) -> Response {
    let (q, opts) = match parse_search_query(raw.as_deref().unwrap_or("")) {
        Ok(x) => x,
        Err(msg) => return json_error(StatusCode::BAD_REQUEST, msg),
    };
    let snapshot = live.snapshot();
    let Some(si) = snapshot.search.clone() else {
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the index is not built yet",
        );
    };
    let syn = snapshot.synonyms.clone();
    let Ok(_permit) = live.searches.acquire().await else {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "stopping");
    };
    let answer = tokio::task::spawn_blocking(move || {
        search::search(&si, &q, &opts, &syn, Weights::default())
    })
    .await;
    match answer {
        Ok(Ok(results)) => axum::Json(results).into_response(),
        Ok(Err(e)) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Why an attempt's body was not read.
enum BodyError {
    TooLarge,
    TimedOut,
    Broken(String),
}

/// Reads a request body of at most `max` bytes within `timeout`.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
    timeout: Duration,
) -> std::result::Result<Bytes, BodyError> {
    use http_body_util::BodyExt as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let read = async {
        let mut body = body;
        let mut buf = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(buf))
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

/// Pure: whether a `Content-Type` value is JSON (`application/json`, any
/// parameters).
pub fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

async fn api_attempts(
    State(live): State<Arc<Live>>,
    Extension(config): Extension<Arc<Guard>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_json(ct) {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "an attempt must be sent as Content-Type: application/json",
        );
    }
    let body = match read_body(&headers, body, MAX_ATTEMPT_BYTES, config.request_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("an attempt may be at most {MAX_ATTEMPT_BYTES} bytes"),
            );
        }
        Err(BodyError::TimedOut) => {
            return json_error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the attempt did not arrive within {} s",
                    config.request_timeout.as_secs_f32()
                ),
            );
        }
        Err(BodyError::Broken(e)) => {
            return json_error(StatusCode::BAD_REQUEST, format!("reading the body: {e}"));
        }
    };
    let Some(handbook) = live.snapshot().handbook.clone() else {
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the handbook is not built yet",
        );
    };
    let attempt = match attempt_from_body(&body, &handbook, || uuid::Uuid::new_v4().to_string()) {
        Ok(a) => a,
        Err(AttemptError::Bad(m)) => return json_error(StatusCode::BAD_REQUEST, m),
        Err(AttemptError::Unknown(m)) => {
            return json_error(StatusCode::UNPROCESSABLE_ENTITY, m);
        }
    };
    let stored = tokio::task::spawn_blocking(move || -> Result<(bool, String)> {
        let mut guard = live
            .db
            .lock()
            .map_err(|_| Error::internal("results database lock poisoned"))?;
        if guard.is_none() {
            *guard = Some(Db::open(&live.db_path)?);
        }
        let db = guard
            .as_mut()
            .ok_or_else(|| Error::internal("results database not open"))?;
        Ok((db.record(&attempt)?, attempt.uuid))
    })
    .await;
    match stored {
        Ok(Ok((created, uuid))) => (
            if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            axum::Json(serde_json::json!({ "uuid": uuid, "stored": created })),
        )
            .into_response(),
        Ok(Err(e)) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readers racing a stream of publishes always see the fields of one
    /// publish together (here the overlay text and the synonyms).
    #[test]
    fn a_request_sees_one_rebuild_never_a_mix() {
        let live = Live::new(PathBuf::from("site"), PathBuf::from("results.db"));
        let snapshot = |i: u32| Snapshot {
            errors: Some(i.to_string()),
            synonyms: Arc::new(
                Synonyms::parse(Path::new("synonyms.toml"), &format!("gen = [\"g{i}\"]\n")).0,
            ),
            ..Snapshot::default()
        };
        live.publish(snapshot(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (live, stop) = (live.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut seen = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let s = live.snapshot();
                        let i = s.errors.clone().unwrap_or_default();
                        let syn: Vec<&str> = s.synonyms.of("gen").collect();
                        assert_eq!(syn, [format!("g{i}")], "overlay {i} with {syn:?}");
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        for i in 1..2000 {
            live.publish(snapshot(i));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    }

    #[test]
    fn site_paths() {
        let ok = [
            ("/", "index.html"),
            ("/index.html", "index.html"),
            ("/kb/", "kb/index.html"),
            ("/kb/dns-timeout.html", "kb/dns-timeout.html"),
            ("/a%20b.html", "a b.html"),
            ("/fonts/x.woff2", "fonts/x.woff2"),
        ];
        for (p, want) in ok {
            assert_eq!(resolve_site_path(p), Ok(PathBuf::from(want)), "{p}");
        }
        let refused = [
            "/../etc/passwd",
            "/kb/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/.%2e/x",
            "/kb/%2f..%2fetc",
            "/..%2fetc%2fpasswd",
            "/..%5c..%5cwindows",
            "/kb\\..\\x",
            "//etc/passwd",
            "/./index.html",
            "/C:/x",
            "/x%00.html",
            "/%zz",
            "/%c0%ae%c0%ae/x",
            "etc/passwd",
            "",
        ];
        for p in refused {
            assert_eq!(resolve_site_path(p), Err(PathError::Refused), "{p}");
        }
    }

    #[test]
    fn search_query_string() {
        let (q, o) =
            parse_search_query("q=dns+timeout%21&limit=100&product=email&tag=outage&tag=dns")
                .unwrap();
        assert_eq!(q, "dns timeout!");
        assert_eq!(o.limit, MAX_LIMIT);
        assert_eq!(parse_search_query("limit=1").unwrap().1.limit, 1);
        for bad in ["0", "101", "1000", "-1", ""] {
            assert_eq!(
                parse_search_query(&format!("q=x&limit={bad}")).unwrap_err(),
                format!("limit must be a number from 1 to 100, not {bad:?}")
            );
        }
        assert_eq!(o.products, ["email"]);
        assert_eq!(o.tags, ["outage", "dns"]);
        assert!(parse_search_query("q=x&limit=ten").is_err());
        assert!(parse_search_query("q=%zz").is_err());
        assert_eq!(parse_search_query("").unwrap().0, "");
    }

    /// Edge cases where percent-encoding and form_urlencoded alone would
    /// differ from what the server answers.
    #[test]
    fn escapes_are_decoded_strictly() {
        // Decoded once: an encoded `%` stays a `%` and is not decoded again.
        assert_eq!(
            resolve_site_path("/a%252e%252e.html"),
            Ok(PathBuf::from("a%2e%2e.html"))
        );
        assert_eq!(resolve_site_path("/%2E%2e"), Err(PathError::Refused));
        assert_eq!(
            resolve_site_path("/a+b.html"),
            Ok(PathBuf::from("a+b.html"))
        );
        // percent-encoding keeps these as text; a path or a query refuses them.
        for bad in ["%", "%2", "%zz", "x%g0", "%+9", "%c0%ae", "%ff"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
            assert!(parse_search_query(&format!("q={bad}")).is_err(), "{bad}");
            assert_eq!(
                resolve_site_path(&format!("/{bad}")),
                Err(PathError::Refused),
                "{bad}"
            );
        }
        assert_eq!(
            parse_search_query("q=%zz").unwrap_err(),
            "bad escape in the value of q"
        );
        assert_eq!(
            parse_search_query("%zz=1").unwrap_err(),
            "bad escape in the parameter name \"%zz\""
        );
        // `+` is a space in a query, `%2B` a plus; names are decoded too.
        let (q, o) = parse_search_query("%71=a+b%2Bc&tag=x%20y&&product=").unwrap();
        assert_eq!(q, "a b+c");
        assert_eq!(o.tags, ["x y"]);
        assert!(o.products.is_empty());
        assert_eq!(parse_search_query("q=%C3%A9t%C3%A9").unwrap().0, "été");
    }

    #[test]
    fn content_types() {
        let table = [
            ("index.html", "text/html; charset=utf-8"),
            ("a.HTM", "text/html; charset=utf-8"),
            ("css/chrome.css", "text/css; charset=utf-8"),
            ("book.js", "text/javascript; charset=utf-8"),
            ("searchindex.json", "application/json"),
            ("favicon.svg", "image/svg+xml"),
            ("favicon.png", "image/png"),
            ("x.jpeg", "image/jpeg"),
            ("fonts/x.woff2", "font/woff2"),
            ("fonts/x.ttf", "font/ttf"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("no-extension", "application/octet-stream"),
            ("x.unknown-ext", "application/octet-stream"),
            // mime_guess's names where the old table had others: all are
            // what browsers accept for fonts, modules and feeds.
            ("m.mjs", "application/javascript; charset=utf-8"),
            ("fonts/x.woff", "application/font-woff"),
            ("feed.xml", "text/xml; charset=utf-8"),
            ("notes.md", "text/markdown; charset=utf-8"),
            // Types the old table did not know.
            ("manual.pdf", "application/pdf"),
            ("clip.mp4", "video/mp4"),
        ];
        for (path, want) in table {
            assert_eq!(content_type(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn host_names() {
        let local = Guard::loopback();
        for h in [
            "localhost",
            "localhost:3000",
            "LOCALHOST:3000",
            "127.0.0.1:3000",
            "127.0.0.2",
            "[::1]:3000",
            "[::1]",
        ] {
            assert!(local.host_allowed(h), "{h}");
        }
        for h in [
            "",
            ":3000",
            "attacker.example",
            "attacker.example:3000",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "10.0.0.7:3000",
            "localhost:",
            "localhost:x",
            "localhost:3000:1",
            "[::1",
            "[::1]x",
            "::1",
        ] {
            assert!(!local.host_allowed(h), "{h:?}");
        }
        let any = Guard::new(
            IpAddr::from([0, 0, 0, 0]),
            &["Handbook.Example".into(), "[fe80::1]".into()],
            REQUEST_TIMEOUT,
        )
        .unwrap();
        for h in [
            "10.0.0.7:3000",
            "handbook.example:3000",
            "HANDBOOK.example",
            "localhost",
            "[fe80::1]:80",
        ] {
            assert!(any.host_allowed(h), "{h}");
        }
        assert!(!any.host_allowed("attacker.example:3000"));
        let lan = Guard::new(IpAddr::from([192, 168, 1, 5]), &[], REQUEST_TIMEOUT).unwrap();
        assert!(lan.host_allowed("192.168.1.5:3000"));
        assert!(!lan.host_allowed("192.168.1.6:3000"));
        for bad in ["http://x.example", "x.example:3000", "x/y", "", "a b"] {
            assert!(
                Guard::new(IpAddr::from([0, 0, 0, 0]), &[bad.into()], REQUEST_TIMEOUT).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn origins_and_content_types() {
        assert!(same_origin("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(same_origin("http://LocalHost:3000", "localhost:3000"));
        assert!(same_origin("https://handbook.example", "handbook.example"));
        for o in [
            "null",
            "",
            "http://127.0.0.1:3001",
            "http://127.0.0.1",
            "http://attacker.example",
            "http://127.0.0.1:3000/",
            "ftp://127.0.0.1:3000",
            "127.0.0.1:3000",
        ] {
            assert!(!same_origin(o, "127.0.0.1:3000"), "{o:?}");
        }
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        for ct in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
        ] {
            assert!(!is_json(ct), "{ct:?}");
        }
    }

    #[test]
    fn overlay_is_escaped_and_only_on_errors() {
        let page = "<html><body><main>x</main></body></html>";
        let plain = inject(page, None);
        assert!(plain.contains("/__supportbook/search.js"));
        assert!(plain.contains(LIVE_RELOAD_SCRIPT) && plain.contains("'/__livereload'"));
        assert!(!plain.contains(OVERLAY_ID));
        let broken = inject(
            page,
            Some("\x1b[1merror\x1b[0m: bad <script>alert(1)</script>\n --> content/kb/a.md:3:1"),
        );
        assert!(broken.contains(OVERLAY_ID));
        assert!(broken.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(broken.contains("content/kb/a.md:3:1"));
        assert!(!broken.contains("\x1b"));
        assert!(broken.ends_with("</body></html>"));
    }

    #[test]
    fn overlay_is_bounded_in_size() {
        let page = "<html><body><main>x</main></body></html>";
        // Multi-byte characters, so the cut must find a char boundary.
        let errors = "error: é <bad>\n".repeat(200_000);
        let out = inject(page, Some(&errors));
        // Escaping can grow each byte at most sixfold (`<` to `&lt;`).
        assert!(out.len() < MAX_OVERLAY_BYTES * 6 + 2048, "{}", out.len());
        assert!(out.contains("more bytes of diagnostics: run `supportbook check` to see them all"));
        assert!(out.ends_with("</body></html>"));
    }
}
