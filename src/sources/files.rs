//! `--from PATH`: exported files and saved inventories, recognized by content, not by name.
//!
//! Each file is one source in the report. The provider connectors' importers claim the formats
//! they read; a file that cannot be read or recognized is a failed source with a message naming
//! the file, what was expected and how to produce it; the others are still read.

use nhi_api::import::{json_error_message, Importer, JsonShape, Sniffed};
use nhi_api::{Inventory, SourceReport, INVENTORY_SCHEMA_VERSION};
use std::path::{Path, PathBuf};

/// The connector name of input files no importer claimed.
const INPUT: &str = "input";

/// Expand `--from` arguments: a directory means every file in it (recursively, sorted, hidden
/// files skipped).
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files, &mut out);
            files.sort();
            if files.is_empty() {
                out.push(Err((
                    p.clone(),
                    "the directory has no files to read".to_string(),
                )));
            }
            out.extend(files.into_iter().map(Ok));
        } else {
            out.push(Ok(p.clone()));
        }
    }
    out
}

fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<Result<PathBuf, (PathBuf, String)>>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Err((
                dir.to_path_buf(),
                format!("cannot list the directory: {e}"),
            )));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, errors);
        } else {
            files.push(path);
        }
    }
}

fn failed(origin: &str, message: String) -> SourceReport {
    SourceReport::failed(INPUT, "", origin, message)
}

/// "expected A, B, or an nhi inventory (nhi collect)": what `--from` reads.
fn accepted(importers: &[Box<dyn Importer>]) -> String {
    let mut kinds: Vec<&str> = importers.iter().map(|i| i.accepts()).collect();
    kinds.push("or an nhi inventory (nhi collect)");
    format!("expected {}", kinds.join(", "))
}

/// Read every `--from` path into one inventory: each file goes to the importer that claims it
/// (or is a saved inventory); a file nobody claims is a failed source naming what is accepted.
pub fn load(paths: &[PathBuf], mut importers: Vec<Box<dyn Importer>>) -> Inventory {
    let mut inventory = Inventory::default();
    let accepted = accepted(&importers);
    for item in expand(paths) {
        let path = match item {
            Ok(p) => p,
            Err((p, message)) => {
                inventory
                    .sources
                    .push(failed(&p.display().to_string(), message));
                continue;
            }
        };
        let origin = path.display().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                inventory
                    .sources
                    .push(failed(&origin, format!("cannot read the file: {e}")));
                continue;
            }
        };
        tracing::debug!(file = %origin, bytes = bytes.len(), "reading");
        let sniffed = match sniff(&bytes) {
            Ok(s) => s,
            Err(why) => {
                inventory
                    .sources
                    .push(failed(&origin, format!("{why}; {accepted}")));
                continue;
            }
        };
        if let Some(importer) = importers.iter_mut().find(|i| i.claims(&sniffed)) {
            importer.add(&origin, &bytes, &sniffed);
            continue;
        }
        let problem = match &sniffed.json {
            Some(shape) if shape.object_has("schema_version") && shape.object_has("identities") => {
                read_inventory(&mut inventory, &origin, &bytes);
                continue;
            }
            Some(JsonShape::Object(_)) => "the JSON object is not a recognized export",
            Some(JsonShape::List(_)) => "the file holds a JSON list, not an export object",
            None => "the file is neither JSON nor a CSV export nhi reads",
        };
        inventory
            .sources
            .push(failed(&origin, format!("{problem}; {accepted}")));
    }
    for importer in importers {
        if importer.is_used() {
            inventory.merge(importer.finish());
        }
    }
    inventory.sort();
    inventory
}

fn read_inventory(inventory: &mut Inventory, origin: &str, bytes: &[u8]) {
    match serde_json::from_slice::<Inventory>(bytes) {
        Ok(saved) if saved.schema_version == INVENTORY_SCHEMA_VERSION => inventory.merge(saved),
        Ok(saved) => inventory.sources.push(failed(
            origin,
            format!(
                "inventory schema_version {} is not supported (this nhi reads {INVENTORY_SCHEMA_VERSION}); collect it again with this version",
                saved.schema_version
            ),
        )),
        Err(e) => inventory.sources.push(failed(
            origin,
            json_error_message(&e, "expected an inventory written by `nhi collect`"),
        )),
    }
}

/// What a file is: text or binary, JSON or not. `Err` says why it cannot be an export at all.
fn sniff(bytes: &[u8]) -> Result<Sniffed<'_>, String> {
    let trimmed = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Some(first) = trimmed.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err("the file is empty".into());
    };
    // A NUL in the first KiB is the usual sign of binary data; text exports never have one.
    if trimmed.iter().take(1024).any(|&b| b == 0) {
        return Err("the file is binary, not a text export".into());
    }
    let text = std::str::from_utf8(trimmed).ok();
    let json = match first {
        b'{' | b'[' => match JsonShape::read(trimmed) {
            Ok(shape) => Some(shape),
            Err(e) => {
                return Err(json_error_message(&e, "")
                    .trim_end_matches("; ")
                    .to_string())
            }
        },
        _ if text.is_none() => return Err("the file is binary, not a text export".into()),
        _ => None,
    };
    Ok(Sniffed { text, json })
}
