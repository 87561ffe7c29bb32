//! Layer 1, the core: what every other layer shares and nothing below it.
//!
//! In: nothing from the rest of the crate. Out: the project's configuration
//! ([`config`], book.toml read once), the checked article and page types
//! ([`model`]), diagnostics as data ([`diagnostic`]), errors ([`error`]) and
//! the Markdown helpers every stage needs ([`markdown`]).

pub mod config;
pub mod diagnostic;
pub mod error;
pub mod markdown;
pub mod model;
pub mod paths;
