//! Reads the users out of onboarder roster files, so the demo fake knows them with their ids.

use std::io;
use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
struct Account {
    id: Option<u64>,
    username: String,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    gitlab: Account,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    people: Vec<Entry>,
    #[serde(default)]
    participants: Vec<Entry>,
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    let text = std::fs::read_to_string(path)?;
    serde_saphyr::from_str(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
}

/// (username, roster id, name) of everyone in a roster directory or file.
pub fn users(path: &Path) -> io::Result<Vec<(String, Option<u64>, String)>> {
    let entries: Vec<Entry> = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        files.sort();
        files.iter().map(|f| parse::<Entry>(f)).collect::<io::Result<_>>()?
    } else {
        let file: File = parse(path)?;
        file.people.into_iter().chain(file.participants).collect()
    };
    Ok(entries.into_iter().map(|e| (e.gitlab.username, e.gitlab.id, e.name)).collect())
}
