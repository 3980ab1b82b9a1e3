//! The normalized model of non-human identities shared by every nhi connector, and the
//! [`Connector`] trait that connectors implement.
//!
//! A connector turns what a provider says (API payloads, exported files) into an [`Inventory`]:
//! identities with their credentials, permissions, trust and owner, plus a [`SourceReport`] per
//! thing it tried to read. Connectors never judge: scoring lives in the `nhi` crate.
//!
//! Nothing in this model ever holds a secret value: credentials are described by their ids and
//! metadata only. Tokens that connectors need to authenticate live in [`Secret`], whose `Debug`
//! and `Display` print `***`.

pub mod aws;
pub mod contract;
pub mod gcp;
pub mod import;
mod inventory;
mod model;
pub mod policy;
mod secret;

pub use inventory::{error_chain, Inventory, SourceReport, SourceStatus, INVENTORY_SCHEMA_VERSION};
pub use model::*;
pub use secret::Secret;

use std::future::Future;
use std::pin::Pin;

/// Append bytes as lowercase hexadecimal (content ids and fingerprints: one per document and
/// per finding, so without a string per byte).
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
}

/// A boxed future, so that connectors can be held as `dyn Connector`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a connector reports how far it has got, for a person watching (the CLI draws a progress
/// bar on a terminal). Connectors never print.
pub trait Progress: Send + Sync {
    /// `total` units of work (accounts, projects) are coming.
    fn start(&self, what: &str, total: u64);
    /// One unit is done; `identities` were found in it.
    fn advance(&self, what: &str, label: &str, identities: usize);
}

/// What every collection gets from the caller.
#[derive(Clone)]
pub struct CollectContext {
    /// The evaluation time; connectors use it only to describe data (e.g. a report's age), never
    /// to judge it.
    pub now: chrono::DateTime<chrono::Utc>,
    pub progress: Option<std::sync::Arc<dyn Progress>>,
}

impl CollectContext {
    pub fn new(now: chrono::DateTime<chrono::Utc>) -> Self {
        CollectContext {
            now,
            progress: None,
        }
    }

    pub fn start(&self, what: &str, total: u64) {
        if let Some(p) = &self.progress {
            p.start(what, total);
        }
    }

    pub fn advance(&self, what: &str, label: &str, identities: usize) {
        if let Some(p) = &self.progress {
            p.advance(what, label, identities);
        }
    }
}

/// A source of identities: a provider API, or a set of exported files.
///
/// `collect` never fails as a whole: whatever could not be read is described in the returned
/// inventory's `sources` (status `failed`, `partial` or `skipped`, with a message naming the input
/// and the fix), and everything that could be read is returned beside it.
pub trait Connector: Send + Sync {
    /// Short stable name of the connector, e.g. `aws`.
    fn name(&self) -> &str;
    /// Enumerate identities.
    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory>;
}
