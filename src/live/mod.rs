//! Layer 5, live: the watcher and the server. In: file events and HTTP
//! requests. Out: rebuilds through the [`crate::engine`] and responses from
//! its latest snapshot.

pub mod serve;
pub mod watch;
