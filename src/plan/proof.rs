//! What onboarder can prove about an issue whose state block it cannot trust: the comments its
//! own account posted there (only a note's author can edit it), each carrying the keys it
//! settled, with the day. Pure: the shell reads the notes.

use std::collections::{BTreeMap, HashMap};

use crate::issue::Note;
use crate::progress::comments::note_keys;

/// The keys onboarder's own notes on one issue carry, each with the day it was first posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    pub said: BTreeMap<String, String>,
}

impl Proof {
    /// The proof in `notes`: only those `bots` wrote count (anyone may post a note carrying a
    /// key), and system notes never do.
    pub fn from_notes(notes: &[Note], bots: &[u64]) -> Proof {
        let mut said = BTreeMap::new();
        for n in notes.iter().filter(|n| !n.system && bots.contains(&n.author_id)) {
            let day = n.created_at.map(|t| t.date_naive().to_string()).unwrap_or_default();
            for key in note_keys(&n.body) {
                let entry = said.entry(key.to_string()).or_insert_with(|| day.clone());
                if day < *entry {
                    *entry = day.clone();
                }
            }
        }
        Proof { said }
    }

    /// The day each stage was first reached, from the stage comments.
    pub fn reached(&self) -> BTreeMap<String, String> {
        self.said.iter().filter_map(|(k, day)| Some((k.strip_prefix("stage:")?.to_string(), day.clone()))).collect()
    }
}

/// The proofs read this run, by project and iid.
pub type Proofs = HashMap<(String, u64), Proof>;

#[cfg(test)]
mod tests {
    use super::*;

    fn note(author: u64, system: bool, day: &str, body: &str) -> Note {
        let at = format!("{day}T10:00:00Z").parse().unwrap();
        Note { author_id: author, author_username: None, body: body.into(), system, created_at: Some(at) }
    }

    #[test]
    fn only_onboarders_own_comments_prove_anything() {
        let notes = [
            note(1, false, "2026-11-02", "Hi\n\n<!-- onboarder:note stage:b behind:b -->"),
            // A person's note carrying a key, and a system note: neither proves anything.
            note(7, false, "2026-10-01", "<!-- onboarder:note behind-manager:b -->"),
            note(1, true, "2026-10-01", "<!-- onboarder:note overdue -->"),
            // The same key posted again later: the first day counts.
            note(1, false, "2026-11-09", "<!-- onboarder:note stage:b -->"),
        ];
        let proof = Proof::from_notes(&notes, &[1]);
        let keys: Vec<&str> = proof.said.keys().map(String::as_str).collect();
        assert_eq!(keys, ["behind:b", "stage:b"]);
        assert_eq!(proof.said["stage:b"], "2026-11-02");
        assert_eq!(proof.reached(), [("b".to_string(), "2026-11-02".to_string())].into());
        assert!(Proof::from_notes(&notes, &[2]).said.is_empty(), "another account's notes prove nothing");
    }
}
