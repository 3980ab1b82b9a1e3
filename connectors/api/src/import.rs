//! Exported files (`nhi scan --from`): each provider's connector recognizes its own formats by
//! content, through an [`Importer`]. The CLI reads a file once, describes its shape
//! ([`Sniffed`]) and hands it to the first importer that claims it; a new export format is added
//! in the connector that owns it, not in the CLI.

use crate::Inventory;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// The shape of a JSON document, read without building it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonShape {
    /// An object, with its top-level keys.
    Object(BTreeSet<String>),
    /// A list, with the keys of its first item when that is an object (`None` for an empty list
    /// or a list of something else).
    List(Option<BTreeSet<String>>),
}

impl JsonShape {
    /// Whether the object (or a list's first item) has this top-level key.
    pub fn has(&self, key: &str) -> bool {
        match self {
            JsonShape::Object(keys) | JsonShape::List(Some(keys)) => keys.contains(key),
            JsonShape::List(None) => false,
        }
    }

    /// Whether it is an object with this top-level key.
    pub fn object_has(&self, key: &str) -> bool {
        matches!(self, JsonShape::Object(keys) if keys.contains(key))
    }

    /// Read the shape of a JSON document (the whole document is checked to be valid JSON).
    pub fn read(bytes: &[u8]) -> Result<JsonShape, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let shape = ShapeSeed.deserialize_any_shape(&mut de)?;
        de.end()?;
        Ok(shape)
    }
}

/// What a file is, as far as can be told without parsing it for a provider.
#[derive(Debug)]
pub struct Sniffed<'a> {
    /// The file's text (a UTF-8 byte-order mark removed), when it is UTF-8.
    pub text: Option<&'a str>,
    /// The shape of its JSON, when it is JSON.
    pub json: Option<JsonShape>,
    /// How to read the file again, when it is a regular file: an importer that joins many
    /// files can keep this instead of the bytes.
    pub reopen: Option<Reopen>,
}

/// A regular file that can be read again, with what it was when first read: reading it again
/// fails if it has changed since, rather than mixing two versions of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopen {
    path: std::path::PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Reopen {
    /// The file as it is now, to be read again later; `None` when it is not a regular file (a
    /// pipe or a device cannot be read twice).
    pub fn of(path: &std::path::Path, len: u64) -> Option<Reopen> {
        let meta = std::fs::metadata(path).ok()?;
        (meta.is_file() && meta.len() == len).then(|| Reopen {
            path: path.to_path_buf(),
            len,
            modified: meta.modified().ok(),
        })
    }

    /// Its size when first read.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it was empty when first read.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Read it again: the same bytes, or an error saying it changed or cannot be read.
    pub fn read(&self) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let changed =
            "the file changed while nhi was reading it (it was read twice: once to sort the inputs, once to judge them); run the scan again once the export is complete";
        let file = std::fs::File::open(&self.path)
            .map_err(|e| format!("cannot read the file again: {e}"))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read the file again: {e}"))?;
        if meta.len() != self.len || meta.modified().ok() != self.modified {
            return Err(changed.into());
        }
        let mut bytes = Vec::with_capacity(self.len as usize);
        file.take(self.len.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the file again: {e}"))?;
        if bytes.len() as u64 != self.len {
            return Err(changed.into());
        }
        Ok(bytes)
    }
}

/// A reader of one provider's exported files.
///
/// Files are offered one by one to [`Importer::claims`]; the importer that claims a file reads
/// it in [`Importer::add`] (a file it cannot read becomes a failed source in its inventory, with
/// the fix named). [`Importer::finish`] joins everything added, once.
pub trait Importer: Send {
    /// The formats it reads and how to make them, for the message about a file no importer
    /// recognizes: "a GetAccountAuthorizationDetails export (aws iam ...)".
    fn accepts(&self) -> &'static str;
    /// Whether this file is one of its formats.
    fn claims(&self, file: &Sniffed<'_>) -> bool;
    /// Read a claimed file.
    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>);
    /// Whether any file was added.
    fn is_used(&self) -> bool;
    /// The inventory of every file added.
    fn finish(self: Box<Self>) -> Inventory;
}

/// A serde_json error as a sentence with its line and column and what to do instead.
pub fn json_error_message(e: &serde_json::Error, hint: &str) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "the JSON ends early (is the file truncated?)".to_string(),
        Category::Syntax => "not valid JSON".to_string(),
        Category::Data => "unexpected JSON content".to_string(),
        Category::Io => "could not be read".to_string(),
    };
    format!(
        "{what} at line {} column {}: {e}; {hint}",
        e.line(),
        e.column()
    )
}

struct ShapeSeed;

impl ShapeSeed {
    fn deserialize_any_shape<'de, D: Deserializer<'de>>(self, d: D) -> Result<JsonShape, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

/// Top-level keys of an object, values skipped.
struct Keys(BTreeSet<String>);

impl<'de> de::Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = BTreeSet::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.insert(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(KeysVisitor)
    }
}

/// The first item of a list: its keys when it is an object.
struct FirstItem(Option<BTreeSet<String>>);

impl<'de> de::Deserialize<'de> for FirstItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = FirstItem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FirstItem, A::Error> {
                let keys = <Keys as de::Deserialize>::deserialize(
                    de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(FirstItem(Some(keys.0)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstItem, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstItem(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FirstItem, E> {
                Ok(FirstItem(None))
            }
        }
        d.deserialize_any(ItemVisitor)
    }
}

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = JsonShape;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or list")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonShape, A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(k) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.insert(k);
        }
        Ok(JsonShape::Object(keys))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonShape, A::Error> {
        let first = seq.next_element::<FirstItem>()?.and_then(|f| f.0);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(JsonShape::List(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let s = JsonShape::read(br#"{"UserDetailList":[{"a":1}],"Marker":null}"#).expect("ok");
        assert!(s.object_has("UserDetailList") && s.has("Marker") && !s.has("a"));
        let s = JsonShape::read(br#"[{"email":"x","name":"y"},{"other":1}]"#).expect("ok");
        assert!(s.has("email") && !s.object_has("email"));
        assert_eq!(JsonShape::read(b"[]").expect("ok"), JsonShape::List(None));
        assert_eq!(
            JsonShape::read(b"[1,2]").expect("ok"),
            JsonShape::List(None)
        );
        assert!(JsonShape::read(b"{\"a\":").is_err());
        assert!(JsonShape::read(b"\"text\"").is_err());
        assert!(JsonShape::read(b"{} {}").is_err());
    }
}
