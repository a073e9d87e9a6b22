//! What onboarder can prove about an issue whose state block it cannot trust: the comments its
//! own account posted there (only a note's author can edit it), each carrying the keys it
//! settled, with the day. Pure: the shell reads the notes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::matching::is_ours;
use super::record::{IssueState, Trust};
use super::settings::Settings;
use crate::desired::Desired;
use crate::issue::{Note, Observed};
use crate::progress::comments::note_keys;
use crate::region;

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

/// The issues whose notes a run reads before planning them: onboarder's own open issues of the
/// people in this run whose state block it cannot vouch for (lost, mangled, forged, or written
/// before blocks were sealed). One request each; an issue with a sealed block costs none.
pub fn needing_proof<'o>(desired: &Desired, observed: &'o [Observed], s: &Settings) -> Vec<&'o Observed> {
    let keys: BTreeSet<&str> =
        desired.issues.iter().filter(|d| (s.selected)(&d.username)).map(|d| d.key.as_str()).collect();
    observed
        .iter()
        .filter(|o| o.open && !o.dropped() && o.moved_to_id.is_none() && is_ours(o, s))
        .filter(|o| {
            let live = region::parse(&o.description);
            live.key.as_deref().is_some_and(|k| keys.contains(k))
                && !matches!(IssueState::trust(&live, o, live.key.as_deref().unwrap_or(""), s.seal), Trust::Proven(_))
        })
        .collect()
}

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
