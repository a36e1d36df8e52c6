//! Opening an uploaded package: the zip's limits, its entry paths, and its
//! manifest's bytes. Every limit is checked on what inflating produces, not
//! on the sizes the zip's headers claim (a bomb can lie in them).

use std::collections::HashSet;
use std::io::{Cursor, Read};

use super::manifest::{parse, Structure};

/// At most this many entries (directories included).
pub const MAX_ENTRIES: usize = 5_000;
/// At most this many bytes once every entry is inflated.
pub const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
/// An entry inflating to more than this many times its compressed size...
pub const MAX_RATIO: u64 = 100;
/// ...is refused once it is larger than this (small files of repeated text
/// compress that well without being bombs).
pub const RATIO_FLOOR: u64 = 1024 * 1024;
/// `imsmanifest.xml` itself.
pub const MAX_MANIFEST: u64 = 4 * 1024 * 1024;

/// Why a package is refused: the field it is reported on (`package` for the
/// zip, `manifest` for its imsmanifest.xml) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub problem: String,
}

impl Refusal {
    pub fn package(problem: impl Into<String>) -> Self {
        Refusal { field: "package", problem: problem.into() }
    }
    pub fn manifest(problem: impl Into<String>) -> Self {
        Refusal { field: "manifest", problem: problem.into() }
    }
}

/// What a checked package is.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub entry_count: i32,
    pub uncompressed_bytes: i64,
    pub structure: Structure,
}

/// Why an entry path could escape the package, if it could.
fn unsafe_path(name: &str) -> Option<&'static str> {
    if name.contains('\0') {
        return Some("contains a NUL byte");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("is absolute");
    }
    if name.contains('\\') {
        // a backslash is a separator to some extractors: `..\x` escapes
        return Some("contains a backslash");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("starts with a drive letter");
    }
    if name.split('/').any(|segment| segment == "..") {
        return Some("has a `..` segment");
    }
    None
}

/// Checks the zip and parses its manifest. CPU-bound (it inflates every
/// entry): call it off the async workers.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::package("the body is empty; send the package's zip archive"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Refusal::package(format!("not a zip archive ({e})")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(Refusal::package(format!("{} entries; a package holds at most {MAX_ENTRIES}", zip.len())));
    }
    let mut names: HashSet<String> = HashSet::with_capacity(zip.len());
    let mut total: u64 = 0;
    let mut manifest: Option<Vec<u8>> = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| Refusal::package(format!("entry {i} cannot be read ({e})")))?;
        let name = entry.name().map_err(|_| Refusal::package(format!("entry {i} has a name that is not UTF-8")))?.into_owned();
        if let Some(why) = unsafe_path(&name) {
            return Err(Refusal::package(format!("entry `{name}` {why}: every path must stay inside the package")));
        }
        if entry.encrypted() {
            return Err(Refusal::package(format!("entry `{name}` is encrypted")));
        }
        if entry.is_dir() {
            names.insert(name);
            continue;
        }
        let compressed = entry.compressed_size().max(1);
        let claimed = entry.size();
        if claimed > RATIO_FLOOR && claimed / compressed > MAX_RATIO {
            return Err(Refusal::package(format!(
                "entry `{name}` inflates {}x ({claimed} bytes from {compressed}): over {MAX_RATIO}x is refused as a zip bomb",
                claimed / compressed
            )));
        }
        let room = MAX_UNCOMPRESSED - total;
        let keep_manifest = name == "imsmanifest.xml";
        let cap = if keep_manifest { room.min(MAX_MANIFEST) } else { room };
        let mut limited = (&mut entry).take(cap + 1);
        let inflated = if keep_manifest {
            let mut buf = Vec::new();
            let n = limited.read_to_end(&mut buf).map_err(|e| Refusal::package(format!("entry `{name}` is corrupt ({e})")))? as u64;
            if n > MAX_MANIFEST {
                return Err(Refusal::manifest(format!("imsmanifest.xml is over {MAX_MANIFEST} bytes")));
            }
            manifest = Some(buf);
            n
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| Refusal::package(format!("entry `{name}` is corrupt or uses an unsupported compression method ({e}); stored and deflate are supported")))?
        };
        if inflated > room {
            return Err(Refusal::package(format!("the entries inflate to over {MAX_UNCOMPRESSED} bytes")));
        }
        if inflated > RATIO_FLOOR && inflated / compressed > MAX_RATIO {
            return Err(Refusal::package(format!(
                "entry `{name}` inflates {}x ({inflated} bytes from {compressed}): over {MAX_RATIO}x is refused as a zip bomb",
                inflated / compressed
            )));
        }
        total += inflated;
        names.insert(name);
    }
    let manifest = manifest.ok_or_else(|| Refusal::manifest("the package has no imsmanifest.xml at its root"))?;
    let text = std::str::from_utf8(&manifest).map_err(|_| Refusal::manifest("imsmanifest.xml is not UTF-8"))?;
    let structure = parse(text, &|href: &str| names.contains(href))?;
    Ok(Inspected { entry_count: zip.len() as i32, uncompressed_bytes: total as i64, structure })
}

#[cfg(test)]
mod tests {
    use super::unsafe_path;

    #[test]
    fn entry_paths_that_escape_are_named() {
        assert_eq!(unsafe_path("/etc/passwd"), Some("is absolute"));
        assert_eq!(unsafe_path("a/../../x"), Some("has a `..` segment"));
        assert_eq!(unsafe_path(".."), Some("has a `..` segment"));
        assert_eq!(unsafe_path("..\\x"), Some("contains a backslash"));
        assert_eq!(unsafe_path("C:/x"), Some("starts with a drive letter"));
        assert_eq!(unsafe_path("a/..b/c.html"), None);
        assert_eq!(unsafe_path("shared/./x.js"), None);
    }
}
