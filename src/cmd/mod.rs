//! One file per command; each only wires stages together.

pub mod build;
pub mod check;
pub mod init;
pub mod quiz;
pub mod results;
pub mod search;
pub mod serve;
pub mod watch;
