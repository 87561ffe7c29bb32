//! `supportbook serve`: build, serve, rebuild on changes, reload pages.

use crate::cli::ServeArgs;
use crate::core::error::{Error, Result};
use crate::engine::{Engine, Options, Outcome};
use crate::live::serve::{Guard, Live, Snapshot, app_with, listen};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

pub fn run(root: &Path, args: &ServeArgs, quiet: bool) -> Result<()> {
    let ip: IpAddr = args.host.parse().map_err(|_| {
        Error::Refused(format!(
            "--host {:?} is not an IP address (try 127.0.0.1 or 0.0.0.0)",
            args.host
        ))
    })?;
    if !ip.is_loopback() {
        eprintln!(
            "warning: listening on {ip}: other machines can read the site and post quiz attempts"
        );
    }
    let timeout = args.request_timeout;
    if !(timeout.is_finite() && (0.1..=3600.0).contains(&timeout)) {
        return Err(Error::Refused(format!(
            "--request-timeout {timeout} is out of range (0.1 to 3600 seconds)"
        )));
    }
    let request_timeout = std::time::Duration::from_secs_f64(timeout);
    let guard = Guard::new(ip, &args.allowed_host, request_timeout).map_err(Error::Refused)?;
    // The same site `build` writes: the live-reload script is added to each
    // page as it is served (see `live::serve::inject`), never written to disk.
    let options = Options {
        dest: args.watch.dest.clone(),
        ..Options::default()
    };
    let mut engine = Engine::new(root, options)?;
    let first = engine.full_reported();
    super::watch::report(&first, quiet);
    std::fs::create_dir_all(&engine.dest).map_err(|e| Error::io("create", &engine.dest, e))?;
    let site_dir = engine
        .dest
        .canonicalize()
        .map_err(|e| Error::io("read", &engine.dest, e))?;
    let (project, _) = crate::core::config::load(root)?;
    let live = Live::new(site_dir, crate::results::db_path(&project));
    publish(&live, &engine, &first);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the server: {e}")))?;
    runtime.block_on(async {
        let addr = SocketAddr::new(ip, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Refused(format!("cannot listen on {addr}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("listening: {e}")))?;
        let url = format!("http://{bound}/");
        eprintln!("serving {url}");
        if args.open {
            open_browser(&url);
        }

        // The watcher runs on its own thread and tells the server.
        let watch_live = live.clone();
        let watch_root = root.to_path_buf();
        let mode = super::watch::mode(&args.watch);
        std::thread::spawn(move || {
            let result = crate::live::watch::watch(&watch_root, mode, |changed| {
                let out = engine.rebuild(&changed);
                if !out.skipped {
                    // Publish first: once the summary line is out, the new
                    // site and search index are what the server answers with.
                    publish(&watch_live, &engine, &out);
                    super::watch::report(&out, quiet);
                }
                true
            });
            if let Err(e) = result {
                eprintln!("error: {e}; the site is still served but no longer rebuilt");
            }
        });

        let stop_live = live.clone();
        listen(
            listener,
            app_with(live, guard),
            request_timeout,
            async move {
                stop_signal().await;
                stop_live.stop();
            },
        )
        .await;
        if !quiet {
            eprintln!("stopped");
        }
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM on Unix (a service manager, `timeout`, `kill`).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Hands a rebuild's result to the server as one snapshot, and reloads
/// every page. After a failed rebuild the last good handbook and index stay,
/// with the diagnostics for the overlay.
fn publish(live: &Live, engine: &Engine, out: &Outcome) {
    let before = live.snapshot();
    let next = if out.errors > 0 {
        Snapshot {
            handbook: before.handbook.clone(),
            search: before.search.clone(),
            synonyms: before.synonyms.clone(),
            errors: Some(out.diagnostics.clone()),
        }
    } else {
        match engine.handbook() {
            Some(h) => Snapshot {
                handbook: Some(h.clone()),
                search: match crate::index::open(&h.project) {
                    Ok(si) => Some(Arc::new(si)),
                    Err(e) => {
                        eprintln!("warning: search: {e}");
                        None
                    }
                },
                synonyms: Arc::new(crate::index::search::Synonyms::load(&h.project).0),
                errors: None,
            },
            None => Snapshot::default(),
        }
    };
    live.publish(next);
    live.reload();
}

/// Opens `url` in the browser (`$BROWSER`, else the desktop's launcher:
/// xdg-open or the copy `opener` carries, `open` on macOS, the shell on
/// Windows); says so when none could be started, and never fails.
fn open_browser(url: &str) {
    if let Err(e) = opener::open_browser(url) {
        eprintln!("note: could not open a browser ({e}); visit {url}");
    }
}
