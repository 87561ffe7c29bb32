//! Layer 1, the core: what every other layer shares and nothing below it.
//!
//! In: nothing from the rest of the crate. Out: the project's configuration
//! ([`config`], book.toml read once), the checked article and page types
//! ([`model`]), diagnostics as data ([`diagnostic`]), errors ([`error`]),
//! the Markdown helpers every stage needs ([`markdown`]) and the unknown
//! keys of TOML files ([`toml_keys`]).

pub mod config;
pub mod diagnostic;
pub mod error;
pub mod markdown;
pub mod model;
pub mod paths;
pub mod toml_keys;
