//! Reading input files: a size limit, UTF-8 checked with the place of the first bad byte, strict dates.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::error::{InputError, Location};

/// Larger inputs are refused: a roster or template this big is a mistake, not a team.
pub const MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024;

/// Read a text input file, or say precisely why it cannot be used.
pub fn read_text(path: &Arc<Path>) -> Result<String, InputError> {
    let start = Location::file_start(path);
    let meta = std::fs::metadata(path).map_err(|e| InputError::new(start.clone(), format!("cannot read file: {e}")))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(InputError::new(
            start,
            format!("file is {} bytes, over the {} byte limit for an input file", meta.len(), MAX_INPUT_BYTES),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::new(start.clone(), format!("cannot read file: {e}")))?;
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

/// Parse a date written exactly as YYYY-MM-DD; anything else is ambiguous or impossible.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(format!("date {t:?} is not written as YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| format!("date {t:?} does not exist"))
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
