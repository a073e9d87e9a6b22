//! Reading input files: regular files only (a symlink only to a file inside its directory), a size
//! limit enforced while reading, UTF-8 checked with the place of the first bad byte, strict dates.
//! Nothing read from a refused path is ever printed.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{InputError, InputErrors, Location};

/// Larger inputs are refused: a roster or template this big is a mistake, not a team.
pub const MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024;

fn refuse(path: &Arc<Path>, message: String) -> InputError {
    InputError::new(Location::file_start(path), message)
}

/// What a file type is, in words, for a path that is not a regular file.
fn kind(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Where `path` really is: itself, or, when it is a symlink, its target, which must stay inside
/// `root` (the directory the path was found in). Nothing is opened here.
pub fn resolve_inside(path: &Arc<Path>, root: &Path) -> Result<PathBuf, InputError> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(refuse(path, "does not exist".into())),
        Err(e) => return Err(refuse(path, format!("cannot read: {e}"))),
    };
    if !link.file_type().is_symlink() {
        return Ok(path.to_path_buf());
    }
    let target = std::fs::canonicalize(path).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(code) if code == ELOOP => "is a symlink loop".to_string(),
            _ if e.kind() == ErrorKind::NotFound => "is a broken symlink (its target does not exist)".to_string(),
            _ => format!("is a symlink that cannot be followed: {e}"),
        };
        refuse(path, why)
    })?;
    let root = std::fs::canonicalize(root).map_err(|e| refuse(path, format!("cannot read its directory: {e}")))?;
    if !target.starts_with(&root) {
        return Err(refuse(
            path,
            format!("is a symlink to {}, outside {}; only files inside it are read", target.display(), root.display()),
        ));
    }
    Ok(target)
}

#[cfg(unix)]
const ELOOP: i32 = libc::ELOOP;
#[cfg(not(unix))]
const ELOOP: i32 = -1;

/// Open a regular file for reading without ever blocking: a FIFO swapped in after the check
/// must not hang the run, and a symlink swapped in is not followed.
fn open_regular(path: &Arc<Path>, real: &Path) -> Result<File, InputError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(real).map_err(|e| refuse(path, format!("cannot read file: {e}")))?;
    let meta = file.metadata().map_err(|e| refuse(path, format!("cannot read file: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(path, format!("is {}, not a regular file; not read", kind(&meta))));
    }
    Ok(file)
}

/// Read a text input file, or say precisely why it cannot be used. Only a regular file is read
/// (a symlink is followed only to a file inside the directory holding `path`), and never more
/// than `MAX_INPUT_BYTES`: the limit holds while reading, whatever the file claims its size is.
pub fn read_text(path: &Arc<Path>) -> Result<String, InputError> {
    let root = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let real = resolve_inside(path, root)?;
    let meta = std::fs::metadata(&real).map_err(|e| refuse(path, format!("cannot read file: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(path, format!("is {}, not a regular file; not read", kind(&meta))));
    }
    let file = open_regular(path, &real)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(path, format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(refuse(path, format!("file is over the {MAX_INPUT_BYTES} byte limit for an input file")));
    }
    utf8_text(path, bytes)
}

/// Bytes read from `path` as text, or an error at the place of the first byte that is not UTF-8.
pub fn utf8_text(path: &Arc<Path>, bytes: Vec<u8>) -> Result<String, InputError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(good);
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let bad = e.as_bytes()[good.len()];
            Err(InputError::new(
                Location::new(path, line, column),
                format!("file is not valid UTF-8 (byte 0x{bad:02x}); save it as UTF-8"),
            ))
        }
    }
}

/// The input files in `dir` with one of `extensions` (lowercase, without the dot), sorted.
/// An entry whose extension differs only in case (`.YAML`) is an error, not skipped: `check`
/// must never say ok about a file it did not read. Entries are not opened here.
pub fn files_in(dir: &Arc<Path>, extensions: &[&str], errors: &mut InputErrors) -> Vec<Arc<Path>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(refuse(dir, format!("cannot read directory: {e}")));
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = match entry {
            Ok(e) => e.path(),
            Err(e) => {
                errors.push(refuse(dir, format!("cannot read directory: {e}")));
                continue;
            }
        };
        let Some(ext) = path.extension().map(|e| e.to_string_lossy().into_owned()) else { continue };
        let path: Arc<Path> = Arc::from(path.into_boxed_path());
        if extensions.contains(&ext.as_str()) {
            files.push(path);
        } else if extensions.iter().any(|x| x.eq_ignore_ascii_case(&ext)) {
            let wanted: Vec<String> = extensions.iter().map(|x| format!(".{x}")).collect();
            errors.push(refuse(
                &path,
                format!("extension .{ext} is not read: rename the file to end in {}", wanted.join(" or ")),
            ));
        }
    }
    // Directory order differs between machines; sorted input keeps output deterministic.
    files.sort();
    files
}

/// Parse a date written exactly as YYYY-MM-DD; anything else is ambiguous or impossible.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(format!("date {t:?} is not written as YYYY-MM-DD"));
    }
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| format!("date {t:?} does not exist"))?;
    if !(FIRST_DATE..=LAST_DATE).contains(&date) {
        return Err(format!("date {t:?} is out of range: dates run from {FIRST_DATE} to {LAST_DATE}"));
    }
    Ok(date)
}

/// Dates outside these are typos (year 0000 or 9999) and would send GitLab a due date it
/// cannot store.
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a real date");
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a real date");

/// Parse YAML from one input file, reporting errors at their place in it.
pub fn parse_yaml<T: for<'de> Deserialize<'de>>(
    file: &Arc<Path>,
    contents: &str,
    line_offset: usize,
) -> Result<T, InputError> {
    serde_saphyr::from_str::<T>(contents).map_err(|e| InputError::from_yaml(file, line_offset, contents, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_iso_and_real() {
        assert_eq!(parse_date("2026-02-28"), Ok(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()));
        assert!(parse_date("2026-02-30").unwrap_err().contains("does not exist"));
        assert!(parse_date("03/04/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2026-3-4").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("20260304").unwrap_err().contains("YYYY-MM-DD"));
        // Bug pinned: years 0000 and 9999 were accepted and a due date +10000-03-30 was sent.
        for out_of_range in ["0000-01-01", "9999-12-31", "1999-12-31", "2101-01-01"] {
            assert!(parse_date(out_of_range).unwrap_err().contains("out of range"), "{out_of_range}");
        }
        assert!(parse_date("2000-01-01").is_ok() && parse_date("2100-12-31").is_ok());
    }

    #[test]
    fn non_utf8_points_at_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.yaml");
        std::fs::write(&p, b"name: ok\ntitle: caf\xe9\n").unwrap();
        let p: Arc<Path> = Arc::from(p.into_boxed_path());
        let e = read_text(&p).unwrap_err();
        assert_eq!((e.at.line, e.at.column), (2, 11));
        assert!(e.message.contains("UTF-8"));
    }
}
