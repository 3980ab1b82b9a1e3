//! nhi: find and judge non-human identities.
//!
//! The flow runs one way: sources ([`sources`], connector crates) produce an
//! [`nhi_api::Inventory`]; the [`analyzer`] runs the [`rules`] over it in parallel and scores each
//! identity; [`report::Report`] is the one frozen output struct; [`suppress`] and [`baseline`]
//! annotate it (accepted risks, what is new); [`render`] writes it as a table, JSON, NDJSON, CSV,
//! SARIF, OCSF, Markdown or HTML. [`diff`] compares two reports.

pub mod analyzer;
pub mod baseline;
pub mod config;
pub mod diff;
pub mod finding;
pub mod graph;
pub mod owner;
pub mod policy;
pub mod privilege;
pub mod progress;
pub mod render;
pub mod report;
pub mod rule;
pub mod rules;
pub mod saved;
pub mod sources;
pub mod suppress;

pub use nhi_api as api;
