//! One file per command; each only wires stages together.

pub mod build;
pub mod check;
pub mod cycle;
pub mod init;
pub mod quiz;
pub mod results;
pub mod review;
pub mod search;
pub mod serve;
pub mod watch;
