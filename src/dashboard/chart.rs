//! The picture a dashboard opens with: a Mermaid pie of how many people stand where (GitLab
//! renders Mermaid in issues). It is drawn from the rows alone, so it changes only when a row
//! does. Pure: no IO.

use std::collections::BTreeMap;

/// Each standing as the chart names it, most in need of attention first.
const SLICES: [(&str, &str); 7] = [
    ("overdue", "Overdue"),
    ("behind", "Behind"),
    ("on-track", "On track"),
    ("paused", "Paused"),
    ("complete", "Complete"),
    ("finished", "Finished"),
    ("-", "Not assessed"),
];

/// The chart's lines, or none when nobody is on the dashboard. Only fixed words and numbers go
/// into it: nothing a person wrote.
pub fn pie(title: &str, standings: &BTreeMap<&str, usize>) -> Vec<String> {
    let slices: Vec<String> = SLICES
        .iter()
        .filter_map(|(id, name)| standings.get(id).filter(|n| **n > 0).map(|n| format!("    \"{name}\" : {n}")))
        .collect();
    if slices.is_empty() {
        return Vec::new();
    }
    let mut out = vec!["```mermaid".to_string(), "pie showData".into(), format!("    title {title}")];
    out.extend(slices);
    out.push("```".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_per_standing_with_people() {
        let standings = BTreeMap::from([("behind", 2), ("on-track", 3), ("paused", 0), ("finished", 1)]);
        assert_eq!(
            pie("Where your reports stand", &standings).join("\n"),
            "```mermaid\npie showData\n    title Where your reports stand\n    \"Behind\" : 2\n    \"On track\" : 3\n    \"Finished\" : 1\n```"
        );
        assert!(pie("t", &BTreeMap::new()).is_empty());
    }
}
