//! Grape-style parameter coercion and GitLab's model validations, with their 400 answers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::params::Params;
use crate::reply::Reply;
use crate::state::State;

pub(crate) fn invalid(name: &str) -> Reply {
    Reply::error(400, &format!("{name} is invalid"))
}

fn not_a_valid_value(name: &str) -> Reply {
    Reply::error(400, &format!("{name} does not have a valid value"))
}

/// Grape's Boolean coercion.
pub(crate) fn opt_bool(p: &Params, name: &str) -> Result<Option<bool>, Reply> {
    let Some(v) = p.get(name) else {
        return Ok(None);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Ok(Some(true)),
        "0" | "off" | "f" | "false" | "n" | "no" => Ok(Some(false)),
        _ => Err(invalid(name)),
    }
}

pub(crate) fn opt_u64(p: &Params, name: &str) -> Result<Option<u64>, Reply> {
    match p.get(name).map(str::trim) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(name)),
    }
}

/// An integer list (`x[]=1&x[]=2` or `x=1,2`); `None` when not given.
pub(crate) fn id_list(p: &Params, name: &str) -> Result<Option<Vec<u64>>, Reply> {
    match p.list(name) {
        None => Ok(None),
        Some(items) => {
            items.iter().map(|s| s.parse::<u64>().map_err(|_| invalid(name))).collect::<Result<Vec<_>, _>>().map(Some)
        }
    }
}

/// A `YYYY-MM-DD` date: `Some(None)` when given empty (clears it).
pub(crate) fn opt_date(p: &Params, name: &str) -> Result<Option<Option<String>>, Reply> {
    match p.get(name).map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|d| Some(Some(d.format("%Y-%m-%d").to_string())))
            .map_err(|_| invalid(name)),
    }
}

/// An ISO 8601 time (a bare date means midnight UTC).
pub(crate) fn opt_time(p: &Params, name: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    let Some(v) = p.get(name).map(str::trim) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
            return Ok(Some(t.and_utc()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
    }
    Err(invalid(name))
}

/// One of `allowed`, or 400 `does not have a valid value`.
pub(crate) fn one_of(p: &Params, name: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, Reply> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => allowed.iter().find(|a| **a == v).copied().map(Some).ok_or_else(|| not_a_valid_value(name)),
    }
}

pub(crate) const ISSUE_TYPES: &[&str] = &["issue", "incident", "test_case", "task"];

/// Sizes as Rails' `number_to_human_size` writes them in GitLab's BytesizeValidator message
/// (app/validators/bytesize_validator.rb): 1024-based units, three significant digits,
/// insignificant zeros stripped.
fn human_size(bytes: usize) -> String {
    if bytes < 1024 {
        return if bytes == 1 { "1 Byte".to_string() } else { format!("{bytes} Bytes") };
    }
    let units = ["KB", "MB", "GB", "TB"];
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    let digits_before = value.log10().floor() as i32 + 1;
    let decimals = (3 - digits_before).max(0) as usize;
    let s = format!("{value:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    format!("{s} {}", units[unit])
}

/// Issue model validations on a (stripped) title and a description.
pub(crate) fn issue_fields(st: &State, title: Option<&str>, description: Option<&str>) -> Result<(), Reply> {
    let mut errors = Vec::new();
    if let Some(t) = title {
        if t.is_empty() {
            errors.push(("title", "can't be blank".to_string()));
        } else if t.chars().count() > 255 {
            errors.push(("title", "is too long (maximum is 255 characters)".to_string()));
        }
    }
    let max = st.options.max_description_bytes;
    if let Some(d) = description.filter(|d| d.len() > max) {
        errors.push((
            "description",
            format!("is too long ({}). The maximum size is {}.", human_size(d.len()), human_size(max)),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Reply::validation(&errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(1_048_576), "1 MB");
        assert_eq!(human_size(1_048_577), "1 MB");
        assert_eq!(human_size(1_153_434), "1.1 MB");
        assert_eq!(human_size(1_000_000), "977 KB");
        assert_eq!(human_size(2_500), "2.44 KB");
        assert_eq!(human_size(12), "12 Bytes");
    }

    #[test]
    fn times() {
        let p = Params::from_query("a=2024-01-02T03:04:05Z&b=2024-01-02&c=2024-01-02T03:04:05.5&d=nope");
        assert_eq!(opt_time(&p, "a").unwrap().unwrap().to_rfc3339(), "2024-01-02T03:04:05+00:00");
        assert_eq!(opt_time(&p, "b").unwrap().unwrap().to_rfc3339(), "2024-01-02T00:00:00+00:00");
        assert!(opt_time(&p, "c").unwrap().is_some());
        assert!(opt_time(&p, "d").is_err());
        assert!(opt_time(&p, "e").unwrap().is_none());
    }
}
