//! Layer 2, the pipeline: files in, a checked [`handbook::Handbook`] or
//! diagnostics out.
//!
//! [`load`] walks the project once and reads every file into raw documents;
//! [`frontmatter`] splits and parses front matter; [`validate`], [`quiz`] and
//! [`rules`] turn raw documents into checked types; [`git`] and [`cycle`] read
//! what the repository's history contributes (page dates, what's new).
//! Nothing here renders, indexes or serves.

pub mod cycle;
pub mod frontmatter;
pub mod git;
pub mod handbook;
pub mod load;
pub mod quiz;
pub mod rules;
pub mod validate;
