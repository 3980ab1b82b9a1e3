//! `--from PATH`: exported files and saved inventories, recognized by content, not by name.
//!
//! Each file is one source in the report. The provider connectors' importers claim the formats
//! they read; a file that cannot be read or recognized is a failed source with a message naming
//! the file, what was expected and how to produce it; the others are still read.

use nhi_api::import::{json_error_message, Importer, JsonShape, Reopen, Sniffed};
use nhi_api::{Inventory, SourceReport, INVENTORY_SCHEMA_VERSION};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The connector name of input files no importer claimed.
const INPUT: &str = "input";

/// Expand `--from` arguments: a directory means every file in it (recursively, sorted, hidden
/// files skipped). A directory reached twice through symbolic links (a loop, or two links to one
/// place) is read once; a loop is reported as an error naming the link.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            let mut ancestors = Vec::new();
            let mut seen = BTreeSet::new();
            walk(p, &mut ancestors, &mut seen, &mut files, &mut out);
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

/// Walk `dir`: `ancestors` are the real paths of the directories above it (a link back to one of
/// them is a loop), `seen` every real directory already read.
fn walk(
    dir: &Path,
    ancestors: &mut Vec<PathBuf>,
    seen: &mut BTreeSet<PathBuf>,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<Result<PathBuf, (PathBuf, String)>>,
) {
    let real = match std::fs::canonicalize(dir) {
        Ok(r) => r,
        Err(e) => {
            errors.push(Err((
                dir.to_path_buf(),
                format!("cannot resolve the path: {e}"),
            )));
            return;
        }
    };
    if let Some(target) = ancestors.iter().find(|a| **a == real) {
        errors.push(Err((
            dir.to_path_buf(),
            format!(
                "a symbolic link loop: it leads back to {}, which is being read; not followed (remove the link or point --from below it)",
                target.display()
            ),
        )));
        return;
    }
    if !seen.insert(real.clone()) {
        // Another link to a directory already read: its files are in the report once.
        return;
    }
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
    // In name order, so that which of two links to one directory is read does not depend on
    // the file system.
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    ancestors.push(real);
    for path in paths {
        if path.is_dir() {
            walk(&path, ancestors, seen, files, errors);
        } else {
            files.push(path);
        }
    }
    ancestors.pop();
}

/// `--max-file-size`'s default: 1 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1 << 30;

const BINARY: &str = "the file is binary, not a text export";

/// How much of a file is looked at before the rest is read: enough to tell binary from text.
const PEEK: usize = 1024;

/// Read a whole input file, with bounded memory: a regular file larger than `limit` is refused
/// from its size, a binary stream (`/dev/zero`, an image) from its first KiB, and an endless
/// stream (a FIFO, a device) once it passes `limit`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let too_big = |size: String| {
        format!(
            "the file is {size}, over the input limit of {} (raise it with --max-file-size, or move the file out of the --from directory)",
            human_size(limit)
        )
    };
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_big(human_size(meta.len())));
    }
    let capacity = if meta.is_file() {
        meta.len() as usize
    } else {
        PEEK
    };
    let mut bytes = Vec::with_capacity(capacity.min(limit as usize));
    let mut reader = file.take(limit.saturating_add(1));
    (&mut reader)
        .take(PEEK as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.contains(&0) {
        return Err(BINARY.into());
    }
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(format!("more than {}", human_size(limit))));
    }
    Ok(bytes)
}

/// `1 GiB`, `512 MiB`, `300 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let whole = bytes / size;
            let tenths = (bytes % size) * 10 / size;
            return if tenths == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenths} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// `--max-file-size`: bytes, or a number with a unit (KB, MB, GB are powers of ten; KiB, MiB,
/// GiB powers of two).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("{text:?} is not a size: give bytes or a number with KiB, MiB or GiB")
    })?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {text:?}: use KiB, MiB, GiB (or KB, MB, GB)"
            ))
        }
    };
    match number.checked_mul(factor) {
        Some(0) => Err("the size must be more than zero".into()),
        Some(n) => Ok(n),
        None => Err(format!("{text:?} is too large")),
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
/// No file is read past `max_file_size` bytes.
pub fn load(
    paths: &[PathBuf],
    max_file_size: u64,
    mut importers: Vec<Box<dyn Importer>>,
) -> Inventory {
    use rayon::prelude::*;
    let mut inventory = Inventory::default();
    let accepted = accepted(&importers);
    let items = expand(paths);
    // Files are read and their shape checked on every core, a window of them at a time (about
    // WINDOW_BYTES, at least one file); importers take them one by one, in order.
    let mut next = 0;
    while next < items.len() {
        let mut end = next;
        let mut bytes_in_window = 0;
        while end < items.len() && (end == next || bytes_in_window < WINDOW_BYTES) {
            if let Ok(path) = &items[end] {
                bytes_in_window += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            }
            end += 1;
        }
        let window: Vec<Option<Result<FileRead, String>>> = items[next..end]
            .par_iter()
            .map(|item| {
                let path = item.as_ref().ok()?;
                Some(read_bounded(path, max_file_size).map(|bytes| {
                    // Validated as UTF-8 once, here; the bytes become the text without a copy.
                    let content = String::from_utf8(bytes).map_err(|e| e.into_bytes());
                    let json = sniff(content_bytes(&content), content.as_deref().ok());
                    (content, json)
                }))
            })
            .collect();
        for (item, read) in items[next..end].iter().zip(window) {
            take_file(&mut inventory, &mut importers, &accepted, item, read);
        }
        next = end;
    }
    for importer in importers {
        if importer.is_used() {
            inventory.merge(importer.finish());
        }
    }
    inventory.sort();
    inventory
}

/// A file's content (its text when it is UTF-8, else its bytes), and its JSON shape (or why it
/// cannot be an export).
type FileRead = (Content, Result<Option<JsonShape>, String>);

type Content = Result<String, Vec<u8>>;

fn content_bytes(content: &Content) -> &[u8] {
    match content {
        Ok(text) => text.as_bytes(),
        Err(bytes) => bytes,
    }
}

/// How much input is read ahead, on every core, before importers take it.
const WINDOW_BYTES: u64 = 64 << 20;

/// Give one file, read and sniffed, to the importer that claims it (or read it as a saved
/// inventory); a file that cannot be read or that nobody claims is a failed source.
fn take_file(
    inventory: &mut Inventory,
    importers: &mut [Box<dyn Importer>],
    accepted: &str,
    item: &Result<PathBuf, (PathBuf, String)>,
    read: Option<Result<FileRead, String>>,
) {
    let path = match item {
        Ok(p) => p,
        Err((p, message)) => {
            inventory
                .sources
                .push(failed(&p.display().to_string(), message.clone()));
            return;
        }
    };
    let origin = path.display().to_string();
    let (content, json) = match read {
        Some(Ok((content, Ok(json)))) => (content, json),
        // Not an export at all: say what would have been.
        Some(Ok((_, Err(why)))) => {
            inventory
                .sources
                .push(failed(&origin, format!("{why}; {accepted}")));
            return;
        }
        Some(Err(why)) if why == BINARY => {
            inventory
                .sources
                .push(failed(&origin, format!("{why}; {accepted}")));
            return;
        }
        Some(Err(why)) => {
            inventory.sources.push(failed(&origin, why));
            return;
        }
        None => return,
    };
    let bytes = content_bytes(&content);
    tracing::debug!(file = %origin, bytes = bytes.len(), "reading");
    let sniffed = Sniffed {
        text: content.as_deref().ok().map(without_bom),
        json,
        reopen: Reopen::of(path, bytes.len() as u64),
    };
    if let Some(importer) = importers.iter_mut().find(|i| i.claims(&sniffed)) {
        importer.add(&origin, bytes, &sniffed);
        return;
    }
    let problem = match &sniffed.json {
        Some(shape) if shape.object_has("schema_version") && shape.object_has("identities") => {
            read_inventory(inventory, &origin, bytes);
            return;
        }
        Some(JsonShape::Object(_)) => "the JSON object is not a recognized export",
        Some(JsonShape::List(_)) => "the file holds a JSON list, not an export object",
        None => "the file is neither JSON nor a CSV export nhi reads",
    };
    inventory
        .sources
        .push(failed(&origin, format!("{problem}; {accepted}")));
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

fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// What a file is: text or binary (`text`: the file as text, when it is UTF-8), JSON or not.
/// `Err` says why it cannot be an export at all.
fn sniff(bytes: &[u8], text: Option<&str>) -> Result<Option<JsonShape>, String> {
    let trimmed = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Some(first) = trimmed.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err("the file is empty".into());
    };
    // A NUL in the first KiB is the usual sign of binary data; text exports never have one.
    if trimmed.iter().take(1024).any(|&b| b == 0) {
        return Err(BINARY.into());
    }
    match first {
        b'{' | b'[' => match JsonShape::read(trimmed) {
            Ok(shape) => Ok(Some(shape)),
            Err(e) => Err(json_error_message(&e, "")
                .trim_end_matches("; ")
                .to_string()),
        },
        _ if text.is_none() => Err(BINARY.into()),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("300"), Ok(300));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("GiB").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(human_size(1 << 30), "1 GiB");
        assert_eq!(human_size(3 << 19), "1.5 MiB");
        assert_eq!(human_size(10), "10 bytes");
    }

    #[test]
    fn endless_and_oversized_inputs_are_refused_with_bounded_memory() {
        let err = read_bounded(Path::new("/dev/zero"), 1 << 20).expect_err("zeros");
        assert!(err.contains("binary"), "{err}");
        let dir = tempfile::tempdir().expect("tempdir");
        let big = dir.path().join("big.log");
        std::fs::write(&big, "x".repeat(3000)).expect("write");
        let err = read_bounded(&big, 2048).expect_err("over the limit");
        assert!(err.contains("2.9 KiB") && err.contains("2 KiB"), "{err}");
        assert!(err.contains("--max-file-size"), "{err}");
        assert_eq!(read_bounded(&big, 3000).map(|b| b.len()), Ok(3000));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_once_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("exports");
        std::fs::create_dir(&sub).expect("mkdir");
        std::fs::write(sub.join("a.json"), "{}").expect("write");
        std::os::unix::fs::symlink(dir.path(), sub.join("loop")).expect("symlink");
        std::os::unix::fs::symlink(&sub, dir.path().join("again")).expect("symlink");
        let out = expand(&[dir.path().to_path_buf()]);
        let files: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
        let errors: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(files.len(), 1, "{out:?}");
        assert_eq!(errors.len(), 1, "{out:?}");
        assert!(errors[0].1.contains("symbolic link loop"), "{errors:?}");
    }
}
